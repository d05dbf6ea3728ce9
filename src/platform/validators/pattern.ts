/**
 * Caller-supplied regular expressions (a field's or data element's `regex` validator), made safe
 * to run on every cell of a large file. JavaScript's backtracking engine can take exponential time
 * on patterns such as `(a+)+$`, so a pattern is refused when it
 * - is longer than 500 characters,
 * - does not compile (Unicode mode),
 * - repeats a group that itself contains a repetition (`(a+)+`, `(\d*)*`, `(x{2,})+`: the classic
 *   catastrophic shape), or
 * - uses back-references (`\1`, `\k<name>`), which no linear-time check can bound.
 * This does not catch every slow pattern (overlapping alternatives such as `(a|a)*` remain), but
 * the value length is capped as well (MAX_VALUE_LENGTH), which bounds what is left.
 * The whole value must match: the pattern is anchored as `^(?:pattern)$`.
 */

export const MAX_PATTERN_LENGTH = 500;

export type PatternProblem = 'too_long' | 'syntax' | 'unsafe';

export type CompiledPattern = { ok: true; regex: RegExp } | { ok: false; problem: PatternProblem };

const cache = new Map<string, CompiledPattern>();
const CACHE_LIMIT = 256;

/** Compiles (and caches) a caller's pattern, or says why it is refused. */
export function compilePattern(pattern: string): CompiledPattern {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const result = compileUncached(pattern);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, result);
  return result;
}

function compileUncached(pattern: string): CompiledPattern {
  if (pattern.length > MAX_PATTERN_LENGTH) return { ok: false, problem: 'too_long' };
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${pattern})$`, 'u');
  } catch {
    return { ok: false, problem: 'syntax' };
  }
  // Compiling alone accepts `a)(b`, which the anchoring wrapper would turn into two alternatives.
  try {
    new RegExp(pattern, 'u');
  } catch {
    return { ok: false, problem: 'syntax' };
  }
  if (hasNestedRepetition(pattern) || /\\(?:[1-9]|k<)/.test(pattern)) return { ok: false, problem: 'unsafe' };
  return { ok: true, regex };
}

/**
 * True when a group containing a repetition is itself repeated. A scan of the pattern's structure:
 * character classes and escapes are skipped, each open group remembers whether a repeating
 * quantifier (`*`, `+`, `{n,}`, `{n,m}` with m > 1) occurred inside it.
 */
export function hasNestedRepetition(pattern: string): boolean {
  const groups: boolean[] = [];
  let i = 0;
  const markRepeat = () => {
    if (groups.length) groups[groups.length - 1] = true;
  };
  // Length of a repeating quantifier at position j (0 when none, -1 when it is `?` or `{n}`/`{n,1}`).
  const quantifierAt = (j: number): number => {
    const c = pattern[j];
    if (c === '*' || c === '+') return 1;
    if (c === '?') return -1;
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(j));
      if (!m) return 0;
      const repeats = m[2] !== undefined && (m[3] === '' || Number(m[3]) > 1);
      return repeats ? m[0].length : -m[0].length;
    }
    return 0;
  };
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '\\') {
      i += 2;
    } else if (c === '[') {
      // Skip the class, honouring escapes and a leading ']' or '^]'.
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '(') {
      groups.push(false);
      i++;
      if (pattern[i] === '?') i++; // (?: (?= (?! (?<name> (?<= — the '?' is not a quantifier
      continue;
    } else if (c === ')') {
      const inner = groups.pop() ?? false;
      i++;
      const q = quantifierAt(i);
      if (q > 0 && inner) return true;
      if (inner) markRepeat();
      if (q !== 0) {
        if (q > 0) markRepeat();
        i += Math.abs(q);
      }
      continue;
    } else {
      i++;
    }
    const q = quantifierAt(i);
    if (q > 0) markRepeat();
    if (q !== 0) i += Math.abs(q);
  }
  return false;
}
