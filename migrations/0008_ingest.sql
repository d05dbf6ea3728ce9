-- Aggregation (归集): dataset tables and their load batches (docs/INGEST.md).
--
-- Each dataset's data lives in schema ds as version tables ds."<name>__v<N>"; readers use the
-- view ds."<name>", which a replace load re-points in the same transaction that commits the new
-- version, so nobody ever reads a half-loaded table. Earlier versions are kept for rollback.
CREATE SCHEMA ds;

CREATE TABLE datong.datasets (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entry_id        uuid NOT NULL UNIQUE REFERENCES datong.catalog_entries (id),
  -- The view's name in schema ds, derived from the resource code (1.01.01/000001 → d_1_01_01_000001).
  name            text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_]{0,50}$'),
  -- The catalog version whose fields the columns follow.
  catalog_version integer NOT NULL,
  -- [{code, name, type, pgType, key}] in column order.
  columns         jsonb NOT NULL,
  -- The version the view shows (0: no version yet, the view shows an empty table).
  current_version integer NOT NULL DEFAULT 0,
  -- Versions kept after a replace, the current one included.
  keep_versions   integer NOT NULL DEFAULT 3 CHECK (keep_versions BETWEEN 1 AND 20),
  -- A saved header mapping: {"<source header>": "<field code>"}.
  mapping         jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The version tables that exist, newest first for rollback.
CREATE TABLE datong.dataset_versions (
  dataset_id  uuid NOT NULL REFERENCES datong.datasets (id) ON DELETE CASCADE,
  version     integer NOT NULL CHECK (version >= 1),
  batch_id    bigint,
  row_count   bigint NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (dataset_id, version)
);

CREATE TABLE datong.ingest_batches (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dataset_id      uuid NOT NULL REFERENCES datong.datasets (id) ON DELETE CASCADE,
  -- A rollback is recorded as a batch too, so that "changes since batch N" sees it (op R).
  mode            text NOT NULL CHECK (mode IN ('replace', 'append', 'upsert', 'delete', 'rollback')),
  -- {kind: 'upload' | 'url' | 'postgres' | 'cli', name?, format, encoding, ...}
  source          jsonb NOT NULL,
  status          text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed', 'aborted')),
  rows_read       bigint NOT NULL DEFAULT 0,
  rows_accepted   bigint NOT NULL DEFAULT 0,
  rows_rejected   bigint NOT NULL DEFAULT 0,
  rows_inserted   bigint NOT NULL DEFAULT 0,
  rows_updated    bigint NOT NULL DEFAULT 0,
  rows_deleted    bigint NOT NULL DEFAULT 0,
  bytes           bigint NOT NULL DEFAULT 0,
  -- The version a replace created.
  version         integer,
  -- Why the batch failed or was aborted, in both languages.
  error           jsonb,
  started_by      uuid,
  started_by_name text NOT NULL,
  started_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz
);
CREATE INDEX ingest_batches_dataset ON datong.ingest_batches (dataset_id, id DESC);
CREATE INDEX ingest_batches_running ON datong.ingest_batches (status) WHERE status = 'running';

-- Rejected rows of a batch; the value is masked when the field holds personal information.
CREATE TABLE datong.ingest_rejects (
  batch_id  bigint NOT NULL REFERENCES datong.ingest_batches (id) ON DELETE CASCADE,
  row       bigint NOT NULL,
  field     text,
  value     text,
  reason_zh text NOT NULL,
  reason_en text NOT NULL
);
CREATE INDEX ingest_rejects_batch ON datong.ingest_rejects (batch_id, row);

-- The keys each batch changed ('I'nserted, 'U'pdated, 'D'eleted); a replace logs 'R' once with
-- a null key: everything changed. "Changes since batch N" reads this (the sharing issue).
CREATE TABLE datong.ingest_changes (
  batch_id bigint NOT NULL REFERENCES datong.ingest_batches (id) ON DELETE CASCADE,
  op       char(1) NOT NULL CHECK (op IN ('I', 'U', 'D', 'R')),
  key      jsonb
);
CREATE INDEX ingest_changes_batch ON datong.ingest_changes (batch_id);
