import type { Tx, Queryable } from '../../platform/db/pool.js';
import { notFound } from '../../platform/http/errors.js';
import { isRegionCodeFormat, isUscc } from '../../platform/validators/index.js';
import { audit, isUniqueViolation, type IdentityContext } from './context.js';
import { identityProblem } from './messages.js';
import type { CreateOrgInput, PatchOrgInput } from './schemas.js';
import * as store from './store.js';
import type { OrgRow } from './store.js';

/** Organisation use cases. Codes are normalised to upper case before their check is verified. */

const normaliseUscc = (v: string): string => v.trim().toUpperCase();

function assertCodes(uscc: string, regionCode: string): void {
  if (!isUscc(uscc))
    throw identityProblem(400, 'uscc_invalid', {}, [{ path: '/uscc', message: 'GB 32100-2015' }]);
  if (!isRegionCodeFormat(regionCode)) {
    throw identityProblem(400, 'region_code_invalid', {}, [{ path: '/regionCode', message: 'GB/T 2260' }]);
  }
}

export async function listOrgs(q: Queryable): Promise<OrgRow[]> {
  return store.listOrgs(q);
}

export async function getOrg(q: Queryable, id: string): Promise<OrgRow> {
  const org = await store.getOrg(q, id);
  if (!org) throw notFound();
  return org;
}

export async function findOrgByUscc(q: Queryable, uscc: string): Promise<OrgRow | undefined> {
  return store.getOrgByUscc(q, normaliseUscc(uscc));
}

export async function createOrg(ctx: IdentityContext, tx: Tx, input: CreateOrgInput): Promise<OrgRow> {
  const uscc = normaliseUscc(input.uscc);
  const regionCode = input.regionCode.trim();
  assertCodes(uscc, regionCode);
  const parentId = input.parentId ?? null;
  if (parentId && !(await store.getOrg(tx, parentId))) throw identityProblem(400, 'org_parent_invalid');
  if (await store.getOrgByUscc(tx, uscc)) throw identityProblem(409, 'uscc_taken', { uscc });
  let org: OrgRow;
  try {
    org = await store.insertOrg(tx, {
      name: input.name.trim(),
      uscc,
      regionCode,
      kind: input.kind,
      parentId,
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw identityProblem(409, 'uscc_taken', { uscc });
    throw e;
  }
  await audit(ctx, tx, {
    action: 'org.create',
    objectType: 'org',
    objectId: org.id,
    orgId: org.id,
    detail: { name: org.name, uscc, regionCode, kind: org.kind, parentId },
  });
  return org;
}

export async function updateOrg(
  ctx: IdentityContext,
  tx: Tx,
  id: string,
  input: PatchOrgInput,
): Promise<OrgRow> {
  const before = await getOrg(tx, id);
  const next = {
    name: input.name?.trim() ?? before.name,
    uscc: input.uscc !== undefined ? normaliseUscc(input.uscc) : before.uscc,
    regionCode: input.regionCode?.trim() ?? before.regionCode,
    kind: input.kind ?? before.kind,
    parentId: input.parentId !== undefined ? input.parentId : before.parentId,
  };
  assertCodes(next.uscc, next.regionCode);
  if (next.parentId && next.parentId !== before.parentId) {
    // A new parent must exist and must not sit below the organisation itself (no cycles).
    const below = await store.orgSubtree(tx, id);
    if (below.includes(next.parentId) || !(await store.getOrg(tx, next.parentId))) {
      throw identityProblem(400, 'org_parent_invalid');
    }
  }
  if (next.uscc !== before.uscc && (await store.getOrgByUscc(tx, next.uscc))) {
    throw identityProblem(409, 'uscc_taken', { uscc: next.uscc });
  }
  let org: OrgRow;
  try {
    org = await store.updateOrg(tx, id, next);
  } catch (e) {
    if (isUniqueViolation(e)) throw identityProblem(409, 'uscc_taken', { uscc: next.uscc });
    throw e;
  }
  const changed = Object.fromEntries(
    (Object.keys(next) as (keyof typeof next)[])
      .filter((k) => next[k] !== before[k])
      .map((k) => [k, { from: before[k], to: next[k] }]),
  );
  await audit(ctx, tx, {
    action: 'org.update',
    objectType: 'org',
    objectId: id,
    orgId: id,
    detail: { changed },
  });
  return org;
}
