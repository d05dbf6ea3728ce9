import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/platform/config.js';
import { keyFiles, loadNodeIdentity } from '../../src/platform/crypto/index.js';
import {
  MASK_FUNCTIONS,
  compileMasks,
  defaultMask,
  isMaskFunction,
  maskKeyOf,
  maskValue,
  type MaskFunction,
  type MaskKey,
} from '../../src/platform/masking/index.js';

const KEY: MaskKey = { key: Buffer.alloc(32, 7), algorithm: 'sha256' };
const mask = (fn: MaskFunction, v: string | null) => maskValue(fn, v, KEY);
const G = '𠮷'; // outside the BMP: one character, two UTF-16 units

describe('defaultMask', () => {
  it('maps each PII kind to its function, other and unknown kinds to nullify', () => {
    for (const k of ['name', 'id_number', 'mobile', 'bank_card', 'address', 'email', 'none'] as const) {
      expect(defaultMask(k)).toBe(k);
    }
    expect(defaultMask('other')).toBe('nullify');
    expect(defaultMask('passport')).toBe('nullify');
    expect(MASK_FUNCTIONS).toContain(defaultMask('other'));
    expect(isMaskFunction('keyed_hash')).toBe(true);
    expect(isMaskFunction('rot13')).toBe(false);
  });
});

describe('maskValue', () => {
  it('keeps NULL as NULL under every function', () => {
    for (const fn of MASK_FUNCTIONS) expect(mask(fn, null)).toBe(null);
  });

  it('none', () => {
    expect(mask('none', '张三')).toBe('张三');
    expect(mask('none', '')).toBe('');
  });

  it('name keeps the first character', () => {
    expect(mask('name', '张三')).toBe('张*');
    expect(mask('name', '张小三')).toBe('张**');
    expect(mask('name', '欧阳小明')).toBe('欧***');
    expect(mask('name', 'Zhang San')).toBe('Z********');
    expect(mask('name', '张')).toBe('*');
    expect(mask('name', '')).toBe('');
    expect(mask('name', `${G}野家`)).toBe(`${G}**`);
    expect(mask('name', `张${G}`)).toBe('张*');
    expect(mask('name', G)).toBe('*');
  });

  it('id_number keeps the first 6 and the last 4', () => {
    expect(mask('id_number', '110101199003071234')).toBe('110101********1234');
    expect(mask('id_number', '11010119900307123X')).toBe('110101********123X');
    expect(mask('id_number', '11010119900')).toBe('110101*9900');
    expect(mask('id_number', '1101011990')).toBe('**********');
    expect(mask('id_number', '123')).toBe('***');
    expect(mask('id_number', '')).toBe('');
    expect(mask('id_number', G.repeat(11))).toBe(`${G.repeat(6)}*${G.repeat(4)}`);
    expect(mask('id_number', G.repeat(10))).toBe('*'.repeat(10));
  });

  it('mobile keeps the first 3 and the last 4', () => {
    expect(mask('mobile', '13812345678')).toBe('138****5678');
    expect(mask('mobile', '13812345')).toBe('138*2345');
    expect(mask('mobile', '1381234')).toBe('*******');
    expect(mask('mobile', '')).toBe('');
    expect(mask('mobile', `138${G}${G}5678`)).toBe('138**5678');
  });

  it('bank_card keeps the first 4 and the last 4', () => {
    expect(mask('bank_card', '6222021234567890123')).toBe('6222***********0123');
    expect(mask('bank_card', '622202123')).toBe('6222*2123');
    expect(mask('bank_card', '62220212')).toBe('********');
    expect(mask('bank_card', '')).toBe('');
    expect(mask('bank_card', G.repeat(9))).toBe(`${G.repeat(4)}*${G.repeat(4)}`);
  });

  it('address keeps up to the district or county', () => {
    const cases: [string, string][] = [
      ['广东省广州市天河区体育西路191号', '广东省广州市天河区***'],
      ['北京市东城区东华门街道1号', '北京市东城区***'],
      ['新疆维吾尔自治区乌鲁木齐市天山区解放南路', '新疆维吾尔自治区乌鲁木齐市天山区***'],
      ['内蒙古自治区呼和浩特市新城区新华大街1号', '内蒙古自治区呼和浩特市新城区***'],
      ['广西壮族自治区南宁市青秀区民族大道', '广西壮族自治区南宁市青秀区***'],
      ['河北省保定市涞水县三坡镇', '河北省保定市涞水县***'],
      ['重庆市城口县葛城街道', '重庆市城口县***'],
      ['江苏省苏州市昆山市玉山镇', '江苏省苏州市昆山市***'], // a county-level city
      ['四川省阿坝藏族羌族自治州汶川县威州镇', '四川省阿坝藏族羌族自治州汶川县***'],
      ['内蒙古自治区锡林郭勒盟正蓝旗上都镇', '内蒙古自治区锡林郭勒盟正蓝旗***'],
      ['新疆维吾尔自治区和田地区和田县', '新疆维吾尔自治区和田地区和田县***'],
      ['湖北省荆州市沙市区北京路', '湖北省荆州市沙市区***'],
      ['山东省济南市市中区经七路', '山东省济南市市中区***'],
      ['浙江省杭州市西湖区', '浙江省杭州市西湖区***'],
      ['香港特别行政区九龙城区', '香港特别行政区九龙城区***'],
      ['广州市天河区体育西路', '广州市天河区***'], // no province
      ['天河区体育西路', '天河区***'], // the district alone
      ['北京东城区东华门', '北京东城区***'], // a municipality without 市
      ['广东省 广州市 天河区 体育西路', '广东省 广州市 天河区***'],
      ['广东省东莞市南城街道鸿福路', '广东省东莞市***'], // no county level
      ['广东省东莞市长安镇锦厦市场', '广东省东莞市***'],
      ['上海市望京小区3号', '上海市***'],
      ['广东省中山大道123号', '广东省***'],
      // No administrative words: the first 6 characters, or all stars when that is everything.
      ['东华门街道1号院3号楼', '东华门街道1***'],
      ['北京路123号', '北京路123***'],
      ['某某小区', '****'],
      ['北京', '**'],
      [G.repeat(7), `${G.repeat(6)}***`],
      [G.repeat(2), '**'],
      ['', ''],
    ];
    for (const [v, want] of cases) expect([v, mask('address', v)]).toEqual([v, want]);
  });

  it('email keeps the first character and the domain', () => {
    expect(mask('email', 'zhangsan@example.com')).toBe('z***@example.com');
    expect(mask('email', 'a@example.com')).toBe('*@example.com');
    expect(mask('email', `${G}野@example.com`)).toBe(`${G}***@example.com`);
    expect(mask('email', 'not-an-email')).toBe('n***');
    expect(mask('email', 'x')).toBe('*');
    expect(mask('email', '')).toBe('');
  });

  it('date_year keeps the year of a date, else NULL', () => {
    const cases: [string, string | null][] = [
      ['2024-03-01', '2024'],
      ['2024-03-01 12:34:56+08', '2024'],
      ['2024-03-01T12:34:56Z', '2024'],
      ['2024/3/1', '2024'],
      ['2024.03.01', '2024'],
      ['2024年3月1日', '2024'],
      ['20240301', '2024'],
      ['20240301123000', '2024'],
      ['2024', '2024'],
      ['20241301', null],
      ['12345', null],
      ['123456789', null],
      ['2024-', null],
      ['March 2024', null],
      ['24-03-01', null],
      [G, null],
      ['', null],
    ];
    for (const [v, want] of cases) expect([v, mask('date_year', v)]).toEqual([v, want]);
  });

  it('keyed_hash is the first 32 hex of the HMAC, stable per key, different across keys and suites', () => {
    const hmac = (k: MaskKey, v: string) =>
      crypto.createHmac(k.algorithm, k.key).update(v, 'utf8').digest('hex').slice(0, 32);
    const v = '110101199003071234';
    const h = mask('keyed_hash', v);
    expect(h).toMatch(/^[0-9a-f]{32}$/);
    expect(h).toBe(hmac(KEY, v));
    expect(mask('keyed_hash', v)).toBe(h);
    expect(mask('keyed_hash', `${v}X`)).not.toBe(h);
    const other: MaskKey = { key: Buffer.alloc(32, 8), algorithm: 'sha256' };
    expect(maskValue('keyed_hash', v, other)).not.toBe(h);
    const sm3: MaskKey = { key: KEY.key, algorithm: 'sm3' };
    expect(maskValue('keyed_hash', v, sm3)).toBe(hmac(sm3, v));
    expect(maskValue('keyed_hash', v, sm3)).not.toBe(h);
    expect(mask('keyed_hash', G)).toBe(hmac(KEY, G));
    expect(mask('keyed_hash', '')).toBe('');
    expect(() => maskValue('keyed_hash', v)).toThrow(/key/);
    expect(() => maskValue('keyed_hash', null)).toThrow(/key/);
    expect(() => maskValue('keyed_hash', v, { key: Buffer.alloc(0), algorithm: 'sha256' })).toThrow(/key/);
  });

  it('nullify gives NULL', () => {
    expect(mask('nullify', '张三')).toBe(null);
    expect(mask('nullify', '')).toBe(null);
  });

  it('refuses an unknown function', () => {
    expect(() => maskValue('rot13' as MaskFunction, 'x')).toThrow(/unknown mask function/);
  });
});

describe('compileMasks', () => {
  const fns: MaskFunction[] = [
    'none',
    'name',
    'id_number',
    'mobile',
    'bank_card',
    'address',
    'email',
    'date_year',
    'keyed_hash',
    'nullify',
    'none',
  ];
  const row = () => [
    '91440101MA59ABCD1X',
    '欧阳小明',
    '110101199003071234',
    '13812345678',
    '6222021234567890123',
    '广东省广州市天河区体育西路191号',
    'ouyang@example.com',
    '1990-03-07',
    '110101199003071234',
    'secret',
    null,
  ];

  it('masks a row in place, like maskValue column by column', () => {
    const apply = compileMasks(fns, KEY);
    const r: (string | null)[] = row();
    apply(r);
    expect(r).toEqual([
      '91440101MA59ABCD1X',
      '欧***',
      '110101********1234',
      '138****5678',
      '6222***********0123',
      '广东省广州市天河区***',
      'o***@example.com',
      '1990',
      mask('keyed_hash', '110101199003071234'),
      null,
      null,
    ]);
    expect(r).toEqual(row().map((v, i) => maskValue(fns[i]!, v, KEY)));
    // NULLs stay NULL; a second row goes through the same compiled mask.
    const nulls: (string | null)[] = fns.map(() => null);
    apply(nulls);
    expect(nulls.every((v) => v === null)).toBe(true);
    const again: (string | null)[] = row();
    apply(again);
    expect(again).toEqual(r);
  });

  it('leaves a row of identity columns alone, and needs a key for keyed_hash up front', () => {
    const r: (string | null)[] = row();
    compileMasks(['none', 'none'])(r);
    expect(r).toEqual(row());
    expect(() => compileMasks(['name', 'keyed_hash'])).toThrow(/key/);
    expect(() => compileMasks(['name', 'nullify'])).not.toThrow();
  });
});

describe('NodeIdentity.macKey', () => {
  const homes: string[] = [];
  afterAll(async () => {
    await Promise.all(homes.map((h) => fs.rm(h, { recursive: true, force: true })));
  });
  async function home(): Promise<string> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datong-mask-'));
    homes.push(dir);
    return dir;
  }
  const config = (dir: string, suite: Config['cryptoSuite']) => ({
    home: dir,
    cryptoSuite: suite,
    node: { code: '440000', name: '广东省', level: 'provincial' as const },
  });
  const dataKeyOf = async (dir: string, suite: Config['cryptoSuite']) =>
    Buffer.from((await fs.readFile(keyFiles(dir, suite).dataKey, 'utf8')).trim(), 'base64');

  /** RFC 5869 by hand with HMAC, independent of crypto.hkdfSync. */
  function hkdf(algorithm: string, ikm: Buffer, info: string, length: number): Buffer {
    const prk = crypto.createHmac(algorithm, Buffer.alloc(0)).update(ikm).digest();
    const out: Buffer[] = [];
    let t = Buffer.alloc(0);
    for (let i = 1; Buffer.concat(out).length < length; i++) {
      t = crypto
        .createHmac(algorithm, prk)
        .update(Buffer.concat([t, Buffer.from(info), Buffer.of(i)]))
        .digest();
      out.push(t);
    }
    return Buffer.concat(out).subarray(0, length);
  }

  describe.each(['intl', 'gm'] as const)('suite %s', (suite) => {
    const algorithm = suite === 'gm' ? 'sm3' : 'sha256';

    it('is HKDF of the data key, deterministic per node and purpose, different per purpose', async () => {
      const dir = await home();
      const id = await loadNodeIdentity(config(dir, suite));
      const k = id.macKey('mask');
      expect(k).toHaveLength(32);
      expect(k.equals(hkdf(algorithm, await dataKeyOf(dir, suite), 'datong mask', 32))).toBe(true);
      expect(id.macKey('mask').equals(k)).toBe(true);
      expect(id.macKey('subject').equals(k)).toBe(false);
      expect(id.macKey('subject')).toHaveLength(32);
      // The same node after a restart derives the same keys; another node does not.
      const again = await loadNodeIdentity(config(dir, suite));
      expect(again.macKey('mask').equals(k)).toBe(true);
      const other = await loadNodeIdentity(config(await home(), suite));
      expect(other.macKey('mask').equals(k)).toBe(false);
      // A caller altering its copy does not alter the node's key.
      k.fill(0);
      expect(id.macKey('mask').equals(again.macKey('mask'))).toBe(true);
      expect(() => id.macKey('')).toThrow();
    });

    it('gives keyed_hash its key and HMAC algorithm', async () => {
      const id = await loadNodeIdentity(config(await home(), suite));
      const mk = maskKeyOf(id);
      expect(mk.algorithm).toBe(algorithm);
      expect(mk.key.equals(id.macKey('mask'))).toBe(true);
      const v = '110101199003071234';
      expect(maskValue('keyed_hash', v, mk)).toBe(
        crypto.createHmac(algorithm, id.macKey('mask')).update(v).digest('hex').slice(0, 32),
      );
    });
  });

  it('differs between the suites even from the same data key', async () => {
    const dir = await home();
    await loadNodeIdentity(config(dir, 'intl'));
    const intlKey = await fs.readFile(keyFiles(dir, 'intl').dataKey, 'utf8');
    const gmFile = keyFiles(dir, 'gm').dataKey;
    await fs.writeFile(gmFile, intlKey, { mode: 0o600 });
    const intl = await loadNodeIdentity(config(dir, 'intl'));
    const gm = await loadNodeIdentity(config(dir, 'gm'));
    expect((await dataKeyOf(dir, 'gm')).equals(await dataKeyOf(dir, 'intl'))).toBe(true);
    expect(gm.macKey('mask').equals(intl.macKey('mask'))).toBe(false);
    const v = '110101199003071234';
    expect(maskValue('keyed_hash', v, maskKeyOf(gm))).not.toBe(maskValue('keyed_hash', v, maskKeyOf(intl)));
  });
});
