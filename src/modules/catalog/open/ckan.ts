import type { Category, Entry } from '../schemas.js';
import {
  CATEGORY_LABELS,
  OPEN_TYPE_LABELS,
  SHARE_TYPE_LABELS,
  UPDATE_CYCLE_LABELS,
  licenceOf,
  mediaTypeOf,
  orgSlug,
  slugOfCode,
} from './vocab.js';

/**
 * CKAN Action API shapes (CKAN 2.10/2.11, read side). Clients written for CKAN — ckanapi,
 * DCAT harvesters, portal aggregators — read these keys, so the names and nesting follow CKAN
 * exactly, even where the catalog's own API is shaped differently.
 */

export interface CkanOrg {
  id: string;
  name: string;
  title: string;
  display_name: string;
  type: 'organization';
  is_organization: true;
  state: 'active';
  description: string;
  image_url: string;
  created: string;
  approval_status: 'approved';
  package_count?: number;
}

export interface CkanResource {
  id: string;
  package_id: string;
  name: string;
  description: string;
  format: string;
  mimetype: string;
  url: string;
  position: number;
  state: 'active';
  created: string;
  last_modified: string | null;
}

export interface CkanPackage {
  id: string;
  name: string;
  title: string;
  notes: string;
  type: 'dataset';
  state: 'active';
  private: false;
  url: string;
  version: string;
  author: string | null;
  author_email: string | null;
  maintainer: string;
  maintainer_email: string | null;
  license_id: string;
  license_title: string;
  license_url: string;
  isopen: boolean;
  metadata_created: string;
  metadata_modified: string;
  owner_org: string;
  organization: CkanOrg;
  groups: CkanGroup[];
  tags: { id: string; name: string; display_name: string; state: 'active'; vocabulary_id: null }[];
  num_tags: number;
  resources: CkanResource[];
  num_resources: number;
  extras: { key: string; value: string }[];
}

export interface CkanGroup {
  id: string;
  name: string;
  title: string;
  display_name: string;
  description: string;
  type: 'group';
  is_organization: false;
  state: 'active';
  image_display_url: string;
  package_count?: number;
}

export interface OrgInfo {
  id: string;
  name: string;
  uscc: string;
  createdAt: Date;
}

export function ckanOrg(org: OrgInfo, packageCount?: number): CkanOrg {
  return {
    id: org.id,
    name: orgSlug(org.uscc),
    title: org.name,
    display_name: org.name,
    type: 'organization',
    is_organization: true,
    state: 'active',
    description: `统一社会信用代码 ${org.uscc}`,
    image_url: '',
    created: org.createdAt.toISOString(),
    approval_status: 'approved',
    ...(packageCount === undefined ? {} : { package_count: packageCount }),
  };
}

export function ckanGroup(category: Category, packageCount?: number): CkanGroup {
  const label = CATEGORY_LABELS[category];
  return {
    id: category,
    name: category,
    title: label.zh,
    display_name: label.zh,
    description: label.en,
    type: 'group',
    is_organization: false,
    state: 'active',
    image_display_url: '',
    ...(packageCount === undefined ? {} : { package_count: packageCount }),
  };
}

/** Where an entry lives for people (the portal page) and for programs (the catalog API). */
export interface EntryLinks {
  page: string;
  api: string;
}

export const entryLinks = (base: string, entry: Pick<Entry, 'id'>): EntryLinks => ({
  page: `${base}/catalog/${entry.id}`,
  api: `${base}/api/catalog/entries/${entry.id}`,
});

/** CKAN `extras`: the 目录 metadata CKAN has no field for, as string key/value pairs. */
function extrasOf(e: Entry): { key: string; value: string }[] {
  const pairs: [string, string | null | undefined][] = [
    ['resource_code', e.code],
    ['category', e.category],
    ['classification', e.classification.join('.')],
    ['resource_kind', e.resourceKind],
    ['provider_code', e.providerCode],
    ['update_cycle', e.updateCycle],
    ['update_cycle_label', UPDATE_CYCLE_LABELS[e.updateCycle]],
    ['publish_date', e.publishDate],
    ['share_type', e.shareType],
    ['share_type_label', SHARE_TYPE_LABELS[e.shareType]],
    ['share_condition', e.shareCondition],
    ['share_method', e.shareMethod],
    ['open_type', e.openType],
    ['open_type_label', OPEN_TYPE_LABELS[e.openType]],
    ['open_condition', e.openCondition],
    ['grade', String(e.grade)],
    ['important', String(e.important)],
    ['core', String(e.core)],
    ['related_codes', e.relatedCodes.join(',')],
  ];
  return pairs
    .filter((p): p is [string, string] => typeof p[1] === 'string' && p[1] !== '')
    .map(([key, value]) => ({ key, value }));
}

export function ckanPackage(e: Entry, org: OrgInfo, base: string): CkanPackage {
  const links = entryLinks(base, e);
  const licence = licenceOf(e.licence);
  const created = e.createdAt;
  const modified = e.publishedAt ?? e.updatedAt;
  const tags = e.tags.map((t) => ({
    id: t,
    name: t,
    display_name: t,
    state: 'active' as const,
    vocabulary_id: null,
  }));
  const resources: CkanResource[] = e.formats.map((format, position) => ({
    id: `${e.id}-${format}`,
    package_id: e.id,
    name: `${e.name}（${format.toUpperCase()}）`,
    description: e.summary,
    format: format.toUpperCase(),
    mimetype: mediaTypeOf(format),
    url: links.api,
    position,
    state: 'active',
    created: created,
    last_modified: modified,
  }));
  return {
    id: e.id,
    name: slugOfCode(e.code),
    title: e.name,
    notes: e.summary,
    type: 'dataset',
    state: 'active',
    private: false,
    url: links.page,
    version: String(e.publishedVersion ?? e.version),
    author: e.providerOrgName,
    author_email: null,
    maintainer: e.responsible.person,
    maintainer_email: e.responsible.email ?? null,
    license_id: licence?.id ?? 'notspecified',
    license_title: licence?.title ?? 'License not specified',
    license_url: licence?.uri ?? '',
    isopen: Boolean(licence?.uri) && e.openType === 'unconditional',
    metadata_created: created,
    metadata_modified: modified,
    owner_org: org.id,
    organization: ckanOrg(org),
    groups: [ckanGroup(e.category)],
    tags,
    num_tags: tags.length,
    resources,
    num_resources: resources.length,
    extras: extrasOf(e),
  };
}

// --- package_search parameters ---------------------------------------------------------------

export interface FilterQuery {
  organization: string[];
  tags: string[];
  res_format: string[];
  groups: string[];
}

export type FqResult = { ok: true; filters: FilterQuery } | { ok: false; term: string };

const FQ_FIELDS = new Set<keyof FilterQuery>(['organization', 'tags', 'res_format', 'groups']);

/**
 * CKAN's `fq` is a Solr filter query; clients send `field:value` terms separated by spaces (or
 * `AND`), values optionally double-quoted (`tags:"a b"`) and `+`-prefixed. Terms on the same field
 * must all match, as Solr's default AND operator makes them. Anything else is refused rather than
 * silently ignored, so a client never mistakes an unfiltered answer for a filtered one.
 */
export function parseFq(fq: string | undefined): FqResult {
  const filters: FilterQuery = { organization: [], tags: [], res_format: [], groups: [] };
  if (!fq) return { ok: true, filters };
  const re = /\s*(?:(AND)\b|\+?([a-z_]+):(?:"((?:[^"\\]|\\.)*)"|([^\s"]+)))/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < fq.length && (m = re.exec(fq))) {
    pos = re.lastIndex;
    if (m[1]) continue;
    const field = m[2] as keyof FilterQuery;
    if (!FQ_FIELDS.has(field)) return { ok: false, term: m[0].trim() };
    const value = (m[3] ?? m[4] ?? '').replace(/\\(.)/g, '$1');
    if (!value) return { ok: false, term: m[0].trim() };
    filters[field].push(value);
  }
  if (fq.slice(pos).trim()) return { ok: false, term: fq.slice(pos).trim() };
  return { ok: true, filters };
}

export type CkanSort = 'relevance' | 'updated' | 'name';

/** CKAN sort strings → the catalog's sorts; null for sorts it doesn't offer. */
export function parseSort(sort: string | undefined): CkanSort | null {
  const s = (sort ?? 'score desc, metadata_modified desc').trim().toLowerCase();
  const first = s.split(',')[0]!.trim().replace(/\s+/g, ' ');
  switch (first) {
    case 'score desc':
    case 'rank desc':
      return 'relevance';
    case 'metadata_modified desc':
      return 'updated';
    case 'title_string asc':
    case 'name asc':
      return 'name';
    default:
      return null;
  }
}

export const FACET_FIELDS = ['organization', 'tags', 'res_format', 'groups'] as const;
export type FacetField = (typeof FACET_FIELDS)[number];

export const FACET_TITLES: Record<FacetField, string> = {
  organization: 'Organizations',
  tags: 'Tags',
  res_format: 'Formats',
  groups: 'Groups',
};

/** `facet.field` is a JSON list of field names, as CKAN takes it. */
export function parseFacetFields(raw: string | undefined): FacetField[] | null {
  if (raw === undefined || raw === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  const out: FacetField[] = [];
  for (const f of parsed) {
    if (typeof f !== 'string' || !(FACET_FIELDS as readonly string[]).includes(f)) return null;
    if (!out.includes(f as FacetField)) out.push(f as FacetField);
  }
  return out;
}
