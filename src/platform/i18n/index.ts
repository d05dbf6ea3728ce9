import { messages, type MessageKey } from './messages.js';

export type Lang = 'zh-CN' | 'en';

/** Picks zh-CN or en from an Accept-Language header; zh-CN when nothing says otherwise. */
export function langFrom(acceptLanguage: string | undefined): Lang {
  if (!acceptLanguage) return 'zh-CN';
  const ranked = acceptLanguage
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((x) => x.tag && !Number.isNaN(x.q) && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'zh-CN';
}

/** Translates a message key, filling `{name}` placeholders from params. */
export function t(lang: Lang, key: MessageKey, params: Record<string, unknown> = {}): string {
  return localize(messages[key], lang, params);
}

export type { MessageKey };

export interface Localized {
  'zh-CN': string;
  en: string;
}

/** Fills `{name}` placeholders of a localized message. */
export function localize(text: Localized, lang: Lang, params: Record<string, unknown> = {}): string {
  return text[lang].replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}
