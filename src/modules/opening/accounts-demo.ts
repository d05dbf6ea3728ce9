import { eventFor } from '../../platform/audit/types.js';
import { withTx, ident, type Queryable } from '../../platform/db/pool.js';
import { idNumberWithCheck, usccWithCheck } from '../../platform/validators/index.js';
import { subjectHashOf } from '../sharing/services.js';
import { enableDemoVerification, maskSubject, type AccountContext } from './accounts.js';
import type { SubjectKind } from './accounts-schemas.js';

/**
 * The demo's public accounts (docs/OPENING.md "Demo accounts"): the demo users `citizen` (a
 * person) and `company` get verified identities ('demo') whose numbers are in the demo data that
 * department apps read — the citizen is the 法定代表人 of the demo company in 企业法定代表人信息
 * (its 法定代表人证件号码 is granted to the 税务局 app once the platform approves that request),
 * the company is in 企业登记基本信息 (granted to the same app by the demo). The
 * node is marked as a demo node: registrations are verified at once.
 *
 * Idempotent: an account that has its identity already is left alone. On a node without the
 * demo data (`data: false`), the citizen gets a fixed number instead.
 */

/**
 * The demo company: the generator's first row of every table keyed by 统一社会信用代码 (row 0,
 * district 440103; src/modules/ingest/demo.ts), so it is in 企业登记基本信息 and is the company of
 * the first 法定代表人 in 企业法定代表人信息.
 */
export const DEMO_COMPANY_USCC = usccWithCheck('91440103MA1000A00');

interface DemoIdentity {
  username: string;
  kind: SubjectKind;
  /** Where the number comes from: `field` of the row of this entry's dataset about the company. */
  entry: string;
  field: string;
  /** When the dataset is not loaded (a seed without data). */
  fallback: string;
}

export const DEMO_IDENTITIES: DemoIdentity[] = [
  {
    username: 'citizen',
    kind: 'person',
    entry: '企业法定代表人信息',
    field: 'fddbrzjhm',
    fallback: idNumberWithCheck('44010319850307000'),
  },
  {
    username: 'company',
    kind: 'company',
    entry: '企业登记基本信息',
    field: 'tyshxydm',
    fallback: DEMO_COMPANY_USCC,
  },
];

/**
 * `field` of the demo company's row (tyshxydm = DEMO_COMPANY_USCC) in the dataset of the
 * published entry named `entry`; undefined when it is not loaded.
 */
export async function demoValueOf(q: Queryable, entry: string, field: string): Promise<string | undefined> {
  const { rows } = await q.query<{ name: string }>(
    `SELECT d.name FROM datong.datasets d
       JOIN datong.catalog_entries e ON e.id = d.entry_id
       JOIN datong.catalog_versions v ON v.entry_id = e.id AND v.version = e.published_version
      WHERE v.content ->> 'name' = $1 AND d.current_version > 0
      LIMIT 1`,
    [entry],
  );
  const ds = rows[0]?.name;
  if (!ds) return undefined;
  const { rows: values } = await q.query<{ v: string | null }>(
    `SELECT ${ident(field)}::text AS v FROM ds.${ident(ds)} WHERE tyshxydm = $1 LIMIT 1`,
    [DEMO_COMPANY_USCC],
  );
  return values[0]?.v ?? undefined;
}

/** Gives the demo's public users their verified identities; answers how many it gave. */
export async function seedPublicAccountsDemo(ctx: AccountContext): Promise<number> {
  const { pool, identity, ledger } = ctx.services;
  let made = 0;
  await withTx(pool, async (tx) => {
    await enableDemoVerification(tx);
    for (const d of DEMO_IDENTITIES) {
      const { rows } = await tx.query<{ id: string; has: boolean }>(
        `SELECT u.id, EXISTS (SELECT 1 FROM datong.public_accounts a WHERE a.user_id = u.id) AS has
           FROM datong.users u WHERE lower(u.username) = $1`,
        [d.username],
      );
      const user = rows[0];
      if (!user || user.has) continue;
      const number = (await demoValueOf(tx, d.entry, d.field)) ?? d.fallback;
      const hash = subjectHashOf(identity, number);
      const inserted = await tx.query(
        `INSERT INTO datong.public_accounts
           (user_id, kind, subject_hash, subject_masked, verified_at, verification_method)
         VALUES ($1, $2, $3, $4, now(), 'demo')
         ON CONFLICT DO NOTHING`,
        [user.id, d.kind, hash, maskSubject(number)],
      );
      if (!inserted.rowCount) continue;
      await ledger.record(
        tx,
        eventFor(ctx, {
          action: 'public.verify',
          objectType: 'user',
          objectId: user.id,
          detail: { username: d.username, kind: d.kind, subject: hash, method: 'demo' },
        }),
      );
      made++;
    }
  });
  return made;
}
