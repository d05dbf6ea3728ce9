import { Type } from 'typebox';

const NullableString = Type.Union([Type.String(), Type.Null()]);
const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Size = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const Hex = Type.String({ pattern: '^[0-9a-f]*$', description: 'hex' });

export const AuditEvent = Type.Object({
  seq: Type.Integer(),
  time: Type.String({ format: 'date-time' }),
  actorType: Type.Union([
    Type.Literal('user'),
    Type.Literal('app'),
    Type.Literal('system'),
    Type.Literal('anonymous'),
  ]),
  actorId: NullableString,
  actorName: NullableString,
  orgId: NullableString,
  action: Type.String(),
  objectType: NullableString,
  objectId: NullableString,
  result: Type.Union([Type.Literal('success'), Type.Literal('failure'), Type.Literal('denied')]),
  clientIp: NullableString,
  requestId: NullableString,
  detail: Type.Record(Type.String(), Type.Unknown()),
});

export const EventPage = Type.Object({
  items: Type.Array(AuditEvent),
  nextCursor: NullableString,
});

export const EventQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'actor id or name' })),
  },
  { additionalProperties: false },
);

export const Checkpoint = Type.Object({
  treeSize: Type.Integer(),
  rootHash: Hex,
  time: Type.String({ format: 'date-time' }),
  signature: Type.String({ description: 'base64' }),
  algorithm: Type.Union([Type.Literal('ed25519'), Type.Literal('sm2')]),
  keyId: Type.String(),
});

export const InclusionQuery = Type.Object({ seq: Seq, treeSize: Size }, { additionalProperties: false });

export const InclusionProof = Type.Object({
  seq: Type.Integer(),
  treeSize: Type.Integer(),
  leafHash: Hex,
  rootHash: Hex,
  proof: Type.Array(Hex, { description: 'RFC 9162 §2.1.3 audit path, the leaf’s sibling first' }),
  checkpoint: Type.Union([Checkpoint, Type.Null()]),
});

export const ConsistencyQuery = Type.Object({ from: Size, to: Size }, { additionalProperties: false });

export const ConsistencyProof = Type.Object({
  from: Type.Integer(),
  to: Type.Integer(),
  fromRoot: Hex,
  toRoot: Hex,
  proof: Type.Array(Hex, { description: 'RFC 9162 §2.1.4 consistency proof' }),
});

export const VerifyReport = Type.Object({
  ok: Type.Boolean(),
  code: Type.String(),
  treeSize: Type.Integer(),
  checkedEvents: Type.Integer(),
  checkpointsChecked: Type.Integer(),
  firstBadPosition: Type.Union([Type.Integer(), Type.Null()]),
  message: Type.String(),
  verifiedAt: Type.String({ format: 'date-time' }),
  durationMs: Type.Integer(),
});
