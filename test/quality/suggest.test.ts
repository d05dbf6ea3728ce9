import { describe, expect, it } from 'vitest';
import type { Field } from '../../src/modules/catalog/schemas.js';
import { suggestRules } from '../../src/modules/quality/suggest.js';

const field = (over: Partial<Field> & Pick<Field, 'code' | 'name'>): Field => ({
  type: 'string',
  required: false,
  key: false,
  piiKind: 'none',
  grade: 1,
  ...over,
});

describe('rules suggested from the catalog', () => {
  it('turns required, length, code table, regex and key into rules, for the fields the dataset holds', () => {
    const fields: Field[] = [
      field({ code: 'uscc', name: '统一社会信用代码', key: true, required: true, length: 18 }),
      field({ code: 'qymc', name: '企业名称', required: true, length: 200 }),
      field({ code: 'djjg', name: '登记机关', codeTableId: '00000000-0000-4000-8000-000000000001' }),
      field({ code: 'yzbm', name: '邮政编码', validator: { kind: 'regex', pattern: '^[0-9]{6}$' } }),
      field({ code: 'zczb', name: '注册资本', type: 'decimal', precision: 18, scale: 2, length: 20 }),
      field({ code: 'bz', name: '备注', required: true }),
    ];
    const got = suggestRules(fields, new Set(['uscc', 'qymc', 'djjg', 'yzbm', 'zczb']));
    expect(got.map((r) => [r.key, r.from])).toEqual([
      ['uscc:not_null', 'required'],
      ['uscc:max_length', 'length'],
      ['qymc:not_null', 'required'],
      ['qymc:max_length', 'length'],
      ['djjg:code_table', 'code_table'],
      ['yzbm:pattern', 'pattern'],
      ['uscc:unique', 'key'],
    ]);
    expect(got.find((r) => r.key === 'qymc:max_length')).toMatchObject({
      name: '企业名称不超过 200 个字符',
      spec: { kind: 'max_length', field: 'qymc', max: 200 },
    });
    expect(got.at(-1)).toMatchObject({
      name: '统一社会信用代码唯一',
      spec: { kind: 'unique', fields: ['uscc'] },
    });
  });

  it('makes several key fields one uniqueness rule, and suggests nothing for fields not loaded', () => {
    const fields: Field[] = [
      field({ code: 'a', name: '甲', key: true }),
      field({ code: 'b', name: '乙', key: true }),
      field({ code: 'c', name: '丙', required: true }),
    ];
    const got = suggestRules(fields, new Set(['a', 'b']));
    expect(got.map((r) => r.key)).toEqual(['a:not_null', 'b:not_null', 'a+b:unique']);
    expect(got.at(-1)!.name).toBe('甲、乙唯一');
  });
});
