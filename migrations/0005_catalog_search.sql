-- Catalog search (docs/CATALOG.md "Search"): full text over the jieba-segmented search_doc,
-- trigram matching on names, and the indexes the facet filters and keyset sorts use.
-- Figures behind each choice: bench/catalog-search.ts (100 000 entries, EXPLAIN ANALYZE).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The name's tokens alone (weight A), written with search_doc by indexVersion(). Ranking reads
-- this small vector for every match; search_doc (~2 KB) lives out of line and only its GIN
-- index is consulted, so a search never de-TOASTs thousands of documents.
ALTER TABLE datong.catalog_versions ADD COLUMN name_doc tsvector;

-- Keep the rows narrow: search and facets read only the short columns of thousands of rows,
-- while content (the full entry, ~1.5 KB compressed), summary and search_doc are read for one
-- page at most. A 256-byte target moves those out of line (TOAST); the columns every search
-- touches are kept in the row (MAIN). With 100 000 entries this shrinks the heap ~6× (190 →
-- ~35 MB), which is what the facet pass and the bitmap heap scans read.
ALTER TABLE datong.catalog_versions SET (toast_tuple_target = 256);
ALTER TABLE datong.catalog_versions
  ALTER COLUMN name SET STORAGE MAIN,
  ALTER COLUMN name_doc SET STORAGE MAIN,
  ALTER COLUMN formats SET STORAGE MAIN,
  ALTER COLUMN tags SET STORAGE MAIN,
  ALTER COLUMN classification SET STORAGE MAIN;

-- Full text: search_doc @@ to_tsquery('simple', …).
CREATE INDEX catalog_versions_search_doc ON datong.catalog_versions USING gin (search_doc);

-- Fragments and typos on names: name ILIKE '%…%' and word similarity (<%) both use this index.
CREATE INDEX catalog_versions_name_trgm ON datong.catalog_versions USING gin (name gin_trgm_ops);

-- A query that looks like a resource code (1.02.03/0000…) matches codes by prefix; the unique
-- index of 0004 cannot serve LIKE 'prefix%' under the C.UTF-8 collation.
CREATE INDEX catalog_entries_code_prefix ON datong.catalog_entries (code text_pattern_ops);

-- Array facets (format=…, tag=…) filter with && (any of the chosen values).
CREATE INDEX catalog_versions_formats ON datong.catalog_versions USING gin (formats);
CREATE INDEX catalog_versions_tags ON datong.catalog_versions USING gin (tags);

-- Keyset sorts: newest first, and by name in pinyin order (the ICU zh collation; C.UTF-8
-- would order Chinese by code point). entry_id breaks ties.
CREATE INDEX catalog_versions_updated ON datong.catalog_versions (updated_at DESC, entry_id DESC);
CREATE INDEX catalog_versions_name_zh ON datong.catalog_versions (name COLLATE "zh-x-icu", entry_id);
