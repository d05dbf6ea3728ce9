-- Catalog (目录): entries, their versions and the lifecycle history (docs/CATALOG.md "Storage").
--
-- An entry is the stable identity (resource code, provider); each version holds one full copy of
-- the entry's content. A published entry changes through a new version, so version n can stay
-- published while n+1 is drafted. The search engine's GIN/trgm indexes over these tables come in
-- 0005 (search); this migration keeps only the b-tree indexes the catalog service itself uses.

CREATE TABLE datong.catalog_entries (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Resource code: classification code + '/' + 6-digit sequence, e.g. 1.02.03/000012.
  code              text NOT NULL UNIQUE CHECK (code ~ '^[0-9]{1,3}(\.[0-9]{1,3}){0,3}/[0-9]{6}$'),
  provider_org_id   uuid NOT NULL REFERENCES datong.orgs (id),
  -- The version the public and other departments see (null until the first approval).
  published_version integer CHECK (published_version >= 1),
  -- The newest version: a draft/submitted/returned revision, or the published one itself.
  working_version   integer NOT NULL DEFAULT 1 CHECK (working_version >= 1),
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (published_version IS NULL OR published_version <= working_version)
);
CREATE INDEX catalog_entries_provider ON datong.catalog_entries (provider_org_id);

CREATE TABLE datong.catalog_versions (
  entry_id        uuid NOT NULL REFERENCES datong.catalog_entries (id) ON DELETE CASCADE,
  version         integer NOT NULL CHECK (version >= 1),
  status          text NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'published',
                                                  'superseded', 'deprecated', 'withdrawn')),
  -- The normalised EntryInput (field codes always set); the columns below are copies of parts of
  -- it, kept so that search and facets never parse jsonb.
  content         jsonb NOT NULL,
  review_comment  text,
  status_reason   text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  submitted_at    timestamptz,
  published_at    timestamptz,
  -- true on exactly the entry's working_version row: what its provider and reviewers work on.
  latest          boolean NOT NULL DEFAULT true,
  -- denormalised for search and facets
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  summary         text NOT NULL DEFAULT '',
  category        text NOT NULL CHECK (category IN ('base', 'theme', 'department')),
  classification  text NOT NULL,
  resource_kind   text NOT NULL CHECK (resource_kind IN ('table', 'file', 'api')),
  share_type      text NOT NULL CHECK (share_type IN ('unconditional', 'conditional', 'none')),
  open_type       text NOT NULL CHECK (open_type IN ('unconditional', 'conditional', 'none')),
  grade           smallint NOT NULL CHECK (grade BETWEEN 1 AND 4),
  important       boolean NOT NULL DEFAULT false,
  core            boolean NOT NULL DEFAULT false,
  update_cycle    text NOT NULL CHECK (update_cycle IN ('realtime', 'daily', 'weekly', 'monthly', 'quarterly',
                                                        'half_yearly', 'yearly', 'irregular')),
  formats         text[] NOT NULL DEFAULT '{}',
  tags            text[] NOT NULL DEFAULT '{}',
  provider_org_id uuid NOT NULL REFERENCES datong.orgs (id),
  -- Written by indexVersion() of src/modules/catalog/search.ts.
  search_doc      tsvector,
  PRIMARY KEY (entry_id, version),
  CHECK (NOT core OR important)
);
-- The review queue and the visibility filter select by status; "mine" by provider.
CREATE INDEX catalog_versions_status ON datong.catalog_versions (status, updated_at);
CREATE INDEX catalog_versions_provider ON datong.catalog_versions (provider_org_id, status);
CREATE INDEX catalog_versions_latest ON datong.catalog_versions (entry_id) WHERE latest;

-- Per-classification sequence of resource codes. A counter row (not a SEQUENCE per code) because
-- classification codes are data, and the row lock of the upsert serialises concurrent creations
-- under one classification without gaps from rolled-back transactions.
CREATE TABLE datong.catalog_code_counters (
  classification text PRIMARY KEY CHECK (classification ~ '^[0-9]{1,3}(\.[0-9]{1,3}){0,3}$'),
  last_seq       integer NOT NULL CHECK (last_seq BETWEEN 1 AND 999999)
);

-- The lifecycle history the UI shows; the audit ledger holds the tamper-evident proof.
CREATE TABLE datong.catalog_transitions (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  entry_id    uuid NOT NULL REFERENCES datong.catalog_entries (id) ON DELETE CASCADE,
  version     integer NOT NULL,
  action      text NOT NULL CHECK (action IN ('create', 'update', 'submit', 'approve', 'return', 'revise',
                                              'deprecate', 'withdraw', 'import')),
  from_status text,
  to_status   text NOT NULL,
  actor_id    text,
  actor_name  text,
  comment     text,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX catalog_transitions_entry ON datong.catalog_transitions (entry_id, id);
