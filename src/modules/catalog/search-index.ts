import type { Queryable } from '../../platform/db/pool.js';
import { tokenText } from './search-text.js';

/**
 * Writes `catalog_versions.search_doc`: name → weight A, summary → B, field names, codes and
 * descriptions, tags and the classification → C, the provider's name → D; and `name_doc`, the
 * name's part alone, small enough to stay in the row for ranking (0005_catalog_search.sql). PostgreSQL cannot cut
 * Chinese, so the text is segmented here and only the space-separated tokens go to
 * to_tsvector('simple', …).
 */

export interface VersionRef {
  entryId: string;
  version: number;
}

interface SourceRow {
  entry_id: string;
  version: number;
  name: string;
  summary: string;
  tags: string[];
  classification: string;
  fields: unknown;
  provider_name: string | null;
}

/** Field names, codes and descriptions of a version's content, whatever shape it holds. */
function fieldText(fields: unknown): string[] {
  if (!Array.isArray(fields)) return [];
  const out: string[] = [];
  for (const f of fields as unknown[]) {
    if (typeof f !== 'object' || f === null) continue;
    for (const k of ['name', 'code', 'description'] as const) {
      const v = (f as Record<string, unknown>)[k];
      // A code such as legal_rep_name is also searched as its words.
      if (typeof v === 'string') out.push(k === 'code' ? `${v} ${v.replace(/_/g, ' ')}` : v);
    }
  }
  return out;
}

/** The weighted token texts of one version: what `to_tsvector('simple', …)` receives per weight. */
export function documentOf(row: Omit<SourceRow, 'entry_id' | 'version'>): [string, string, string, string] {
  return [
    tokenText(row.name),
    tokenText(row.summary),
    tokenText(...fieldText(row.fields), ...row.tags, row.classification),
    tokenText(row.provider_name),
  ];
}

const BATCH = 2000;

/**
 * Re-indexes many versions: one read and one UPDATE per 2 000 rows, the cutting in between.
 * Used by re-indexing jobs and the benchmark; `indexVersion` is the one-row case.
 */
export async function indexVersions(q: Queryable, refs: readonly VersionRef[]): Promise<number> {
  let done = 0;
  for (let i = 0; i < refs.length; i += BATCH) {
    const batch = refs.slice(i, i + BATCH);
    const { rows } = await q.query<SourceRow>(
      `SELECT v.entry_id, v.version, v.name, v.summary, v.tags, v.classification,
              v.content -> 'fields' AS fields, o.name AS provider_name
         FROM unnest($1::uuid[], $2::int[]) AS r(entry_id, version)
         JOIN datong.catalog_versions v USING (entry_id, version)
         LEFT JOIN datong.orgs o ON o.id = v.provider_org_id`,
      [batch.map((r) => r.entryId), batch.map((r) => r.version)],
    );
    if (!rows.length) continue;
    const docs = rows.map(documentOf);
    const col = (k: number) => docs.map((d) => d[k]);
    const res = await q.query(
      `UPDATE datong.catalog_versions v
          SET name_doc = setweight(to_tsvector('simple', d.a), 'A'),
              search_doc = setweight(to_tsvector('simple', d.a), 'A')
                        || setweight(to_tsvector('simple', d.b), 'B')
                        || setweight(to_tsvector('simple', d.c), 'C')
                        || setweight(to_tsvector('simple', d.d), 'D')
         FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[])
              AS d(entry_id, version, a, b, c, d)
        WHERE v.entry_id = d.entry_id AND v.version = d.version`,
      [rows.map((r) => r.entry_id), rows.map((r) => r.version), col(0), col(1), col(2), col(3)],
    );
    done += res.rowCount ?? 0;
  }
  return done;
}

/**
 * Writes the search document of one version. The catalog service calls it in the same
 * transaction after every write of a version row, so the index never lags the content.
 */
export async function indexVersion(tx: Queryable, entryId: string, version: number): Promise<void> {
  await indexVersions(tx, [{ entryId, version }]);
}
