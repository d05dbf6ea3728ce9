import type { Entry } from '../schemas.js';
import { entryLinks, type OrgInfo } from './ckan.js';
import { CATEGORY_LABELS, isoPeriod, licenceOf, mediaTypeOf } from './vocab.js';

/**
 * Project Open Data Metadata Schema v1.1 (`/data.json`), the catalog format US portals and many
 * harvesters (CKAN's ckanext-datajson among them) read.
 *
 * Non-federal conventions: `bureauCode` and `programCode` are OMB codes of US federal agencies
 * and mean nothing for a Chinese government node, so they are omitted rather than invented; the
 * v1.1 schema marks them federal-only (GSA's non-federal variant of the schema drops exactly those
 * two from `required`, and test/fixtures/pod/README.md records how the test checks this).
 */

export const POD_CONFORMS_TO = 'https://project-open-data.cio.gov/v1.1/schema';
const POD_CONTEXT = 'https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld';

export type AccessLevel = 'public' | 'restricted public' | 'non-public';

/** openType → accessLevel: 无条件开放 public, 有条件开放 restricted public, 不予开放 non-public. */
export const ACCESS_LEVELS: Record<Entry['openType'], AccessLevel> = {
  unconditional: 'public',
  conditional: 'restricted public',
  none: 'non-public',
};

export interface PodDistribution {
  '@type': 'dcat:Distribution';
  title: string;
  format: string;
  mediaType: string;
  accessURL: string;
}

export interface PodDataset {
  '@type': 'dcat:Dataset';
  identifier: string;
  title: string;
  description: string;
  keyword: string[];
  modified: string;
  issued?: string;
  publisher: { '@type': 'org:Organization'; name: string };
  contactPoint: { '@type': 'vcard:Contact'; fn: string; hasEmail: string };
  accessLevel: AccessLevel;
  rights?: string;
  license?: string;
  accrualPeriodicity: string;
  landingPage: string;
  language: string[];
  theme: string[];
  distribution: PodDistribution[];
}

export interface PodCatalog {
  '@context': string;
  '@id': string;
  '@type': 'dcat:Catalog';
  conformsTo: string;
  describedBy: string;
  dataset: PodDataset[];
}

/** The POD `rights` text is at most 255 characters; the legal basis can be longer. */
const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * hasEmail is required by v1.1, and its pattern accepts a bare `mailto:` — what an entry whose
 * responsible person declared no (or no plainly-formed) address gets, rather than an invented mailbox.
 */
const POD_EMAIL = /^[\w.-]+@[\w.-]+\.[\w.-]+$/;
const mailto = (entry: Entry): string =>
  entry.responsible.email && POD_EMAIL.test(entry.responsible.email)
    ? `mailto:${entry.responsible.email}`
    : 'mailto:';

export function podDataset(base: string, e: Entry, org: OrgInfo): PodDataset {
  const links = entryLinks(base, e);
  const licence = licenceOf(e.licence);
  const condition = e.openType === 'conditional' ? e.openCondition : null;
  return {
    '@type': 'dcat:Dataset',
    identifier: e.code,
    title: e.name,
    description: e.summary || e.name,
    // keyword needs at least one item: the tags, else the category label a portal would file it under.
    keyword: e.tags.length ? e.tags : [CATEGORY_LABELS[e.category].zh],
    modified: e.publishedAt ?? e.updatedAt,
    ...(e.publishDate ? { issued: e.publishDate } : {}),
    publisher: { '@type': 'org:Organization', name: org.name },
    contactPoint: { '@type': 'vcard:Contact', fn: e.responsible.person, hasEmail: mailto(e) },
    accessLevel: ACCESS_LEVELS[e.openType],
    ...(condition ? { rights: clip(condition, 255) } : {}),
    ...(licence?.uri ? { license: licence.uri } : {}),
    accrualPeriodicity: isoPeriod(e.updateCycle),
    landingPage: links.page,
    language: ['zh-CN'],
    theme: [CATEGORY_LABELS[e.category].zh],
    // accessURL (not downloadURL): the link leads to the entry's API, not to a file of the data.
    distribution: e.formats.map((format) => ({
      '@type': 'dcat:Distribution',
      title: `${e.name}（${format.toUpperCase()}）`,
      format: format.toUpperCase(),
      mediaType: mediaTypeOf(format),
      accessURL: links.api,
    })),
  };
}

export function podCatalog(base: string, items: { entry: Entry; org: OrgInfo }[]): PodCatalog {
  return {
    '@context': POD_CONTEXT,
    '@id': `${base}/data.json`,
    '@type': 'dcat:Catalog',
    conformsTo: POD_CONFORMS_TO,
    describedBy: 'https://project-open-data.cio.gov/v1.1/schema/catalog.json',
    dataset: items.map(({ entry, org }) => podDataset(base, entry, org)),
  };
}
