import { Readable } from 'node:stream';
import type { RequestContext } from '../../platform/context.js';
import { withTx, type Queryable } from '../../platform/db/pool.js';
import type { Services } from '../../platform/services.js';
import { loadBatch } from '../ingest/load.js';
import { openSource } from '../ingest/read/index.js';
import { datasetView } from '../ingest/tables.js';
import { addWorkingDays } from '../sharing/calendar.js';
import { actorOf } from '../sharing/demo.js';
import { runCrosscheck } from './crosscheck.js';
import type { RuleSpec } from './engine.js';
import { createItem } from './registry.js';
import {
  correctObjection,
  escalateOverdueObjections,
  OBJECTION_DAYS,
  raiseFromConflict,
  raiseObjection,
} from './objections.js';
import { insertRule, qualityDataset, suggestionsFor } from './rules.js';
import { createRun, executeRun } from './runs.js';

/**
 * The governance part of `datong seed --demo` (docs/QUALITY.md "Demo"): rules on every demo
 * dataset (the catalog's suggestions, plus a few a steward would write), a run a day ago on the
 * clean data and one now after planted defects (so the report has a trend), the 一数一源
 * registry for 企业名称 and 法定代表人 with their secondary sources aligned to the authority
 * except for planted conflicts, a finished cross-check, and objections: open, overdue and
 * corrected. Everything goes through the same use cases as the API. Skipped once any rule exists.
 */

type Ctx = RequestContext & { services: Services };
type Row = Record<string, string | null>;

const SEEDER = '演示数据';
const ENTERPRISE = '企业登记基本信息';
const LEGAL_REP = '企业法定代表人信息';
const TAXPAYER = '纳税人状态信息';
const RESIDENT = '户籍人口基本信息';

/** Rules a steward would add by hand, by entry name (field codes of the demo catalog). */
function customRules(entries: Map<string, string>): [string, string, RuleSpec][] {
  const enterprise = entries.get(ENTERPRISE) ?? '';
  return [
    [ENTERPRISE, '法定代表人不为空', { kind: 'not_null', field: 'fddbr' }],
    [
      ENTERPRISE,
      '登记状态取值规范',
      { kind: 'pattern', field: 'djzt', pattern: '^(存续|在业|注销|吊销|迁出)$' },
    ],
    [ENTERPRISE, '注册资本不为负数', { kind: 'range', field: 'zczb', min: '0' }],
    [ENTERPRISE, '企业名称唯一', { kind: 'unique', fields: ['qymc'] }],
    [
      RESIDENT,
      '出生日期、性别与身份证号一致',
      { kind: 'id_consistency', idField: 'gmsfhm', birthField: 'csrq', sexField: 'xb' },
    ],
    [
      LEGAL_REP,
      '法定代表人与企业登记一致（准确性）',
      {
        kind: 'accuracy',
        field: 'fddbrxm',
        keyField: 'tyshxydm',
        authority: { entryId: enterprise, field: 'fddbr', keyField: 'tyshxydm' },
      },
    ],
  ];
}

/** Every row of an entry's dataset, values as text (NULL as null), in key order. */
async function rowsOf(q: Queryable, entryId: string): Promise<{ columns: string[]; rows: Row[] }> {
  const { rows: ds } = await q.query<{ name: string; columns: { code: string; key: boolean }[] }>(
    'SELECT name, columns FROM datong.datasets WHERE entry_id = $1',
    [entryId],
  );
  if (!ds[0]) return { columns: [], rows: [] };
  const columns = ds[0].columns.map((c) => c.code);
  const keys = ds[0].columns.filter((c) => c.key).map((c) => `"${c.code}"`);
  const { rows } = await q.query<Row>(
    `SELECT ${columns.map((c) => `"${c}"::text AS "${c}"`).join(', ')} FROM ${datasetView(ds[0].name)}
      ORDER BY ${keys.length ? keys.join(', ') : '1'}`,
  );
  return { columns, rows };
}

const csvCell = (v: string | null) =>
  v === null ? '' : /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;

/** Applies edited rows to an entry's dataset as an upsert batch, like any steward's upload. */
async function upsert(
  ctx: Ctx,
  entryId: string,
  name: string,
  columns: string[],
  rows: Row[],
): Promise<void> {
  if (!rows.length) return;
  const text = [columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c] ?? null)).join(','))]
    .join('\r\n')
    .concat('\r\n');
  const source = await openSource(Readable.from([Buffer.from(text, 'utf8')]), { format: 'csv' });
  await loadBatch(ctx, entryId, {
    mode: 'upsert',
    source,
    format: 'csv',
    sourceInfo: { kind: 'demo', name, format: 'csv', encoding: 'utf8' },
    totalBytes: Buffer.byteLength(text),
  });
}

/** A run of every enabled rule of the entry's dataset, finished now (or backdated). */
async function run(ctx: Ctx, entryId: string, daysAgo = 0): Promise<void> {
  const { pool } = ctx.services;
  const ds = await qualityDataset(pool, entryId);
  if (!ds) return;
  const id = await createRun(pool, ds.id, daysAgo ? 'schedule' : 'manual', null, SEEDER);
  await executeRun(ctx.services, id);
  if (daysAgo) {
    await pool.query(
      `UPDATE datong.quality_runs SET started_at = started_at - make_interval(days => $2),
              finished_at = finished_at - make_interval(days => $2) WHERE id = $1`,
      [id, daysAgo],
    );
  }
}

const fullWidthDigits = (s: string) =>
  s.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));

/** Changes the field of the rows at these positions; answers the changed rows. */
function edit(
  rows: Row[],
  at: readonly number[],
  field: string,
  value: (r: Row, i: number) => string | null,
): Row[] {
  return at.flatMap((i, n) => (rows[i] ? [{ ...rows[i], [field]: value(rows[i], n) }] : []));
}

export async function seedQualityDemo(ctx: Ctx): Promise<{ rules: number; objections: number }> {
  const { pool } = ctx.services;
  const { rows: any } = await pool.query('SELECT 1 FROM datong.quality_rules LIMIT 1');
  if (any.length) return { rules: 0, objections: 0 };
  const { rows: entryRows } = await pool.query<{ id: string; name: string; org_id: string }>(
    `SELECT e.id, v.name, e.provider_org_id AS org_id FROM datong.catalog_entries e
       JOIN datong.catalog_versions v ON v.entry_id = e.id AND v.version = e.published_version
       JOIN datong.datasets d ON d.entry_id = e.id
      ORDER BY e.code`,
  );
  const entries = new Map(entryRows.map((e) => [e.name, e.id]));
  const orgOf = new Map(entryRows.map((e) => [e.id, e.org_id]));

  // Rules: the catalog's suggestions on every dataset, and the stewards' own.
  let rules = 0;
  for (const e of entryRows) {
    const ds = await qualityDataset(pool, e.id);
    if (!ds) continue;
    for (const s of await suggestionsFor(pool, ds)) {
      await insertRule(pool, ds.id, {
        key: s.key,
        name: s.name,
        spec: s.spec,
        suggested: true,
        createdBy: SEEDER,
      });
      rules++;
    }
  }
  for (const [entryName, name, spec] of customRules(entries)) {
    const ds = entries.has(entryName) ? await qualityDataset(pool, entries.get(entryName)!) : null;
    if (!ds) continue;
    await insertRule(pool, ds.id, { name, spec, createdBy: SEEDER });
    rules++;
  }

  // Yesterday's scheduled runs, before the defects below were loaded.
  for (const e of entryRows) await run(ctx, e.id, 1);

  // 户籍人口: birth dates and sexes follow the identity number, except five planted defects.
  const resident = entries.get(RESIDENT);
  if (resident) {
    const { columns, rows } = await rowsOf(pool, resident);
    const fixed = rows.map((r, i) => {
      const id = r.gmsfhm ?? '';
      const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
      const sex = Number(id[16]) % 2 === 1 ? '1' : '2';
      return {
        ...r,
        csrq: i === 3 || i === 17 || i === 42 ? `${Number(id.slice(6, 10)) + 1}${birth.slice(4)}` : birth,
        xb: i === 8 || i === 61 ? (sex === '1' ? '2' : '1') : sex,
      };
    });
    await upsert(ctx, resident, '户籍人口_出生日期核对.csv', columns, fixed);
  }

  const enterprise = entries.get(ENTERPRISE);
  const legalRep = entries.get(LEGAL_REP);
  const taxpayer = entries.get(TAXPAYER);
  if (enterprise) {
    const { columns, rows } = await rowsOf(pool, enterprise);
    const planted = [
      ...edit(rows, [5, 6], 'fddbr', () => null),
      ...edit(rows, [9, 10], 'djzt', () => '存 续'),
      ...edit(rows, [12, 13, 14], 'zczb', () => '-50.000000'),
      ...edit(rows, [20], 'qymc', () => rows[21]?.qymc ?? null),
    ];
    await upsert(ctx, enterprise, '企业登记_补录.csv', columns, planted);
    const authority = new Map((await rowsOf(pool, enterprise)).rows.map((r) => [r.tyshxydm, r]));

    // The secondary sources agree with the authority, but for planted conflicts (and values that
    // differ only in width, spaces or case, which the cross-check normalises away).
    if (legalRep) {
      const { columns: cols, rows: reps } = await rowsOf(pool, legalRep);
      const aligned = reps.map((r, i): Row => {
        const a = authority.get(r.tyshxydm);
        const name = a?.qymc ?? r.qymc ?? null;
        const person = a?.fddbr ?? r.fddbrxm ?? null;
        return {
          ...r,
          qymc: i === 30 ? `${name ?? ''}（筹）` : i === 31 ? `${name ?? ''}  ` : name,
          fddbrxm:
            i === 40 || i === 41 ? `${(person ?? '张').slice(0, 1)}建国` : (person ?? r.fddbrxm ?? null),
        };
      });
      await upsert(ctx, legalRep, '法定代表人_同步.csv', cols, aligned);
    }
    if (taxpayer) {
      const { columns: cols, rows: payers } = await rowsOf(pool, taxpayer);
      const aligned = payers.map((r, i) => {
        const name = authority.get(r.nsrsbh)?.qymc ?? r.nsrmc ?? '';
        const nsrmc =
          i === 50 || i === 51 || i === 52
            ? name.replace('有限公司', '有限责任公司')
            : i === 53
              ? fullWidthDigits(name)
              : name;
        return { ...r, nsrmc };
      });
      await upsert(ctx, taxpayer, '纳税人名称_同步.csv', cols, aligned);
    }
  }
  for (const name of [ENTERPRISE, LEGAL_REP, TAXPAYER, RESIDENT]) {
    if (entries.has(name)) await run(ctx, entries.get(name)!);
  }

  // 一数一源: 企业名称 and 法定代表人 come from 企业登记基本信息; a finished cross-check.
  const platform = await actorOf(pool, 'sysadmin');
  let objections = 0;
  if (!platform || !enterprise || !legalRep || !taxpayer) return { rules, objections };
  const asPlatform = { ...ctx, actor: platform };
  await withTx(pool, async (tx) => {
    await createItem(asPlatform, tx, {
      name: '企业名称',
      description: '市场主体的登记名称，以市场监管部门的企业登记信息为准',
      subjectKind: 'uscc',
      authority: { entryId: enterprise, field: 'qymc', keyField: 'tyshxydm' },
      sources: [
        { entryId: legalRep, field: 'qymc', keyField: 'tyshxydm' },
        { entryId: taxpayer, field: 'nsrmc', keyField: 'nsrsbh' },
      ],
    });
    await createItem(asPlatform, tx, {
      name: '法定代表人',
      description: '企业的法定代表人姓名，以企业登记信息为准',
      subjectKind: 'uscc',
      authority: { entryId: enterprise, field: 'fddbr', keyField: 'tyshxydm' },
      sources: [{ entryId: legalRep, field: 'fddbrxm', keyField: 'tyshxydm' }],
    });
  });
  const { rows: runRow } = await pool.query<{ id: string }>(
    'INSERT INTO datong.crosscheck_runs (started_by_name) VALUES ($1) RETURNING id',
    [platform.kind === 'user' ? platform.displayName : SEEDER],
  );
  const crosscheck = Number(runRow[0]!.id);
  await runCrosscheck(ctx.services, crosscheck);

  // Objections: two from the cross-check (one to each department; the one about 企业法定代表人信息
  // corrected already), one from a consumer holding a grant, one overdue and escalated.
  const { rows: conflicts } = await pool.query<{ id: string; entry_id: string }>(
    `SELECT c.id, s.entry_id FROM datong.crosscheck_conflicts c
       JOIN datong.data_item_sources s ON s.id = c.source_id
      WHERE c.run_id = $1 ORDER BY s.entry_id = $2 DESC, c.id`,
    [crosscheck, taxpayer],
  );
  const toTax = conflicts.find((c) => c.entry_id === taxpayer);
  const toMarket = conflicts.find((c) => c.entry_id === legalRep);
  if (toTax) {
    await withTx(pool, (tx) =>
      raiseFromConflict(asPlatform, tx, Number(toTax.id), {
        orgId: orgOf.get(taxpayer)!,
        reason: '纳税人名称与企业登记名称不一致，请核实后更正',
      }),
    );
    objections++;
  }
  if (toMarket) {
    const o = await withTx(pool, (tx) =>
      raiseFromConflict(asPlatform, tx, Number(toMarket.id), {
        orgId: orgOf.get(legalRep)!,
        reason: '与企业登记信息不一致',
      }),
    );
    objections++;
    const orgadmin = await actorOf(pool, 'orgadmin');
    if (orgadmin) {
      await correctObjection({ ...ctx, actor: orgadmin }, pool, o.id, { comment: '已按企业登记信息更正' });
    }
  }
  const developer = await actorOf(pool, 'developer');
  const { rows: consumerRecord } = await pool.query<{ tyshxydm: string }>(
    `SELECT tyshxydm FROM ${(await qualityDataset(pool, enterprise))!.view} ORDER BY tyshxydm OFFSET 7 LIMIT 2`,
  );
  if (developer && consumerRecord.length === 2) {
    const asDeveloper = { ...ctx, actor: developer };
    await withTx(pool, (tx) =>
      raiseObjection(asDeveloper, tx, {
        entryId: enterprise,
        key: { tyshxydm: consumerRecord[0]!.tyshxydm },
        field: 'fddbr',
        proposedValue: '陈志强',
        reason: '办税时企业出示的营业执照法定代表人为陈志强，与共享数据不一致',
        evidence: '营业执照副本（2025年变更登记）',
      }),
    );
    // Raised ten days ago (while the grant was already in force, as the demo tells it): overdue.
    const late = await withTx(pool, (tx) =>
      raiseObjection(asDeveloper, tx, {
        entryId: enterprise,
        key: { tyshxydm: consumerRecord[1]!.tyshxydm },
        field: 'qymc',
        reason: '企业已更名，共享数据仍为旧名称',
        evidence: '变更登记通知书',
      }),
    );
    const raisedAt = new Date(Date.now() - 10 * 86_400_000);
    const dueAt = await addWorkingDays(pool, raisedAt, OBJECTION_DAYS);
    await pool.query(
      'UPDATE datong.objections SET created_at = $2, updated_at = $2, due_at = $3 WHERE id = $1',
      [late.id, raisedAt, dueAt],
    );
    await pool.query('UPDATE datong.objection_events SET at = $2 WHERE objection_id = $1', [
      late.id,
      raisedAt,
    ]);
    objections += 2;
    // The 10-minute job would find it overdue; the demo shows it escalated already.
    await escalateOverdueObjections(ctx.services);
  }
  return { rules, objections };
}
