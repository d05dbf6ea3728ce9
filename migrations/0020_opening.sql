-- Opening (开放, docs/OPENING.md): open versions and the publishing pipeline.
--
-- The source dataset (ds."<name>") is never served to the public. The publishing pipeline
-- (src/modules/opening/publish.ts) derives an open version from it — per-field transforms, then
-- k-anonymity over the declared quasi-identifiers, or small-cell suppression for an aggregate —
-- into version tables open."<name>__v<N>" and re-points the view open."<name>" in the transaction
-- that commits the version, as ingest does for schema ds.
CREATE SCHEMA open;

CREATE TABLE datong.open_publications (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entry_id            uuid NOT NULL UNIQUE REFERENCES datong.catalog_entries (id),
  dataset_id          uuid NOT NULL REFERENCES datong.datasets (id) ON DELETE CASCADE,
  -- The view's name in schema open: the dataset's name in schema ds.
  name                text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_]{0,50}$'),
  -- 'records': the rows, de-identified; 'aggregate': a statistics table (group-by + count/sum).
  kind                text NOT NULL DEFAULT 'records' CHECK (kind IN ('records', 'aggregate')),
  -- {kind, fields: {<code>: {action: drop|keep|mask|generalise|pseudonymise, params}},
  --  quasiIdentifiers: [<code>], k (5), maxSuppression (0.05), aggregate?: {groupBy, measures, minCell}}
  config              jsonb NOT NULL,
  status              text NOT NULL DEFAULT 'draft'
                        CHECK (status IN ('draft', 'pending', 'published', 'withdrawn')),
  -- The steward's request (draft → pending), with the preview report computed then.
  requested_by        uuid,
  requested_by_name   text,
  requested_at        timestamptz,
  -- The approver's sign-off of the configuration as requested (pending → published by the job).
  -- A refresh after a load reuses it: the same configuration, the same sign-off.
  signed_off_by       uuid,
  signed_off_by_name  text,
  signed_off_at       timestamptz,
  -- An approver's refusal (pending → draft), or null.
  refusal             jsonb,
  -- The version open."<name>" shows (0: none yet).
  current_version     integer NOT NULL DEFAULT 0,
  keep_versions       integer NOT NULL DEFAULT 3 CHECK (keep_versions BETWEEN 1 AND 20),
  -- [{code, name, type, pgType}]: the open columns in order (after drop and generalise).
  columns             jsonb NOT NULL DEFAULT '[]',
  row_count           bigint NOT NULL DEFAULT 0,
  published_at        timestamptz,
  refreshed_at        timestamptz,
  -- The last report: the preview while pending, then the current version's.
  report              jsonb,
  -- The state of the last build: 'queued' | 'running' | 'done' | 'failed', and why it failed
  -- ({zh-CN, en}); a failed refresh keeps the previous open version.
  build_status        text CHECK (build_status IN ('queued', 'running', 'done', 'failed')),
  build_error         jsonb,
  build_batch_id      bigint,
  org_id              uuid NOT NULL REFERENCES datong.orgs (id),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX open_publications_status ON datong.open_publications (status) WHERE status = 'published';
CREATE INDEX open_publications_dataset ON datong.open_publications (dataset_id);

-- The open version tables that exist (kept for rollback, newest first).
CREATE TABLE datong.open_versions (
  publication_id  uuid NOT NULL REFERENCES datong.open_publications (id) ON DELETE CASCADE,
  version         integer NOT NULL CHECK (version >= 1),
  -- The source's load batch it was built after (null: the first build after sign-off).
  batch_id        bigint,
  rows            bigint NOT NULL,
  suppressed      bigint NOT NULL,
  report          jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (publication_id, version)
);

-- Custom generalisation hierarchies, uploaded as CSV (each row: value, level1, level2, …), per
-- organisation; a publication of the organisation names one in a field's params.
CREATE TABLE datong.open_hierarchies (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id      uuid NOT NULL REFERENCES datong.orgs (id),
  name        text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$'),
  description text NOT NULL DEFAULT '',
  -- The number of generalisation levels above the value (the CSV's columns − 1).
  levels      smallint NOT NULL CHECK (levels BETWEEN 1 AND 10),
  -- {"<value>": ["<level 1>", …, "<level n>"]}
  mapping     jsonb NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, name)
);
