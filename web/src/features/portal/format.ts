import type { Lang } from '../../types';

/** A day (no time) in the UI's language, or — for none. */
export function formatDay(lang: Lang, iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium' }).format(new Date(iso));
}

export function formatNumber(lang: Lang, n: number): string {
  return new Intl.NumberFormat(lang).format(n);
}
