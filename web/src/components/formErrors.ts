import type { FormInstance } from 'antd';
import { isApiError } from '../api';

/**
 * Puts a validation refusal's `errors` ({path: "/uscc", message}) on the form's own fields.
 * Returns true when at least one error landed on a field the form has.
 */
export function showFieldErrors<T>(form: FormInstance<T>, err: unknown, fields: readonly string[]): boolean {
  if (!isApiError(err) || err.errors.length === 0) return false;
  const byField = new Map<string, string[]>();
  for (const e of err.errors) {
    const name = e.path.replace(/^\//, '').split('/')[0] ?? '';
    if (!fields.includes(name)) continue;
    byField.set(name, [...(byField.get(name) ?? []), e.message]);
  }
  if (byField.size === 0) return false;
  form.setFields([...byField].map(([name, errors]) => ({ name: name as never, errors })));
  return true;
}
