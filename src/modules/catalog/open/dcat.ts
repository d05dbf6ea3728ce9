import N3 from 'n3';
import type { Quad } from 'n3';
import type { Entry } from '../schemas.js';
import { entryLinks, type OrgInfo } from './ckan.js';
import { CATEGORY_LABELS, fileTypeUri, frequencyUri, ianaUri, licenceOf, orgSlug } from './vocab.js';

/**
 * DCAT-AP 3 (https://semiceu.github.io/DCAT-AP/releases/3.0.0/) for open entries. One set of
 * quads is built per answer and written as Turtle (n3's Writer) or as JSON-LD with an inline
 * @context, so the two formats say exactly the same triples. Every node has an IRI (no blank
 * nodes): a harvester can merge pages and re-harvests without duplicating contact points or
 * distributions.
 */

export const NS = {
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  adms: 'http://www.w3.org/ns/adms#',
  skos: 'http://www.w3.org/2004/02/skos/core#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  dcatap: 'http://data.europa.eu/r5r/',
  hydra: 'http://www.w3.org/ns/hydra/core#',
} as const;

type Prefix = keyof typeof NS;
const { namedNode, literal, quad } = N3.DataFactory;
const iri = (prefix: Prefix, local: string) => namedNode(NS[prefix] + local);

const EU = 'http://publications.europa.eu/resource/authority/';
const ACCESS_RIGHTS = { unconditional: 'PUBLIC', conditional: 'RESTRICTED', none: 'NON_PUBLIC' } as const;

export interface NodeInfo {
  code: string;
  name: string;
}

export interface CatalogPage {
  page: number;
  pageSize: number;
  total: number;
}

type Obj = N3.NamedNode | N3.Literal;

class Graph {
  readonly quads: Quad[] = [];
  add(s: string, p: N3.NamedNode, o: Obj | string): void {
    this.quads.push(quad(namedNode(s), p, typeof o === 'string' ? namedNode(o) : o));
  }
  type(s: string, t: N3.NamedNode): void {
    this.add(s, iri('rdf', 'type'), t);
  }
}

const zh = (text: string) => literal(text, 'zh');
const typed = (value: string, type: string) => literal(value, namedNode(NS.xsd + type));

/** Dataset IRIs are fragments of the entry's portal page; the page itself is the landing page. */
export const datasetIri = (base: string, entry: Pick<Entry, 'id'>) =>
  `${entryLinks(base, entry).page}#dataset`;
const orgIri = (base: string, org: OrgInfo) =>
  `${base}/api/3/action/organization_show?id=${encodeURIComponent(orgSlug(org.uscc))}`;
const themeIri = (base: string, category: string) => `${base}/catalog.ttl#category-${category}`;

function addDataset(g: Graph, base: string, e: Entry, org: OrgInfo): string {
  const links = entryLinks(base, e);
  const ds = datasetIri(base, e);
  g.type(ds, iri('dcat', 'Dataset'));
  g.add(ds, iri('dct', 'identifier'), literal(e.code));
  g.add(ds, iri('dct', 'title'), zh(e.name));
  g.add(ds, iri('dct', 'description'), zh(e.summary || e.name));
  g.add(ds, iri('dcat', 'landingPage'), links.page);
  g.add(ds, iri('dcat', 'version'), literal(String(e.publishedVersion ?? e.version)));
  for (const tag of e.tags) g.add(ds, iri('dcat', 'keyword'), zh(tag));
  // issued: the declared publish date when there is one, else the moment it was approved.
  if (e.publishDate) g.add(ds, iri('dct', 'issued'), typed(e.publishDate, 'date'));
  else if (e.publishedAt) g.add(ds, iri('dct', 'issued'), typed(e.publishedAt, 'dateTime'));
  g.add(ds, iri('dct', 'modified'), typed(e.publishedAt ?? e.updatedAt, 'dateTime'));
  g.add(ds, iri('dct', 'accrualPeriodicity'), frequencyUri(e.updateCycle));
  g.add(ds, iri('dct', 'accessRights'), `${EU}access-right/${ACCESS_RIGHTS[e.openType]}`);
  g.add(ds, iri('dct', 'language'), `${EU}language/ZHO`);

  const publisher = orgIri(base, org);
  g.add(ds, iri('dct', 'publisher'), publisher);
  g.type(publisher, iri('foaf', 'Agent'));
  g.add(publisher, iri('foaf', 'name'), zh(org.name));
  g.add(publisher, iri('dct', 'identifier'), literal(org.uscc));

  const contact = `${links.page}#contact`;
  g.add(ds, iri('dcat', 'contactPoint'), contact);
  g.type(contact, iri('vcard', 'Kind'));
  g.add(contact, iri('vcard', 'fn'), zh(e.responsible.person));
  g.add(contact, iri('vcard', 'organization-name'), zh(org.name));
  if (e.responsible.email) g.add(contact, iri('vcard', 'hasEmail'), `mailto:${e.responsible.email}`);
  if (e.responsible.phone)
    g.add(contact, iri('vcard', 'hasTelephone'), `tel:${e.responsible.phone.replace(/[^0-9+]/g, '')}`);

  // The resource code is also the entry's formal identifier under the provider's scheme.
  const identifier = `${links.page}#identifier`;
  g.add(ds, iri('adms', 'identifier'), identifier);
  g.type(identifier, iri('adms', 'Identifier'));
  g.add(identifier, iri('skos', 'notation'), literal(e.code));

  g.add(ds, iri('dcat', 'theme'), themeIri(base, e.category));

  const licence = licenceOf(e.licence);
  for (const format of e.formats) {
    const dist = `${links.page}#distribution-${encodeURIComponent(format)}`;
    g.add(ds, iri('dcat', 'distribution'), dist);
    g.type(dist, iri('dcat', 'Distribution'));
    g.add(dist, iri('dct', 'title'), zh(`${e.name}（${format.toUpperCase()}）`));
    g.add(dist, iri('dcat', 'accessURL'), links.api);
    g.add(dist, iri('dcat', 'mediaType'), ianaUri(format));
    g.add(dist, iri('dct', 'format'), fileTypeUri(format));
    g.add(dist, iri('dcatap', 'availability'), `${EU}planned-availability/STABLE`);
    if (licence?.uri) g.add(dist, iri('dct', 'license'), licence.uri);
  }
  return ds;
}

function addThemes(g: Graph, base: string, categories: Iterable<string>): void {
  const scheme = `${base}/catalog.ttl#categories`;
  g.type(scheme, iri('skos', 'ConceptScheme'));
  g.add(scheme, iri('dct', 'title'), zh('政务信息资源分类'));
  for (const c of new Set(categories)) {
    const label = CATEGORY_LABELS[c as keyof typeof CATEGORY_LABELS];
    const t = themeIri(base, c);
    g.type(t, iri('skos', 'Concept'));
    g.add(t, iri('skos', 'prefLabel'), zh(label.zh));
    g.add(t, iri('skos', 'prefLabel'), literal(label.en, 'en'));
    g.add(t, iri('skos', 'inScheme'), scheme);
  }
}

function addCatalog(g: Graph, base: string, node: NodeInfo, datasets: string[]): string {
  const catalog = `${base}/catalog.ttl#catalog`;
  const agent = `${base}/.well-known/datong-node.json`;
  g.type(catalog, iri('dcat', 'Catalog'));
  g.add(catalog, iri('dct', 'title'), zh(`${node.name}政务数据目录`));
  g.add(catalog, iri('dct', 'description'), zh(`${node.name}数通节点开放的政务信息资源目录`));
  g.add(catalog, iri('dct', 'publisher'), agent);
  g.add(catalog, iri('foaf', 'homepage'), `${base}/`);
  g.add(catalog, iri('dct', 'language'), `${EU}language/ZHO`);
  g.type(agent, iri('foaf', 'Agent'));
  g.add(agent, iri('foaf', 'name'), zh(node.name));
  g.add(agent, iri('dct', 'identifier'), literal(node.code));
  for (const ds of datasets) g.add(catalog, iri('dcat', 'dataset'), ds);
  return catalog;
}

export type RdfFormat = 'ttl' | 'jsonld';

/** A page of the catalog: the dcat:Catalog, its datasets, and hydra paging links. */
export function catalogGraph(
  base: string,
  node: NodeInfo,
  items: { entry: Entry; org: OrgInfo }[],
  paging: CatalogPage,
  format: RdfFormat,
): Quad[] {
  const g = new Graph();
  const datasets = items.map(({ entry, org }) => addDataset(g, base, entry, org));
  addCatalog(g, base, node, datasets);
  addThemes(
    g,
    base,
    items.map((i) => i.entry.category),
  );
  // Paging as DCAT-AP's guidance (and ckanext-dcat) does it: a hydra:PagedCollection.
  const last = Math.max(1, Math.ceil(paging.total / paging.pageSize));
  const pageIri = (n: number) => `${base}/catalog.${format}?page=${n}`;
  const self = pageIri(paging.page);
  g.type(self, iri('hydra', 'PagedCollection'));
  g.add(self, iri('hydra', 'totalItems'), typed(String(paging.total), 'integer'));
  g.add(self, iri('hydra', 'itemsPerPage'), typed(String(paging.pageSize), 'integer'));
  g.add(self, iri('hydra', 'firstPage'), pageIri(1));
  g.add(self, iri('hydra', 'lastPage'), pageIri(last));
  if (paging.page > 1) g.add(self, iri('hydra', 'previousPage'), pageIri(Math.min(paging.page - 1, last)));
  if (paging.page < last) g.add(self, iri('hydra', 'nextPage'), pageIri(paging.page + 1));
  return g.quads;
}

/** One entry on its own: the dataset and the nodes it points at. */
export function datasetGraph(base: string, entry: Entry, org: OrgInfo): Quad[] {
  const g = new Graph();
  addDataset(g, base, entry, org);
  addThemes(g, base, [entry.category]);
  return g.quads;
}

export function toTurtle(quads: Quad[]): Promise<string> {
  const writer = new N3.Writer({ prefixes: { ...NS } });
  writer.addQuads(quads);
  return new Promise((resolve, reject) =>
    writer.end((err, out: string) => (err ? reject(err) : resolve(out))),
  );
}

type JsonLdValue = { '@id': string } | { '@value': string; '@language'?: string; '@type'?: string };

/** The prefix form of an IRI when one of the context's prefixes covers it. */
function compact(value: string): string {
  for (const [prefix, ns] of Object.entries(NS)) {
    const local = value.slice(ns.length);
    if (value.startsWith(ns) && /^[A-Za-z_][\w.-]*$/.test(local)) return `${prefix}:${local}`;
  }
  return value;
}

/**
 * The same quads as JSON-LD: one node object per subject in @graph, with an inline @context of
 * the prefixes (no remote context to fetch, so a consumer can expand it offline).
 */
export function toJsonLd(quads: Quad[]): Record<string, unknown> {
  const nodes = new Map<string, Record<string, unknown>>();
  for (const q of quads) {
    const s = q.subject.value;
    let node = nodes.get(s);
    if (!node) nodes.set(s, (node = { '@id': s }));
    if (q.predicate.value === NS.rdf + 'type') {
      node['@type'] = [...((node['@type'] as string[] | undefined) ?? []), compact(q.object.value)];
      continue;
    }
    const o = q.object;
    let value: JsonLdValue;
    if (o.termType === 'NamedNode') value = { '@id': o.value };
    else if (o.termType === 'Literal' && o.language) value = { '@value': o.value, '@language': o.language };
    else if (o.termType === 'Literal' && o.datatype.value !== NS.xsd + 'string')
      value = { '@value': o.value, '@type': compact(o.datatype.value) };
    else value = { '@value': o.value };
    const key = compact(q.predicate.value);
    node[key] = [...((node[key] as JsonLdValue[] | undefined) ?? []), value];
  }
  return { '@context': { ...NS }, '@graph': [...nodes.values()] };
}
