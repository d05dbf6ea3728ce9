import os from 'node:os';
import type { Actor } from './policy/permissions.js';
import type { Lang } from './i18n/index.js';

/**
 * Who is asking, and from where. Services take (ctx, tx, input); audit events take their
 * actor, client IP and request id from it.
 */
export interface RequestContext {
  actor: Actor;
  requestId: string | null;
  clientIp: string | null;
  lang: Lang;
}

/** The node acting on its own behalf (CLI commands, the demo seed, jobs); audited as `system`. */
export function systemContext(name = `cli:${safeUser()}`, lang: Lang = 'zh-CN'): RequestContext {
  return { actor: { kind: 'system', id: 'system', name }, requestId: null, clientIp: null, lang };
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}
