import type { Category, OpenType, UpdateCycle } from '../schemas.js';

/**
 * Mappings from the catalog's own vocabulary (政务信息资源目录编制指南) to the vocabularies the
 * open interfaces speak: CKAN names, the EU Publications Office authority tables DCAT-AP 3
 * recommends, IANA media types and ISO 8601 repeating intervals (Project Open Data).
 */

/** CKAN package names are `[a-z0-9_-]{2,100}`; a resource code `1.02.03/000012` becomes `1-02-03-000012`. */
export function slugOfCode(code: string): string {
  return code.replace(/[./]/g, '-');
}

/** The reverse of slugOfCode: the last '-' was the '/', the others were '.'. Null when it isn't one. */
export function codeOfSlug(slug: string): string | null {
  if (!/^[0-9]{1,3}(-[0-9]{1,3}){0,3}-[0-9]{6}$/.test(slug)) return null;
  const cut = slug.lastIndexOf('-');
  return `${slug.slice(0, cut).replace(/-/g, '.')}/${slug.slice(cut + 1)}`;
}

/** CKAN organisation names: the provider's 统一社会信用代码, lower-cased (stable and URL-safe). */
export const orgSlug = (uscc: string): string => uscc.toLowerCase();

/** Categories are CKAN groups and DCAT themes. */
export const CATEGORY_LABELS: Record<Category, { zh: string; en: string }> = {
  base: { zh: '基础信息资源', en: 'Base information resources' },
  theme: { zh: '主题信息资源', en: 'Thematic information resources' },
  department: { zh: '部门信息资源', en: 'Departmental information resources' },
};

export const UPDATE_CYCLE_LABELS: Record<UpdateCycle, string> = {
  realtime: '实时',
  daily: '每日',
  weekly: '每周',
  monthly: '每月',
  quarterly: '每季度',
  half_yearly: '每半年',
  yearly: '每年',
  irregular: '不定期',
};

export const SHARE_TYPE_LABELS = { unconditional: '无条件共享', conditional: '有条件共享', none: '不予共享' };
export const OPEN_TYPE_LABELS: Record<OpenType, string> = {
  unconditional: '无条件开放',
  conditional: '有条件开放',
  none: '不予开放',
};

/** EU frequency authority table (http://publications.europa.eu/resource/authority/frequency). */
const EU_FREQUENCY = 'http://publications.europa.eu/resource/authority/frequency/';
const FREQUENCY_CODES: Record<UpdateCycle, string> = {
  realtime: 'UPDATE_CONT',
  daily: 'DAILY',
  weekly: 'WEEKLY',
  monthly: 'MONTHLY',
  quarterly: 'QUARTERLY',
  half_yearly: 'ANNUAL_2',
  yearly: 'ANNUAL',
  irregular: 'IRREG',
};
export const frequencyUri = (cycle: UpdateCycle): string => EU_FREQUENCY + FREQUENCY_CODES[cycle];

/** The reverse, for harvesting DCAT sources; unknown frequencies are 'irregular'. */
export function cycleOfFrequency(uri: string): UpdateCycle {
  const code = uri.startsWith(EU_FREQUENCY) ? uri.slice(EU_FREQUENCY.length) : uri;
  const hit = (Object.entries(FREQUENCY_CODES) as [UpdateCycle, string][]).find(([, c]) => c === code);
  return hit ? hit[0] : 'irregular';
}

/** Project Open Data accrualPeriodicity: ISO 8601 repeating durations, or "irregular". */
const ISO_PERIODS: Record<UpdateCycle, string> = {
  realtime: 'R/PT1S',
  daily: 'R/P1D',
  weekly: 'R/P1W',
  monthly: 'R/P1M',
  quarterly: 'R/P3M',
  half_yearly: 'R/P6M',
  yearly: 'R/P1Y',
  irregular: 'irregular',
};
export const isoPeriod = (cycle: UpdateCycle): string => ISO_PERIODS[cycle];

const MEDIA_TYPES: Record<string, string> = {
  csv: 'text/csv',
  json: 'application/json',
  xml: 'application/xml',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  xls: 'application/vnd.ms-excel',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  doc: 'application/msword',
  pdf: 'application/pdf',
  txt: 'text/plain',
  html: 'text/html',
  zip: 'application/zip',
  geojson: 'application/geo+json',
  rdf: 'application/rdf+xml',
  ttl: 'text/turtle',
  jsonld: 'application/ld+json',
};
/** IANA media type of a format; unknown formats are plain bytes. */
export const mediaTypeOf = (format: string): string =>
  MEDIA_TYPES[format.toLowerCase()] ?? 'application/octet-stream';

/** The reverse (harvest): a media type or a format label → the catalog's lower-case format. */
export function formatOf(label: string): string | null {
  const v = label.trim().toLowerCase();
  if (!v) return null;
  const viaType = Object.entries(MEDIA_TYPES).find(([, t]) => t === v || v.endsWith(`/${t}`));
  if (viaType) return viaType[0];
  // EU file-type URIs end in the upper-case format name, IANA URIs in the media type.
  const last = v.split('/').pop() ?? v;
  return /^[a-z0-9.+-]{1,40}$/.test(last) ? last : null;
}

/** EU file-type authority table, e.g. …/file-type/CSV. */
export const fileTypeUri = (format: string): string =>
  `http://publications.europa.eu/resource/authority/file-type/${format.toUpperCase()}`;

export const ianaUri = (format: string): string =>
  `http://www.iana.org/assignments/media-types/${mediaTypeOf(format)}`;

const LICENCES: Record<string, { id: string; uri: string; title: string }> = {
  'cc-by-4.0': {
    id: 'CC-BY-4.0',
    uri: 'https://creativecommons.org/licenses/by/4.0/',
    title: 'Creative Commons Attribution 4.0',
  },
  'cc-by-sa-4.0': {
    id: 'CC-BY-SA-4.0',
    uri: 'https://creativecommons.org/licenses/by-sa/4.0/',
    title: 'Creative Commons Attribution Share-Alike 4.0',
  },
  'cc0-1.0': {
    id: 'CC0-1.0',
    uri: 'https://creativecommons.org/publicdomain/zero/1.0/',
    title: 'Creative Commons CCZero',
  },
  'odc-by-1.0': {
    id: 'ODC-By-1.0',
    uri: 'https://opendatacommons.org/licenses/by/1-0/',
    title: 'Open Data Commons Attribution',
  },
  'odbl-1.0': {
    id: 'ODbL-1.0',
    uri: 'https://opendatacommons.org/licenses/odbl/1-0/',
    title: 'Open Data Commons ODbL',
  },
};

/**
 * A licence id (SPDX-style, e.g. CC-BY-4.0) → a URI and title. Known ids get their canonical
 * page; other SPDX-shaped ids get their SPDX page; free text gets no URI (never an invented one).
 */
export function licenceOf(
  licence: string | null | undefined,
): { id: string; uri: string | null; title: string } | null {
  if (!licence) return null;
  const known = LICENCES[licence.toLowerCase()];
  if (known) return known;
  if (/^[A-Za-z0-9.+-]{2,64}$/.test(licence))
    return { id: licence, uri: `https://spdx.org/licenses/${licence}.html`, title: licence };
  return { id: licence, uri: null, title: licence };
}

/** The reverse (harvest): a licence URI or CKAN license_id → an id the catalog stores. */
export function licenceIdOf(value: string): string {
  const v = value.trim();
  const known = Object.entries(LICENCES).find(([, l]) => l.uri === v || l.uri === `${v}/`);
  if (known) return known[1].id;
  const spdx = /^https?:\/\/spdx\.org\/licenses\/([A-Za-z0-9.+-]+?)(\.html)?$/.exec(v);
  return spdx ? spdx[1]! : v.slice(0, 200);
}
