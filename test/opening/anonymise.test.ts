import { describe, expect, it } from 'vitest';
import { searchKAnonymity } from '../../src/modules/opening/anonymise.js';
import {
  ageHierarchy,
  customHierarchy,
  dateHierarchy,
  numberHierarchy,
  parseHierarchyCsv,
  regionHierarchy,
  suppressHierarchy,
} from '../../src/modules/opening/hierarchies.js';
import { planOf, normaliseConfig } from '../../src/modules/opening/publish-config.js';
import type { Field } from '../../src/modules/catalog/schemas.js';
import type { DatasetColumn } from '../../src/modules/ingest/tables.js';
import { AppError } from '../../src/platform/http/errors.js';

/** Hierarchies, the k-anonymity lattice search, and the grade rules, without a database. */

const levels = (h: { at(v: string, l: number): string; height: number }, v: string) =>
  Array.from({ length: h.height + 1 }, (_, l) => h.at(v, l));

const problemOf = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('no problem raised');
};

describe('hierarchies', () => {
  it('generalises dates to month and year', () => {
    expect(levels(dateHierarchy, '2024-03-07')).toEqual(['2024-03-07', '2024-03', '2024', '*']);
    expect(levels(dateHierarchy, '2024-03-07 12:00:00+08')).toEqual([
      '2024-03-07 12:00:00+08',
      '2024-03',
      '2024',
      '*',
    ]);
    expect(levels(dateHierarchy, '07/03/2024')).toEqual(['07/03/2024', '*', '*', '*']);
  });

  it('generalises ages to 5-, 10- and 20-year bands', () => {
    expect(levels(ageHierarchy, '37')).toEqual(['37', '35-39', '30-39', '20-39', '*']);
    expect(levels(ageHierarchy, '0')).toEqual(['0', '0-4', '0-9', '0-19', '*']);
    expect(levels(ageHierarchy, 'abc')).toEqual(['abc', '*', '*', '*', '*']);
    expect(levels(ageHierarchy, '37.5')).toEqual(['37.5', '*', '*', '*', '*']);
  });

  it('generalises GB/T 2260 region codes to city and province', () => {
    expect(levels(regionHierarchy, '440106')).toEqual(['440106', '440100', '440000', '*']);
    expect(levels(regionHierarchy, '4401')).toEqual(['4401', '*', '*', '*']);
  });

  it('generalises numbers to half-open ranges of each width', () => {
    const h = numberHierarchy([10, 100]);
    expect(levels(h, '37')).toEqual(['37', '[30,40)', '[0,100)', '*']);
    expect(levels(h, '-5')).toEqual(['-5', '[-10,0)', '[-100,0)', '*']);
    expect(levels(numberHierarchy([0.1, 1]), '0.25')).toEqual(['0.25', '[0.2,0.3)', '[0,1)', '*']);
    expect(levels(numberHierarchy([0.1, 1]), '0.3')).toEqual(['0.3', '[0.3,0.4)', '[0,1)', '*']);
    const bad = problemOf(() => numberHierarchy([10, 15]));
    expect([bad.status, bad.code]).toEqual([400, 'publish_widths_invalid']);
  });

  it('reads custom hierarchies from CSV and refuses ones that are not trees', () => {
    const csv = '\uFEFFvalue,level1,level2\n教师,教育,专业技术\n讲师;教育;专业技术\n医生,医疗,专业技术\n';
    const parsed = parseHierarchyCsv(csv);
    expect(parsed.levels).toBe(2);
    expect([...parsed.mapping]).toEqual([
      ['教师', ['教育', '专业技术']],
      ['讲师', ['教育', '专业技术']],
      ['医生', ['医疗', '专业技术']],
    ]);
    const h = customHierarchy(parsed.levels, parsed.mapping);
    expect(levels(h, '医生')).toEqual(['医生', '医疗', '专业技术', '*']);
    expect(levels(h, '律师')).toEqual(['律师', '*', '*', '*']);

    const notTree = problemOf(() => parseHierarchyCsv('a,x,p\nb,x,q\n'));
    expect(notTree.code).toBe('publish_hierarchy_invalid');
    expect(notTree.message).toBe(
      'publish_hierarchy_invalid: The hierarchy CSV is invalid: row 2: level 1 "x" generalises to both "p" and "q"',
    );
    expect(problemOf(() => parseHierarchyCsv('a,x\nb\n')).message).toContain('row 2 has 1 cells, not 2');
    expect(problemOf(() => parseHierarchyCsv('a,x\na,y\n')).message).toContain(
      'the value "a" repeats (row 2)',
    );
    expect(problemOf(() => parseHierarchyCsv('a\n')).message).toContain('each row needs 2 to 11 cells');
  });
});

describe('k-anonymity search', () => {
  const ages = ['21', '22', '23', '24', '26', '27'];
  const sexes = ['M', 'M', 'F', 'F', 'M', 'M'];
  const qis = (a: string[], s: string[]) => [
    { code: 'age', hierarchy: ageHierarchy, minLevel: 0, values: a },
    { code: 'sex', hierarchy: suppressHierarchy, minLevel: 0, values: s },
  ];

  it('finds the minimal generalisation with the least loss, with predictive tagging', () => {
    const r = searchKAnonymity({
      qis: qis(ages, sexes),
      counts: [1, 1, 1, 1, 1, 1],
      k: 2,
      maxSuppression: 0,
    });
    expect(r.found).toBe(true);
    expect(r.levels).toEqual([1, 0]);
    expect(r.suppressedRows).toBe(0);
    // Age: 20-24 covers 4 of 6 ages → 3/5 for 4 rows, 25-29 covers 2 → 1/5 for 2 rows: 2.8/6.
    expect(r.qiLoss.map((x) => x.toFixed(6))).toEqual(['0.466667', '0.000000']);
    expect(r.loss.toFixed(6)).toBe('0.233333');
    expect(r.lattice).toEqual({ nodes: 10, evaluated: 3, tagged: 7, anonymous: 8, minimal: 1 });
    expect(r.classes).toEqual({
      classes: 3,
      rows: 6,
      minSize: 2,
      maxSize: 2,
      averageSize: 2,
      histogram: [{ from: 2, to: 2, classes: 3, rows: 6 }],
    });
    expect(r.riskBefore).toEqual({ highest: 1, average: 1, atRisk: 1, unique: 1 });
    expect(r.riskAfter).toEqual({ highest: 0.5, average: 0.5, atRisk: 0, unique: 0 });
  });

  it('suppresses an outlier within the bound rather than generalising everything', () => {
    const a = [...ages, '90'];
    const s = [...sexes, 'F'];
    const counts = [1, 1, 1, 1, 1, 1, 1];
    const r = searchKAnonymity({ qis: qis(a, s), counts, k: 2, maxSuppression: 0.2 });
    expect(r.levels).toEqual([1, 0]);
    expect(r.suppressedRows).toBe(1);
    expect([...r.suppressed]).toEqual([0, 0, 0, 0, 0, 0, 1]);
    // Age: (4 × 3/6 + 2 × 1/6 + 1 suppressed) / 7; sex: 1 suppressed / 7.
    expect(r.qiLoss.map((x) => x.toFixed(6))).toEqual(['0.476190', '0.142857']);
    expect(r.loss.toFixed(6)).toBe('0.309524');

    // Without suppression, only hiding every age works (its sex classes are 4 and 3).
    const strict = searchKAnonymity({ qis: qis(a, s), counts, k: 2, maxSuppression: 0 });
    expect(strict.levels).toEqual([4, 0]);
    expect(strict.suppressedRows).toBe(0);
    expect(strict.loss).toBe(0.5);
  });

  it('weights combinations by their row counts and reports when k cannot be met', () => {
    const r = searchKAnonymity({
      qis: qis(['30', '31'], ['M', 'M']),
      counts: [3, 2],
      k: 5,
      maxSuppression: 0,
    });
    expect(r.levels).toEqual([1, 0]);
    expect(r.classes.classes).toBe(1);
    const none = searchKAnonymity({
      qis: qis(['30', '31'], ['M', 'F']),
      counts: [3, 2],
      k: 10,
      maxSuppression: 0.1,
    });
    expect(none.found).toBe(false);
    expect(none.levels).toEqual([4, 1]);
    expect(none.suppressedRows).toBe(5);
  });

  it('respects the lowest level a quasi-identifier may take', () => {
    const r = searchKAnonymity({
      qis: [{ code: 'age', hierarchy: ageHierarchy, minLevel: 2, values: ['21', '22', '26', '27'] }],
      counts: [1, 1, 1, 1],
      k: 2,
      maxSuppression: 0,
    });
    expect(r.levels).toEqual([2]);
    expect(r.lattice.nodes).toBe(3);
  });
});

describe('grade rules', () => {
  const field = (code: string, over: Partial<Field>): Field => ({
    code,
    name: code,
    type: 'string',
    required: false,
    key: false,
    piiKind: 'none',
    grade: 1,
    ...over,
  });
  const fields = [
    field('a', {}),
    field('n', { piiKind: 'name', grade: 2 }),
    field('g3', { grade: 3, type: 'date' }),
    field('g4', { grade: 4 }),
  ];
  const columns: DatasetColumn[] = fields.map((f) => ({
    code: f.code,
    name: f.name,
    type: f.type,
    pgType: 'text',
    key: false,
  }));
  const entry = { openType: 'unconditional' as const, core: false, fields };
  const plan = (cfg: Parameters<typeof normaliseConfig>[0], e = entry) =>
    planOf(e, columns, normaliseConfig(cfg), new Map());

  it('refuses clear values of personal, grade-3 and grade-4 fields, naming them', () => {
    const err = problemOf(() =>
      plan({
        fields: {
          a: { action: 'keep' },
          n: { action: 'keep' },
          g3: { action: 'generalise', params: { hierarchy: 'date', level: 0 } },
          g4: { action: 'mask' },
        },
      }),
    );
    expect([err.status, err.code, err.params]).toEqual([
      400,
      'publish_grade_forbids',
      { fields: 'n, g3, g4' },
    ]);
  });

  it('lets personal fields out masked, pseudonymised or generalised, and raises their lowest QI level', () => {
    const p = plan({
      fields: {
        a: { action: 'keep' },
        n: { action: 'mask' },
        g3: { action: 'generalise', params: { hierarchy: 'date' } },
        g4: { action: 'drop' },
      },
      quasiIdentifiers: ['g3', 'a'],
    });
    expect(p.fields.map((f) => [f.code, f.action, f.mask, f.minLevel])).toEqual([
      ['a', 'keep', null, 0],
      ['n', 'mask', 'name', 0],
      ['g3', 'generalise', null, 1],
      ['g4', 'drop', null, 0],
    ]);
    expect(p.qis.map((f) => f.code)).toEqual(['g3', 'a']);
    expect(p.config).toMatchObject({ k: 5, maxSuppression: 0.05, kind: 'records' });
  });

  it('refuses entries that are not to be opened, and core data', () => {
    const cfg = { fields: { a: { action: 'keep' as const } } };
    expect(problemOf(() => plan(cfg, { ...entry, openType: 'none' as never })).code).toBe(
      'publish_entry_not_open',
    );
    expect(problemOf(() => plan(cfg, { ...entry, core: true })).code).toBe('publish_entry_core');
  });
});
