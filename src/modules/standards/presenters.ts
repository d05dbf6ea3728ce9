import type { CodeTableSummary, CodeValue, DataElement } from './schemas.js';
import type { CodeTableRow, CodeValueRow, DataElementRow } from './store.js';

/** Rows to API shapes (docs/CATALOG.md); nothing leaves the module unpresented. */

export const presentCodeTable = (t: CodeTableRow): CodeTableSummary => ({
  id: t.id,
  identifier: t.identifier,
  name: t.name,
  version: t.version,
  description: t.description,
  builtin: t.builtin,
  valueCount: t.valueCount,
  createdAt: t.createdAt.toISOString(),
});

export const presentValue = (v: CodeValueRow): CodeValue => ({
  code: v.code,
  label: v.label,
  parentCode: v.parentCode,
});

export const presentDataElement = (e: DataElementRow): DataElement => ({
  id: e.id,
  identifier: e.identifier,
  name: e.name,
  type: e.type,
  length: e.length,
  precision: e.precision,
  scale: e.scale,
  validator: e.validator,
  codeTableId: e.codeTableId,
  codeTable: e.codeTable,
  description: e.description,
  builtin: e.builtin,
  createdAt: e.createdAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
});
