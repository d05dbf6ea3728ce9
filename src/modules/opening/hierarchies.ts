import { parse } from 'csv-parse/sync';
import type { Queryable } from '../../platform/db/pool.js';
import { publishProblem } from './publish-messages.js';

/**
 * Generalisation hierarchies (docs/OPENING.md "Publishing pipeline"). A hierarchy maps a value
 * to coarser values, level by level: level 0 is the value itself and the top level (`height`) is
 * `*` for every value. Each level is a function of the level below (a tree), so that generalising
 * one step only ever merges equivalence classes — the monotonicity the k-anonymity search prunes
 * with. NULL stays NULL at every level; a value the hierarchy cannot read (a "date" that is not
 * one, an age that is not a number, a value missing from a custom CSV) is `*` above level 0.
 *
 * | kind     | levels 1 … height                                        | example                         |
 * | -------- | -------------------------------------------------------- | ------------------------------- |
 * | date     | month (YYYY-MM), year (YYYY), *                          | 2024-03-07 → 2024-03 → 2024 → * |
 * | age      | 5-year band, 10-year band, 20-year band, *               | 37 → 35-39 → 30-39 → 20-39 → *  |
 * | region   | city (first 4 + 00), province (first 2 + 0000), *        | 440106 → 440100 → 440000 → *    |
 * | number   | one range per width (each a multiple of the one before), * | widths [10, 100]: 37 → [30,40) → [0,100) → * |
 * | custom   | the CSV's columns after the value, then *                | 教师 → 教育 → 专业技术 → *        |
 * | suppress | *                                                        | (a quasi-identifier kept as is) |
 */

export const STAR = '*';

export type HierarchyKind = 'date' | 'age' | 'region' | 'number' | 'custom' | 'suppress';

export interface Hierarchy {
  kind: HierarchyKind;
  /** The top level, where every non-null value is `*`. */
  height: number;
  /** Names of levels 0 … height, for the report. */
  levelNames: string[];
  /** The value at `level` (0 ≤ level ≤ height). */
  at(value: string, level: number): string;
}

const DATE_MONTH = /^\d{4}-\d{2}/;
const DATE_YEAR = /^\d{4}/;
const REGION = /^\d{6}$/;

export const dateHierarchy: Hierarchy = {
  kind: 'date',
  height: 3,
  levelNames: ['day', 'month', 'year', STAR],
  at(v, level) {
    if (level === 0) return v;
    if (level === 1) return DATE_MONTH.test(v) ? v.slice(0, 7) : STAR;
    if (level === 2) return DATE_MONTH.test(v) && DATE_YEAR.test(v) ? v.slice(0, 4) : STAR;
    return STAR;
  },
};

const AGE_BANDS = [5, 10, 20];
export const ageHierarchy: Hierarchy = {
  kind: 'age',
  height: AGE_BANDS.length + 1,
  levelNames: ['age', '5y', '10y', '20y', STAR],
  at(v, level) {
    if (level === 0) return v;
    const w = AGE_BANDS[level - 1];
    const a = Number(v);
    if (w === undefined || v.trim() === '' || !Number.isInteger(a)) return STAR;
    const lo = Math.floor(a / w) * w;
    return `${lo}-${lo + w - 1}`;
  },
};

export const regionHierarchy: Hierarchy = {
  kind: 'region',
  height: 3,
  levelNames: ['county', 'city', 'province', STAR],
  at(v, level) {
    if (level === 0) return v;
    if (level === 3 || !REGION.test(v)) return STAR;
    return level === 1 ? `${v.slice(0, 4)}00` : `${v.slice(0, 2)}0000`;
  },
};

export const suppressHierarchy: Hierarchy = {
  kind: 'suppress',
  height: 1,
  levelNames: ['value', STAR],
  at: (v, level) => (level === 0 ? v : STAR),
};

/** The decimals of a width (0.25 → 2), so that range bounds print without binary noise. */
function decimalsOf(w: number): number {
  const s = w.toFixed(12).replace(/0+$/, '');
  return s.length - s.indexOf('.') - 1;
}

/**
 * Numbers in half-open ranges [lo,hi) of each width in turn. Each width must be a whole multiple
 * of the one before, or a range of one level would straddle two of the next (not a tree).
 */
export function numberHierarchy(widths: readonly number[]): Hierarchy {
  const ok =
    widths.length >= 1 &&
    widths.length <= 6 &&
    widths.every((w, i) => {
      if (!(Number.isFinite(w) && w > 0)) return false;
      if (i === 0) return true;
      const ratio = w / widths[i - 1]!;
      return Math.abs(ratio - Math.round(ratio)) < 1e-9 && Math.round(ratio) >= 2;
    });
  if (!ok) throw publishProblem(400, 'publish_widths_invalid', { widths: widths.join(', ') });
  const decimals = widths.map(decimalsOf);
  return {
    kind: 'number',
    height: widths.length + 1,
    levelNames: ['value', ...widths.map((w) => `width ${w}`), STAR],
    at(v, level) {
      if (level === 0) return v;
      const w = widths[level - 1];
      const x = Number(v);
      if (w === undefined || v.trim() === '' || !Number.isFinite(x)) return STAR;
      const d = decimals[level - 1]!;
      const lo = Number((Math.floor(x / w + 1e-9) * w).toFixed(d));
      const hi = Number((lo + w).toFixed(d));
      return `[${lo},${hi})`;
    },
  };
}

/** A custom hierarchy: value → [level 1, …, level n]; level n + 1 is `*`. */
export function customHierarchy(levels: number, mapping: ReadonlyMap<string, readonly string[]>): Hierarchy {
  return {
    kind: 'custom',
    height: levels + 1,
    levelNames: ['value', ...Array.from({ length: levels }, (_, i) => `level ${i + 1}`), STAR],
    at(v, level) {
      if (level === 0) return v;
      return mapping.get(v)?.[level - 1] ?? STAR;
    },
  };
}

// ---- CSV hierarchies ---------------------------------------------------------------------------

export const MAX_HIERARCHY_ROWS = 100_000;
export const MAX_HIERARCHY_LEVELS = 10;

export interface ParsedHierarchy {
  levels: number;
  mapping: Map<string, string[]>;
}

/**
 * A hierarchy CSV: each row `value, level 1, …, level n` (comma, semicolon or tab separated, as
 * ARX writes them; UTF-8, a BOM is fine; an optional header row whose first cell is `value`).
 * Every row has the same number of cells (2 … 11), no cell is empty, no value repeats, and each
 * level is a function of the level below: two rows that agree at level l agree above it.
 */
export function parseHierarchyCsv(text: string): ParsedHierarchy {
  const bad = (zh: string, en: string) => publishProblem(400, 'publish_hierarchy_invalid', { zh, en });
  let rows: string[][];
  try {
    rows = parse(text, {
      bom: true,
      delimiter: [',', ';', '\t'],
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    });
  } catch (err) {
    const m = (err as Error).message;
    throw bad(`CSV 无法解析（${m}）`, `the CSV cannot be parsed (${m})`);
  }
  if (rows[0]?.[0]?.toLowerCase() === 'value') rows = rows.slice(1);
  if (!rows.length) throw bad('没有数据行', 'it has no rows');
  if (rows.length > MAX_HIERARCHY_ROWS)
    throw bad(`超过 ${MAX_HIERARCHY_ROWS} 行`, `it has more than ${MAX_HIERARCHY_ROWS} rows`);
  const width = rows[0]!.length;
  if (width < 2 || width > MAX_HIERARCHY_LEVELS + 1)
    throw bad(
      `每行应有 2 至 ${MAX_HIERARCHY_LEVELS + 1} 列（值与各级）`,
      `each row needs 2 to ${MAX_HIERARCHY_LEVELS + 1} cells (the value and its levels)`,
    );
  const mapping = new Map<string, string[]>();
  const parents: Map<string, string>[] = Array.from({ length: width - 2 }, () => new Map());
  rows.forEach((row, i) => {
    const n = i + 1;
    if (row.length !== width)
      throw bad(
        `第 ${n} 行有 ${row.length} 列，应为 ${width} 列`,
        `row ${n} has ${row.length} cells, not ${width}`,
      );
    if (row.some((c) => c === '')) throw bad(`第 ${n} 行有空单元格`, `row ${n} has an empty cell`);
    const [value, ...levels] = row as [string, ...string[]];
    if (mapping.has(value))
      throw bad(`值“${value}”重复（第 ${n} 行）`, `the value "${value}" repeats (row ${n})`);
    mapping.set(value, levels);
    for (let l = 0; l < levels.length - 1; l++) {
      const seen = parents[l]!.get(levels[l]!);
      if (seen === undefined) parents[l]!.set(levels[l]!, levels[l + 1]!);
      else if (seen !== levels[l + 1])
        throw bad(
          `第 ${n} 行：第 ${l + 1} 级“${levels[l]}”的上级既是“${seen}”又是“${levels[l + 1]}”`,
          `row ${n}: level ${l + 1} "${levels[l]}" generalises to both "${seen}" and "${levels[l + 1]}"`,
        );
    }
  });
  return { levels: width - 1, mapping };
}

// ---- stored hierarchies --------------------------------------------------------------------------

export interface HierarchySummary {
  id: string;
  orgId: string;
  name: string;
  description: string;
  levels: number;
  values: number;
  /** Up to 5 rows, for the UI: [value, level 1, …]. */
  sample: string[][];
  createdBy: string;
  updatedAt: string;
}

interface HierarchyRow {
  id: string;
  orgId: string;
  name: string;
  description: string;
  levels: number;
  mapping: Record<string, string[]>;
  createdBy: string;
  updatedAt: Date;
}

const SELECT = `SELECT id, org_id AS "orgId", name, description, levels, mapping, created_by AS "createdBy",
                       updated_at AS "updatedAt" FROM datong.open_hierarchies`;

function summary(r: HierarchyRow): HierarchySummary {
  const entries = Object.entries(r.mapping);
  return {
    id: r.id,
    orgId: r.orgId,
    name: r.name,
    description: r.description,
    levels: r.levels,
    values: entries.length,
    sample: entries.slice(0, 5).map(([v, ls]) => [v, ...ls]),
    createdBy: r.createdBy,
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** The hierarchies of these organisations, by name. */
export async function listHierarchies(q: Queryable, orgIds: readonly string[]): Promise<HierarchySummary[]> {
  const { rows } = await q.query<HierarchyRow>(
    `${SELECT} WHERE org_id = ANY($1::uuid[]) ORDER BY name, org_id`,
    [orgIds],
  );
  return rows.map(summary);
}

/** Stores a parsed CSV under its name in the organisation, replacing one of the same name. */
export async function saveHierarchy(
  q: Queryable,
  input: { orgId: string; name: string; description: string; createdBy: string },
  parsed: ParsedHierarchy,
): Promise<{ hierarchy: HierarchySummary; replaced: boolean }> {
  const { rows } = await q.query<HierarchyRow & { replaced: boolean }>(
    `INSERT INTO datong.open_hierarchies (org_id, name, description, levels, mapping, created_by)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (org_id, name) DO UPDATE
        SET description = EXCLUDED.description, levels = EXCLUDED.levels, mapping = EXCLUDED.mapping,
            created_by = EXCLUDED.created_by, updated_at = now()
     RETURNING id, org_id AS "orgId", name, description, levels, mapping, created_by AS "createdBy",
               updated_at AS "updatedAt", (xmax <> 0) AS replaced`,
    [
      input.orgId,
      input.name,
      input.description,
      parsed.levels,
      JSON.stringify(Object.fromEntries(parsed.mapping)),
      input.createdBy,
    ],
  );
  const row = rows[0]!;
  return { hierarchy: summary(row), replaced: row.replaced };
}

/** The organisation's custom hierarchies of these names, ready to generalise with. */
export async function loadCustomHierarchies(
  q: Queryable,
  orgId: string,
  names: readonly string[],
): Promise<Map<string, Hierarchy>> {
  const out = new Map<string, Hierarchy>();
  if (!names.length) return out;
  const { rows } = await q.query<HierarchyRow>(`${SELECT} WHERE org_id = $1 AND name = ANY($2::text[])`, [
    orgId,
    [...new Set(names)],
  ]);
  for (const r of rows) out.set(r.name, customHierarchy(r.levels, new Map(Object.entries(r.mapping))));
  return out;
}
