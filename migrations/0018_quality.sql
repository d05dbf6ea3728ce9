-- Governance (治理, docs/QUALITY.md): quality rules and runs, the 一数一源 registry, the
-- cross-check (多源校核), objections (异议/纠错).
--
-- Rules belong to a dataset; a run evaluates every enabled rule of one dataset set-based
-- (src/modules/quality/engine.ts) and keeps, per rule, the counts and masked samples, and per
-- dimension a 0–100 score. The dataset's weights say how the dimensions make the overall score.

-- Per-dataset governance settings: the dimension weights and the run schedule.
ALTER TABLE datong.datasets
  -- {"completeness": 1, "validity": 1, ...}; a dimension without rules does not count.
  ADD COLUMN quality_weights jsonb NOT NULL DEFAULT
    '{"completeness": 1, "validity": 1, "uniqueness": 1, "consistency": 1, "timeliness": 1, "accuracy": 1}',
  -- Run the rules every day at this hour (Asia/Shanghai, 0–23); NULL: only after loads and by hand.
  ADD COLUMN quality_hour smallint CHECK (quality_hour BETWEEN 0 AND 23);

CREATE TABLE datong.quality_rules (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  dataset_id  uuid NOT NULL REFERENCES datong.datasets (id) ON DELETE CASCADE,
  -- Stable key: a suggestion's (`<field>:<kind>`, `<a>+<b>:unique`) or `custom:<uuid>`; suggesting
  -- again never duplicates a stored rule.
  key         text NOT NULL,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind        text NOT NULL,
  dimension   text NOT NULL CHECK (dimension IN
                ('completeness', 'validity', 'uniqueness', 'consistency', 'timeliness', 'accuracy')),
  -- The engine's RuleSpec (kind and its parameters) as JSON.
  spec        jsonb NOT NULL,
  enabled     boolean NOT NULL DEFAULT true,
  suggested   boolean NOT NULL DEFAULT false,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (dataset_id, key)
);

CREATE TABLE datong.quality_runs (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dataset_id      uuid NOT NULL REFERENCES datong.datasets (id) ON DELETE CASCADE,
  trigger         text NOT NULL CHECK (trigger IN ('load', 'schedule', 'manual')),
  -- The load batch that triggered it, if any.
  batch_id        bigint,
  status          text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  -- Rows of the dataset's view when it ran.
  rows            bigint,
  -- {"completeness": 98.5, "validity": null, ...}: 0–100 per dimension, null without rules.
  scores          jsonb NOT NULL DEFAULT '{}',
  -- The weighted overall score (null: no dimension had rules).
  score           numeric(5, 2),
  error           jsonb,
  started_by_name text NOT NULL,
  started_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz
);
CREATE INDEX quality_runs_dataset ON datong.quality_runs (dataset_id, id DESC);

-- One row per rule of a run; the rule is copied (name, kind, dimension, spec) so that the history
-- stays readable after the rule changes or goes.
CREATE TABLE datong.quality_results (
  run_id     bigint NOT NULL REFERENCES datong.quality_runs (id) ON DELETE CASCADE,
  rule_id    uuid NOT NULL,
  rule_name  text NOT NULL,
  kind       text NOT NULL,
  dimension  text NOT NULL,
  spec       jsonb NOT NULL,
  checked    bigint NOT NULL DEFAULT 0,
  failing    bigint NOT NULL DEFAULT 0,
  -- Keys and the rule's field values of up to 20 failing rows, masked as stored (PII fields).
  samples    jsonb NOT NULL DEFAULT '[]',
  -- Why the rule could not be evaluated (bad pattern, missing field), in both languages.
  error      jsonb,
  PRIMARY KEY (run_id, rule_id)
);

-- 一数一源: a data item (企业名称, 法定代表人 …) has exactly one authoritative source and any
-- number of secondary ones. Sources are entry + field, joined on a key field holding the subject's
-- identifier (统一社会信用代码 or 身份证号).
CREATE TABLE datong.data_items (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name         text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
  description  text NOT NULL DEFAULT '',
  -- What the key identifies: 'uscc' (an organisation) or 'id_number' (a person).
  subject_kind text NOT NULL CHECK (subject_kind IN ('uscc', 'id_number')),
  -- How values are normalised before comparing: {"trim": true, "width": true, "case": true, "space": true}.
  normalise    jsonb NOT NULL DEFAULT '{"trim": true, "width": true, "case": true, "space": true}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE datong.data_item_sources (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  item_id    uuid NOT NULL REFERENCES datong.data_items (id) ON DELETE CASCADE,
  role       text NOT NULL CHECK (role IN ('authoritative', 'secondary')),
  entry_id   uuid NOT NULL REFERENCES datong.catalog_entries (id),
  -- The field holding the item's value, and the field holding the subject's key (column codes).
  field      text NOT NULL,
  key_field  text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (item_id, entry_id, field)
);
CREATE UNIQUE INDEX data_item_sources_one_authority ON datong.data_item_sources (item_id)
  WHERE role = 'authoritative';

-- 多源校核: one run compares every registered item across its sources.
CREATE TABLE datong.crosscheck_runs (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  status          text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
  error           jsonb,
  started_by_name text NOT NULL,
  started_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz
);

-- Per run, item and secondary source: keys compared, agreeing, conflicting, and keys missing on
-- either side.
CREATE TABLE datong.crosscheck_stats (
  run_id               bigint NOT NULL REFERENCES datong.crosscheck_runs (id) ON DELETE CASCADE,
  item_id              uuid NOT NULL REFERENCES datong.data_items (id) ON DELETE CASCADE,
  source_id            uuid NOT NULL REFERENCES datong.data_item_sources (id) ON DELETE CASCADE,
  compared             bigint NOT NULL DEFAULT 0,
  agreeing             bigint NOT NULL DEFAULT 0,
  conflicting          bigint NOT NULL DEFAULT 0,
  -- Keys the authoritative source has and this one lacks, and the other way round.
  missing_in_source    bigint NOT NULL DEFAULT 0,
  missing_in_authority bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, item_id, source_id)
);

CREATE TABLE datong.crosscheck_conflicts (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id             bigint NOT NULL REFERENCES datong.crosscheck_runs (id) ON DELETE CASCADE,
  item_id            uuid NOT NULL REFERENCES datong.data_items (id) ON DELETE CASCADE,
  source_id          uuid NOT NULL REFERENCES datong.data_item_sources (id) ON DELETE CASCADE,
  subject_key        text NOT NULL,
  authoritative_value text,
  source_value       text,
  -- The objection raised from it, if any.
  objection_id       uuid
);
CREATE INDEX crosscheck_conflicts_run ON datong.crosscheck_conflicts (run_id, item_id, source_id, subject_key);

-- 异议/纠错: an objection to a record (or one field of it) of an entry's dataset, addressed to a
-- department (the entry's provider unless the platform chooses another), verified within a
-- deadline of working days; confirmed objections are corrected by an upsert batch.
CREATE TABLE datong.objections (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entry_id         uuid NOT NULL REFERENCES datong.catalog_entries (id),
  -- The department that must answer.
  org_id           uuid NOT NULL REFERENCES datong.orgs (id),
  -- The record: {"<key field code>": "<value>"}.
  record_key       jsonb NOT NULL,
  -- The field objected to (null: the whole record), its value as the raiser saw it, the value
  -- the raiser proposes.
  field            text,
  current_value    text,
  proposed_value   text,
  reason           text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  evidence         text NOT NULL DEFAULT '',
  origin           text NOT NULL CHECK (origin IN ('consumer', 'steward', 'crosscheck', 'citizen')),
  conflict_id      bigint REFERENCES datong.crosscheck_conflicts (id) ON DELETE SET NULL,
  raised_by        uuid,
  raised_by_name   text NOT NULL,
  raiser_org_id    uuid,
  status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'corrected', 'rejected', 'withdrawn')),
  due_at           timestamptz NOT NULL,
  escalated_at     timestamptz,
  resolution       text,
  -- The upsert batch that applied a correction.
  correction_batch_id bigint REFERENCES datong.ingest_batches (id),
  resolved_by_name text,
  resolved_at      timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX objections_org ON datong.objections (org_id, status, due_at);
CREATE INDEX objections_raiser ON datong.objections (raiser_org_id, created_at DESC);
CREATE INDEX objections_entry ON datong.objections (entry_id, created_at DESC);

ALTER TABLE datong.crosscheck_conflicts
  ADD CONSTRAINT crosscheck_conflicts_objection FOREIGN KEY (objection_id)
  REFERENCES datong.objections (id) ON DELETE SET NULL;

CREATE TABLE datong.objection_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  objection_id uuid NOT NULL REFERENCES datong.objections (id) ON DELETE CASCADE,
  action       text NOT NULL,
  from_status  text,
  to_status    text NOT NULL,
  actor_id     uuid,
  actor_name   text,
  comment      text,
  detail       jsonb NOT NULL DEFAULT '{}',
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX objection_events_objection ON datong.objection_events (objection_id, id);

-- Data-service calls per provider organisation and day, answered and failed (5xx), for the
-- scorecards' service availability.
CREATE TABLE datong.service_availability (
  org_id uuid NOT NULL REFERENCES datong.orgs (id) ON DELETE CASCADE,
  day    date NOT NULL,
  calls  bigint NOT NULL DEFAULT 0,
  errors bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, day)
);

-- Value normalisation before comparing (cross-checks, accuracy rules), configurable per data item:
-- width: full-width forms (Ｕ+FF01–FF5E, the ideographic space) to ASCII; space: runs of white
-- space to one space; trim: no leading or trailing white space; case: lower case.
CREATE FUNCTION datong.q_norm(v text, trim_ boolean, width boolean, case_ boolean, space boolean)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN case_ THEN lower(t3) ELSE t3 END
    FROM (SELECT CASE WHEN trim_ THEN btrim(t2, E' \t\r\n') ELSE t2 END AS t3
            FROM (SELECT CASE WHEN space THEN regexp_replace(t1, '\s+', ' ', 'g') ELSE t1 END AS t2
                    FROM (SELECT CASE WHEN width
                                 THEN translate(v, '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　', '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~ ')
                                 ELSE v END AS t1) a) b) c
$fn$;
