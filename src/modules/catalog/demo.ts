import type { Tx } from '../../platform/db/pool.js';
import { AppError } from '../../platform/http/errors.js';
import { resolveCodeTable } from '../standards/index.js';
import type { CatalogContext } from './context.js';
import { approveEntry, createEntry, returnEntry, submitEntry } from './lifecycle.js';
import { DEMO_ENTRIES, type DemoCodeTable } from './demo-data.js';
import type { EntryInput } from './schemas.js';

/**
 * Seeds the demo catalog (demo-data.ts) through the real lifecycle, so every entry has its
 * history rows and audit events like one a steward made: create, then submit, approve or return
 * as the demo wants it. Idempotent: a node whose catalog has any entry is left alone.
 */
export async function seedCatalogDemo(
  ctx: CatalogContext,
  tx: Tx,
  orgIdsByName: ReadonlyMap<string, string>,
): Promise<{ entries: number }> {
  const { rowCount } = await tx.query('SELECT 1 FROM datong.catalog_entries LIMIT 1');
  if (rowCount) return { entries: 0 };
  const tables = await codeTableIds(tx);
  let entries = 0;
  for (const demo of DEMO_ENTRIES) {
    const providerOrgId = orgIdsByName.get(demo.org);
    // An organisation the node does not have (a trimmed demo) simply has no entries.
    if (!providerOrgId) continue;
    const input: EntryInput = {
      ...demo.input,
      providerOrgId,
      fields: demo.input.fields.map(({ codeTable, ...f }) => {
        const codeTableId = codeTable ? tables.get(codeTable) : undefined;
        return codeTableId ? { ...f, codeTableId } : f;
      }),
    };
    const { id } = await createEntry(ctx, tx, input);
    if (demo.status !== 'draft') await submitEntry(ctx, tx, id);
    if (demo.status === 'published') await approveEntry(ctx, tx, id, '演示数据：审核通过');
    if (demo.status === 'returned') await returnEntry(ctx, tx, id, demo.comment ?? '请补充完善后重新提交');
    entries++;
  }
  return { entries };
}

/**
 * The built-in code tables the demo fields refer to (the standards module ships them at start).
 * A node without them still gets its demo catalog, minus the links.
 */
async function codeTableIds(tx: Tx): Promise<Map<DemoCodeTable, string>> {
  const out = new Map<DemoCodeTable, string>();
  const identifiers: DemoCodeTable[] = ['GB/T 2261.1', 'GB/T 2260'];
  for (const identifier of identifiers) {
    try {
      out.set(identifier, (await resolveCodeTable(tx, identifier)).id);
    } catch (err) {
      // Only "no such table" (a 404 thrown before any failing SQL) is expected here.
      if (!(err instanceof AppError && err.status === 404)) throw err;
    }
  }
  return out;
}
