/**
 * PostgreSQL's text form of a tsquery (what `to_tsquery('simple', …)::text` prints), parsed so the
 * in-memory search index evaluates exactly the query PostgreSQL normalised: quoted lexemes with an
 * optional `:*` (prefix) and weight letters, `!`, `<->` / `<N>` (phrase), `&`, `|` and parentheses.
 * A phrase is evaluated as `&`: the index keeps no positions, so it may match a little more.
 */
export type TsNode =
  | { kind: 'lexeme'; value: string; prefix: boolean }
  | { kind: 'and' | 'or'; left: TsNode; right: TsNode }
  | { kind: 'not'; operand: TsNode };

type Token =
  { t: 'lex'; value: string; prefix: boolean } | { t: 'op'; value: '&' | '|' | '!' | '(' | ')' | '<->' };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ') {
      i++;
    } else if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated lexeme in tsquery');
        if (text[i] === "'" && text[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (text[i] === "'") {
          i++;
          break;
        } else if (text[i] === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else {
          value += text[i];
          i++;
        }
      }
      let prefix = false;
      if (text[i] === ':') {
        i++;
        while (i < text.length && /[*ABCDabcd]/.test(text[i]!)) {
          if (text[i] === '*') prefix = true;
          i++;
        }
      }
      out.push({ t: 'lex', value, prefix });
    } else if (c === '<') {
      const end = text.indexOf('>', i);
      if (end < 0) throw new Error('unterminated phrase operator in tsquery');
      out.push({ t: 'op', value: '<->' });
      i = end + 1;
    } else if (c === '&' || c === '|' || c === '!' || c === '(' || c === ')') {
      out.push({ t: 'op', value: c });
      i++;
    } else {
      throw new Error(`unexpected ${c} in tsquery`);
    }
  }
  return out;
}

/** Parses PostgreSQL's tsquery text; null for an empty query. Precedence: ! > <-> > & > |. */
export function parseTsQuery(text: string): TsNode | null {
  const tokens = tokenize(text);
  if (!tokens.length) return null;
  let pos = 0;
  const peek = () => tokens[pos];
  const isOp = (v: string) => {
    const tok = peek();
    return tok?.t === 'op' && tok.value === v;
  };
  const binary = (next: () => TsNode, ops: string[], kind: 'and' | 'or') => (): TsNode => {
    let left = next();
    while (ops.some(isOp)) {
      pos++;
      left = { kind, left, right: next() };
    }
    return left;
  };
  const unary = (): TsNode => {
    const tok = peek();
    if (!tok) throw new Error('unexpected end of tsquery');
    pos++;
    if (tok.t === 'lex') return { kind: 'lexeme', value: tok.value, prefix: tok.prefix };
    if (tok.value === '!') return { kind: 'not', operand: unary() };
    if (tok.value === '(') {
      const inner = or();
      if (!isOp(')')) throw new Error('missing ) in tsquery');
      pos++;
      return inner;
    }
    throw new Error(`unexpected ${tok.value} in tsquery`);
  };
  const phrase = binary(unary, ['<->'], 'and');
  const and = binary(phrase, ['&'], 'and');
  const or: () => TsNode = binary(and, ['|'], 'or');
  const node = or();
  if (pos !== tokens.length) throw new Error('trailing input in tsquery');
  return node;
}

/** The lexemes the query asks to be present (not under a `!`), each once. */
export function positiveLeaves(node: TsNode, negated = false, out: TsNode[] = []): TsNode[] {
  if (node.kind === 'lexeme') {
    if (
      !negated &&
      !out.some((l) => l.kind === 'lexeme' && l.value === node.value && l.prefix === node.prefix)
    )
      out.push(node);
  } else if (node.kind === 'not') positiveLeaves(node.operand, !negated, out);
  else {
    positiveLeaves(node.left, negated, out);
    positiveLeaves(node.right, negated, out);
  }
  return out;
}
