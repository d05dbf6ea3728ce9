import type { Field } from '../catalog/schemas.js';
import { RULE_VALIDATORS, type RuleSpec, type RuleValidator } from './engine.js';

const VALIDATOR_NAMES: Record<RuleValidator, string> = {
  uscc: '为有效的统一社会信用代码',
  id_number: '为有效的公民身份号码',
  mobile: '为有效的手机号码',
  email: '为有效的电子邮箱',
  region_code: '为有效的行政区划代码',
};

/** A rule suggested from the catalog, with a readable name (zh-CN) and why it is suggested. */
export interface SuggestedRule {
  /** Stable per field and kind, so that suggesting again does not duplicate a stored rule. */
  key: string;
  name: string;
  spec: RuleSpec;
  from: 'required' | 'length' | 'code_table' | 'pattern' | 'validator' | 'key' | 'cycle' | 'registry';
}

/**
 * The rules a catalog version's fields imply (docs/QUALITY.md "Suggestions"): a required field
 * must be present, a text field fit its declared length, a field with a code table hold its
 * codes, a field with a regex validator match it, one with another validator pass it, and
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
    // USCC, mobile, …) have SQL twins that agree with the ingest check (migration 0019).
    const v = f.validator;
    if (v?.kind === 'regex' && v.pattern) {
      out.push({
        key: `${f.code}:pattern`,
        name: `${f.name}符合格式`,
        spec: { kind: 'pattern', field: f.code, pattern: v.pattern },
        from: 'pattern',
      });
    } else if (v && (RULE_VALIDATORS as readonly string[]).includes(v.kind)) {
      out.push({
        key: `${f.code}:validator`,
        name: `${f.name}${VALIDATOR_NAMES[v.kind as RuleValidator]}`,
        spec: { kind: 'validator', field: f.code, validator: v.kind as RuleValidator },
        from: 'validator',
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
