import type { Field } from '../catalog/schemas.js';
import type { RuleSpec } from './engine.js';

/** A rule suggested from the catalog, with a readable name (zh-CN) and why it is suggested. */
export interface SuggestedRule {
  /** Stable per field and kind, so that suggesting again does not duplicate a stored rule. */
  key: string;
  name: string;
  spec: RuleSpec;
  from: 'required' | 'length' | 'code_table' | 'pattern' | 'key';
}

/**
 * The rules a catalog version's fields imply (docs/QUALITY.md "Suggestions"): a required field
 * must be present, a text field fit its declared length, a field with a code table hold its
 * codes, a field with a regex validator match it, and
 * the key fields be unique together. Fields the dataset does not hold are skipped. The steward
 * edits, keeps or drops each.
 */
export function suggestRules(fields: readonly Field[], datasetFields: ReadonlySet<string>): SuggestedRule[] {
  const out: SuggestedRule[] = [];
  const held = fields.filter((f) => datasetFields.has(f.code));
  for (const f of held) {
    if (f.required || f.key) {
      out.push({
        key: `${f.code}:not_null`,
        name: `${f.name}不为空`,
        spec: { kind: 'not_null', field: f.code },
        from: 'required',
      });
    }
    if (f.type === 'string' && f.length != null && f.length > 0) {
      out.push({
        key: `${f.code}:max_length`,
        name: `${f.name}不超过 ${f.length} 个字符`,
        spec: { kind: 'max_length', field: f.code, max: f.length },
        from: 'length',
      });
    }
    if (f.codeTableId) {
      out.push({
        key: `${f.code}:code_table`,
        name: `${f.name}符合代码表`,
        spec: { kind: 'code_table', field: f.code, codeTableId: f.codeTableId },
        from: 'code_table',
      });
    }
    // A regex validator is checked as written (PostgreSQL's regular expressions; the ingest
    // check uses JavaScript's: the common syntax agrees). The other validators (ID number,
    // USCC, mobile, …) need check digits and dates: they come with SQL functions of their own.
    const v = f.validator;
    if (v?.kind === 'regex' && v.pattern) {
      out.push({
        key: `${f.code}:pattern`,
        name: `${f.name}符合格式`,
        spec: { kind: 'pattern', field: f.code, pattern: v.pattern },
        from: 'pattern',
      });
    }
  }
  const keys = held.filter((f) => f.key).map((f) => f.code);
  if (keys.length) {
    out.push({
      key: `${keys.join('+')}:unique`,
      name: `${held
        .filter((f) => f.key)
        .map((f) => f.name)
        .join('、')}唯一`,
      spec: { kind: 'unique', fields: keys },
      from: 'key',
    });
  }
  return out;
}
