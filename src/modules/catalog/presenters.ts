import type { Entry, EntrySummary, Field, Grade } from './schemas.js';
import type { EntryRow, VersionRow } from './store.js';

/** API shapes of catalog rows (docs/CATALOG.md `Entry`, `EntrySummary`); never raw rows. */

const iso = (d: Date): string => d.toISOString();
const isoOrNull = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** An entry as of one version. `restricted` drops the field dictionary (不予共享, other department). */
export function presentEntry(entry: EntryRow, version: VersionRow, restricted = false): Entry {
  const c = version.content;
  const fields: Field[] = restricted ? [] : c.fields;
  const out: Entry = {
    id: entry.id,
    code: entry.code,
    category: c.category,
    classification: c.classification,
    name: c.name,
    summary: c.summary,
    resourceKind: c.resourceKind,
    formats: c.formats,
    updateCycle: c.updateCycle,
    publishDate: c.publishDate ?? null,
    relatedCodes: c.relatedCodes,
    tags: c.tags,
    licence: c.licence ?? null,
    responsible: c.responsible,
    shareType: c.shareType,
    shareCondition: c.shareCondition ?? null,
    shareMethod: c.shareMethod,
    openType: c.openType,
    openCondition: c.openCondition ?? null,
    grade: c.grade,
    important: c.important,
    core: c.core,
    providerOrgId: entry.providerOrgId,
    providerOrgName: entry.providerOrgName,
    providerCode: entry.providerCode,
    fields,
    status: version.status,
    version: version.version,
    publishedVersion: entry.publishedVersion,
    reviewComment: version.reviewComment,
    statusReason: version.statusReason,
    createdAt: iso(entry.createdAt),
    updatedAt: iso(version.updatedAt),
    publishedAt: isoOrNull(version.publishedAt),
  };
  if (restricted) out.restricted = true;
  return out;
}

export function presentSummary(entry: EntryRow, version: VersionRow, restricted = false): EntrySummary {
  const c = version.content;
  return {
    id: entry.id,
    code: entry.code,
    name: c.name,
    summary: c.summary,
    category: c.category,
    classification: c.classification,
    providerOrgId: entry.providerOrgId,
    providerOrgName: entry.providerOrgName,
    shareType: c.shareType,
    openType: c.openType,
    grade: c.grade as Grade,
    important: c.important,
    core: c.core,
    updateCycle: c.updateCycle,
    formats: c.formats,
    tags: c.tags,
    status: version.status,
    version: version.version,
    updatedAt: iso(version.updatedAt),
    publishedAt: isoOrNull(version.publishedAt),
    restricted,
  };
}
