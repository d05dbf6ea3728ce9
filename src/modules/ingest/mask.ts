/**
 * Masking of personal information in the reject store (docs/INGEST.md, "Row check"). A rejected
 * value is shown to stewards so that they can find and fix the source row; for a PII field
 * (piiKind ≠ none) only enough of it is kept to recognise the row:
 *
 * | piiKind   | kept                                  | example                                   |
 * | --------- | ------------------------------------- | ----------------------------------------- |
 * | name      | first and last character              | 张小三 → 张*三, 张三 → 张*, 欧阳小明 → 欧**明 |
 * | id_number | first 6 and last 4                    | 110101199003071234 → 110101********1234   |
 * | bank_card | first 6 and last 4                    | 6222021234567890123 → 622202*********0123 |
 * | mobile    | first 3 and last 4                    | 13812345678 → 138****5678                 |
 * | email     | first character and the domain        | zhangsan@example.com → z***@example.com   |
 * | address   | first 6 characters, then ***          | 北京市东城区东华门街道… → 北京市东城区***   |
 * | other     | nothing                               | → ***                                     |
 *
 * Characters are code points (a name in an extension-B character is one character, not two). A
 * value too short to hide anything under its rule (an "ID number" of 9 digits, a 6-digit
 * "mobile") is masked entirely, star for star: rejected values are often malformed, and keeping
 * "the first 6 and the last 4" of a 9-character value would show all of it. Unknown kinds are
 * treated as 'other'; 'none' returns the value unchanged.
 */

const STAR = '*';

/** The value's code points (only built for the rare non-BMP value; masks mostly see BMP text). */
function chars(value: string): string[] {
  return [...value];
}

/** Keeps `first` leading and `last` trailing characters, one star per hidden character. */
function keepEnds(value: string, first: number, last: number): string {
  const cs = chars(value);
  const n = cs.length;
  if (n <= first + last) return STAR.repeat(n);
  return cs.slice(0, first).join('') + STAR.repeat(n - first - last) + cs.slice(n - last).join('');
}

function maskName(value: string): string {
  const cs = chars(value);
  const n = cs.length;
  if (n === 0) return '';
  if (n === 1) return STAR;
  if (n === 2) return `${cs[0]}${STAR}`;
  return `${cs[0]}${STAR.repeat(n - 2)}${cs[n - 1]}`;
}

function maskEmail(value: string): string {
  const at = value.lastIndexOf('@');
  if (at <= 0) {
    const first = chars(value)[0];
    return first === undefined ? '' : `${first}***`;
  }
  const first = chars(value.slice(0, at))[0] ?? '';
  return `${first}***${value.slice(at)}`;
}

function maskAddress(value: string): string {
  const cs = chars(value);
  return `${cs.slice(0, 6).join('')}***`;
}

/** The value of a PII field as the reject store may keep it (see the table above). */
export function maskValue(piiKind: string, value: string): string {
  switch (piiKind) {
    case 'none':
      return value;
    case 'name':
      return maskName(value);
    case 'id_number':
    case 'bank_card':
      return keepEnds(value, 6, 4);
    case 'mobile':
      return keepEnds(value, 3, 4);
    case 'email':
      return maskEmail(value);
    case 'address':
      return maskAddress(value);
    default:
      return '***';
  }
}
