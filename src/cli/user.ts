import crypto from 'node:crypto';
import { withTx } from '../platform/db/pool.js';
import type { Runtime } from '../platform/runtime.js';
import { systemContext } from '../platform/context.js';
import { isRole, type Role } from '../platform/policy/permissions.js';
import { createUser, findOrgByUscc } from '../modules/identity/index.js';
import { AppError } from '../platform/http/errors.js';
import { localize } from '../platform/i18n/index.js';

interface UserCreateOptions {
  username: string;
  org: string;
  displayName?: string;
  roles: string;
  password?: string;
}

/** `datong user create`: the way in for the first operator on a node without demo data. */
export async function userCreateCommand(rt: Runtime, opts: UserCreateOptions): Promise<number> {
  const roles = opts.roles
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const bad = roles.filter((r) => !isRole(r));
  if (bad.length) {
    process.stderr.write(`未知角色 / unknown roles: ${bad.join(', ')}\n`);
    return 2;
  }
  const generated = !opts.password && !process.env.DATONG_PASSWORD;
  const password =
    opts.password ?? process.env.DATONG_PASSWORD ?? `Dt-${crypto.randomBytes(12).toString('base64url')}`;
  try {
    const user = await withTx(rt.pool, async (tx) => {
      const org = await findOrgByUscc(tx, opts.org.toUpperCase());
      if (!org) throw new Error(`机构不存在 / no organisation with 统一社会信用代码 ${opts.org}`);
      return createUser(
        { ...systemContext(), services: rt.services },
        tx,
        {
          username: opts.username,
          displayName: opts.displayName ?? opts.username,
          password,
          orgId: org.id,
          roles: roles as Role[],
        },
        { bypassScope: true },
      );
    });
    await rt.services.ledger.flush();
    process.stdout.write(
      `created user ${user.username} (${user.id})${generated ? `; password: ${password}` : ''}\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof AppError) {
      process.stderr.write(`${localize(e.text, 'zh-CN', e.params)} / ${localize(e.text, 'en', e.params)}\n`);
      return 2;
    }
    throw e;
  }
}
