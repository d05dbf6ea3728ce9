-- Exports of the data services (docs/SHARING.md "Data services"; src/modules/sharing/export.ts):
-- an application asks for the rows of its grant as one CSV or XLSX file; a graphile-worker job
-- (share:export) builds it under the node's home (<home>/exports/<id>.<ext>) from a server-side
-- cursor — granted fields only, masked, the grant's row filter applied — and appends one audit
-- event before the file can be fetched. Only the application that asked may read the export.

CREATE TABLE datong.share_exports (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  grant_id     uuid NOT NULL REFERENCES datong.grants (id),
  app_id       uuid NOT NULL REFERENCES datong.apps (id),
  format       text NOT NULL CHECK (format IN ('csv', 'xlsx')),
  status       text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  -- Who asked: {actor, requestId, clientIp, lang}; the build's audit event is the app's.
  requested_by jsonb NOT NULL,
  rows         bigint,
  bytes        bigint,
  -- The file's name under <home>/exports, once built.
  file         text,
  error        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  finished_at  timestamptz
);
CREATE INDEX share_exports_app ON datong.share_exports (app_id, created_at DESC);

-- "Changes since batch N" pages through the change log in (batch, key, op) order: this index
-- lets each page start where the last one ended instead of sorting the whole batch again.
CREATE INDEX ingest_changes_order
  ON datong.ingest_changes (batch_id, (COALESCE(key::text, '') COLLATE "C"), op);
