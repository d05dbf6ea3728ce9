-- Aggregation (归集) pull sources (docs/INGEST.md "Pulls"): a dataset's data fetched from an
-- HTTP(S) URL or read from an external PostgreSQL database, on demand or on a cron schedule.
-- Each run is one load batch (datong.ingest_batches), queued on graphile-worker.

CREATE TABLE datong.ingest_pulls (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  dataset_id        uuid NOT NULL REFERENCES datong.datasets (id) ON DELETE CASCADE,
  -- Unique per dataset; batches name it ("拉取:<name>", "定时拉取:<name>").
  name              text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  kind              text NOT NULL CHECK (kind IN ('http', 'postgres')),
  mode              text NOT NULL CHECK (mode IN ('replace', 'append', 'upsert', 'delete')),
  -- http: the file's URL (no credentials in it: fetch refuses them, and the API shows it).
  url               text CHECK (url ~ '^https?://' AND length(url) <= 2000),
  -- http: null = from the URL's extension, else the Content-Type.
  format            text CHECK (format IN ('csv', 'tsv', 'json', 'ndjson')),
  -- http: null = detected (Content-Type charset, then the bytes).
  encoding          text CHECK (encoding IN ('utf8', 'utf8-bom', 'gb18030')),
  -- postgres: the connection string (postgres://user:password@host/db), sealed with the node's
  -- data key (NodeIdentity.seal: AES-256-GCM or SM4-GCM). Never stored or shown in plain text.
  connection_sealed bytea,
  -- postgres: one SELECT (or WITH … SELECT) statement, read in a read-only snapshot.
  query             text CHECK (length(query) BETWEEN 1 AND 100000),
  -- postgres: the incremental column; each run loads the rows above the last watermark.
  watermark_column  text CHECK (length(watermark_column) BETWEEN 1 AND 63),
  -- The largest watermark_column value loaded by a batch that finished 'done' (as text).
  watermark         text,
  -- Five-field cron expression (minute hour day month weekday, node local time), or null.
  schedule          text CHECK (length(schedule) <= 100),
  enabled           boolean NOT NULL DEFAULT true,
  -- http: connecting and the response headers, and the longest wait between body chunks;
  -- postgres: connecting, each statement, and the longest wait between COPY chunks.
  timeout_seconds   integer NOT NULL DEFAULT 60 CHECK (timeout_seconds BETWEEN 5 AND 3600),
  -- Rejected / read above this aborts a batch.
  threshold         double precision NOT NULL DEFAULT 0.05 CHECK (threshold BETWEEN 0 AND 1),
  -- When the scheduler last queued a run (so that a due time is queued once); set at creation
  -- and when the schedule changes, so that a new schedule first fires at its next time.
  last_scheduled_at timestamptz,
  last_run_at       timestamptz,
  last_batch_id     bigint REFERENCES datong.ingest_batches (id) ON DELETE SET NULL,
  last_status       text CHECK (last_status IN ('queued', 'running', 'done', 'failed', 'aborted')),
  -- {"zh-CN", "en"}: why the last run failed or was aborted.
  last_error        jsonb,
  created_by        uuid REFERENCES datong.users (id) ON DELETE SET NULL,
  created_by_name   text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (dataset_id, name),
  -- What each kind needs, and nothing of the other kind.
  CHECK (
    (kind = 'http' AND url IS NOT NULL AND connection_sealed IS NULL AND query IS NULL
       AND watermark_column IS NULL)
    OR (kind = 'postgres' AND connection_sealed IS NOT NULL AND query IS NOT NULL AND url IS NULL
       AND format IS NULL AND encoding IS NULL)
  ),
  -- An incremental pull adds to the data; replacing it with the newer rows alone would lose the rest.
  CHECK (watermark_column IS NULL OR mode <> 'replace')
);
CREATE INDEX ingest_pulls_scheduled ON datong.ingest_pulls (id) WHERE schedule IS NOT NULL AND enabled;

COMMENT ON TABLE datong.ingest_pulls IS 'Aggregation pull sources: HTTP(S) files and external PostgreSQL queries loaded into a dataset';
COMMENT ON COLUMN datong.ingest_pulls.connection_sealed IS 'The PostgreSQL connection string sealed with the node data key (NodeIdentity.seal)';
COMMENT ON COLUMN datong.ingest_pulls.watermark IS 'The largest watermark_column value loaded by the last done batch, as text';
