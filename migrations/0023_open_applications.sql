-- Opening (开放): conditional-open applications (有条件开放申请) and data products (数据产品 /
-- 服务化) with their subscriptions and monthly metering (docs/OPENING.md "Conditional opening",
-- "Data products"; src/modules/opening/conditional.ts, products.ts, product-calls.ts).
--
-- A public user (a person or a company's agent) applies for an entry whose published catalog
-- version is openType 'conditional': purpose, the applicant organisation and its 统一社会信用代码,
-- intended use, security measures, acceptance of the agreement (its text version). The provider's
-- approver decides (10 working days), then the platform (5 working days). Approved → access to the
-- entry's open version until expires_at. Every step is a row of open_application_events and an
-- audit event.

CREATE TABLE datong.open_applications (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entry_id             uuid NOT NULL REFERENCES datong.catalog_entries (id),
  -- The published catalog version applied against (its openType was 'conditional').
  catalog_version      integer NOT NULL CHECK (catalog_version >= 1),
  provider_org_id      uuid NOT NULL REFERENCES datong.orgs (id),
  applicant_user_id    uuid NOT NULL REFERENCES datong.users (id),
  applicant_name       text NOT NULL,
  -- The organisation applying and its 统一社会信用代码 (check character verified by the service).
  applicant_org_name   text NOT NULL CHECK (length(btrim(applicant_org_name)) BETWEEN 1 AND 200),
  applicant_uscc       char(18) NOT NULL CHECK (applicant_uscc ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
  purpose              text NOT NULL CHECK (length(purpose) BETWEEN 2 AND 2000),
  intended_use         text NOT NULL CHECK (length(intended_use) BETWEEN 2 AND 2000),
  security_measures    text NOT NULL CHECK (length(security_measures) BETWEEN 2 AND 2000),
  -- The agreement (开放数据使用协议) the applicant accepted, by its text version, and when.
  agreement_version    text NOT NULL,
  agreement_accepted_at timestamptz NOT NULL,
  -- Months of access asked for (1–36); the provider may shorten it when approving.
  months               integer NOT NULL CHECK (months BETWEEN 1 AND 36),
  -- submitted → (provider) provider_approved | refused; provider_approved → (platform) approved |
  -- refused; submitted | provider_approved → withdrawn; approved → expired (after expires_at).
  status               text NOT NULL CHECK (status IN ('submitted', 'provider_approved', 'approved', 'refused', 'withdrawn', 'expired')),
  due_at               timestamptz NOT NULL,
  review_due_at        timestamptz,
  -- The provider's decision and its reason (a refusal needs one; an approval may carry a comment).
  provider_decision    text CHECK (provider_decision IN ('approve', 'refuse')),
  provider_reason      text CHECK (length(provider_reason) <= 2000),
  provider_by          uuid REFERENCES datong.users (id) ON DELETE SET NULL,
  provider_by_name     text,
  provider_at          timestamptz,
  -- The months the provider granted (≤ months).
  granted_months       integer CHECK (granted_months BETWEEN 1 AND 36),
  -- The platform's decision and its reason.
  platform_decision    text CHECK (platform_decision IN ('approve', 'refuse')),
  platform_reason      text CHECK (length(platform_reason) <= 2000),
  platform_by          uuid REFERENCES datong.users (id) ON DELETE SET NULL,
  platform_by_name     text,
  platform_at          timestamptz,
  -- Why the applicant withdrew.
  withdraw_reason      text CHECK (length(withdraw_reason) <= 2000),
  -- Access ends at this instant (set on the platform's approval).
  expires_at           timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'provider_approved') <= (review_due_at IS NOT NULL)),
  CHECK ((status IN ('approved', 'expired')) <= (expires_at IS NOT NULL))
);
CREATE INDEX open_applications_inbox ON datong.open_applications (provider_org_id, due_at, id);
CREATE INDEX open_applications_review ON datong.open_applications (review_due_at, id) WHERE review_due_at IS NOT NULL;
CREATE INDEX open_applications_mine ON datong.open_applications (applicant_user_id, created_at DESC, id DESC);
-- What conditionalAccess() asks on every conditional read.
CREATE INDEX open_applications_access ON datong.open_applications (applicant_user_id, entry_id, expires_at)
  WHERE status = 'approved';
-- One undecided application per applicant and entry.
CREATE UNIQUE INDEX open_applications_one_open ON datong.open_applications (applicant_user_id, entry_id)
  WHERE status IN ('submitted', 'provider_approved');

COMMENT ON TABLE datong.open_applications IS 'Conditional-open applications (有条件开放申请): a public user asks for a conditional entry''s open version';

CREATE TABLE datong.open_application_events (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  application_id uuid NOT NULL REFERENCES datong.open_applications (id) ON DELETE CASCADE,
  action         text NOT NULL CHECK (action ~ '^[a-z][a-z_]{1,39}$'),
  from_status    text,
  to_status      text NOT NULL,
  actor_id       text,
  actor_name     text,
  comment        text,
  detail         jsonb NOT NULL DEFAULT '{}',
  at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX open_application_events_app ON datong.open_application_events (application_id, id);

-- Data products (数据产品): a data service over one entry, published by its provider with a
-- description, terms of use and quota tiers. kind query | statistics read the entry's OPEN version
-- (open."<name>"); verify reads the source dataset (ds."<name>") and answers match / mismatch /
-- not_found per field, never a value.
CREATE TABLE datong.data_products (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entry_id        uuid NOT NULL REFERENCES datong.catalog_entries (id),
  provider_org_id uuid NOT NULL REFERENCES datong.orgs (id),
  kind            text NOT NULL CHECK (kind IN ('query', 'verify', 'statistics')),
  name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  description     text NOT NULL CHECK (length(description) <= 4000),
  -- The terms of use (使用条款) a subscriber accepts, and their version (bumped when they change).
  terms           text NOT NULL CHECK (length(terms) BETWEEN 1 AND 20000),
  terms_version   integer NOT NULL DEFAULT 1 CHECK (terms_version >= 1),
  -- [{name, callsPerMonth, ratePerMinute}], 1–10 tiers with distinct names.
  tiers           jsonb NOT NULL CHECK (jsonb_typeof(tiers) = 'array' AND jsonb_array_length(tiers) BETWEEN 1 AND 10),
  -- Per kind: query {fields}, verify {keyFields, fields}, statistics {groupBy, minCell}.
  config          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(config) = 'object'),
  status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'retired')),
  published_at    timestamptz,
  retired_at      timestamptz,
  created_by      uuid REFERENCES datong.users (id) ON DELETE SET NULL,
  created_by_name text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX data_products_provider ON datong.data_products (provider_org_id, created_at DESC, id DESC);
CREATE INDEX data_products_entry ON datong.data_products (entry_id) WHERE status = 'published';

COMMENT ON TABLE datong.data_products IS 'Data products (数据产品): query / verify / statistics services over an entry, with terms and quota tiers';

-- Subscriptions: a public user (a person, or a company by its 统一社会信用代码) applies for a tier,
-- accepting the terms; the provider approves or refuses, and may revoke later.
CREATE TABLE datong.product_subscriptions (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  product_id         uuid NOT NULL REFERENCES datong.data_products (id),
  subscriber_user_id uuid NOT NULL REFERENCES datong.users (id),
  subscriber_name    text NOT NULL,
  -- A company subscriber: its name and 统一社会信用代码; a person: both null.
  company_name       text CHECK (length(btrim(company_name)) BETWEEN 1 AND 200),
  company_uscc       char(18) CHECK (company_uscc ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
  purpose            text NOT NULL CHECK (length(purpose) BETWEEN 2 AND 2000),
  tier               text NOT NULL,
  terms_version      integer NOT NULL,
  terms_accepted_at  timestamptz NOT NULL,
  status             text NOT NULL CHECK (status IN ('applied', 'approved', 'refused', 'revoked')),
  approved_by        uuid REFERENCES datong.users (id) ON DELETE SET NULL,
  approved_by_name   text,
  decided_at         timestamptz,
  reason             text CHECK (length(reason) <= 2000),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK ((company_name IS NULL) = (company_uscc IS NULL)),
  CHECK ((status IN ('refused', 'revoked')) <= (reason IS NOT NULL))
);
CREATE INDEX product_subscriptions_product ON datong.product_subscriptions (product_id, created_at DESC, id DESC);
CREATE INDEX product_subscriptions_mine ON datong.product_subscriptions (subscriber_user_id, created_at DESC);
-- One live subscription (applied or approved) per subscriber and product.
CREATE UNIQUE INDEX product_subscriptions_one_live ON datong.product_subscriptions (product_id, subscriber_user_id)
  WHERE status IN ('applied', 'approved');

CREATE TABLE datong.product_subscription_events (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subscription_id uuid NOT NULL REFERENCES datong.product_subscriptions (id) ON DELETE CASCADE,
  action          text NOT NULL CHECK (action ~ '^[a-z][a-z_]{1,39}$'),
  from_status     text,
  to_status       text NOT NULL,
  actor_id        text,
  actor_name      text,
  comment         text,
  detail          jsonb NOT NULL DEFAULT '{}',
  at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_subscription_events_sub ON datong.product_subscription_events (subscription_id, id);

-- Calls admitted per subscription per calendar month in Asia/Shanghai (month: its first day).
-- Each process counts in memory and adds its counts here about once a second.
CREATE TABLE datong.product_usage (
  subscription_id uuid NOT NULL REFERENCES datong.product_subscriptions (id) ON DELETE CASCADE,
  month           date NOT NULL CHECK (extract(day FROM month) = 1),
  calls           bigint NOT NULL DEFAULT 0 CHECK (calls >= 0),
  PRIMARY KEY (subscription_id, month)
);
COMMENT ON TABLE datong.product_usage IS 'Calls admitted per product subscription per month (Asia/Shanghai), for tiers and usage reports';
