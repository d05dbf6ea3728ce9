-- Public accounts (公众 / 企业, docs/OPENING.md "Public accounts and transparency"): the identity
-- a citizen or a company asserts when it registers, so that it can see which departments and
-- applications accessed records about it (the audit ledger's subject hashes).
--
-- The 公民身份号码 or 统一社会信用代码 is never stored in clear: only its keyed hash (HMAC with the
-- node key `subject`, exactly as the data services write it into their audit events; see
-- `subjectHashOf` in src/modules/sharing/services.ts) and a masked form for display
-- (4401**********1234). A lookup therefore needs nothing but the hash.

-- One row per public user (role public_user). `verified_at` and `verification_method` go
-- together: an unverified account has neither and cannot see any access.
CREATE TABLE datong.public_accounts (
  user_id             uuid PRIMARY KEY REFERENCES datong.users (id) ON DELETE CASCADE,
  kind                text NOT NULL CHECK (kind IN ('person', 'company')),
  subject_hash        text NOT NULL CHECK (subject_hash ~ '^[0-9a-f]{32}$'),
  subject_masked      text NOT NULL CHECK (length(subject_masked) = 18),
  phone               text CHECK (phone IS NULL OR length(phone) <= 20),
  email               text CHECK (email IS NULL OR length(email) <= 254),
  verified_at         timestamptz,
  -- 'demo': asserted at registration on a demo node (no real eID); 'admin': an administrator
  -- checked the person's or company's documents and confirmed the number.
  verification_method text CHECK (verification_method IN ('demo', 'admin')),
  verified_by         uuid REFERENCES datong.users (id) ON DELETE SET NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  CHECK ((verified_at IS NULL) = (verification_method IS NULL))
);
-- One verified account per person or company: a second account may register the same number
-- but can only be verified once the first is gone.
CREATE UNIQUE INDEX public_accounts_verified_subject ON datong.public_accounts (subject_hash)
  WHERE verified_at IS NOT NULL;
-- The administrators' list of accounts waiting for verification, oldest first.
CREATE INDEX public_accounts_pending ON datong.public_accounts (created_at) WHERE verified_at IS NULL;

-- The node's settings for public accounts, one row. `org_id` is the platform organisation every
-- public user belongs to (社会公众), made on first need — not here, because a node with an
-- organisation is no longer "empty" and would not get its demo data. `demo_verification` is set
-- by `datong seed --demo`: registrations on a demo node are verified at once ('demo').
CREATE TABLE datong.public_settings (
  id                boolean PRIMARY KEY DEFAULT true CHECK (id),
  org_id            uuid REFERENCES datong.orgs (id),
  demo_verification boolean NOT NULL DEFAULT false
);
INSERT INTO datong.public_settings DEFAULT VALUES;
