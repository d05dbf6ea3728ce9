/** What other modules, the CLI and the demo seed may use of the identity module. */
export type { IdentityContext, IdentityDeps } from './context.js';
export { createOrg, updateOrg, getOrg, listOrgs, findOrgByUscc } from './orgs.js';
export {
  createUser,
  updateUser,
  getUser,
  listUsers,
  assignRoles,
  unlockUser,
  updateMe,
  changePassword,
  type CreateUserOptions,
  type UserPage,
} from './users.js';
export { login, issueToken, MAX_FAILED_LOGINS, LOCKOUT_MINUTES, type LoginResult } from './auth.js';
export { createApp, getApp, listApps, issueCredential, revokeCredential, listCredentials } from './apps.js';
export { hashPassword, verifyPassword, passwordIssues, PASSWORD_MIN_LENGTH } from './password.js';
export { presentOrg, presentUser, presentMe, presentApp, presentCredential } from './presenters.js';
export { orgSubtree } from './store.js';
export type { OrgRow, UserRow, AppRow } from './store.js';
export type { Org, User, App, Me, Credential, OrgKind } from './schemas.js';
export { identityMessages } from './messages.js';
export { default as identityRoutes } from './routes.js';
