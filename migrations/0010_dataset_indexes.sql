-- Aggregation (归集): indexes a steward asks for on a dataset (docs/INGEST.md "Tables").
--
-- A dataset table has its key as primary key and no other index, unless a steward asks for one:
-- each element is the column list of one B-tree index, e.g. [["qymc"], ["djjg", "clrq"]]. Every
-- kept version table carries them, and each new version of a replace load gets them after COPY.
ALTER TABLE datong.datasets ADD COLUMN indexes jsonb NOT NULL DEFAULT '[]'
  CHECK (jsonb_typeof(indexes) = 'array');
