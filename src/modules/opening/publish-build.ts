import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { eventFor } from '../../platform/audit/types.js';
import { systemContext } from '../../platform/context.js';
import { ident, withTx, type Queryable, type Tx } from '../../platform/db/pool.js';
import { AppError } from '../../platform/http/errors.js';
import { localize, type Localized } from '../../platform/i18n/index.js';
import type { MaskKey } from '../../platform/masking/index.js';
import type { Services } from '../../platform/services.js';
import { normaliseConfig, pseudonymKey, type Plan } from './publish-config.js';
import { publishProblem } from './publish-messages.js';
import {
  analyse,
  comboKey,
  openColumnsOf,
  openTable,
  openView,
  planFor,
  sourceOf,
  valueFn,
  type AggregateAnalysis,
  type RecordsAnalysis,
  type Source,
} from './publish.js';
import type { OpenColumn } from './publish-schemas.js';
import { readPublication, setBuild, type PublicationRow } from './publish-store.js';

/**
 * Building an open version (docs/OPENING.md "Open versions", "Refresh"). The source is read in
 * one REPEATABLE READ snapshot — the GROUP BY the search needs, then the rows — so that what is
 * written is exactly what was analysed; rows stream from `COPY … TO` through the per-field
 * transforms into `COPY … FROM` of the new table open."<name>__v<N>" (an aggregate is one
 * INSERT … SELECT over unnest), and the view open."<name>" is re-pointed in the transaction that
 * records the version. A build that cannot meet k within the suppression bound, or whose
 * configuration the catalog no longer allows, fails: the previous open version stays, and the
 * reason is recorded on the publication and in the audit ledger.
 */

export type BuildTrigger = 'signoff' | 'load';

export interface BuildOutcome {
  status: 'done' | 'failed' | 'skipped';
  version?: number;
  error?: Localized;
}

const escapeCopy = (s: string): string => {
  if (!/[\\\n\r\t]/.test(s)) return s;
  return s.replace(/[\\\n\r\t]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t',
  );
};
const UNESCAPE: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v' };
/** One field of COPY text as PostgreSQL writes it (it escapes, never uses octal or hex forms). */
const decodeCopy = (s: string): string | null => {
  if (s === '\\N') return null;
  if (!s.includes('\\')) return s;
  return s.replace(/\\(.)/g, (_, c: string) => UNESCAPE[c] ?? c);
};

/** Streams the source rows through the transforms into the open table; returns the rows written. */
export async function writeRecords(
  reader: Queryable,
  writer: Tx,
  source: Source,
  plan: Plan,
  analysis: RecordsAnalysis,
  table: string,
  key: MaskKey,
): Promise<number> {
  const sel = plan.fields.filter((f) => f.action !== 'drop');
  const qiPos = plan.qis.map((f) => sel.indexOf(f));
  const fns = sel.map((f) => {
    const i = plan.qis.indexOf(f);
    if (i < 0) return valueFn(f, key);
    const out = analysis.qiOut[i]!;
    return (v: string | null) => {
      const g = out.get(v);
      // Not in the analysed snapshot: impossible unless the reads diverged; never write it.
      if (g === undefined) throw new Error(`quasi-identifier ${f.code} has a value the search did not see`);
      return g;
    };
  });
  const suppressed = analysis.suppressedKeys;
  let written = 0;
  const line = (text: string): string | null => {
    const vals = text.split('\t').map(decodeCopy);
    if (suppressed.size && suppressed.has(comboKey(qiPos.map((p) => vals[p]!)))) return null;
    written++;
    return vals
      .map((v, j) => {
        const out = fns[j]!(v);
        return out === null ? '\\N' : escapeCopy(out);
      })
      .join('\t');
  };
  const decoder = new StringDecoder('utf8');
  let rest = '';
  const transform = new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      try {
        const lines = (rest + decoder.write(chunk)).split('\n');
        rest = lines.pop()!;
        const out: string[] = [];
        for (const l of lines) {
          const o = line(l);
          if (o !== null) out.push(o);
        }
        cb(null, out.length ? `${out.join('\n')}\n` : undefined);
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        const tail = rest + decoder.end();
        const o = tail ? line(tail) : null;
        cb(null, o !== null ? `${o}\n` : undefined);
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  const cols = sel.map((f) => ident(f.code)).join(', ');
  const from = (reader as Tx).query(
    copyTo(
      `COPY (SELECT ${sel.map((f) => `${ident(f.code)}::text`).join(', ')} FROM ds.${ident(source.dataset.name)}) TO STDOUT`,
    ),
  );
  const to = writer.query(copyFrom(`COPY ${table} (${cols}) FROM STDIN`));
  await pipeline(from, transform, to);
  return written;
}

/** An aggregate's cells in one INSERT … SELECT: groups merged, cells under minCell suppressed. */
async function writeAggregate(writer: Tx, plan: Plan, a: AggregateAnalysis, table: string): Promise<number> {
  const minCell = plan.config.aggregate!.minCell;
  const g = a.groups.length;
  const params: unknown[] = [...a.keys, a.counts, ...a.sumTexts, minCell];
  const gs = a.groups.map((_, i) => `u.g${i}`);
  const arrays = [
    ...a.groups.map((_, i) => `$${i + 1}::text[]`),
    `$${g + 1}::bigint[]`,
    ...a.sums.map((_, j) => `$${g + 2 + j}::numeric[]`),
  ];
  const names = [...gs.map((x) => x.slice(2)), 'n', ...a.sums.map((_, j) => `s${j}`)];
  const min = `$${params.length}`;
  const small = `sum(u.n) < ${min}`;
  const { rowCount } = await writer.query(
    `INSERT INTO ${table}
     SELECT ${gs.join(', ')}, CASE WHEN ${small} THEN NULL ELSE sum(u.n) END
            ${a.sums.map((_, j) => `, CASE WHEN ${small} THEN NULL ELSE sum(u.s${j}) END`).join('')}, ${small}
       FROM unnest(${arrays.join(', ')}) AS u(${names.join(', ')})
      GROUP BY ${gs.map((_, i) => i + 1).join(', ')}
      ORDER BY ${gs.map((_, i) => `${i + 1} NULLS LAST`).join(', ')}`,
    params,
  );
  return rowCount ?? 0;
}

export async function pointOpenView(tx: Queryable, name: string, version: number): Promise<void> {
  await tx.query(`DROP VIEW IF EXISTS ${openView(name)}`);
  await tx.query(`CREATE VIEW ${openView(name)} AS SELECT * FROM ${openTable(name, version)}`);
}

export const createSql = (table: string, columns: readonly OpenColumn[]) =>
  `CREATE TABLE ${table} (${columns.map((c) => `${ident(c.code)} ${c.pgType}`).join(', ')})`;

const errorOf = (err: unknown): Localized =>
  err instanceof AppError
    ? { 'zh-CN': localize(err.text, 'zh-CN', err.params), en: localize(err.text, 'en', err.params) }
    : {
        'zh-CN': `生成开放版本时出错：${(err as Error).message}`,
        en: `The build failed: ${(err as Error).message}`,
      };

/**
 * Builds a new open version of a signed-off publication (pending or published) and publishes
 * it. Skipped when the publication has no sign-off any more (its configuration changed, it was
 * refused or withdrawn) — the sign-off seen at the start must still be there at commit.
 */
export async function buildOpenVersion(
  services: Services,
  publicationId: string,
  opts: { trigger: BuildTrigger; batchId: number | null },
): Promise<BuildOutcome> {
  const { pool, ledger, identity } = services;
  const ctx = systemContext('opening:publish');
  const pub = await readPublication(pool, { id: publicationId });
  const live = (p: PublicationRow | null): p is PublicationRow =>
    !!p && (p.status === 'pending' || p.status === 'published') && p.signedOffAt !== null;
  if (!live(pub)) return { status: 'skipped' };
  const signedAt = pub.signedOffAt!.getTime();
  await setBuild(pool, pub.id, 'running', null, opts.batchId);
  const reader = await pool.connect();
  let started = false;
  let broken = false;
  try {
    const source = await sourceOf({ ...ctx, services }, pool, pub.entryId);
    const plan = await planFor(pool, source, normaliseConfig(pub.config));
    const key = pseudonymKey(identity, pub.id);
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    started = true;
    const { analysis, report } = await analyse(reader, source, plan, key);
    if (!report.feasible) {
      throw publishProblem(422, 'publish_not_anonymous', {
        k: plan.config.k,
        maxSuppression: `${plan.config.maxSuppression * 100}%`,
        needed: report.suppressedRows,
        rows: report.sourceRows,
      });
    }
    const columns = openColumnsOf(plan, analysis);
    const version = await withTx(pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(4400020, hashtext($1))', [pub.id]);
      const cur = await readPublication(tx, { id: pub.id }, true);
      if (!live(cur) || cur.signedOffAt!.getTime() !== signedAt) return null;
      const { rows } = await tx.query<{ v: number }>(
        'SELECT coalesce(max(version), 0) + 1 AS v FROM datong.open_versions WHERE publication_id = $1',
        [pub.id],
      );
      const v = rows[0]!.v;
      const table = openTable(pub.name, v);
      await tx.query(`DROP TABLE IF EXISTS ${table}`);
      await tx.query(createSql(table, columns));
      const written =
        analysis.kind === 'records'
          ? await writeRecords(reader, tx, source, plan, analysis, table, key)
          : await writeAggregate(tx, plan, analysis, table);
      await pointOpenView(tx, pub.name, v);
      await tx.query(
        `INSERT INTO datong.open_versions (publication_id, version, batch_id, rows, suppressed, report)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [pub.id, v, opts.batchId, written, report.suppressedRows, JSON.stringify(report)],
      );
      const { rows: old } = await tx.query<{ version: number }>(
        `DELETE FROM datong.open_versions WHERE publication_id = $1
            AND version NOT IN (SELECT version FROM datong.open_versions WHERE publication_id = $1
                                 ORDER BY version DESC LIMIT $2)
         RETURNING version`,
        [pub.id, cur.keepVersions],
      );
      for (const o of old) await tx.query(`DROP TABLE IF EXISTS ${openTable(pub.name, o.version)}`);
      await tx.query(
        `UPDATE datong.open_publications
            SET status = 'published', current_version = $2, columns = $3, row_count = $4, report = $5,
                published_at = CASE WHEN status = 'published' THEN published_at ELSE now() END,
                refreshed_at = now(), build_status = 'done', build_error = NULL, updated_at = now()
          WHERE id = $1`,
        [pub.id, v, JSON.stringify(columns), written, JSON.stringify(report)],
      );
      await ledger.record(
        tx,
        eventFor(ctx, {
          action: 'opening.publication.build',
          objectType: 'open_publication',
          objectId: pub.id,
          orgId: pub.orgId,
          detail: {
            entryId: pub.entryId,
            trigger: opts.trigger,
            batchId: opts.batchId,
            version: v,
            rows: written,
            suppressed: report.suppressedRows,
            informationLoss: report.informationLoss,
          },
        }),
      );
      return v;
    });
    await reader.query('COMMIT');
    started = false;
    return version === null ? { status: 'skipped' } : { status: 'done', version };
  } catch (err) {
    // A COPY cut short may leave the reader's connection mid-protocol: it is discarded.
    broken = started;
    started = false;
    const error = errorOf(err);
    if (!(err instanceof AppError))
      services.log.error({ err, publicationId }, 'an open version build failed');
    await withTx(pool, async (tx) => {
      await setBuild(tx, pub.id, 'failed', error, opts.batchId);
      await ledger.record(
        tx,
        eventFor(ctx, {
          action: 'opening.publication.build',
          objectType: 'open_publication',
          objectId: pub.id,
          orgId: pub.orgId,
          result: 'failure',
          detail: { entryId: pub.entryId, trigger: opts.trigger, batchId: opts.batchId, error },
        }),
      );
    });
    return { status: 'failed', error };
  } finally {
    if (started) await reader.query('ROLLBACK').catch(() => undefined);
    reader.release(broken);
  }
}

/** Takes a publication offline: the view and every version table go (call with the row locked). */
export async function dropOpenVersions(tx: Tx, pub: PublicationRow): Promise<void> {
  await tx.query(`DROP VIEW IF EXISTS ${openView(pub.name)}`);
  const { rows } = await tx.query<{ version: number }>(
    'DELETE FROM datong.open_versions WHERE publication_id = $1 RETURNING version',
    [pub.id],
  );
  for (const r of rows) await tx.query(`DROP TABLE IF EXISTS ${openTable(pub.name, r.version)}`);
  await tx.query(
    `UPDATE datong.open_publications
        SET status = 'withdrawn', current_version = 0, columns = '[]', row_count = 0,
            signed_off_by = NULL, signed_off_by_name = NULL, signed_off_at = NULL,
            build_status = NULL, build_error = NULL, updated_at = now()
      WHERE id = $1`,
    [pub.id],
  );
}
