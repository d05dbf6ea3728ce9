import { mapColumns } from './load.js';
import type { DatasetColumn } from './tables.js';

/**
 * How a source's header maps onto a dataset's columns, as the upload wizard shows it: for each
 * header, the column it feeds and why (the saved mapping, the field code, the Chinese field
 * name), and the columns nothing feeds. It is `mapColumns` (what a load does) seen from the
 * header's side, so the wizard never promises a mapping the load would not make.
 */

export interface HeaderMapping {
  header: string;
  code: string | null;
  by: 'saved' | 'code' | 'name' | null;
}

const norm = (s: string) => s.normalize('NFKC').trim().toLowerCase();

export function describeMapping(
  header: readonly string[],
  columns: readonly Pick<DatasetColumn, 'code' | 'name'>[],
  mapping: Readonly<Record<string, string>>,
): { mapping: HeaderMapping[]; missing: string[] } {
  const indexes = mapColumns(header, columns, mapping);
  const out: HeaderMapping[] = header.map((h) => ({ header: h, code: null, by: null }));
  const missing: string[] = [];
  columns.forEach((c, i) => {
    const at = indexes[i]!;
    if (at < 0) {
      missing.push(c.code);
      return;
    }
    const h = header[at]!;
    const by =
      (mapping[h] ?? mapping[h.trim()]) === c.code ? 'saved' : norm(h) === norm(c.code) ? 'code' : 'name';
    out[at] = { header: h, code: c.code, by };
  });
  return { mapping: out, missing };
}

/**
 * Problems of a mapping to be saved, in both languages: it must map headers to the dataset's
 * field codes, each field at most once.
 */
export function mappingProblems(
  mapping: Readonly<Record<string, string>>,
  columns: readonly Pick<DatasetColumn, 'code'>[],
): { zh: string; en: string } | null {
  const codes = new Set(columns.map((c) => c.code));
  const used = new Map<string, string>();
  for (const [h, code] of Object.entries(mapping)) {
    if (!h.trim()) return { zh: '表头不能为空', en: 'A header may not be blank' };
    if (!codes.has(code)) {
      return {
        zh: `“${h}”映射到的信息项 ${code} 不存在`,
        en: `"${h}" maps to ${code}, which is not a field`,
      };
    }
    const other = used.get(code);
    if (other !== undefined) {
      return {
        zh: `“${other}”和“${h}”映射到同一信息项 ${code}`,
        en: `"${other}" and "${h}" both map to the field ${code}`,
      };
    }
    used.set(code, h);
  }
  return null;
}
