import type { Queryable } from '../../platform/db/pool.js';
import * as store from './store.js';
import { isUuid } from './service.js';
import type { CodeValue } from './schemas.js';
import { presentValue } from './presenters.js';

/** What other modules (catalog, loads, quality), the runtime and the tests may use of standards. */

export { ensureBuiltinStandards, type BuiltinReport } from './builtin.js';
export {
  createCodeTable,
  createDataElement,
  updateDataElement,
  getDataElement,
  listDataElements,
  resolveCodeTable,
  validateValue,
  type StandardsContext,
} from './service.js';
export { presentCodeTable, presentDataElement } from './presenters.js';
export type { CodeTableSummary, CodeValue, DataElement, FieldType, ValidatorSpec } from './schemas.js';
export { FIELD_TYPES } from './schemas.js';
export type { CodeTableRow, DataElementRow } from './store.js';
export { standardsMessages } from './messages.js';
export { default as standardsRoutes } from './routes.js';

/** True when a code table with this id exists (false for anything that is not a uuid). */
export async function codeTableExists(q: Queryable, id: string): Promise<boolean> {
  return isUuid(id) && store.codeTableExists(q, id);
}

/** True when a data element with this id exists (false for anything that is not a uuid). */
export async function dataElementExists(q: Queryable, id: string): Promise<boolean> {
  return isUuid(id) && store.dataElementExists(q, id);
}

/**
 * Every value of a code table (by id), in the table's order; undefined when there is no such
 * table. For checking cells against a table, build a Set of the codes once per load.
 */
export async function getCodeTableValues(q: Queryable, id: string): Promise<CodeValue[] | undefined> {
  if (!isUuid(id) || !(await store.codeTableExists(q, id))) return undefined;
  return (await store.listValues(q, id, {})).map(presentValue);
}
