import type { Tx } from '../../platform/db/pool.js';
import { forbidden, notFound } from '../../platform/http/errors.js';
import type { FieldError } from '../../platform/http/errors.js';
import { recordTransition, type CatalogAction, type CatalogContext } from './context.js';
import { diffVersions } from './diff.js';
import { catalogProblem } from './messages.js';
import { normaliseEntryInput } from './normalise.js';
import { presentEntry } from './presenters.js';
import type { Entry, EntryInput, VersionStatus } from './schemas.js';
import { indexVersion } from './search-index.js';
import * as store from './store.js';
import type { Content, EntryRow, VersionRow } from './store.js';
import { checkReferences, validateEntryInput } from './validate.js';
import { maintains, publiclyVisible, viewerOf, type Viewer } from './visibility.js';

/**
 * The catalog lifecycle (docs/CATALOG.md): draft → submitted → published, or submitted →
 * returned → (edit) → submitted; revise opens version n+1 while n stays published; deprecate and
 * withdraw end a published entry. Every step runs in the caller's transaction, locks the entry
 * row, and writes a history row plus an audit event.
 */

const STATUS_LABEL: Record<VersionStatus, string> = {
  draft: '草稿 draft',
  submitted: '待审核 submitted',
  returned: '已退回 returned',
  published: '已发布 published',
  superseded: '已被新版本替代 superseded',
  deprecated: '已废止 deprecated',
  withdrawn: '已撤回 withdrawn',
};
const ACTION_LABEL: Record<CatalogAction, string> = {
  create: '创建 create',
  update: '修改 update',
  submit: '提交审核 submit',
  approve: '审核通过 approve',
  return: '退回 return',
  revise: '修订 revise',
  deprecate: '废止 deprecate',
  withdraw: '撤回 withdraw',
  import: '导入 import',
};

const illegal = (status: VersionStatus, action: CatalogAction) =>
  catalogProblem(409, 'illegal_transition', { status: STATUS_LABEL[status], action: ACTION_LABEL[action] });

function assertValid(errors: FieldError[]): void {
  if (errors.length > 0) throw catalogProblem(400, 'entry_invalid', {}, errors);
}

/** Normalises, validates (rules and references) and returns the content to store. */
async function prepare(
  ctx: CatalogContext,
  tx: Tx,
  input: EntryInput,
  providerOrgId: string,
): Promise<Content> {
  const normal = normaliseEntryInput(input);
  assertValid(validateEntryInput(normal, ctx.lang));
  assertValid(await checkReferences(tx, normal, ctx.lang, { providerOrgId }));
  const { providerOrgId: _provider, ...content } = normal;
  return content;
}

/** A fresh resource code under the content's classification. */
async function newCode(tx: Tx, classification: string[]): Promise<string> {
  const prefix = classification.join('.');
  let seq: number;
  try {
    seq = await store.nextSequence(tx, prefix);
  } catch (e) {
    // The counter's CHECK (≤ 999999) is what refuses the millionth code.
    if ((e as { code?: unknown }).code === '23514') {
      throw catalogProblem(409, 'code_space_exhausted', { classification: prefix });
    }
    throw e;
  }
  return `${prefix}/${String(seq).padStart(6, '0')}`;
}

async function view(tx: Tx, entryId: string, version: number): Promise<Entry> {
  const entry = await store.getEntry(tx, entryId);
  const row = await store.getVersion(tx, entryId, version);
  if (!entry || !row) throw notFound();
  return presentEntry(entry, row);
}

interface Locked {
  viewer: Viewer;
  entry: EntryRow;
  working: VersionRow;
}

/**
 * Locks an entry for a change by its maintainers (or a reviewer). An entry the caller cannot
 * even see is missing (404); one they see but do not maintain is forbidden (403).
 */
async function lockForChange(
  ctx: CatalogContext,
  tx: Tx,
  id: string,
  who: 'maintainer' | 'reviewer',
): Promise<Locked> {
  const viewer = await viewerOf(tx, ctx.actor);
  const entry = await store.getEntry(tx, id, { lock: true });
  if (!entry) throw notFound();
  const allowed = who === 'reviewer' ? viewer.reviewer : maintains(viewer, entry.providerOrgId);
  if (!allowed) {
    const published = entry.publishedVersion
      ? await store.getVersion(tx, id, entry.publishedVersion)
      : undefined;
    const visible = maintains(viewer, entry.providerOrgId) || publiclyVisible(viewer, published);
    if (!visible) throw notFound();
    throw who === 'reviewer' ? forbidden() : catalogProblem(403, 'entry_out_of_scope');
  }
  const working = await store.getVersion(tx, id, entry.workingVersion);
  if (!working) throw notFound();
  return { viewer, entry, working };
}

export interface CreateOptions {
  /** 'import' records the step as `catalog.import` (the Excel import); default 'create'. */
  via?: 'create' | 'import';
}

export async function createEntry(
  ctx: CatalogContext,
  tx: Tx,
  input: EntryInput,
  opts: CreateOptions = {},
): Promise<Entry> {
  const viewer = await viewerOf(tx, ctx.actor);
  const providerOrgId = input.providerOrgId ?? viewer.orgId;
  if (!providerOrgId) throw catalogProblem(400, 'provider_required');
  // Reviewers (the platform operator) may catalogue for any department; stewards for their own.
  if (!viewer.reviewer && !maintains(viewer, providerOrgId))
    throw catalogProblem(403, 'provider_out_of_scope');
  const content = await prepare(ctx, tx, input, providerOrgId);
  const code = await newCode(tx, content.classification);
  const id = await store.insertEntry(tx, code, providerOrgId);
  await store.insertVersion(tx, id, 1, 'draft', content, providerOrgId);
  await indexVersion(tx, id, 1);
  const action = opts.via ?? 'create';
  await recordTransition(
    ctx,
    tx,
    { id, code, providerOrgId },
    {
      action,
      version: 1,
      from: null,
      to: 'draft',
      detail: { name: content.name, fieldCount: content.fields.length },
    },
  );
  return view(tx, id, 1);
}

/** Replaces the content of the working version while it is a draft or returned. */
export async function updateEntry(
  ctx: CatalogContext,
  tx: Tx,
  id: string,
  input: EntryInput,
): Promise<Entry> {
  const { entry, working } = await lockForChange(ctx, tx, id, 'maintainer');
  if (working.status !== 'draft' && working.status !== 'returned') throw illegal(working.status, 'update');
  if (input.providerOrgId !== undefined && input.providerOrgId !== entry.providerOrgId) {
    throw catalogProblem(400, 'provider_immutable', {}, [
      { path: '/providerOrgId', message: entry.providerOrgId },
    ]);
  }
  const content = await prepare(ctx, tx, input, entry.providerOrgId);
  let code = entry.code;
  if (content.classification.join('.') !== working.content.classification.join('.')) {
    // The code is public once published; before that it simply follows the classification.
    if (entry.publishedVersion !== null)
      throw catalogProblem(400, 'classification_fixed', { code: entry.code });
    code = await newCode(tx, content.classification);
    await store.setCode(tx, id, code);
  }
  await store.replaceContent(tx, id, working.version, content);
  await store.touchEntry(tx, id);
  await indexVersion(tx, id, working.version);
  const diff = diffVersions(working.content, content);
  await recordTransition(
    ctx,
    tx,
    { ...entry, code },
    {
      action: 'update',
      version: working.version,
      from: working.status,
      to: working.status,
      detail: {
        changed: diff.metadata.map((m) => m.path),
        fieldsAdded: diff.fields.added.map((f) => f.code),
        fieldsRemoved: diff.fields.removed.map((f) => f.code),
        fieldsChanged: diff.fields.changed.map((f) => f.code),
        ...(code !== entry.code ? { previousCode: entry.code } : {}),
      },
    },
  );
  return view(tx, id, working.version);
}

export async function submitEntry(ctx: CatalogContext, tx: Tx, id: string): Promise<Entry> {
  const { entry, working } = await lockForChange(ctx, tx, id, 'maintainer');
  if (working.status !== 'draft' && working.status !== 'returned') throw illegal(working.status, 'submit');
  await store.setStatus(tx, id, working.version, { status: 'submitted', submitted: true });
  return finish(ctx, tx, entry, working, 'submit', 'submitted');
}

export async function approveEntry(
  ctx: CatalogContext,
  tx: Tx,
  id: string,
  comment?: string,
): Promise<Entry> {
  const { entry, working } = await lockForChange(ctx, tx, id, 'reviewer');
  if (working.status !== 'submitted') throw illegal(working.status, 'approve');
  const previous = entry.publishedVersion;
  if (previous !== null && previous !== working.version) {
    await store.setStatus(tx, id, previous, { status: 'superseded' });
    await indexVersion(tx, id, previous);
  }
  const note = comment?.trim() || null;
  await store.setStatus(tx, id, working.version, {
    status: 'published',
    reviewComment: note,
    published: true,
  });
  await store.setEntryVersions(tx, id, { published: working.version });
  return finish(ctx, tx, entry, working, 'approve', 'published', note, { supersedes: previous });
}

export async function returnEntry(ctx: CatalogContext, tx: Tx, id: string, comment: string): Promise<Entry> {
  const note = comment.trim();
  if (note === '')
    throw catalogProblem(400, 'comment_required', {}, [{ path: '/comment', message: 'required' }]);
  const { entry, working } = await lockForChange(ctx, tx, id, 'reviewer');
  if (working.status !== 'submitted') throw illegal(working.status, 'return');
  await store.setStatus(tx, id, working.version, { status: 'returned', reviewComment: note });
  return finish(ctx, tx, entry, working, 'return', 'returned', note);
}

/** Opens version n+1 as a draft copy of the published version n, which stays published. */
export async function reviseEntry(ctx: CatalogContext, tx: Tx, id: string): Promise<Entry> {
  const { entry, working } = await lockForChange(ctx, tx, id, 'maintainer');
  if (entry.publishedVersion !== null && working.version !== entry.publishedVersion) {
    throw catalogProblem(409, 'revision_pending', { version: working.version });
  }
  if (working.status !== 'published') throw illegal(working.status, 'revise');
  const next = working.version + 1;
  await store.insertVersion(tx, id, next, 'draft', working.content, entry.providerOrgId);
  await store.setEntryVersions(tx, id, { working: next });
  await indexVersion(tx, id, next);
  await indexVersion(tx, id, working.version);
  await recordTransition(ctx, tx, entry, {
    action: 'revise',
    version: next,
    from: null,
    to: 'draft',
    detail: { basedOn: working.version },
  });
  return view(tx, id, next);
}

export async function deprecateEntry(
  ctx: CatalogContext,
  tx: Tx,
  id: string,
  reason: string,
): Promise<Entry> {
  return end(ctx, tx, id, reason, 'deprecate');
}

export async function withdrawEntry(ctx: CatalogContext, tx: Tx, id: string, reason: string): Promise<Entry> {
  return end(ctx, tx, id, reason, 'withdraw');
}

/**
 * Deprecate (废止: kept visible to departments, marked as ended) or withdraw (撤回: hidden from
 * everyone but its maintainers and reviewers). A pending revision must be finished first, so
 * that no draft outlives the entry it revises.
 */
async function end(
  ctx: CatalogContext,
  tx: Tx,
  id: string,
  reason: string,
  action: 'deprecate' | 'withdraw',
): Promise<Entry> {
  const why = reason.trim();
  if (why === '')
    throw catalogProblem(400, 'reason_required', { action }, [{ path: '/reason', message: 'required' }]);
  const { entry, working } = await lockForChange(ctx, tx, id, 'maintainer');
  if (entry.publishedVersion !== null && working.version !== entry.publishedVersion) {
    throw catalogProblem(409, 'revision_pending', { version: working.version });
  }
  const allowedFrom: VersionStatus[] = action === 'deprecate' ? ['published'] : ['published', 'deprecated'];
  if (!allowedFrom.includes(working.status)) throw illegal(working.status, action);
  const to = action === 'deprecate' ? 'deprecated' : 'withdrawn';
  await store.setStatus(tx, id, working.version, { status: to, statusReason: why });
  return finish(ctx, tx, entry, working, action, to, why);
}

/** The common tail of a status change: touch, re-index, history + audit, the new view. */
async function finish(
  ctx: CatalogContext,
  tx: Tx,
  entry: EntryRow,
  working: VersionRow,
  action: CatalogAction,
  to: VersionStatus,
  comment: string | null = null,
  detail: Record<string, unknown> = {},
): Promise<Entry> {
  await store.touchEntry(tx, entry.id);
  await indexVersion(tx, entry.id, working.version);
  await recordTransition(ctx, tx, entry, {
    action,
    version: working.version,
    from: working.status,
    to,
    comment,
    detail,
  });
  return view(tx, entry.id, working.version);
}
