import { eventFor } from '../../platform/audit/types.js';
import { systemContext, type RequestContext } from '../../platform/context.js';
import type { Queryable, Tx } from '../../platform/db/pool.js';
import type { FieldError } from '../../platform/http/errors.js';
import { notFound } from '../../platform/http/errors.js';
import { localize, type Lang } from '../../platform/i18n/index.js';
import type { Services } from '../../platform/services.js';
import { isRegionCodeFormat, usccWithCheck, validate } from '../../platform/validators/index.js';
import {
  createOrg,
  createUser,
  findOrgByUscc,
  orgSubtree,
  passwordIssues,
  type UserRow,
} from '../identity/index.js';
import { subjectHashOf } from '../sharing/services.js';
import { accountMessages, accountProblem, type AccountMessageKey } from './accounts-messages.js';
import type { PublicAccount, RegisterInput, SubjectKind } from './accounts-schemas.js';

/**
 * Public accounts (docs/OPENING.md "Public accounts and transparency"): citizens and companies
 * register themselves (role public_user, in the platform organisation 社会公众) with the number
 * that identifies them — 公民身份号码 or 统一社会信用代码 — so that they can see who accessed
 * records about them. The number is kept only as the keyed subject hash the data services write
 * into the audit ledger, and masked for display.
 *
 * This node has no real electronic identity (eID) check, so verification is asserted:
 * - on a demo node (`datong seed --demo` sets `demo_verification`), the number is taken as
 *   verified at registration, method 'demo';
 * - otherwise an administrator (user.manage, with the public organisation in scope) checks the
 *   person's or company's documents and confirms the number: `POST /api/public/users/:id/verify`,
 *   method 'admin'. Until then the account sees no accesses.
 */

export type AccountContext = RequestContext & { services: Services };

export const PUBLIC_ORG_NAME = '社会公众';
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/;

/** Display form of a number: the first and last four characters (4401**********1234). */
export function maskSubject(value: string): string {
  return `${value.slice(0, 4)}${'*'.repeat(Math.max(0, value.length - 8))}${value.slice(-4)}`;
}

interface AccountDb {
  user_id: string;
  username: string;
  display_name: string;
  kind: SubjectKind;
  subject_hash: string;
  subject_masked: string;
  phone: string | null;
  email: string | null;
  verified_at: Date | null;
  verification_method: 'demo' | 'admin' | null;
  created_at: Date;
}

export interface AccountRow extends PublicAccount {
  orgId: string;
  subjectHash: string;
}

const SELECT = `
  SELECT a.user_id, u.username, u.display_name, u.org_id, a.kind, a.subject_hash, a.subject_masked,
         a.phone, a.email, a.verified_at, a.verification_method, a.created_at
    FROM datong.public_accounts a JOIN datong.users u ON u.id = a.user_id`;

const toAccount = (r: AccountDb & { org_id: string }): AccountRow => ({
  userId: r.user_id,
  username: r.username,
  displayName: r.display_name,
  orgId: r.org_id,
  kind: r.kind,
  subjectHash: r.subject_hash,
  subjectMasked: r.subject_masked,
  phone: r.phone,
  email: r.email,
  verified: r.verified_at !== null,
  verifiedAt: r.verified_at?.toISOString() ?? null,
  verificationMethod: r.verification_method,
  createdAt: r.created_at.toISOString(),
});

/** The presented account (no hash, no organisation id). */
export function presentAccount(a: AccountRow): PublicAccount {
  const { orgId: _org, subjectHash: _hash, ...shown } = a;
  return shown;
}

export async function getAccount(q: Queryable, userId: string): Promise<AccountRow | undefined> {
  const { rows } = await q.query<AccountDb & { org_id: string }>(`${SELECT} WHERE a.user_id = $1`, [userId]);
  return rows[0] ? toAccount(rows[0]) : undefined;
}

export async function listAccounts(
  q: Queryable,
  status: 'pending' | 'verified' | 'all',
  limit: number,
): Promise<AccountRow[]> {
  const where =
    status === 'pending'
      ? 'WHERE a.verified_at IS NULL'
      : status === 'verified'
        ? 'WHERE a.verified_at IS NOT NULL'
        : '';
  const { rows } = await q.query<AccountDb & { org_id: string }>(
    `${SELECT} ${where} ORDER BY a.created_at, a.user_id LIMIT $1`,
    [limit],
  );
  return rows.map(toAccount);
}

// ---------------------------------------------------------------------------------------------
// The platform organisation of the public and the node's settings

/** Whether registrations are verified at once (a demo node). */
export async function demoVerification(q: Queryable): Promise<boolean> {
  const { rows } = await q.query<{ demo_verification: boolean }>(
    'SELECT demo_verification FROM datong.public_settings',
  );
  return rows[0]?.demo_verification ?? false;
}

/** `datong seed --demo`: registrations on this node are verified at once ('demo'). */
export async function enableDemoVerification(q: Queryable): Promise<void> {
  await q.query('UPDATE datong.public_settings SET demo_verification = true');
}

/**
 * The organisation every public user belongs to (社会公众, kind `other`), made on first need by
 * the node itself (audited as `org.create`). Its 统一社会信用代码 is a reserved, valid one: 'Y'
 * (registration authority: other), '1', the node's region code, 'PUBL0000n'.
 */
export async function ensurePublicOrg(services: Services, tx: Tx): Promise<string> {
  // Locked only when it may have to be made, so that registrations do not queue on the row.
  for (const lock of ['', ' FOR UPDATE']) {
    const { rows } = await tx.query<{ org_id: string | null }>(
      `SELECT org_id FROM datong.public_settings${lock}`,
    );
    const existing = rows[0]?.org_id;
    if (existing) return existing;
  }
  const code = services.config.node.code;
  const region = isRegionCodeFormat(code) ? code : '440000';
  const ctx = { ...systemContext('public-accounts'), services };
  let orgId: string | undefined;
  for (let n = 1; n <= 9 && !orgId; n++) {
    const uscc = usccWithCheck(`Y1${region}PUBL0000${n}`);
    const taken = await findOrgByUscc(tx, uscc);
    if (taken?.name === PUBLIC_ORG_NAME && taken.kind === 'other') orgId = taken.id;
    else if (!taken) {
      orgId = (await createOrg(ctx, tx, { name: PUBLIC_ORG_NAME, uscc, regionCode: region, kind: 'other' }))
        .id;
    }
  }
  if (!orgId) throw new Error('no free reserved USCC for the public organisation');
  await tx.query('UPDATE datong.public_settings SET org_id = $1', [orgId]);
  return orgId;
}

// ---------------------------------------------------------------------------------------------
// Registration

/** The number a registration gives, checked and normalised, or the field errors. */
function subjectOf(
  input: Pick<RegisterInput, 'kind' | 'idNumber' | 'uscc'>,
  lang: Lang,
  errors: FieldError[],
): string | undefined {
  const msg = (key: AccountMessageKey) => localize(accountMessages[key], lang);
  const idNumber = input.idNumber?.trim() ?? '';
  const uscc = input.uscc?.trim() ?? '';
  const [given, path, other, otherPath, kind] =
    input.kind === 'person'
      ? ([idNumber, '/idNumber', uscc, '/uscc', 'id_number'] as const)
      : ([uscc, '/uscc', idNumber, '/idNumber', 'uscc'] as const);
  if (other) {
    errors.push({
      path: otherPath,
      message: msg(input.kind === 'person' ? 'uscc_not_for_person' : 'id_number_not_for_company'),
    });
  }
  if (!given) {
    errors.push({ path, message: msg(input.kind === 'person' ? 'id_number_required' : 'uscc_required') });
    return undefined;
  }
  const checked = validate(kind, given);
  if (!checked.valid) {
    errors.push({ path, message: localize(checked.reason!, lang) });
    return undefined;
  }
  return checked.normalised;
}

/** Every problem of a registration, field by field, in the caller's language (empty: none). */
export function registrationIssues(
  input: RegisterInput,
  lang: Lang,
): { errors: FieldError[]; subject?: string; phone?: string; email?: string } {
  const errors: FieldError[] = [];
  if (!USERNAME.test(input.username)) {
    errors.push({ path: '/username', message: localize(accountMessages.username_format, lang) });
  }
  if (!input.displayName.trim()) {
    errors.push({ path: '/displayName', message: localize(accountMessages.display_name_required, lang) });
  }
  errors.push(...passwordIssues(input.password, input.username, lang));
  const subject = subjectOf(input, lang, errors);
  const optional = (kind: 'mobile' | 'email', value: string | undefined, path: string) => {
    if (!value?.trim()) return undefined;
    const r = validate(kind, value);
    if (!r.valid) errors.push({ path, message: localize(r.reason!, lang) });
    return r.normalised;
  };
  const phone = optional('mobile', input.phone, '/phone');
  const email = optional('email', input.email, '/email');
  return {
    errors,
    ...(subject ? { subject } : {}),
    ...(phone ? { phone } : {}),
    ...(email ? { email } : {}),
  };
}

async function verifiedHolderOf(q: Queryable, hash: string, except?: string): Promise<string | undefined> {
  const { rows } = await q.query<{ user_id: string }>(
    `SELECT user_id FROM datong.public_accounts
      WHERE subject_hash = $1 AND verified_at IS NOT NULL AND user_id IS DISTINCT FROM $2`,
    [hash, except ?? null],
  );
  return rows[0]?.user_id;
}

/**
 * Self-registration: a public_user in the public organisation with its identity, verified at once
 * on a demo node. Audited (`user.create` by the identity module, then `public.register`).
 */
export async function register(ctx: AccountContext, tx: Tx, input: RegisterInput): Promise<AccountRow> {
  const checked = registrationIssues(input, ctx.lang);
  if (checked.errors.length || !checked.subject) {
    throw accountProblem(400, 'registration_invalid', {}, checked.errors);
  }
  const hash = subjectHashOf(ctx.services.identity, checked.subject);
  const demo = await demoVerification(tx);
  if (demo && (await verifiedHolderOf(tx, hash))) throw accountProblem(409, 'subject_registered');
  const orgId = await ensurePublicOrg(ctx.services, tx);
  let user: UserRow;
  try {
    user = await createUser(
      ctx,
      tx,
      {
        username: input.username,
        displayName: input.displayName,
        password: input.password,
        orgId,
        roles: ['public_user'],
      },
      // The caller is anonymous: nobody's scope applies to a self-registration of public_user.
      { bypassScope: true },
    );
  } catch (e) {
    // The identity module's own refusal, as one field error like the others.
    if (e instanceof Error && 'code' in e && e.code === 'username_taken') {
      throw accountProblem(409, 'username_taken', { username: input.username }, [
        {
          path: '/username',
          message: localize(accountMessages.username_taken, ctx.lang, { username: input.username }),
        },
      ]);
    }
    throw e;
  }
  const masked = maskSubject(checked.subject);
  await tx.query(
    `INSERT INTO datong.public_accounts
       (user_id, kind, subject_hash, subject_masked, phone, email, verified_at, verification_method)
     VALUES ($1, $2, $3, $4, $5, $6, ${demo ? "now(), 'demo'" : 'NULL, NULL'})`,
    [user.id, input.kind, hash, masked, checked.phone ?? null, checked.email ?? null],
  );
  await ctx.services.ledger.record(
    tx,
    eventFor(ctx, {
      action: 'public.register',
      objectType: 'user',
      objectId: user.id,
      orgId,
      detail: {
        username: user.username,
        kind: input.kind,
        subject: hash,
        verification: demo ? 'demo' : 'pending',
      },
    }),
  );
  return (await getAccount(tx, user.id))!;
}

// ---------------------------------------------------------------------------------------------
// Verification by an administrator

/**
 * An administrator confirms a public account's number after checking the person's or company's
 * documents: the number they read must be the one registered (compared by hash). Audited.
 */
export async function verifyAccount(
  ctx: AccountContext,
  tx: Tx,
  userId: string,
  number: string,
): Promise<AccountRow> {
  const { rows } = await tx.query<{ user_id: string }>(
    'SELECT user_id FROM datong.public_accounts WHERE user_id = $1 FOR UPDATE',
    [userId],
  );
  if (!rows[0]) {
    const { rowCount } = await tx.query('SELECT 1 FROM datong.users WHERE id = $1', [userId]);
    throw rowCount ? accountProblem(404, 'not_public_account') : notFound();
  }
  const account = (await getAccount(tx, userId))!;
  await assertPublicOrgInScope(ctx, tx, account.orgId);
  if (account.verified) throw accountProblem(409, 'already_verified');
  const errors: FieldError[] = [];
  const subject = subjectOf(
    account.kind === 'person' ? { kind: 'person', idNumber: number } : { kind: 'company', uscc: number },
    ctx.lang,
    errors,
  );
  if (!subject) {
    throw accountProblem(
      400,
      'registration_invalid',
      {},
      errors.map((e) => ({ ...e, path: '/number' })),
    );
  }
  const hash = subjectHashOf(ctx.services.identity, subject);
  if (hash !== account.subjectHash) throw accountProblem(409, 'subject_mismatch');
  if (await verifiedHolderOf(tx, hash, userId)) throw accountProblem(409, 'subject_registered');
  const verifier = ctx.actor.kind === 'user' ? ctx.actor.id : null;
  await tx.query(
    `UPDATE datong.public_accounts
        SET verified_at = now(), verification_method = 'admin', verified_by = $2
      WHERE user_id = $1`,
    [userId, verifier],
  );
  await ctx.services.ledger.record(
    tx,
    eventFor(ctx, {
      action: 'public.verify',
      objectType: 'user',
      objectId: userId,
      detail: { username: account.username, kind: account.kind, subject: hash, method: 'admin' },
    }),
  );
  return (await getAccount(tx, userId))!;
}

/** Public accounts belong to the public organisation: its administrators (or sysadmin) verify. */
async function assertPublicOrgInScope(ctx: AccountContext, q: Queryable, orgId: string): Promise<void> {
  const a = ctx.actor;
  if (a.kind !== 'user') throw accountProblem(403, 'public_org_out_of_scope');
  if (a.roles.includes('sysadmin')) return;
  if (a.roles.includes('org_admin') && (await orgSubtree(q, a.orgId)).includes(orgId)) return;
  throw accountProblem(403, 'public_org_out_of_scope');
}

// ---------------------------------------------------------------------------------------------
// Rate limit of registrations

/**
 * A fixed window per client address: at most `max` registration attempts (successful or not)
 * per `windowMs`. In memory, per node process: a second process behind a load balancer doubles
 * the allowance, which is acceptable for a brake on scripted sign-ups.
 */
export class RegistrationLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    readonly max = 5,
    readonly windowMs = 10 * 60_000,
  ) {}

  /** Counts an attempt; the seconds to wait when over the limit, else 0. */
  take(ip: string, now = Date.now()): number {
    if (this.windows.size > 10_000) {
      for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
    }
    const w = this.windows.get(ip);
    if (!w || now - w.start >= this.windowMs) {
      this.windows.set(ip, { start: now, count: 1 });
      return 0;
    }
    if (w.count >= this.max) return Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000));
    w.count++;
    return 0;
  }
}
