import argon2 from 'argon2';
import type { FieldError } from '../../platform/http/errors.js';
import { localize, type Lang } from '../../platform/i18n/index.js';
import { identityMessages, identityProblem } from './messages.js';
import type { AppError } from '../../platform/http/errors.js';

/**
 * argon2id with the OWASP-recommended floor (19 MiB, 2 passes, 1 lane): about 20–40 ms per
 * hash, which bounds online guessing without making logins slow.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
export const PASSWORD_MIN_LENGTH = 10;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    // A malformed stored hash verifies nothing.
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * Spends the same time as a real verification for usernames that do not exist, so response
 * times do not tell which accounts exist.
 */
export async function verifyAgainstDummy(password: string): Promise<void> {
  dummy ??= hashPassword('datong-dummy-password-for-timing');
  await verifyPassword(await dummy, password);
}

/** What is wrong with a new password (empty when it meets the policy). */
export function passwordIssues(
  password: string,
  username: string,
  lang: Lang,
  path = '/password',
): FieldError[] {
  const issues: FieldError[] = [];
  const msg = (key: 'password_too_short' | 'password_classes' | 'password_contains_username') =>
    localize(identityMessages[key], lang, { min: PASSWORD_MIN_LENGTH });
  if ([...password].length < PASSWORD_MIN_LENGTH) issues.push({ path, message: msg('password_too_short') });
  const classes = [/\p{Lu}/u, /\p{Ll}/u, /\p{Nd}/u, /[^\p{L}\p{N}]/u].filter((re) =>
    re.test(password),
  ).length;
  if (classes < 3) issues.push({ path, message: msg('password_classes') });
  if (username && password.toLowerCase().includes(username.toLowerCase())) {
    issues.push({ path, message: msg('password_contains_username') });
  }
  return issues;
}

export function assertPasswordPolicy(password: string, username: string, lang: Lang, path?: string): void {
  const issues = passwordIssues(password, username, lang, path);
  if (issues.length) throw policyError(issues);
}

function policyError(issues: FieldError[]): AppError {
  return identityProblem(400, 'password_policy', {}, issues);
}
