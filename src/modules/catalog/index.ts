/** What other modules, the CLI, the demo seed and the catalog's other parts may use of the catalog core. */
export type { CatalogContext, CatalogAction } from './context.js';
export {
  createEntry,
  updateEntry,
  submitEntry,
  approveEntry,
  returnEntry,
  reviseEntry,
  deprecateEntry,
  withdrawEntry,
  type CreateOptions,
} from './lifecycle.js';
export {
  getEntry,
  listEntryVersions,
  getEntryDiff,
  getEntryHistory,
  reviewQueue,
  listOpenEntries,
  getOpenEntryByCode,
  countOpenEntries,
  type VersionItem,
  type HistoryItem,
} from './read.js';
export { validateEntryInput, checkReferences, isRealDate, RESOURCE_CODE_PATTERN } from './validate.js';
export {
  normaliseEntryInput,
  fieldCodeFromName,
  assignFieldCodes,
  FIELD_CODE_MAX_BYTES,
  FIELD_CODE_PATTERN,
  type NormalEntryInput,
  type NormalField,
} from './normalise.js';
export { diffVersions, sameJson, type ContentDiff } from './diff.js';
export {
  visibilityFilter,
  viewerOf,
  maintains,
  isRestricted,
  DEPARTMENT_STATUSES,
  PUBLIC_STATUSES,
  type Viewer,
  type VisibilitySql,
} from './visibility.js';
export { presentEntry, presentSummary } from './presenters.js';
export type { Content, EntryRow, VersionRow } from './store.js';
export { catalogMessages, catalogProblem, type CatalogMessageKey } from './messages.js';
export * from './schemas.js';
export { default as catalogRoutes } from './routes.js';
