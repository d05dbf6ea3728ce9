import { Type, type Static } from 'typebox';
import { ROLES } from '../../platform/policy/permissions.js';

/** TypeBox schemas of the identity routes: validation, TypeScript types and OpenAPI in one. */

const Id = Type.String({ format: 'uuid' });
const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);

export const RoleSchema = Type.Enum(ROLES);
export const LocaleSchema = Type.Union([Type.Literal('zh-CN'), Type.Literal('en')]);
export const OrgKindSchema = Type.Union([
  Type.Literal('government'),
  Type.Literal('institution'),
  Type.Literal('company'),
  Type.Literal('other'),
]);
export type OrgKind = Static<typeof OrgKindSchema>;

export const Username = Type.String({
  minLength: 2,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
  description: 'letters, digits, . _ -; unique whatever the case',
});
const Password = Type.String({ minLength: 1, maxLength: 256 });
const DisplayName = Type.String({ minLength: 1, maxLength: 100 });

export const IdParams = Type.Object({ id: Id });
export const CredentialParams = Type.Object({ id: Id, keyId: Type.String({ minLength: 1, maxLength: 64 }) });

// --- responses -----------------------------------------------------------------------------

export const MeSchema = Type.Object({
  id: Id,
  username: Type.String(),
  displayName: Type.String(),
  orgId: Id,
  orgName: Type.String(),
  roles: Type.Array(RoleSchema),
  permissions: Type.Array(Type.String()),
  locale: LocaleSchema,
});
export type Me = Static<typeof MeSchema>;

// Spelled out rather than intersected: the response serializer handles flat objects best.
export const MeWithCsrfSchema = Type.Object({
  ...MeSchema.properties,
  csrfToken: Type.Union([Type.String(), Type.Null()], { description: 'null for bearer tokens' }),
});

export const LoginResponse = Type.Object({ user: MeSchema, csrfToken: Type.String() });
export const TokenResponse = Type.Object({ accessToken: Type.String(), expiresAt: Time });

export const WhoamiSchema = Type.Union([
  Type.Object({
    kind: Type.Literal('user'),
    id: Id,
    username: Type.String(),
    displayName: Type.String(),
    orgId: Id,
    roles: Type.Array(RoleSchema),
    via: Type.Union([Type.Literal('session'), Type.Literal('token')]),
  }),
  Type.Object({ kind: Type.Literal('app'), id: Id, name: Type.String(), keyId: Type.String(), orgId: Id }),
]);

export const OrgSchema = Type.Object({
  id: Id,
  name: Type.String(),
  uscc: Type.String(),
  regionCode: Type.String(),
  kind: OrgKindSchema,
  parentId: Type.Union([Id, Type.Null()]),
  createdAt: Time,
});
export type Org = Static<typeof OrgSchema>;

export const UserSchema = Type.Object({
  id: Id,
  username: Type.String(),
  displayName: Type.String(),
  orgId: Id,
  orgName: Type.String(),
  roles: Type.Array(RoleSchema),
  disabled: Type.Boolean(),
  lockedUntil: NullableTime,
  lastLoginAt: NullableTime,
  createdAt: Time,
});
export type User = Static<typeof UserSchema>;

export const AppSchema = Type.Object({
  id: Id,
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  orgId: Id,
  orgName: Type.String(),
  createdBy: Type.Union([Id, Type.Null()]),
  createdAt: Time,
});
export type App = Static<typeof AppSchema>;

export const CredentialSchema = Type.Object({
  keyId: Type.String(),
  createdAt: Time,
  expiresAt: NullableTime,
  revokedAt: NullableTime,
  lastUsedAt: NullableTime,
});
export type Credential = Static<typeof CredentialSchema>;

export const NewCredentialSchema = Type.Object({
  keyId: Type.String(),
  secret: Type.String({ description: 'shown once; store it now' }),
  expiresAt: NullableTime,
});

export const listOf = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({ items: Type.Array(item) });
export const pageOf = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });

// --- requests ------------------------------------------------------------------------------

const strict = { additionalProperties: false } as const;

export const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 128 }), password: Password },
  strict,
);
export type LoginInput = Static<typeof LoginBody>;

export const PatchMeBody = Type.Object(
  { displayName: Type.Optional(DisplayName), locale: Type.Optional(LocaleSchema) },
  strict,
);
export type PatchMeInput = Static<typeof PatchMeBody>;

export const ChangePasswordBody = Type.Object({ currentPassword: Password, newPassword: Password }, strict);
export type ChangePasswordInput = Static<typeof ChangePasswordBody>;

export const CreateOrgBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    uscc: Type.String({ minLength: 1, maxLength: 32, description: '统一社会信用代码 (18 chars)' }),
    regionCode: Type.String({ minLength: 1, maxLength: 16, description: '行政区划代码 (6 digits)' }),
    kind: OrgKindSchema,
    parentId: Type.Optional(Type.Union([Id, Type.Null()])),
  },
  strict,
);
export type CreateOrgInput = Static<typeof CreateOrgBody>;

export const PatchOrgBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    uscc: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    regionCode: Type.Optional(Type.String({ minLength: 1, maxLength: 16 })),
    kind: Type.Optional(OrgKindSchema),
    parentId: Type.Optional(Type.Union([Id, Type.Null()])),
  },
  strict,
);
export type PatchOrgInput = Static<typeof PatchOrgBody>;

export const ListUsersQuery = Type.Object(
  {
    orgId: Type.Optional(Id),
    q: Type.Optional(Type.String({ maxLength: 100 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 400 })),
  },
  strict,
);
export type ListUsersInput = Static<typeof ListUsersQuery>;

export const CreateUserBody = Type.Object(
  {
    username: Username,
    displayName: DisplayName,
    password: Password,
    orgId: Id,
    roles: Type.Array(RoleSchema, { uniqueItems: true, maxItems: 9 }),
  },
  strict,
);
export type CreateUserInput = Static<typeof CreateUserBody>;

export const PatchUserBody = Type.Object(
  {
    displayName: Type.Optional(DisplayName),
    orgId: Type.Optional(Id),
    disabled: Type.Optional(Type.Boolean()),
  },
  strict,
);
export type PatchUserInput = Static<typeof PatchUserBody>;

export const RolesBody = Type.Object(
  { roles: Type.Array(RoleSchema, { uniqueItems: true, maxItems: 9 }) },
  strict,
);

export const CreateAppBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
  },
  strict,
);
export type CreateAppInput = Static<typeof CreateAppBody>;

export const IssueCredentialBody = Type.Object(
  { expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })) },
  strict,
);
