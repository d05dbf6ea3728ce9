import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

/**
 * Chinese-aware text handling for catalog search. PostgreSQL's 'simple' configuration only splits
 * on spaces and punctuation, so Chinese text is cut into words here (jieba) and handed to
 * to_tsvector/to_tsquery as space-separated tokens. The index and the query go through the same
 * normalisation, so whatever the 'simple' parser then does to a token, it does on both sides.
 */

let jieba: Jieba | undefined;

/** The dictionary takes ~200 ms and ~50 MB to load: only when the first text is cut. */
function cutter(): Jieba {
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

// Function words that carry no meaning in a resource name; dropped on both sides so that a query
// like 企业的信息 still matches 企业信息.
const STOP = new Set(['的', '了', '和', '与', '及', '或', '之', '等', '其', '并', '对', '在']);

// A token is a run of letters and digits; jieba also returns spaces and punctuation as tokens.
const WORD = /[\p{L}\p{N}]+/gu;
const HAN = /\p{Script=Han}/u;

function normalise(text: string): string {
  // NFKC folds full-width Latin letters and digits (ＡＢＣ１２３) into ASCII, as users type both.
  return text.normalize('NFKC').toLowerCase();
}

function words(tokens: string[]): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    for (const w of t.match(WORD) ?? []) if (!STOP.has(w)) out.push(w);
  }
  return out;
}

/**
 * Search-mode segmentation: every dictionary word plus the shorter dictionary words inside it
 * (企业法定代表人信息 → 企业 法定 代表 法定代表 人 信息), so that a query for a word inside a
 * longer word finds it. Latin is lower-cased, punctuation dropped.
 */
export function segment(text: string): string[] {
  const t = normalise(text).trim();
  return t ? words(cutter().cutForSearch(t, true)) : [];
}

/** Tokens of many texts joined by spaces: the input of to_tsvector('simple', …). */
export function tokenText(...texts: (string | null | undefined)[]): string {
  return texts
    .filter((t): t is string => !!t)
    .map((t) => segment(t).join(' '))
    .filter(Boolean)
    .join(' ');
}

const quote = (w: string): string => `'${w.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/**
 * A to_tsquery('simple', …) expression for a user's query, or null when it holds no word.
 *
 * The query is cut precisely (not in search mode): each word must match, either as itself or —
 * when the document's context made jieba cut it differently — as the shorter pieces that cover
 * it (see `cover`). Latin words and numbers match as prefixes (regis finds registration).
 */
export function tsQueryOf(q: string): string | null {
  const t = normalise(q).trim();
  if (!t) return null;
  const terms: string[] = [];
  const seen = new Set<string>();
  for (const w of words(cutter().cut(t, true))) {
    if (seen.has(w)) continue;
    seen.add(w);
    if (!HAN.test(w)) {
      terms.push(`${quote(w)}:*`);
      continue;
    }
    const parts = [...new Set(words(cutter().cutForSearch(w, true)))].filter((p) => p !== w);
    const pieces = parts.length ? cover(w, parts) : [];
    terms.push(pieces.length > 1 ? `(${quote(w)} | (${pieces.map(quote).join(' & ')}))` : quote(w));
  }
  return terms.length ? terms.join(' & ') : null;
}

/**
 * Pieces that together cover every character of a word: its shorter dictionary words, longest
 * first at each position, and single characters where none fits. 代表人 → 代表 + 人, which is
 * how a document holding 法定代表人 was cut (法定代表 / 法定 / 代表 / 人), so 代表人 finds it.
 */
export function cover(word: string, parts: readonly string[]): string[] {
  const spans: [number, number, string][] = [];
  for (const part of parts) {
    for (let at = word.indexOf(part); at >= 0; at = word.indexOf(part, at + 1)) {
      spans.push([at, at + part.length, part]);
    }
  }
  const out: string[] = [];
  for (let i = 0; i < word.length;) {
    let best: [number, number, string] | undefined;
    for (const s of spans) if (s[0] <= i && s[1] > i && (!best || s[1] > best[1])) best = s;
    if (best) {
      out.push(best[2]);
      i = best[1];
    } else {
      out.push(word[i]!);
      i++;
    }
  }
  return [...new Set(out)];
}

/** The text used for trigram matching on names: trimmed and NFKC-folded like the index side. */
export function trigramText(q: string): string {
  return normalise(q).replace(/\s+/g, ' ').trim();
}
