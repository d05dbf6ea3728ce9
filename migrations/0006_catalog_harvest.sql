-- Catalog harvesting (docs/CATALOG.md, issue 3 item 8): remote CKAN or DCAT catalogs whose
-- datasets become catalog entries of a provider organisation, on demand or on a schedule.

CREATE TABLE datong.harvest_sources (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name            text NOT NULL UNIQUE CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  kind            text NOT NULL CHECK (kind IN ('ckan', 'dcat')),
  -- CKAN: the site root (…/api/3/action/package_search is appended); DCAT: the document itself.
  url             text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
  -- Five-field cron expression (minute hour day month weekday), or null for on-demand only.
  schedule        text,
  -- Every entry harvested from the source is catalogued under this organisation.
  provider_org_id uuid NOT NULL REFERENCES datong.orgs (id),
  created_by      uuid REFERENCES datong.users (id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- When the scheduler last queued a run, so that a due time is queued once.
  last_scheduled_at timestamptz
);

CREATE TABLE datong.harvest_runs (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  source_id   uuid NOT NULL REFERENCES datong.harvest_sources (id) ON DELETE CASCADE,
  status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  trigger     text NOT NULL DEFAULT 'manual' CHECK (trigger IN ('manual', 'schedule')),
  queued_at   timestamptz NOT NULL DEFAULT now(),
  started_at  timestamptz,
  finished_at timestamptz,
  created     integer NOT NULL DEFAULT 0,
  updated     integer NOT NULL DEFAULT 0,
  unchanged   integer NOT NULL DEFAULT 0,
  -- [{ref, reason}]: remote datasets that did not become entries, and why.
  rejected    jsonb NOT NULL DEFAULT '[]',
  error       text
);
CREATE INDEX harvest_runs_source ON datong.harvest_runs (source_id, queued_at DESC);

-- The harvest key: which entry a remote dataset became. A second run updates that entry (a new
-- version) instead of creating a duplicate; the hash skips datasets that did not change.
CREATE TABLE datong.harvest_items (
  source_id    uuid NOT NULL REFERENCES datong.harvest_sources (id) ON DELETE CASCADE,
  remote_id    text NOT NULL CHECK (length(remote_id) BETWEEN 1 AND 2000),
  entry_id     uuid NOT NULL REFERENCES datong.catalog_entries (id),
  content_hash text NOT NULL,
  harvested_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_id, remote_id)
);
