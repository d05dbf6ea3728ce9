-- Sharing (共享): share requests (共享申请), the grants (授权) they end in, the history of both,
-- and in-app notifications (docs/SHARING.md "Share requests and grants";
-- src/modules/sharing/requests.ts, grants.ts).
--
-- A department (the consumer) asks for fields of a published catalog entry for one of its
-- applications and a named scenario (应用场景). By the entry's share type: unconditional → granted
-- at once; conditional → the provider's approver decides within 10 working days (due_at), and for
-- an entry of grade ≥ 3, important or core the platform reviews after the provider (review_due_at,
-- 5 working days); none → refused before anything is stored. Every step is a row of
-- share_request_events and an audit event; a grant's steps are grant_events.

CREATE TABLE datong.share_requests (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The requesting organisation and its application the data is for.
  consumer_org_id     uuid NOT NULL REFERENCES datong.orgs (id),
  app_id              uuid NOT NULL REFERENCES datong.apps (id),
  -- The entry and the published catalog version the fields were chosen from.
  entry_id            uuid NOT NULL REFERENCES datong.catalog_entries (id),
  catalog_version     integer NOT NULL CHECK (catalog_version >= 1),
  -- The entry's provider when requested (an entry's provider never changes; kept here for the inbox).
  provider_org_id     uuid NOT NULL REFERENCES datong.orgs (id),
  -- Field codes asked for, in the entry's order.
  fields              text[] NOT NULL CHECK (cardinality(fields) BETWEEN 1 AND 1000),
  -- {name, description, basis, appId}: the scenario (应用场景) and its legal basis (依据).
  scenario            jsonb NOT NULL CHECK (jsonb_typeof(scenario) = 'object'),
  -- {perDay}: the expected volume; the grant's daily quota defaults to it.
  expected_volume     jsonb NOT NULL CHECK (jsonb_typeof(expected_volume) = 'object'),
  -- Validity asked for (inclusive days, Asia/Shanghai), at most three years.
  valid_from          date NOT NULL,
  valid_to            date NOT NULL,
  -- The rows asked for: a Condition (src/modules/sharing/filter.ts) over the entry's fields, or null.
  row_scope           jsonb,
  -- The entry's share type and whether the platform reviews, both as they were when requested.
  share_type          text NOT NULL CHECK (share_type IN ('unconditional', 'conditional')),
  needs_review        boolean NOT NULL,
  -- submitted → (provider) approved | provider_approved | refused; provider_approved → (platform)
  -- approved | refused; submitted | provider_approved → withdrawn. approved = granted.
  status              text NOT NULL CHECK (status IN ('submitted', 'provider_approved', 'approved', 'refused', 'withdrawn')),
  -- The provider's deadline: 10 working days after the request (for an unconditional request,
  -- granted at once, the moment it was made).
  due_at              timestamptz NOT NULL,
  -- The platform's deadline, set when the provider approves a request that needs review.
  review_due_at       timestamptz,
  -- The provider's decision (approve or refuse).
  decided_by          uuid REFERENCES datong.users (id) ON DELETE SET NULL,
  decided_by_name     text,
  decided_at          timestamptz,
  -- The platform's review.
  reviewed_by         uuid REFERENCES datong.users (id) ON DELETE SET NULL,
  reviewed_by_name    text,
  reviewed_at         timestamptz,
  -- Why it was refused (by the provider or the platform) or withdrawn.
  reason              text CHECK (length(reason) <= 2000),
  -- What the provider's approval narrowed: {fields?, masking?, rowFilter?, validTo?, rateLimit?, dailyQuota?}.
  adjustments         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(adjustments) = 'object'),
  -- When the overdue notification went out (once per deadline).
  overdue_notified_at timestamptz,
  review_overdue_notified_at timestamptz,
  created_by          uuid REFERENCES datong.users (id) ON DELETE SET NULL,
  created_by_name     text NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CHECK (valid_to >= valid_from),
  CHECK (valid_to <= valid_from + interval '3 years'),
  CHECK (consumer_org_id <> provider_org_id),
  CHECK ((status = 'provider_approved') <= (review_due_at IS NOT NULL)),
  CHECK ((status IN ('refused')) <= (reason IS NOT NULL))
);
-- The provider's inbox, most urgent first (GET /api/share/requests?box=inbox).
CREATE INDEX share_requests_inbox ON datong.share_requests (provider_org_id, status, due_at, id);
CREATE INDEX share_requests_inbox_all ON datong.share_requests (provider_org_id, due_at, id);
-- The consumer's outbox, newest first (?box=outbox).
CREATE INDEX share_requests_outbox ON datong.share_requests (consumer_org_id, created_at DESC, id DESC);
-- The platform's review queue (?box=review), most urgent first.
CREATE INDEX share_requests_review ON datong.share_requests (review_due_at, id) WHERE review_due_at IS NOT NULL;
-- The overdue job looks only at undecided requests.
CREATE INDEX share_requests_open ON datong.share_requests (due_at)
  WHERE status IN ('submitted', 'provider_approved');
-- One open request per application and entry: a second one is answered 409 share_request_pending.
CREATE UNIQUE INDEX share_requests_one_open ON datong.share_requests (app_id, entry_id)
  WHERE status IN ('submitted', 'provider_approved');

COMMENT ON TABLE datong.share_requests IS 'Share requests (共享申请): a consumer org asks for fields of a catalog entry for an app and scenario';
COMMENT ON COLUMN datong.share_requests.fields IS 'Field codes asked for (a subset of the catalog version''s fields)';
COMMENT ON COLUMN datong.share_requests.scenario IS '{name, description, basis, appId}: the scenario (应用场景) and its legal basis';
COMMENT ON COLUMN datong.share_requests.row_scope IS 'The rows asked for: a filter Condition over the entry''s fields, or null for all rows';
COMMENT ON COLUMN datong.share_requests.needs_review IS 'Grade >= 3, important or core: the platform reviews after the provider approves';
COMMENT ON COLUMN datong.share_requests.due_at IS 'The provider''s deadline: end of the 10th working day after the request (Asia/Shanghai)';
COMMENT ON COLUMN datong.share_requests.review_due_at IS 'The platform''s deadline: end of the 5th working day after the provider approved';
COMMENT ON COLUMN datong.share_requests.adjustments IS 'What the provider narrowed on approval: fields, masking, rowFilter, validTo, rateLimit, dailyQuota';

-- The history of a request: who did what, when (the audit ledger has the proof).
CREATE TABLE datong.share_request_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id  uuid NOT NULL REFERENCES datong.share_requests (id) ON DELETE CASCADE,
  -- submit, grant (an unconditional request granted at once), approve, refuse, review_approve,
  -- review_refuse, withdraw, overdue, review_overdue.
  action      text NOT NULL CHECK (action ~ '^[a-z][a-z_]{1,39}$'),
  from_status text,
  to_status   text NOT NULL,
  actor_id    text,
  actor_name  text,
  comment     text,
  detail      jsonb NOT NULL DEFAULT '{}',
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX share_request_events_request ON datong.share_request_events (request_id, id);

COMMENT ON TABLE datong.share_request_events IS 'The steps of each share request (who, when, what), shown with the request';

-- Grants (授权): app × entry × fields × row filter × masking per field × rate limit × daily quota ×
-- validity. Data services read the active grants; any change NOTIFYs datong_grants with the grant
-- id (a trigger, delivered at commit) so that caches drop it at once.
CREATE TABLE datong.grants (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  request_id       uuid NOT NULL UNIQUE REFERENCES datong.share_requests (id),
  app_id           uuid NOT NULL REFERENCES datong.apps (id),
  consumer_org_id  uuid NOT NULL REFERENCES datong.orgs (id),
  entry_id         uuid NOT NULL REFERENCES datong.catalog_entries (id),
  catalog_version  integer NOT NULL CHECK (catalog_version >= 1),
  provider_org_id  uuid NOT NULL REFERENCES datong.orgs (id),
  -- The granted field codes and, for each, its MaskFunction (src/platform/masking):
  -- {"<code>": "none" | "name" | "id_number" | …}; every granted field has one.
  fields           text[] NOT NULL CHECK (cardinality(fields) BETWEEN 1 AND 1000),
  masking          jsonb NOT NULL CHECK (jsonb_typeof(masking) = 'object'),
  -- A Condition over the entry's columns ANDed outside every caller's conditions, or null.
  row_filter       jsonb,
  -- Requests per second, and calls per day (Asia/Shanghai), the app may make under this grant
  -- (the daily quota defaults to the request's expected volume per day).
  rate_limit       integer NOT NULL CHECK (rate_limit BETWEEN 1 AND 10000),
  daily_quota      integer NOT NULL CHECK (daily_quota BETWEEN 1 AND 100000000),
  valid_from       date NOT NULL,
  valid_to         date NOT NULL,
  status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'revoked', 'expired')),
  -- Why it was last suspended or revoked.
  status_reason    text CHECK (length(status_reason) <= 2000),
  -- The scenario name, for the audit events of data calls.
  scenario_name    text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (valid_to >= valid_from)
);
CREATE INDEX grants_consumer ON datong.grants (consumer_org_id, created_at DESC, id DESC);
CREATE INDEX grants_provider ON datong.grants (provider_org_id, created_at DESC, id DESC);
-- What a data call looks up: the app's usable grants on an entry.
CREATE INDEX grants_app_entry ON datong.grants (app_id, entry_id) WHERE status = 'active';
-- The expiry job.
CREATE INDEX grants_expiring ON datong.grants (valid_to) WHERE status IN ('active', 'suspended');

COMMENT ON TABLE datong.grants IS 'Grants (授权) created by approved share requests: what an app may read of an entry, masked how, until when';
COMMENT ON COLUMN datong.grants.masking IS 'Per granted field code, its masking function (defaults from the field''s piiKind)';
COMMENT ON COLUMN datong.grants.row_filter IS 'A filter Condition over the entry''s columns, ANDed outside the caller''s conditions';
COMMENT ON COLUMN datong.grants.valid_to IS 'Last day of validity (inclusive, Asia/Shanghai); renewals extend it';

CREATE TABLE datong.grant_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  grant_id    uuid NOT NULL REFERENCES datong.grants (id) ON DELETE CASCADE,
  -- create, suspend, resume, revoke, renew, expire.
  action      text NOT NULL CHECK (action ~ '^[a-z][a-z_]{1,39}$'),
  from_status text,
  to_status   text NOT NULL,
  actor_id    text,
  actor_name  text,
  comment     text,
  detail      jsonb NOT NULL DEFAULT '{}',
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX grant_events_grant ON datong.grant_events (grant_id, id);

COMMENT ON TABLE datong.grant_events IS 'The steps of each grant: creation, suspension, resumption, revocation, renewal, expiry';

CREATE FUNCTION datong.grants_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('datong_grants', NEW.id::text);
  RETURN NULL;
END $$;
CREATE TRIGGER grants_notify AFTER INSERT OR UPDATE ON datong.grants
  FOR EACH ROW EXECUTE FUNCTION datong.grants_notify();

-- In-app notifications, to one user or to a whole organisation (read once by anyone of it).
CREATE TABLE datong.notifications (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  recipient_user_id uuid REFERENCES datong.users (id) ON DELETE CASCADE,
  recipient_org_id  uuid REFERENCES datong.orgs (id) ON DELETE CASCADE,
  -- e.g. share.overdue, share.review_overdue.
  kind              text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]{1,63}$'),
  -- What the UI shows and links to: {requestId, entryName, dueAt, …}.
  payload           jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(payload) = 'object'),
  created_at        timestamptz NOT NULL DEFAULT now(),
  read_at           timestamptz,
  CHECK (num_nonnulls(recipient_user_id, recipient_org_id) = 1)
);
CREATE INDEX notifications_user ON datong.notifications (recipient_user_id, created_at DESC)
  WHERE recipient_user_id IS NOT NULL;
CREATE INDEX notifications_org ON datong.notifications (recipient_org_id, created_at DESC)
  WHERE recipient_org_id IS NOT NULL;

COMMENT ON TABLE datong.notifications IS 'In-app notifications to a user or an organisation (e.g. a share request became overdue)';
COMMENT ON COLUMN datong.notifications.payload IS 'Kind-specific content for the UI, e.g. {requestId, entryName, dueAt}';
