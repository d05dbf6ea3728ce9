import { eventFor } from '../../platform/audit/types.js';
import type { Queryable } from '../../platform/db/pool.js';
import { subjectAccessEvents } from '../sharing/subject-routes.js';
import { getAccount, type AccountContext } from './accounts.js';
import { transparencyProblem } from './transparency-messages.js';
import type { MyAccess, MyAccesses } from './transparency-schemas.js';

/**
 * "Who accessed my data" (我的数据访问记录, docs/OPENING.md "Public accounts and transparency"):
 * a verified citizen or company sees the data-service calls — query, verify, change feed, export —
 * whose audit events carry the keyed hash of its 公民身份号码 or 统一社会信用代码: which
 * department's application, when, under which scenario, reading which fields of which catalog
 * entry. The lookup is the auditor's (`subjectAccessEvents`), by the hash kept at registration: the
 * number itself is never needed again. Names are today's names of the organisations, apps, entries
 * and fields; the ledger keeps the ids.
 *
 * Covered: every call an application makes to the data services (query, verify, the change feed,
 * exports of up to 10,000 distinct subjects), since each call's event lists the subjects it
 * returned or verified. Not covered: calls through the gateway to a department's own API (the
 * node does not read their bodies), exports of more subjects (their event keeps only the count),
 * staff previews of a dataset in the console and loads, which name no subject.
 */

interface Names {
  orgs: Map<string, string>;
  apps: Map<string, string>;
  entries: Map<string, { name: string; fields: Map<string, string> }>;
}

/** Today's names of the organisations, apps and catalog entries the events name. */
async function namesOf(
  q: Queryable,
  ids: { orgs: string[]; apps: string[]; entries: string[] },
): Promise<Names> {
  const uuid = (xs: string[]) => [...new Set(xs)].filter((x) => /^[0-9a-f-]{36}$/i.test(x));
  const [orgs, apps, entries] = await Promise.all([
    q.query<{ id: string; name: string }>('SELECT id, name FROM datong.orgs WHERE id = ANY($1::uuid[])', [
      uuid(ids.orgs),
    ]),
    q.query<{ id: string; name: string }>('SELECT id, name FROM datong.apps WHERE id = ANY($1::uuid[])', [
      uuid(ids.apps),
    ]),
    // The entry's published version names it and its fields (the version a grant serves).
    q.query<{ code: string; name: string; fields: { code?: string; name: string }[] }>(
      `SELECT e.code, v.content ->> 'name' AS name, COALESCE(v.content -> 'fields', '[]') AS fields
         FROM datong.catalog_entries e
         JOIN datong.catalog_versions v ON v.entry_id = e.id AND v.version = e.published_version
        WHERE e.code = ANY($1::text[])`,
      [[...new Set(ids.entries)]],
    ),
  ]);
  return {
    orgs: new Map(orgs.rows.map((r) => [r.id, r.name])),
    apps: new Map(apps.rows.map((r) => [r.id, r.name])),
    entries: new Map(
      entries.rows.map((r) => [
        r.code,
        { name: r.name, fields: new Map(r.fields.map((f) => [f.code ?? '', f.name])) },
      ]),
    ),
  };
}

/**
 * The signed-in public user's accesses, newest first (at most `limit`). 403 until the account's
 * identity is verified. The lookup itself is audited (`public.accesses.lookup`, with the hash).
 */
export async function myAccesses(ctx: AccountContext, limit: number): Promise<MyAccesses> {
  const { pool, ledger } = ctx.services;
  const a = ctx.actor;
  const account = a.kind === 'user' ? await getAccount(pool, a.id) : undefined;
  if (!account?.verified) throw transparencyProblem(403, 'identity_unverified');
  await ledger.append(
    eventFor(ctx, {
      action: 'public.accesses.lookup',
      objectType: 'subject',
      objectId: account.subjectHash,
      detail: { kind: account.kind },
    }),
  );
  const rows = await subjectAccessEvents(pool, account.subjectHash, limit + 1);
  const shown = rows.slice(0, limit);
  const names = await namesOf(pool, {
    orgs: shown.flatMap((e) => (e.org_id ? [e.org_id] : [])),
    apps: shown.flatMap((e) => (e.actor_type === 'app' && e.actor_id ? [e.actor_id] : [])),
    entries: shown.flatMap((e) => (e.detail.entry ? [e.detail.entry] : [])),
  });
  const accesses = shown.map((e): MyAccess => {
    const entry = e.detail.entry ? names.entries.get(e.detail.entry) : undefined;
    const appId = e.actor_type === 'app' ? e.actor_id : null;
    return {
      seq: Number(e.seq),
      time: e.time.toISOString(),
      action: e.action.replace(/^share\.service\./, ''),
      departmentId: e.org_id,
      departmentName: (e.org_id && names.orgs.get(e.org_id)) ?? null,
      appId,
      // The name the app had at the time of the call when it is gone since.
      appName: (appId && names.apps.get(appId)) ?? (appId ? e.actor_name : null),
      scenario: e.detail.scenario ?? null,
      entryCode: e.detail.entry ?? null,
      entryName: entry?.name ?? null,
      fields: (e.detail.fields ?? []).map((code) => ({ code, name: entry?.fields.get(code) ?? code })),
    };
  });
  return {
    subject: { kind: account.kind, masked: account.subjectMasked },
    accesses,
    truncated: rows.length > limit,
  };
}
