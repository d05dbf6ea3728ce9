import { messages, type MessageKey } from '../i18n/messages.js';
import { localize, type Lang, type Localized } from '../i18n/index.js';

export interface FieldError {
  path: string;
  message: string;
}

/**
 * An error meant for the caller. `code` is stable and machine-readable; `text` is the message in
 * both languages. Anything thrown that is not an AppError is answered as a 500 without detail.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly text: Localized,
    readonly params: Record<string, unknown> = {},
    readonly errors: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(`${code}: ${localize(text, 'en', params)}`);
  }
}

/** An AppError from the platform's own message catalog. */
export function problem(
  status: number,
  code: MessageKey,
  params: Record<string, unknown> = {},
  errors: FieldError[] = [],
): AppError {
  return new AppError(status, code, messages[code], params, errors);
}

export const notFound = () => problem(404, 'not_found');
export const forbidden = () => problem(403, 'forbidden');
export const unauthenticated = () => problem(401, 'unauthenticated');

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId: string;
  errors?: FieldError[];
}

/** RFC 9457 body for an AppError, in the caller's language. */
export function problemBody(err: AppError, lang: Lang, instance: string, requestId: string): ProblemBody {
  const title = localize(err.text, lang, err.params);
  const body: ProblemBody = {
    type: `https://datong.dev/problems/${err.code}`,
    title,
    status: err.status,
    detail: err.errors.length ? err.errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; ') : title,
    instance,
    code: err.code,
    requestId,
  };
  if (err.errors.length) body.errors = err.errors;
  return body;
}
