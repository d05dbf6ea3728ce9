import type { AuditEvent } from './types.js';

/**
 * Deterministic JSON: object keys sorted (by UTF-16 code units, as Array#sort does, like RFC 8785),
 * no whitespace, arrays in order. Values that JSON cannot carry (undefined, functions) are dropped
 * from objects and become null in arrays, exactly as JSON.stringify would do, so that an event
 * hashes the same before it is stored and after it is read back from jsonb.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return sortKeys((value as { toJSON(): unknown }).toJSON());
  }
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
  return out;
}

/**
 * The entry bytes of a ledger leaf: the event as JSON with its keys in this fixed order and its
 * detail canonicalised. `time` is ISO 8601 UTC with milliseconds (the database stores the time
 * truncated to the millisecond, so the stored row reproduces these bytes exactly).
 */
export function entryBytes(e: AuditEvent): Buffer {
  return Buffer.from(entryText(e), 'utf8');
}

/**
 * The entry as text: what audit.event stores in `entry` (its UTF-8 encoding is what the leaf
 * hashes). It starts with `{"seq":<seq>,` — verify relies on that to check each row's position.
 */
export function entryText(e: AuditEvent): string {
  const ordered = {
    seq: e.seq,
    time: e.time,
    actorType: e.actorType,
    actorId: e.actorId,
    actorName: e.actorName,
    orgId: e.orgId,
    action: e.action,
    objectType: e.objectType,
    objectId: e.objectId,
    result: e.result,
    clientIp: e.clientIp,
    requestId: e.requestId,
    detail: sortKeys(e.detail),
  };
  return JSON.stringify(ordered);
}

/** The text a checkpoint signature covers. */
export function checkpointText(nodeCode: string, treeSize: number, rootHex: string, timeIso: string): Buffer {
  return Buffer.from(`datong-audit-checkpoint\n${nodeCode}\n${treeSize}\n${rootHex}\n${timeIso}\n`, 'utf8');
}
