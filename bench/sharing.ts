/**
 * Sharing (共享) benchmark: the data services of a grant on a 1M-row 人口基本信息 table, called by an
 * application's signed requests over real HTTP, against PostgreSQL's own point selects on the same
 * table in the same run.
 *
 * Setup, through the real services: a provider organisation and its published table-kind entry
 * (key 公民身份号码 with validator id_number, PII, and nine other fields), BENCH_SHARING_ROWS generated
 * rows loaded by `loadBatch`, a consumer organisation with an app and a signing credential, a
 * share request approved into a grant with the default masking. Then the node's HTTP server
 * (`createNodeApp`, 127.0.0.1, an ephemeral port) with the audit ledger running (group commit and
 * the background sequencer), as `datong serve` runs it.
 *
 * - Anchor: the real `pgbench` (-c 32 -j 2 -M prepared) with a custom script: a random key from a
 *   lookup table of 100,000 loaded keys (hot, a few MB) and `SELECT * FROM ds."<view>"` of its row,
 *   one statement per transaction. Latency percentiles from its per-transaction log.
 * - Datong: wrk (Debian's package, when installed: 32 connections, 2 threads, the requests signed
 *   beforehand) or else autocannon (32 connections, in a child process so that it does not share
 *   the server's event loop), POSTing /api/services/grants/:id/query {key} and then /verify {key,
 *   values}, every request signed with a fresh nonce, random keys of the same 100,000.
 * - Afterwards: the audit events of share.service.query / verify (pending + sequenced) must equal
 *   the calls the server answered with 200 — one durable event per call.
 *
 * Run alone with `npx tsx bench/index.ts sharing`; BENCH_SHARING_ROWS (default 1 000 000) and
 * BENCH_SHARING_SECONDS (default 15, per measured phase) set the size and the duration.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fsp from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino from 'pino';
import { createLedger } from '../src/platform/audit/index.js';
import { signRequest } from '../src/platform/auth/signature.js';
import { loadConfig } from '../src/platform/config.js';
import { systemContext, type RequestContext } from '../src/platform/context.js';
import { loadNodeIdentity } from '../src/platform/crypto/index.js';
import { withTx } from '../src/platform/db/pool.js';
import { createNodeApp } from '../src/platform/http/server.js';
import type { Actor, Role } from '../src/platform/policy/permissions.js';
import type { Services } from '../src/platform/services.js';
import { idNumberCheckChar, usccWithCheck } from '../src/platform/validators/index.js';
import {
  approveEntry,
  createEntry,
  submitEntry,
  type EntryInput,
  type FieldInput,
} from '../src/modules/catalog/index.js';
import { createApp, createOrg, hashPassword, issueCredential } from '../src/modules/identity/index.js';
import * as identityStore from '../src/modules/identity/store.js';
import { loadBatch } from '../src/modules/ingest/load.js';
import { openSource } from '../src/modules/ingest/read/index.js';
import { datasetNameOf } from '../src/modules/ingest/tables.js';
import { shanghaiDay } from '../src/modules/sharing/calendar.js';
import { addYears } from '../src/modules/sharing/grants.js';
import { approveRequest, createRequest } from '../src/modules/sharing/requests.js';
import { regions } from './ingest-data.js';
import type { BenchContext, BenchResult } from './types.js';

const ROWS = Number(process.env.BENCH_SHARING_ROWS ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_SHARING_SECONDS ?? 15);
const WARMUP_SECONDS = 3;
const CONNECTIONS = 32;
/** Keys drawn by both sides: a random sample of the loaded rows. */
const SAMPLE = Math.min(100_000, ROWS);
const PGBENCH = process.env.PGBENCH ?? '/usr/bin/pgbench';

const count = (n: number) => n.toLocaleString('en-US');
const loadAvg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

// ---------------------------------------------------------------------------------------------
// The table: 人口基本信息, deterministic per row number (a key's row can be recomputed).

type Field = FieldInput & { code: string };
const str = (name: string, code: string, length: number, extra: Partial<Field> = {}): Field => ({
  name,
  code,
  type: 'string',
  length,
  required: false,
  key: false,
  piiKind: 'none',
  grade: 1,
  ...extra,
});

export const FIELDS: Field[] = [
  str('公民身份号码', 'gmsfhm', 18, {
    required: true,
    key: true,
    validator: { kind: 'id_number' },
    piiKind: 'id_number',
    grade: 2,
  }),
  str('姓名', 'xm', 50, { required: true, piiKind: 'name', grade: 2 }),
  str('性别', 'xb', 1, { required: true }),
  str('民族', 'mz', 2),
  { name: '出生日期', code: 'csrq', type: 'date', required: true, key: false, piiKind: 'none', grade: 1 },
  str('户籍地行政区划', 'hjdqh', 6, { required: true, validator: { kind: 'region_code' } }),
  str('户籍地址', 'hjdz', 300, { piiKind: 'address', grade: 2 }),
  str('联系电话', 'lxdh', 11, { validator: { kind: 'mobile' }, piiKind: 'mobile', grade: 2 }),
  str('婚姻状况', 'hyzk', 2),
  { name: '登记日期', code: 'djrq', type: 'date', required: false, key: false, piiKind: 'none', grade: 1 },
];

const ENTRY: Omit<EntryInput, 'providerOrgId'> = {
  category: 'base',
  classification: ['1', '01'],
  name: '人口基本信息（共享基准测试）',
  summary: '户籍人口基本信息，数据服务性能基准测试用生成数据。',
  resourceKind: 'table',
  formats: ['csv'],
  updateCycle: 'daily',
  relatedCodes: [],
  tags: ['人口', '户籍'],
  responsible: { person: '林晓', phone: '020-88888888' },
  shareType: 'conditional',
  shareCondition: '用于政务服务中的身份核验',
  shareMethod: 'api',
  openType: 'none',
  openCondition: '含个人信息，不予开放',
  grade: 2,
  important: false,
  core: false,
  fields: FIELDS,
};

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁';
const GIVEN =
  '伟芳娜秀英敏静丽强磊洋艳勇军杰娟涛明超兰霞平刚华建国志晓东海燕文斌雪梅俊嘉怡子轩浩然欣梓涵家豪诗琪宇航';
const ROADS = [
  '中山',
  '解放',
  '人民',
  '东风',
  '建设',
  '天河',
  '江南',
  '滨江',
  '新港',
  '工业',
  '珠江',
  '花城',
];
const MOBILE = ['130', '131', '135', '136', '137', '138', '139', '150', '158', '186', '188', '199'];
const MARITAL = ['10', '10', '20', '20', '20', '20', '21', '30', '40'];
const DAY0 = Date.UTC(1950, 0, 1);

/** A small deterministic hash of (i, k) in [0, 1). */
function unit(i: number, k: number): number {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(k + 1, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  h ^= h >>> 15;
  return (h >>> 0) / 4_294_967_296;
}

type Region = ReturnType<typeof regions>[number];

/**
 * Row i. The 公民身份号码 is unique per i: (region, birth day) from i / 1000 (the day a bijection
 * of it over 25,000 days), the 3-digit sequence from i % 1000 (odd: male).
 */
function person(i: number, regionList: readonly Region[]) {
  const j = Math.floor(i / 1000);
  const seq = i % 1000;
  const region = regionList[(j * 31) % regionList.length]!;
  const birth = new Date(DAY0 + ((j * 7919) % 25_000) * 86_400_000).toISOString().slice(0, 10);
  const body = `${region.code}${birth.replaceAll('-', '')}${String(seq).padStart(3, '0')}`;
  const pick = <T>(list: ArrayLike<T>, k: number): T => list[Math.floor(unit(i, k) * list.length)]!;
  const name = pick(SURNAMES, 1) + pick(GIVEN, 2) + (unit(i, 3) < 0.7 ? pick(GIVEN, 4) : '');
  return {
    gmsfhm: body + idNumberCheckChar(body)!,
    xm: name,
    xb: seq % 2 ? '1' : '2',
    mz: unit(i, 5) < 0.92 ? '01' : String(2 + Math.floor(unit(i, 6) * 55)).padStart(2, '0'),
    csrq: birth,
    hjdqh: region.code,
    hjdz: `${region.label}${pick(ROADS, 7)}路${1 + Math.floor(unit(i, 8) * 999)}号${1 + Math.floor(unit(i, 9) * 30)}0${1 + Math.floor(unit(i, 10) * 8)}房`,
    lxdh:
      unit(i, 11) < 0.1 ? '' : `${pick(MOBILE, 12)}${String(Math.floor(unit(i, 13) * 1e8)).padStart(8, '0')}`,
    hyzk: pick(MARITAL, 14),
    djrq: new Date(Date.UTC(2000, 0, 1) + Math.floor(unit(i, 15) * 9000) * 86_400_000)
      .toISOString()
      .slice(0, 10),
  };
}

/** The CSV, streamed in chunks of 5,000 rows. */
function csvStream(rows: number, regionList: readonly Region[]): Readable {
  return Readable.from(
    (function* () {
      yield Buffer.from(`${FIELDS.map((f) => f.code).join(',')}\n`);
      for (let from = 0; from < rows; from += 5000) {
        let out = '';
        for (let i = from; i < Math.min(rows, from + 5000); i++) {
          const p = person(i, regionList);
          out += `${p.gmsfhm},${p.xm},${p.xb},${p.mz},${p.csrq},${p.hjdqh},${p.hjdz},${p.lxdh},${p.hyzk},${p.djrq}\n`;
        }
        yield Buffer.from(out);
      }
    })(),
  );
}

// ---------------------------------------------------------------------------------------------
// The load generator (a child process running this file).

interface LoadSpec {
  url: string;
  path: string;
  op: 'query' | 'verify';
  keyId: string;
  secret: string;
  keysFile: string;
  seconds: number;
  connections: number;
}

interface LoadResult {
  rps: number;
  total: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  p50: number;
  p99: number;
  avg: number;
  statusCodes: Record<string, number>;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  statusCodeStats?: Record<string, { count: number }>;
}
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  requests: { method: string; setupRequest: (req: AutocannonRequest) => AutocannonRequest }[];
}) => Promise<AutocannonResult>;

async function generateLoad(spec: LoadSpec): Promise<LoadResult> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const keys = JSON.parse(await fsp.readFile(spec.keysFile, 'utf8')) as [string, string][];
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const [key, name] = keys[Math.floor(Math.random() * keys.length)]!;
          const body = JSON.stringify(
            spec.op === 'query' ? { key: { gmsfhm: key } } : { key: { gmsfhm: key }, values: { xm: name } },
          );
          const signed = signRequest({
            method: 'POST',
            path: spec.path,
            body,
            keyId: spec.keyId,
            secret: spec.secret,
          });
          return {
            ...req,
            method: 'POST',
            path: spec.path,
            headers: { ...signed, 'content-type': 'application/json' },
            body,
          };
        },
      },
    ],
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, s] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = Number(s.count);
  return {
    rps: result.requests.total / result.duration,
    total: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
    avg: result.latency.average,
    statusCodes,
  };
}

/**
 * The same load with wrk (Debian's `wrk`, when installed): its C client costs the shared two
 * cores far less CPU than autocannon's JavaScript one, which also signs every request as it
 * sends it. Here the requests are signed beforehand (each its own fresh nonce, timestamps of
 * the run's start, well inside the 300 s window) and a Lua script hands them out in turn, one
 * share of them per wrk thread, so that no nonce is sent twice.
 */
async function loadWithWrk(spec: LoadSpec): Promise<LoadResult> {
  const keys = JSON.parse(await fsp.readFile(spec.keysFile, 'utf8')) as [string, string][];
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'datong-wrk-'));
  try {
    // More than the fastest rate seen could use (about 3,000 calls/s), many times over.
    const n = Math.max(20_000, spec.seconds * 12_000);
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const [key, name] = keys[Math.floor(Math.random() * keys.length)]!;
      const body = JSON.stringify(
        spec.op === 'query' ? { key: { gmsfhm: key } } : { key: { gmsfhm: key }, values: { xm: name } },
      );
      const h = signRequest({
        method: 'POST',
        path: spec.path,
        body,
        keyId: spec.keyId,
        secret: spec.secret,
      });
      lines.push(`${h['x-datong-signature']}\t${h['x-datong-nonce']}\t${h['x-datong-timestamp']}\t${body}`);
    }
    const requests = path.join(dir, 'requests.tsv');
    await fsp.writeFile(requests, `${lines.join('\n')}\n`);
    const script = path.join(dir, 'signed.lua');
    await fsp.writeFile(script, WRK_SCRIPT);
    const threads = 2;
    const child = spawn(
      WRK,
      [
        `-t${threads}`,
        `-c${spec.connections}`,
        `-d${spec.seconds}s`,
        '--timeout',
        '10s',
        '-s',
        script,
        spec.url,
        '--',
        String(threads),
        requests,
        spec.path,
        spec.keyId,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const [code] = (await once(child, 'close')) as [number | null];
    if (code !== 0) throw new Error(`wrk exited with ${code}: ${out}`);
    const r = JSON.parse(out.slice(out.lastIndexOf('{'))) as {
      requests: number;
      duration_us: number;
      p50_us: number;
      p99_us: number;
      mean_us: number;
      socket_errors: number;
      timeouts: number;
      status_errors: number;
    };
    return {
      rps: r.requests / (r.duration_us / 1e6),
      total: r.requests,
      ok: r.requests - r.status_errors,
      non2xx: r.status_errors,
      errors: r.socket_errors,
      timeouts: r.timeouts,
      p50: Number((r.p50_us / 1000).toFixed(1)),
      p99: Number((r.p99_us / 1000).toFixed(1)),
      avg: r.mean_us / 1000,
      statusCodes: {},
    };
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

const WRK = process.env.WRK ?? '/usr/bin/wrk';
const WRK_SCRIPT = `
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end
function init(args)
  local threads, file, path, key = tonumber(args[1]), args[2], args[3], args[4]
  reqs = {}
  local i = 0
  for line in io.lines(file) do
    if i % threads == id then
      local sig, nonce, ts, body = line:match("^([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)\\t(.*)$")
      reqs[#reqs + 1] = wrk.format("POST", path, {
        ["content-type"] = "application/json",
        ["x-datong-key"] = key,
        ["x-datong-timestamp"] = ts,
        ["x-datong-nonce"] = nonce,
        ["x-datong-signature"] = sig,
      }, body)
    end
    i = i + 1
  end
  n = 0
end
function request()
  n = n + 1
  if n > #reqs then n = 1 end
  return reqs[n]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"mean_us":%f,"socket_errors":%d,"timeouts":%d,"status_errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean,
    e.connect + e.read + e.write, e.timeout, e.status))
end
`;

/** Runs `generateLoad` in a child process: the server keeps its event loop to itself. */
async function loadInChild(spec: LoadSpec): Promise<LoadResult> {
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), JSON.stringify(spec)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`the load generator exited with ${code}`);
  return JSON.parse(out.slice(out.lastIndexOf('\n{') + 1)) as LoadResult;
}

// ---------------------------------------------------------------------------------------------
// The anchor: pgbench.

interface PgbenchResult {
  tps: number;
  avgMs: number;
  p50: number;
  p99: number;
  transactions: number;
}

async function runPgbench(url: string, script: string, logDir: string, secs: number): Promise<PgbenchResult> {
  await fsp.rm(logDir, { recursive: true, force: true });
  await fsp.mkdir(logDir, { recursive: true });
  const prefix = path.join(logDir, 'pgbench');
  const args = [
    '-n',
    '-f',
    script,
    '-c',
    String(CONNECTIONS),
    '-j',
    '2',
    '-T',
    String(secs),
    '-M',
    'prepared',
  ];
  args.push('-l', `--log-prefix=${prefix}`, url);
  const child = spawn(PGBENCH, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`pgbench exited with ${code}:\n${out}`);
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1]);
  const avgMs = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]);
  const transactions = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1]);
  if (!Number.isFinite(tps) || !Number.isFinite(avgMs))
    throw new Error(`cannot read pgbench's output:\n${out}`);
  // Per-transaction log lines: client_id transaction_no time_us script_no epoch epoch_us.
  const lat: number[] = [];
  for (const file of await fsp.readdir(logDir)) {
    for (const line of (await fsp.readFile(path.join(logDir, file), 'utf8')).split('\n')) {
      const us = Number(line.split(' ')[2]);
      if (line && Number.isFinite(us)) lat.push(us / 1000);
    }
  }
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] ?? NaN;
  return { tps, avgMs, p50: pct(50), p99: pct(99), transactions };
}

// ---------------------------------------------------------------------------------------------

export async function benchSharing(ctx: BenchContext): Promise<BenchResult[]> {
  const { pool, adminUrl, log } = ctx;
  const results: BenchResult[] = [];
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'datong-bench-sharing-'));
  const silent = pino({ level: 'silent' });
  const config = loadConfig({ home: dir, databaseUrl: adminUrl });
  const identity = await loadNodeIdentity(config);
  const ledger = createLedger({ pool, identity, log: silent });
  const services: Services = { config, pool, ledger, identity, log: silent };
  const sys = { ...systemContext('bench:sharing'), services };
  const regionList = regions();
  let app: Awaited<ReturnType<typeof createNodeApp>> | undefined;

  /** A user of an organisation with roles, as the request context of the services. */
  const userCtx = async (orgId: string, username: string, roles: Role[]) => {
    const id = await identityStore.insertUser(pool, {
      username,
      displayName: username,
      orgId,
      passwordHash: await hashPassword('Bench-Passw0rd!'),
    });
    await identityStore.setRoles(pool, id, roles);
    const actor: Actor = { kind: 'user', id, username, displayName: username, orgId, roles, via: 'token' };
    return {
      actor,
      requestId: null,
      clientIp: '127.0.0.1',
      lang: 'zh-CN',
      services,
    } satisfies RequestContext & {
      services: Services;
    };
  };

  try {
    // Provider, entry, data.
    const t0 = process.hrtime.bigint();
    const { providerId, entryId } = await withTx(pool, async (tx) => {
      const org = await createOrg(sys, tx, {
        name: '广东省公安厅（共享基准测试）',
        uscc: usccWithCheck('11440000MB2C54321'),
        regionCode: '440000',
        kind: 'government',
      });
      const { id } = await createEntry(sys, tx, { ...ENTRY, providerOrgId: org.id });
      await submitEntry(sys, tx, id);
      await approveEntry(sys, tx, id, '基准测试');
      return { providerId: org.id, entryId: id };
    });
    const { rows: codeRow } = await pool.query<{ code: string }>(
      'SELECT code FROM datong.catalog_entries WHERE id = $1',
      [entryId],
    );
    const view = datasetNameOf(codeRow[0]!.code);
    log(`sharing: loading ${count(ROWS)} rows × ${FIELDS.length} fields into ds."${view}" …`);
    const batch = await loadBatch(sys, entryId, {
      mode: 'replace',
      source: await openSource(csvStream(ROWS, regionList), { format: 'csv' }),
      sourceInfo: { kind: 'bench' },
    });
    if (batch.status !== 'done' || batch.rowsAccepted !== ROWS) {
      throw new Error(
        `load: ${batch.status}, ${batch.rowsAccepted} accepted, ${batch.rowsRejected} rejected`,
      );
    }
    const loadS = seconds(t0);
    log(`sharing: loaded in ${loadS.toFixed(1)} s`);

    // Consumer, app, credential, request, grant.
    const consumer = await withTx(pool, (tx) =>
      createOrg(sys, tx, {
        name: '深圳市政务服务数据管理局（共享基准测试）',
        uscc: usccWithCheck('11440300MB2C67890'),
        regionCode: '440300',
        kind: 'government',
      }),
    );
    const dev = await userCtx(consumer.id, 'bench_share_dev', ['developer', 'member']);
    const approver = await userCtx(providerId, 'bench_share_approver', ['approver']);
    const { appId, keyId, secret } = await withTx(pool, async (tx) => {
      const a = await createApp(dev, tx, { name: '身份核验（基准测试）' });
      const cred = await issueCredential(dev, tx, a.id, {});
      return { appId: a.id, keyId: cred.keyId, secret: cred.secret };
    });
    const today = shanghaiDay(new Date());
    const request = await withTx(pool, (tx) =>
      createRequest(dev, tx, {
        entryId,
        appId,
        fields: FIELDS.map((f) => f.code),
        scenario: {
          name: '政务服务身份核验',
          description: '核验办事人身份信息',
          basis: '《政务数据共享管理办法》',
        },
        expectedVolume: { perDay: 1_000_000 },
        validFrom: today,
        validTo: addYears(today, 1),
      }),
    );
    const approved = await withTx(pool, (tx) =>
      approveRequest(approver, tx, request.id, { rateLimit: 10_000 }),
    );
    const grantId = approved.grantId;
    if (approved.status !== 'approved' || !grantId) throw new Error(`request ${approved.status}, no grant`);
    const { rows: grantRow } = await pool.query<{ masking: Record<string, string> }>(
      'SELECT masking FROM datong.grants WHERE id = $1',
      [grantId],
    );
    const masking = Object.entries(grantRow[0]!.masking)
      .map(([c, m]) => `${c}: ${m}`)
      .join(', ');
    log(`sharing: grant ${grantId}, default masking {${masking}}`);

    // The sample of keys both sides draw from.
    const picks = new Set<number>();
    while (picks.size < SAMPLE) picks.add(Math.floor(Math.random() * ROWS));
    const sample = [...picks].map((i) => {
      const p = person(i, regionList);
      return [p.gmsfhm, p.xm] as [string, string];
    });
    const keysFile = path.join(dir, 'keys.json');
    await fsp.writeFile(keysFile, JSON.stringify(sample));
    await pool.query('DROP TABLE IF EXISTS public.bench_share_keys');
    await pool.query('CREATE TABLE public.bench_share_keys (i int PRIMARY KEY, k text NOT NULL)');
    await pool.query(
      'INSERT INTO public.bench_share_keys SELECT i, k FROM unnest($1::int[], $2::text[]) AS u(i, k)',
      [sample.map((_, n) => n + 1), sample.map(([k]) => k)],
    );
    await pool.query('VACUUM ANALYZE public.bench_share_keys');
    await pool.query(`VACUUM ANALYZE ds."${view}__v${batch.version}"`);
    const { rows: check } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM public.bench_share_keys b JOIN ds."${view}" t ON t.gmsfhm = b.k`,
    );
    if (check[0]!.n !== SAMPLE)
      throw new Error(`only ${check[0]!.n} of ${SAMPLE} sampled keys are in the table`);

    // Anchor: pgbench point selects on the same view.
    const script = path.join(dir, 'point-select.sql');
    await fsp.writeFile(
      script,
      `\\set i random(1, ${SAMPLE})\nSELECT t.* FROM public.bench_share_keys b JOIN ds."${view}" t ON t.gmsfhm = b.k WHERE b.i = :i;\n`,
    );
    const loadBefore = loadAvg();
    log(`sharing: pgbench (anchor), ${CONNECTIONS} clients, ${SECONDS} s (load average ${loadBefore}) …`);
    await runPgbench(adminUrl, script, path.join(dir, 'pgbench-warm'), WARMUP_SECONDS);
    const anchor = await runPgbench(adminUrl, script, path.join(dir, 'pgbench-log'), SECONDS);
    log(
      `sharing: anchor ${count(Math.round(anchor.tps))} tps, avg ${anchor.avgMs} ms, p50 ${anchor.p50.toFixed(2)} ms, p99 ${anchor.p99.toFixed(2)} ms (${count(anchor.transactions)} transactions)`,
    );
    // A second reference: what one durable commit per call costs on this server. A signed call
    // waits for one: its audit event's group commit (its nonce claim, grouped with concurrent
    // ones, commits asynchronously and is flushed by that commit).
    const commitScript = path.join(dir, 'commit.sql');
    await fsp.writeFile(
      commitScript,
      "INSERT INTO datong.request_nonces (key_id, nonce) VALUES ('bench-anchor', md5(random()::text || clock_timestamp()::text)) ON CONFLICT DO NOTHING;\n",
    );
    const commits = await runPgbench(
      adminUrl,
      commitScript,
      path.join(dir, 'pgbench-log'),
      Math.min(SECONDS, 10),
    );
    await pool.query("DELETE FROM datong.request_nonces WHERE key_id = 'bench-anchor'");
    await fsp.rm(path.join(dir, 'pgbench-log'), { recursive: true, force: true });
    log(
      `sharing: durable commits (nonce INSERT per transaction): ${count(Math.round(commits.tps))} tps, p50 ${commits.p50.toFixed(2)} ms, p99 ${commits.p99.toFixed(2)} ms`,
    );

    // The node's HTTP server, with the ledger sequencing in the background.
    app = await createNodeApp(services, { serveWeb: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    ledger.start();
    const addr = app.server.address();
    const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    /**
     * Calls per operation as the server saw them: received, answered with another status than
     * 200, and cut off (the client left before the answer was written: the load generator stops
     * with calls in flight, which the server still completes, audits and answers).
     */
    const seen = {
      query: { received: 0, failed: 0, cut: 0 },
      verify: { received: 0, failed: 0, cut: 0 },
    };
    app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const u = req.url ?? '';
      const op = u.endsWith('/query') ? 'query' : u.endsWith('/verify') ? 'verify' : null;
      if (!op) return;
      seen[op].received++;
      res.on('finish', () => {
        if (res.statusCode !== 200) seen[op].failed++;
      });
      res.on('close', () => {
        if (!res.writableFinished) seen[op].cut++;
      });
    });

    // wrk when Debian's package is installed (far less client CPU), else autocannon.
    const useWrk = await fsp.access(WRK).then(
      () => true,
      () => false,
    );
    const tool = useWrk
      ? `wrk (${CONNECTIONS} connections, 2 threads, requests signed beforehand)`
      : `autocannon (${CONNECTIONS} connections)`;
    const load = useWrk ? loadWithWrk : loadInChild;
    const cpuPerCall = { query: 0, verify: 0 };
    const datong: Record<'query' | 'verify', LoadResult> = {} as Record<'query' | 'verify', LoadResult>;
    for (const op of ['query', 'verify'] as const) {
      const spec: LoadSpec = {
        url,
        path: `/api/services/grants/${grantId}/${op}`,
        op,
        keyId,
        secret,
        keysFile,
        seconds: WARMUP_SECONDS,
        connections: CONNECTIONS,
      };
      log(`sharing: Datong /${op}, ${tool}, ${SECONDS} s (load average ${loadAvg()}) …`);
      const warm = await load(spec);
      if (warm.ok === 0)
        throw new Error(`/${op}: no successful call in the warm-up: ${JSON.stringify(warm)}`);
      const cpu0 = process.cpuUsage();
      const received0 = seen[op].received;
      const run = await load({ ...spec, seconds: SECONDS });
      const cpu = process.cpuUsage(cpu0);
      // The server's own CPU (this process: HTTP, signature, data service, pg client, ledger) per call.
      cpuPerCall[op] = (cpu.user + cpu.system) / 1000 / Math.max(1, seen[op].received - received0);
      datong[op] = run;
      log(
        `sharing: /${op}: Node CPU ${cpuPerCall[op].toFixed(3)} ms per call; ${count(Math.round(run.rps))} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms, avg ${run.avg.toFixed(2)} ms; ${count(run.ok)} 2xx, ${run.non2xx} non-2xx, ${run.errors} errors, ${run.timeouts} timeouts ${JSON.stringify(run.statusCodes)}`,
      );
    }

    // One durable audit event per call.
    await app.close();
    app = undefined;
    await ledger.flush();
    const { rows: audited } = await pool.query<{ action: string; n: number }>(
      `SELECT action, sum(n)::int AS n FROM (
         SELECT action, count(*) AS n FROM audit.pending WHERE action LIKE 'share.service.%' GROUP BY action
         UNION ALL
         SELECT action, count(*) AS n FROM audit.event WHERE action LIKE 'share.service.%' GROUP BY action
       ) x GROUP BY action`,
    );
    const auditedOf = (a: string) => audited.find((r) => r.action === a)?.n ?? 0;
    const auditNote = (op: 'query' | 'verify') => {
      const events = auditedOf(`share.service.${op}`);
      const s = seen[op];
      const served = s.received - s.failed;
      const ok = events === served ? 'equal' : 'DIFFERENT';
      return {
        events,
        served,
        ok,
        text: `audit events ${count(events)} = calls served ${count(served)} (${ok}; ${count(s.received)} received, ${s.failed} answered non-200, ${s.cut} cut off by the client at the end of a run)`,
      };
    };
    for (const op of ['query', 'verify'] as const) log(`sharing: /${op}: ${auditNote(op).text}`);
    const denied = auditedOf('share.service.denied');
    if (denied) log(`sharing: ${denied} share.service.denied events`);

    const anchorRef = (what: string, value: number, unit: string) => ({
      name: `pgbench -M prepared, ${CONNECTIONS} clients, SELECT * by key on the same view, ${what}`,
      value,
      unit,
    });
    for (const op of ['query', 'verify'] as const) {
      const run = datong[op];
      const a = auditNote(op);
      results.push({
        name: `data service /${op} by key, ${count(ROWS)} rows, signed, audited (${CONNECTIONS} connections)`,
        value: Math.round(run.rps),
        unit: 'req/s',
        anchor: anchorRef('tps', Math.round(anchor.tps), 'tps'),
        ratio: run.rps / anchor.tps,
        note: `target ratio ≥ 0.33; load: ${tool}; the server process's CPU ${cpuPerCall[op].toFixed(2)} ms per call (≤ ${count(Math.round(1000 / cpuPerCall[op]))} calls/s on one core); ${count(run.ok)} 2xx, ${run.non2xx} non-2xx in ${SECONDS} s; ${a.text}`,
      });
      results.push({
        name: `data service /${op} p50`,
        value: run.p50,
        unit: 'ms',
        anchor: anchorRef('p50', Number(anchor.p50.toFixed(3)), 'ms'),
        ratio: run.p50 / anchor.p50,
      });
      results.push({
        name: `data service /${op} p99`,
        value: run.p99,
        unit: 'ms',
        anchor: anchorRef('p99', Number(anchor.p99.toFixed(3)), 'ms'),
        ratio: run.p99 / anchor.p99,
        note: `target p99 < 25 ms`,
      });
    }
    results.push({
      name: `reference: durable commits, one INSERT per transaction (${CONNECTIONS} clients, pgbench)`,
      value: Math.round(commits.tps),
      unit: 'tps',
      note: `p50 ${commits.p50.toFixed(2)} ms, p99 ${commits.p99.toFixed(2)} ms; a call waits for one durable commit, its audit event's, shared with concurrent calls (group commit); nonce claims are grouped too and commit asynchronously`,
    });
    results.push({
      name: `sharing setup: ${count(ROWS)} rows × ${FIELDS.length} fields generated and loaded (loadBatch)`,
      value: Number(loadS.toFixed(1)),
      unit: 's',
      note: `load average ${loadBefore} before the runs (2-core machine shared with other jobs); grant with default masking {${masking}}; keys drawn from ${count(SAMPLE)} loaded rows by both sides`,
    });
  } finally {
    await app?.close().catch(() => undefined);
    await ledger.close();
    await pool.query('DROP TABLE IF EXISTS public.bench_share_keys').catch(() => undefined);
    await fsp.rm(dir, { recursive: true, force: true });
  }
  return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const spec = JSON.parse(process.argv[2]!) as LoadSpec;
  const result = await generateLoad(spec);
  process.stdout.write(`\n${JSON.stringify(result)}\n`);
}
