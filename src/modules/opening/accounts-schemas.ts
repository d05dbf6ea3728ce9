import { Type, type Static } from 'typebox';

/**
 * Request and response schemas of public accounts. Lengths and types only: the rules whose
 * refusals the caller reads (username form, password policy, check characters) are checked by
 * accounts.ts, which answers them field by field in the caller's language.
 */

export const SubjectKind = Type.Union([Type.Literal('person'), Type.Literal('company')]);
export type SubjectKind = Static<typeof SubjectKind>;

export const RegisterBody = Type.Object(
  {
    username: Type.String({ maxLength: 64 }),
    password: Type.String({ maxLength: 256 }),
    displayName: Type.String({ maxLength: 100 }),
    kind: SubjectKind,
    idNumber: Type.Optional(Type.String({ maxLength: 32, description: '公民身份号码 (kind person)' })),
    uscc: Type.Optional(Type.String({ maxLength: 32, description: '统一社会信用代码 (kind company)' })),
    phone: Type.Optional(Type.String({ maxLength: 20 })),
    email: Type.Optional(Type.String({ maxLength: 254 })),
  },
  { additionalProperties: false },
);
export type RegisterInput = Static<typeof RegisterBody>;

export const VerifyBody = Type.Object(
  {
    number: Type.String({
      minLength: 1,
      maxLength: 32,
      description:
        'the 公民身份号码 or 统一社会信用代码 on the document the administrator inspected; must match the registered one',
    }),
  },
  { additionalProperties: false },
);

export const PublicAccountSchema = Type.Object({
  userId: Type.String({ format: 'uuid' }),
  username: Type.String(),
  displayName: Type.String(),
  kind: SubjectKind,
  subjectMasked: Type.String({ description: 'e.g. 4401**********1234; the number itself is not kept' }),
  phone: Type.Union([Type.String(), Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
  verified: Type.Boolean(),
  verifiedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  verificationMethod: Type.Union([Type.Literal('demo'), Type.Literal('admin'), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});
export type PublicAccount = Static<typeof PublicAccountSchema>;

export const ListAccountsQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union([Type.Literal('pending'), Type.Literal('verified'), Type.Literal('all')], {
        default: 'pending',
      }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

export const AccountListSchema = Type.Object({ items: Type.Array(PublicAccountSchema) });
