-- Supply–demand (供需对接): a department asks for data it cannot find in the catalog, the platform
-- routes the demand to the department it thinks holds the data, and that department answers —
-- with an existing published entry, a planned one, or a refusal with a reason
-- (src/modules/sharing/demands.ts, demand-routes.ts).
--
-- open → routed (the platform, or at once when the requester names the holder) → answered_linked |
-- answered_planned | refused; answered_planned → answered_linked once the entry is published;
-- open | routed | refused → routed again (the platform re-routes, a new deadline); open | routed →
-- withdrawn and answered_* | refused → closed, by the requesting organisation. The assigned
-- department answers within 10 working days of routing (due_at). A demand answered with an entry
-- becomes a share request in one click (share_requests.demand_id).

CREATE TABLE datong.demands (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The requesting organisation.
  requester_org_id    uuid NOT NULL REFERENCES datong.orgs (id),
  -- What data (需求名称 and a description of it).
  title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  description         text NOT NULL CHECK (length(description) BETWEEN 1 AND 4000),
  -- What for: {name, description, basis} — the scenario (应用场景) a share request takes by default.
  purpose             jsonb NOT NULL CHECK (jsonb_typeof(purpose) = 'object'),
  -- The department the requester thinks holds the data (optional).
  suggested_org_id    uuid REFERENCES datong.orgs (id),
  status              text NOT NULL CHECK (status IN ('open', 'routed', 'answered_linked', 'answered_planned',
                        'refused', 'withdrawn', 'closed')),
  -- The department that answers, when it was routed, and its deadline (10 working days).
  assigned_org_id     uuid REFERENCES datong.orgs (id),
  routed_at           timestamptz,
  due_at              timestamptz,
  -- The answer: link → an entry (and its published version then); plan → a name and a date;
  -- refuse → reason.
  answer_kind         text CHECK (answer_kind IN ('link', 'plan', 'refuse')),
  linked_entry_id     uuid REFERENCES datong.catalog_entries (id),
  linked_version      integer,
  planned_name        text CHECK (length(planned_name) <= 200),
  planned_date        date,
  reason              text CHECK (length(reason) <= 2000),
  answer_comment      text CHECK (length(answer_comment) <= 2000),
  answered_by         uuid REFERENCES datong.users (id) ON DELETE SET NULL,
  answered_by_name    text,
  answered_at         timestamptz,
  -- When the overdue notification for the current deadline went out (reset on re-routing).
  overdue_notified_at timestamptz,
  created_by          uuid REFERENCES datong.users (id) ON DELETE SET NULL,
  created_by_name     text NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CHECK (assigned_org_id IS NULL OR assigned_org_id <> requester_org_id),
  CHECK ((status = 'open') OR (assigned_org_id IS NOT NULL AND due_at IS NOT NULL) OR status = 'withdrawn'),
  CHECK ((status = 'answered_linked') <= (linked_entry_id IS NOT NULL)),
  CHECK ((status = 'answered_planned') <= (planned_name IS NOT NULL AND planned_date IS NOT NULL)),
  CHECK ((status = 'refused') <= (reason IS NOT NULL))
);
-- The requester's demands, newest first (?box=mine).
CREATE INDEX demands_requester ON datong.demands (requester_org_id, created_at DESC, id DESC);
-- The assigned department's demands, most urgent first (?box=assigned).
CREATE INDEX demands_assigned ON datong.demands (assigned_org_id, due_at, id) WHERE assigned_org_id IS NOT NULL;
-- Everything, newest first (?box=all).
CREATE INDEX demands_created ON datong.demands (created_at DESC, id DESC);
-- The overdue job looks only at routed demands.
CREATE INDEX demands_routed ON datong.demands (due_at) WHERE status = 'routed';

COMMENT ON TABLE datong.demands IS 'Data demands (数据需求, 供需对接): a department asks for data; the platform routes it; the holder answers';
COMMENT ON COLUMN datong.demands.purpose IS '{name, description, basis}: what the data is for; the default scenario of a share request';
COMMENT ON COLUMN datong.demands.due_at IS 'The assigned department''s deadline: end of the 10th working day after routing (Asia/Shanghai)';
COMMENT ON COLUMN datong.demands.linked_entry_id IS 'The published catalog entry that answers the demand (answer_kind link)';

-- The history of a demand: who did what, when (the audit ledger has the proof).
CREATE TABLE datong.demand_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  demand_id   uuid NOT NULL REFERENCES datong.demands (id) ON DELETE CASCADE,
  -- create, route, answer, withdraw, close, request, overdue.
  action      text NOT NULL CHECK (action ~ '^[a-z][a-z_]{1,39}$'),
  from_status text,
  to_status   text NOT NULL,
  actor_id    text,
  actor_name  text,
  comment     text,
  detail      jsonb NOT NULL DEFAULT '{}',
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX demand_events_demand ON datong.demand_events (demand_id, id);

COMMENT ON TABLE datong.demand_events IS 'The steps of each data demand (who, when, what), shown with the demand';

-- A share request made from a demand's answer (POST /api/share/demands/:id/request).
ALTER TABLE datong.share_requests ADD COLUMN demand_id uuid REFERENCES datong.demands (id);
CREATE INDEX share_requests_demand ON datong.share_requests (demand_id) WHERE demand_id IS NOT NULL;
COMMENT ON COLUMN datong.share_requests.demand_id IS 'The data demand this request was made from, if any';
