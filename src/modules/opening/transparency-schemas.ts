import { Type, type Static, type TSchema } from 'typebox';
import { SubjectKind } from './accounts-schemas.js';

/** Schemas of the transparency view (我的数据访问记录). */

export const AccessesQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 500, default: 200 }) },
  { additionalProperties: false },
);

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const MyAccessSchema = Type.Object({
  seq: Type.Integer({ description: 'the audit ledger sequence number of the call' }),
  time: Type.String({ format: 'date-time' }),
  action: Type.String({ description: 'query | verify | changes | export' }),
  departmentId: Nullable(Type.String()),
  departmentName: Nullable(Type.String({ description: 'the organisation of the calling app' })),
  appId: Nullable(Type.String()),
  appName: Nullable(Type.String()),
  scenario: Nullable(Type.String({ description: 'the scenario (应用场景) of the grant' })),
  entryCode: Nullable(Type.String()),
  entryName: Nullable(Type.String({ description: 'the catalog entry whose data was read' })),
  fields: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })),
});
export type MyAccess = Static<typeof MyAccessSchema>;

export const MyAccessesSchema = Type.Object({
  subject: Type.Object({ kind: SubjectKind, masked: Type.String() }),
  accesses: Type.Array(MyAccessSchema),
  /** More accesses exist than `limit` returned (the newest are shown). */
  truncated: Type.Boolean(),
});
export type MyAccesses = Static<typeof MyAccessesSchema>;
