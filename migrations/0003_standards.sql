-- Data standards (数据标准): code tables (代码表) with versioned values, and data elements (数据元).
--
-- A code table is versioned by rows: a new version of an identifier (e.g. 'GB/T 2260') is a new
-- row with its own values, so entries that reference an older version keep meaning what they meant.
-- Reading by identifier without a version gives the most recently created one.
CREATE TABLE datong.code_tables (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  identifier  text NOT NULL CHECK (length(identifier) BETWEEN 1 AND 100 AND identifier = btrim(identifier)),
  name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  version     text NOT NULL CHECK (length(version) BETWEEN 1 AND 50 AND version = btrim(version)),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
  -- Shipped by the node (loaded at start from packages carrying the real lists); not editable.
  builtin     boolean NOT NULL DEFAULT false,
  -- clock_timestamp, not now(): versions created in one transaction still get an order.
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (identifier, version)
);
CREATE INDEX code_tables_latest ON datong.code_tables (identifier, created_at DESC);

CREATE TABLE datong.code_table_values (
  table_id    uuid NOT NULL REFERENCES datong.code_tables (id) ON DELETE CASCADE,
  code        text NOT NULL CHECK (length(code) BETWEEN 1 AND 64 AND code = btrim(code)),
  label       text NOT NULL CHECK (length(btrim(label)) BETWEEN 1 AND 200),
  -- The enclosing value's code in the same table (e.g. 440106 → 440100); checked by the service.
  parent_code text,
  -- Display order as given by the table's author; values page by (sort, code).
  sort        integer NOT NULL DEFAULT 0,
  PRIMARY KEY (table_id, code)
);
CREATE INDEX code_table_values_order ON datong.code_table_values (table_id, sort, code);
CREATE INDEX code_table_values_parent ON datong.code_table_values (table_id, parent_code);

CREATE TABLE datong.data_elements (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  identifier    text NOT NULL UNIQUE CHECK (identifier ~ '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$'),
  name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  -- The same types as catalog fields (信息项).
  type          text NOT NULL CHECK (type IN ('string', 'integer', 'decimal', 'boolean', 'date', 'datetime', 'json')),
  length        integer CHECK (length > 0),
  precision     integer CHECK (precision BETWEEN 1 AND 1000),
  scale         integer CHECK (scale >= 0),
  -- {kind, pattern?}: a validator of src/platform/validators.
  validator     jsonb CHECK (validator IS NULL OR (jsonb_typeof(validator) = 'object' AND validator ? 'kind')),
  code_table_id uuid REFERENCES datong.code_tables (id),
  description   text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
  builtin       boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (scale IS NULL OR precision IS NULL OR scale <= precision)
);
CREATE INDEX data_elements_code_table ON datong.data_elements (code_table_id);
