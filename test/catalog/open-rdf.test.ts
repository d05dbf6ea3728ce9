import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import N3 from 'n3';
import jsonld from 'jsonld';
import { Ajv, type AnySchemaObject, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { testApp, type TestApp } from '../support/app.js';
import { makeOrg } from '../support/factories.js';
import type { Entry } from '../../src/modules/catalog/index.js';
import { DCAT_PAGE_SIZE } from '../../src/modules/catalog/open/routes.js';
import { openInput, publish } from './open-helpers.js';

/** DCAT-AP 3 (Turtle, JSON-LD) and Project Open Data v1.1 over open entries. */
let t: TestApp;
let entry: Entry;
let conditional: Entry;
let closed: Entry;

const DCAT = 'http://www.w3.org/ns/dcat#';
const DCT = 'http://purl.org/dc/terms/';
const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
const XSD = 'http://www.w3.org/2001/XMLSchema#';

beforeAll(async () => {
  t = await testApp();
  const org = await makeOrg(t.pool, { name: '省市场监管局' });
  entry = await publish(t, openInput(org.id));
  conditional = await publish(
    t,
    openInput(org.id, {
      name: '个体工商户登记信息',
      tags: [],
      openType: 'conditional',
      openCondition: '经申请审核后开放',
      updateCycle: 'irregular',
      responsible: { person: '赵六', phone: '020-83330001' },
      licence: null,
    }),
  );
  closed = await publish(
    t,
    openInput(org.id, { name: '行政处罚内部记录', openType: 'none', openCondition: '不予开放的依据' }),
  );
});
afterAll(async () => t?.close());

const get = (url: string) => t.app.inject({ method: 'GET', url });

function parseTurtle(text: string): N3.Quad[] {
  return new N3.Parser({ format: 'text/turtle' }).parse(text);
}

const key = (q: { subject: { value: string }; predicate: { value: string }; object: N3.Term }) =>
  `${q.subject.value} ${q.predicate.value} ${q.object.termType === 'Literal' ? JSON.stringify([q.object.value, (q.object as N3.Literal).language, (q.object as N3.Literal).datatype.value]) : q.object.value}`;

/** A documentLoader that refuses every URL: the JSON-LD must expand from its inline context. */
const offline = async (url: string): Promise<never> => {
  throw new Error(`network access refused: ${url}`);
};

describe('DCAT-AP 3', () => {
  it('serves a Turtle catalog that n3 parses into the expected triples', async () => {
    const res = await get('/catalog.ttl');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/turtle/);
    expect(res.body).toMatch(/@prefix dcat: <http:\/\/www\.w3\.org\/ns\/dcat#>/);
    const quads = parseTurtle(res.body);
    const has = (s: string, p: string, o?: string) =>
      quads.some(
        (q) => q.subject.value === s && q.predicate.value === p && (o === undefined || q.object.value === o),
      );
    const datasets = quads.filter(
      (q) => q.predicate.value === RDF_TYPE && q.object.value === `${DCAT}Dataset`,
    );
    expect(datasets).toHaveLength(2);
    const ds = `http://localhost:80/catalog/${entry.id}#dataset`;
    expect(quads.some((q) => q.predicate.value === RDF_TYPE && q.object.value === `${DCAT}Catalog`)).toBe(
      true,
    );
    expect(has(ds, `${DCT}identifier`, entry.code)).toBe(true);
    const title = quads.find((q) => q.subject.value === ds && q.predicate.value === `${DCT}title`)!
      .object as N3.Literal;
    expect([title.value, title.language]).toEqual(['企业登记基本信息', 'zh']);
    const issued = quads.find((q) => q.subject.value === ds && q.predicate.value === `${DCT}issued`)!
      .object as N3.Literal;
    expect([issued.value, issued.datatype.value]).toEqual(['2024-03-01', `${XSD}date`]);
    const modified = quads.find((q) => q.subject.value === ds && q.predicate.value === `${DCT}modified`)!
      .object as N3.Literal;
    expect(modified.datatype.value).toBe(`${XSD}dateTime`);
    expect(
      has(ds, `${DCT}accrualPeriodicity`, 'http://publications.europa.eu/resource/authority/frequency/DAILY'),
    ).toBe(true);
    expect(has(ds, `${DCAT}keyword`, '市场主体')).toBe(true);
    const dist = `http://localhost:80/catalog/${entry.id}#distribution-csv`;
    expect(has(ds, `${DCAT}distribution`, dist)).toBe(true);
    expect(has(dist, `${DCAT}mediaType`, 'http://www.iana.org/assignments/media-types/text/csv')).toBe(true);
    expect(has(dist, `${DCAT}accessURL`, `http://localhost:80/api/catalog/entries/${entry.id}`)).toBe(true);
    expect(has(dist, `${DCT}license`, 'https://creativecommons.org/licenses/by/4.0/')).toBe(true);
    const contact = `http://localhost:80/catalog/${entry.id}#contact`;
    expect(has(contact, 'http://www.w3.org/2006/vcard/ns#hasEmail', 'mailto:open@amr.gd.gov.cn')).toBe(true);
    // Nothing of the closed entry leaves.
    expect(res.body).not.toContain(closed.id);
    expect(res.body).not.toContain('行政处罚内部记录');
  });

  it('says the same triples in JSON-LD, which expands offline', async () => {
    const ttl = parseTurtle((await get('/catalog.ttl')).body);
    const res = await get('/catalog.jsonld');
    expect(res.headers['content-type']).toMatch(/^application\/ld\+json/);
    const doc = res.json();
    const expanded = await jsonld.expand(doc, { documentLoader: offline });
    const types = expanded.flatMap((n) => (n['@type'] as string[] | undefined) ?? []);
    expect(types.filter((x) => x === `${DCAT}Dataset`)).toHaveLength(2);
    const nquads = (await jsonld.toRDF(doc, {
      format: 'application/n-quads',
      documentLoader: offline,
    })) as string;
    const fromJsonLd = new N3.Parser({ format: 'N-Quads' }).parse(nquads);
    // Paging links differ between the formats (each points at its own pages); all else is equal.
    const notPaging = (q: N3.Quad) =>
      !q.subject.value.includes('/catalog.jsonld?page') && !q.subject.value.includes('/catalog.ttl?page');
    expect(new Set(fromJsonLd.filter(notPaging).map(key))).toEqual(new Set(ttl.filter(notPaging).map(key)));
  });

  it('pages the catalog with hydra links and refuses pages past the end', async () => {
    const quads = parseTurtle((await get('/catalog.ttl?page=1')).body);
    const page = 'http://localhost:80/catalog.ttl?page=1';
    const total = quads.find((q) => q.subject.value === page && q.predicate.value.endsWith('#totalItems'));
    expect(total?.object.value).toBe('2');
    const per = quads.find((q) => q.subject.value === page && q.predicate.value.endsWith('#itemsPerPage'));
    expect(per?.object.value).toBe(String(DCAT_PAGE_SIZE));
    expect(quads.some((q) => q.predicate.value.endsWith('#nextPage'))).toBe(false);
    const past = await get('/catalog.ttl?page=2');
    expect(past.statusCode).toBe(404);
    expect(past.json().code).toBe('open_page_out_of_range');
    expect((await get('/catalog.ttl?page=0')).statusCode).toBe(400);
  });

  it('serves one entry by encoded code, CKAN name or id; 404 for a closed one', async () => {
    const byCode = await get(`/catalog/${encodeURIComponent(entry.code)}.ttl`);
    expect(byCode.statusCode).toBe(200);
    const quads = parseTurtle(byCode.body);
    expect(
      quads.filter((q) => q.predicate.value === RDF_TYPE && q.object.value === `${DCAT}Dataset`),
    ).toHaveLength(1);
    const byName = await get(`/catalog/${entry.code.replace(/[./]/g, '-')}.jsonld`);
    expect(byName.statusCode).toBe(200);
    const expanded = await jsonld.expand(byName.json(), { documentLoader: offline });
    expect(expanded.some((n) => (n['@type'] as string[] | undefined)?.includes(`${DCAT}Dataset`))).toBe(true);
    expect((await get(`/catalog/${entry.id}.ttl`)).statusCode).toBe(200);
    const hidden = await get(`/catalog/${closed.id}.ttl`);
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().code).toBe('open_entry_not_found');
  });
});

describe('Project Open Data v1.1 (/data.json)', () => {
  const dir = path.join(import.meta.dirname, '..', 'fixtures', 'pod');
  const load = (name: string): AnySchemaObject => {
    const s = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as AnySchemaObject & { id: string };
    const { id, $schema: _draft04, ...rest } = s;
    return { ...rest, $id: id };
  };
  function validator(nonFederal: boolean) {
    // The schemas' patterns are ECMA-262 regexes without the u flag (e.g. `\:`), as draft-04 meant them.
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, unicodeRegExp: false });
    addFormats.default(ajv);
    const dataset = load('dataset.json');
    if (nonFederal)
      dataset.required = (dataset.required as string[]).filter(
        (r) => r !== 'bureauCode' && r !== 'programCode',
      );
    for (const s of [dataset, load('distribution.json'), load('organization.json'), load('vcard.json')])
      ajv.addSchema(s);
    return ajv.compile(load('catalog.json'));
  }

  it('validates against the POD v1.1 schema (non-federal: no bureau/program codes)', async () => {
    const res = await get('/data.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    const validate = validator(true);
    const ok = validate(doc);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(doc.conformsTo).toBe('https://project-open-data.cio.gov/v1.1/schema');
    expect(doc.dataset).toHaveLength(2);
    // Against the federal schema, only the two federal-only codes are missing.
    const federal = validator(false);
    expect(federal(doc)).toBe(false);
    const missing = new Set((federal.errors as ErrorObject[]).map((e) => String(e.params.missingProperty)));
    expect(missing).toEqual(new Set(['bureauCode', 'programCode']));
  });

  it('maps openType to accessLevel and the rest of the metadata', async () => {
    const doc = (await get('/data.json')).json();
    const byId = new Map(doc.dataset.map((d: { identifier: string }) => [d.identifier, d]));
    expect(byId.get(entry.code)).toMatchObject({
      accessLevel: 'public',
      accrualPeriodicity: 'R/P1D',
      keyword: ['企业', '市场主体'],
      publisher: { name: '省市场监管局' },
      contactPoint: { fn: '王五', hasEmail: 'mailto:open@amr.gd.gov.cn' },
      license: 'https://creativecommons.org/licenses/by/4.0/',
      distribution: [
        {
          format: 'CSV',
          mediaType: 'text/csv',
          accessURL: `http://localhost:80/api/catalog/entries/${entry.id}`,
        },
        expect.objectContaining({ format: 'JSON', mediaType: 'application/json' }),
      ],
    });
    expect(byId.get(conditional.code)).toMatchObject({
      accessLevel: 'restricted public',
      rights: '经申请审核后开放',
      accrualPeriodicity: 'irregular',
      keyword: ['基础信息资源'],
      contactPoint: { fn: '赵六', hasEmail: 'mailto:' },
    });
    expect(byId.has(closed.code)).toBe(false);
  });
});
