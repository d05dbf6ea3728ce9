-- Identity: organisations, users and their roles, sessions, bearer tokens, applications (应用)
-- and their signing credentials, and the nonces of signed requests.
--
-- Secrets never rest in clear: session and bearer tokens are stored as SHA-256 hashes, and an
-- application's signing key (SHA-256 of its secret) only sealed with the node data key. The
-- secret itself is shown once and stored nowhere.
CREATE SCHEMA IF NOT EXISTS datong;

-- Organisations form a tree (省数据局 → 厅局 → 处室 …) through parent_id.
CREATE TABLE datong.orgs (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  parent_id   uuid REFERENCES datong.orgs (id),
  name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  -- 统一社会信用代码; the check character is verified by the application (GB 32100-2015).
  uscc        char(18) NOT NULL UNIQUE CHECK (uscc ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
  -- 行政区划代码 (GB/T 2260).
  region_code char(6) NOT NULL CHECK (region_code ~ '^[0-9]{6}$' AND region_code <> '000000'),
  kind        text NOT NULL CHECK (kind IN ('government', 'institution', 'company', 'other')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX orgs_parent ON datong.orgs (parent_id);

CREATE TABLE datong.users (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username            text NOT NULL CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$'),
  display_name        text NOT NULL CHECK (length(btrim(display_name)) BETWEEN 1 AND 100),
  org_id              uuid NOT NULL REFERENCES datong.orgs (id),
  -- argon2id, PHC string format.
  password_hash       text NOT NULL,
  disabled            boolean NOT NULL DEFAULT false,
  failed_logins       integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
  locked_until        timestamptz,
  last_login_at       timestamptz,
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  locale              text NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN', 'en')),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
-- Usernames are unique whatever their case ("Zhang" and "zhang" are one account); the
-- expression also serves login and the user list's keyset order.
CREATE UNIQUE INDEX users_username_lower ON datong.users (lower(username));
CREATE INDEX users_org ON datong.users (org_id);

CREATE TABLE datong.user_roles (
  user_id uuid NOT NULL REFERENCES datong.users (id) ON DELETE CASCADE,
  role    text NOT NULL CHECK (role IN ('sysadmin', 'secadmin', 'auditor', 'org_admin', 'data_steward',
                                        'approver', 'developer', 'member', 'public_user')),
  PRIMARY KEY (user_id, role)
);

-- Cookie sessions of the web UI: 8 h idle, 12 h absolute (expires_at).
CREATE TABLE datong.sessions (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash   bytea NOT NULL UNIQUE,
  user_id      uuid NOT NULL REFERENCES datong.users (id) ON DELETE CASCADE,
  csrf_token   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user ON datong.sessions (user_id);
CREATE INDEX sessions_expires ON datong.sessions (expires_at);

-- Bearer tokens of API clients acting as a user (12 h).
CREATE TABLE datong.access_tokens (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash   bytea NOT NULL UNIQUE,
  user_id      uuid NOT NULL REFERENCES datong.users (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  last_used_at timestamptz
);
CREATE INDEX access_tokens_user ON datong.access_tokens (user_id);
CREATE INDEX access_tokens_expires ON datong.access_tokens (expires_at);

-- Applications (应用) registered by an organisation's developers to call data services.
CREATE TABLE datong.apps (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id      uuid NOT NULL REFERENCES datong.orgs (id),
  name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  description text,
  created_by  uuid REFERENCES datong.users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX apps_org_name ON datong.apps (org_id, lower(name));

-- Signing credentials of applications. signing_key_sealed = seal(SHA-256(secret)) with the
-- node data key: the HMAC key must be recoverable to verify signatures, the secret need not be.
CREATE TABLE datong.app_credentials (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id             uuid NOT NULL REFERENCES datong.apps (id) ON DELETE CASCADE,
  key_id             text NOT NULL UNIQUE CHECK (key_id ~ '^[A-Za-z0-9_-]{8,64}$'),
  signing_key_sealed bytea NOT NULL,
  created_by         uuid REFERENCES datong.users (id),
  created_at         timestamptz NOT NULL DEFAULT now(),
  expires_at         timestamptz,
  revoked_at         timestamptz,
  last_used_at       timestamptz
);
CREATE INDEX app_credentials_app ON datong.app_credentials (app_id, created_at);

-- Nonces of signed requests. A timestamp is accepted within ±300 s, so a nonce matters for at
-- most 10 minutes of server time; older rows are pruned opportunistically.
CREATE TABLE datong.request_nonces (
  key_id  text NOT NULL,
  nonce   text NOT NULL,
  seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key_id, nonce)
);
CREATE INDEX request_nonces_seen ON datong.request_nonces (seen_at);
