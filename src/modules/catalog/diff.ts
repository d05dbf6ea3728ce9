import type { Field } from './schemas.js';
import type { Content } from './store.js';

/**
 * Field-level difference between two versions' contents (docs/CATALOG.md `diff`). Pure.
 * Metadata changes are reported per property as JSON pointers (`/name`, `/responsible/phone`);
 * lists (tags, formats, classification…) are compared as a whole, because their order carries
 * meaning (classification) or is what the steward typed. Fields are matched by code.
 */

export interface ContentDiff {
  metadata: { path: string; before: unknown; after: unknown }[];
  fields: {
    added: Field[];
    removed: Field[];
    changed: { code: string; changes: { property: string; before: unknown; after: unknown }[] }[];
  };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Structural equality of JSON values; object key order does not matter. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameJson(a[k], b[k]));
  }
  // undefined and null both mean "not stated".
  return (a === undefined || a === null) && (b === undefined || b === null);
}

const orNull = (v: unknown): unknown => (v === undefined ? null : v);

function diffObject(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  prefix: string,
  out: ContentDiff['metadata'],
): void {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  for (const key of keys) {
    const [b, a] = [before[key], after[key]];
    if (isPlainObject(b) && isPlainObject(a)) diffObject(b, a, `${prefix}/${key}`, out);
    else if (!sameJson(b, a)) out.push({ path: `${prefix}/${key}`, before: orNull(b), after: orNull(a) });
  }
}

export function diffVersions(a: Content, b: Content): ContentDiff {
  const { fields: fieldsA, ...metaA } = a;
  const { fields: fieldsB, ...metaB } = b;
  const metadata: ContentDiff['metadata'] = [];
  diffObject(metaA, metaB, '', metadata);

  const byCodeA = new Map(fieldsA.map((f) => [f.code, f]));
  const byCodeB = new Map(fieldsB.map((f) => [f.code, f]));
  const added = fieldsB.filter((f) => !byCodeA.has(f.code));
  const removed = fieldsA.filter((f) => !byCodeB.has(f.code));
  const changed: ContentDiff['fields']['changed'] = [];
  for (const fb of fieldsB) {
    const fa = byCodeA.get(fb.code);
    if (!fa) continue;
    const ra = fa as unknown as Record<string, unknown>;
    const rb = fb as unknown as Record<string, unknown>;
    const props = [...new Set([...Object.keys(ra), ...Object.keys(rb)])].filter((p) => p !== 'code').sort();
    const changes = props
      .filter((p) => !sameJson(ra[p], rb[p]))
      .map((p) => ({ property: p, before: orNull(ra[p]), after: orNull(rb[p]) }));
    if (changes.length > 0) changed.push({ code: fb.code, changes });
  }
  return { metadata, fields: { added, removed, changed } };
}
