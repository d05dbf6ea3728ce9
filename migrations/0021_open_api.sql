-- The public API of the open-data portal (docs/OPENING.md "Public API"): API keys of signed-in
-- users (public users, companies, staff), their daily usage, and download counts per entry.

-- A key is shown once as `<id>.<secret>`; only HMAC-SHA256(node key `open-api-key`, secret) is
-- kept. The secret is 32 random bytes, so a keyed fast hash is enough (nothing to brute-force)
-- and keeps verification cheap on every call.
CREATE TABLE datong.open_api_keys (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES datong.users (id) ON DELETE CASCADE,
  name         text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  secret_hash  bytea NOT NULL CHECK (length(secret_hash) = 32),
  -- Calls per minute and per Asia/Shanghai day.
  rate_limit   integer NOT NULL CHECK (rate_limit BETWEEN 1 AND 1000000),
  daily_quota  integer NOT NULL CHECK (daily_quota BETWEEN 1 AND 1000000000),
  status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz,
  CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);
-- A user's own list, newest first, and the count of their active keys.
CREATE INDEX open_api_keys_user ON datong.open_api_keys (user_id, created_at DESC);

-- Calls admitted per key and day, added to about once a second by each serving process.
CREATE TABLE datong.open_api_usage (
  key_id uuid NOT NULL REFERENCES datong.open_api_keys (id) ON DELETE CASCADE,
  day    date NOT NULL,
  calls  bigint NOT NULL DEFAULT 0 CHECK (calls >= 0),
  PRIMARY KEY (key_id, day)
);

-- Downloads per entry, Asia/Shanghai day and format: the portal's "most downloaded" (last 30
-- days) and each dataset's total.
CREATE TABLE datong.open_downloads (
  entry_id  uuid NOT NULL REFERENCES datong.catalog_entries (id) ON DELETE CASCADE,
  day       date NOT NULL,
  format    text NOT NULL CHECK (format IN ('csv', 'xlsx', 'json')),
  downloads bigint NOT NULL DEFAULT 0 CHECK (downloads >= 0),
  PRIMARY KEY (entry_id, day, format)
);
CREATE INDEX open_downloads_day ON datong.open_downloads (day, entry_id);
