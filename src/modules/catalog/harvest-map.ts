import N3 from 'n3';
import type { EntryInput, UpdateCycle } from './schemas.js';
import { cycleOfFrequency, formatOf, licenceIdOf } from './open/vocab.js';

/**
 * Remote datasets (a CKAN package, a DCAT dataset) → the catalog's EntryInput.
 *
 * A remote catalog carries far less than 政务信息资源目录编制指南 asks for, so what it lacks gets
 * the most conservative value that is still true of an open portal's dataset:
 *   - category 'department' and classification ["9"] (其他): the provider files it properly later;
 *   - resourceKind 'file' (no field dictionary comes with it, which 'table' would need);
 *   - shareType 'unconditional' and openType 'unconditional': the remote already publishes it
 *     to anyone, so nothing is disclosed by sharing or listing it here;
 *   - shareMethod 'other', grade 1, not important, not core, no fields, no related codes;
 *   - updateCycle from the remote's frequency, else 'irregular'.
 * The responsible person and phone are required by the catalog and are never invented: a
 * dataset without a contact phone is rejected with that reason.
 */

export interface RemoteDataset {
  /** The remote's own id (CKAN package id, DCAT dataset IRI): half of the harvest key. */
  ref: string;
  input: EntryInput;
}

const DEFAULTS = {
  category: 'department',
  classification: ['9'],
  resourceKind: 'file',
  shareType: 'unconditional',
  shareMethod: 'other',
  openType: 'unconditional',
  grade: 1,
  important: false,
  core: false,
  relatedCodes: [] as string[],
  fields: [],
} satisfies Partial<EntryInput>;

const clip = (s: string, max: number) => (s.length <= max ? s : s.slice(0, max));
const dateOnly = (v: string | undefined): string | null =>
  v && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : null;
const unique = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => !!x))];
const TAG_MAX = 60;

function baseInput(
  providerOrgId: string,
): Omit<EntryInput, 'name' | 'summary' | 'formats' | 'updateCycle' | 'tags' | 'responsible'> {
  return { ...DEFAULTS, providerOrgId };
}

// --- CKAN -----------------------------------------------------------------------------------

type Json = Record<string, unknown>;
const s = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

const CKAN_FREQUENCIES: Record<string, UpdateCycle> = {
  realtime: 'realtime',
  continuous: 'realtime',
  daily: 'daily',
  weekly: 'weekly',
  monthly: 'monthly',
  quarterly: 'quarterly',
  semiannual: 'half_yearly',
  half_yearly: 'half_yearly',
  annual: 'yearly',
  annually: 'yearly',
  yearly: 'yearly',
};

export function fromCkanPackage(pkg: Json, providerOrgId: string): RemoteDataset {
  const extras = new Map<string, string>();
  if (Array.isArray(pkg.extras)) {
    for (const x of pkg.extras as Json[]) {
      const k = s(x.key);
      const v = s(x.value);
      if (k && v) extras.set(k, v);
    }
  }
  const tags = Array.isArray(pkg.tags) ? (pkg.tags as Json[]).map((t) => s(t.name) ?? null) : [];
  const formats = Array.isArray(pkg.resources)
    ? (pkg.resources as Json[]).map((r) => formatOf(s(r.format) ?? s(r.mimetype) ?? ''))
    : [];
  const frequency = (
    extras.get('update_cycle') ??
    extras.get('frequency') ??
    extras.get('accrual_periodicity') ??
    ''
  ).toLowerCase();
  const email = s(pkg.maintainer_email) ?? s(pkg.author_email) ?? null;
  return {
    ref: s(pkg.id) ?? s(pkg.name) ?? '',
    input: {
      ...baseInput(providerOrgId),
      name: clip(s(pkg.title) ?? s(pkg.name) ?? '', 200),
      summary: clip(s(pkg.notes) ?? '', 4000),
      formats: unique(formats),
      updateCycle: frequency.startsWith('http')
        ? cycleOfFrequency(frequency.toUpperCase())
        : (CKAN_FREQUENCIES[frequency] ?? 'irregular'),
      publishDate: dateOnly(s(pkg.metadata_created)),
      tags: unique(tags).map((t) => clip(t, TAG_MAX)),
      licence: s(pkg.license_url) ? licenceIdOf(s(pkg.license_url)!) : (s(pkg.license_id) ?? null),
      responsible: {
        person: s(pkg.maintainer) ?? s(pkg.author) ?? '',
        phone: extras.get('contact_phone') ?? extras.get('maintainer_phone') ?? '',
        email,
      },
    },
  };
}

// --- DCAT -----------------------------------------------------------------------------------

const DCAT = 'http://www.w3.org/ns/dcat#';
const DCT = 'http://purl.org/dc/terms/';
const VCARD = 'http://www.w3.org/2006/vcard/ns#';
const FOAF = 'http://xmlns.com/foaf/0.1/';
const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';

/** Every dcat:Dataset of an RDF graph (Turtle or JSON-LD already turned into quads). */
export function fromDcatQuads(quads: N3.Quad[], providerOrgId: string): RemoteDataset[] {
  const store = new N3.Store(quads);
  const objects = (subject: N3.Term, predicate: string) => store.getObjects(subject, predicate, null);
  /** Prefers a Chinese literal, then one without language, then any. */
  const text = (subject: N3.Term, predicate: string): string => {
    const lits = objects(subject, predicate).filter((o): o is N3.Literal => o.termType === 'Literal');
    const pick =
      lits.find((l) => l.language.startsWith('zh')) ?? lits.find((l) => l.language === '') ?? lits[0];
    return pick?.value.trim() ?? '';
  };
  const iriOrText = (subject: N3.Term, predicate: string): string =>
    objects(subject, predicate)[0]?.value ?? '';

  return store.getSubjects(RDF_TYPE, DCAT + 'Dataset', null).map((ds) => {
    const contact = objects(ds, DCAT + 'contactPoint')[0];
    const publisher = objects(ds, DCT + 'publisher')[0];
    const formats = objects(ds, DCAT + 'distribution').map((dist) =>
      formatOf(iriOrText(dist, DCT + 'format') || iriOrText(dist, DCAT + 'mediaType')),
    );
    const licences = objects(ds, DCAT + 'distribution')
      .map((d) => iriOrText(d, DCT + 'license'))
      .filter(Boolean);
    const email = contact ? iriOrText(contact, VCARD + 'hasEmail').replace(/^mailto:/, '') : '';
    const phone = contact ? iriOrText(contact, VCARD + 'hasTelephone').replace(/^tel:/, '') : '';
    const person = contact ? text(contact, VCARD + 'fn') : '';
    const issued = iriOrText(ds, DCT + 'issued');
    const frequency = iriOrText(ds, DCT + 'accrualPeriodicity');
    return {
      ref: ds.termType === 'NamedNode' ? ds.value : text(ds, DCT + 'identifier'),
      input: {
        ...baseInput(providerOrgId),
        name: clip(text(ds, DCT + 'title'), 200),
        summary: clip(text(ds, DCT + 'description'), 4000),
        formats: unique(formats),
        updateCycle: frequency ? cycleOfFrequency(frequency) : 'irregular',
        publishDate: dateOnly(issued),
        tags: unique(objects(ds, DCAT + 'keyword').map((k) => clip(k.value.trim(), TAG_MAX) || null)),
        licence: licences[0] ? licenceIdOf(licences[0]) : null,
        responsible: {
          person: person || (publisher ? text(publisher, FOAF + 'name') : ''),
          phone,
          email: email || null,
        },
      },
    };
  });
}
