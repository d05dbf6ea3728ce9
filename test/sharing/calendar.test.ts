import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { AuditLedger } from '../../src/platform/audit/index.js';
import {
  addWorkingDays,
  isWorkingDay,
  shanghaiDay,
  workingDaysLeft,
} from '../../src/modules/sharing/calendar.js';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeUser } from '../support/factories.js';

let t: TestApp;
let db: { pool: TestApp['pool'] };
let app: FastifyInstance;
let ledger: AuditLedger;
let admin: string;
let adminName: string;
let member: string;

beforeAll(async () => {
  t = await testApp();
  db = { pool: t.pool };
  app = t.app;
  ledger = t.services.ledger as AuditLedger;
  const password = 'Calendar-Test-2026!';
  const [a, m] = await Promise.all([
    makeUser(db.pool, { roles: ['sysadmin'], password }),
    makeUser(db.pool, { roles: ['member'], password }),
  ]);
  adminName = a.username;
  [admin, member] = await Promise.all([
    bearerFor(app, a.username, password),
    bearerFor(app, m.username, password),
  ]);
});
afterAll(async () => {
  await t?.close();
});

/** An instant given in Shanghai local time. */
const sh = (local: string) => new Date(`${local}+08:00`);
/** The end of a Shanghai day, as the deadline should be. */
const endOf = (day: string) => new Date(`${day}T23:59:59.999+08:00`);

describe('addWorkingDays', () => {
  it('counts across 国庆节 2025 with the 调休 Sunday 9-28 and Saturday 10-11 as working days', async () => {
    // 9-28 (Sun) 1, 9-29 2, 9-30 3, 10-1..10-8 off, 10-9 4, 10-10 5, 10-11 (Sat) 6, 10-13..16 7–10.
    const due = await addWorkingDays(db.pool, sh('2025-09-26T10:00:00'), 10);
    expect(due.toISOString()).toBe('2025-10-16T15:59:59.999Z');
    expect(due).toEqual(endOf('2025-10-16'));
    expect(await addWorkingDays(db.pool, sh('2025-09-26T10:00:00'), 1)).toEqual(endOf('2025-09-28'));
    expect(await addWorkingDays(db.pool, sh('2025-09-26T10:00:00'), 3)).toEqual(endOf('2025-09-30'));
    expect(await addWorkingDays(db.pool, sh('2025-09-26T10:00:00'), 4)).toEqual(endOf('2025-10-09'));
    expect(await addWorkingDays(db.pool, sh('2025-09-26T10:00:00'), 6)).toEqual(endOf('2025-10-11'));
  });

  it('counts across 春节 2026 (2-14 and 2-28 worked, 2-16..2-20 and 2-23 off)', async () => {
    // 2-13 1, 2-14 (Sat) 2, 2-24 3, 2-25 4, 2-26 5, 2-27 6, 2-28 (Sat) 7, 3-2 8, 3-3 9, 3-4 10.
    expect(await addWorkingDays(db.pool, sh('2026-02-12T09:00:00'), 2)).toEqual(endOf('2026-02-14'));
    expect(await addWorkingDays(db.pool, sh('2026-02-12T09:00:00'), 3)).toEqual(endOf('2026-02-24'));
    expect(await addWorkingDays(db.pool, sh('2026-02-12T09:00:00'), 7)).toEqual(endOf('2026-02-28'));
    expect(await addWorkingDays(db.pool, sh('2026-02-12T09:00:00'), 10)).toEqual(endOf('2026-03-04'));
  });

  it('skips a plain weekend', async () => {
    expect(await addWorkingDays(db.pool, sh('2025-11-14T16:00:00'), 1)).toEqual(endOf('2025-11-17'));
    expect(await addWorkingDays(db.pool, sh('2025-11-14T16:00:00'), 5)).toEqual(endOf('2025-11-21'));
    expect(await addWorkingDays(db.pool, sh('2025-11-14T16:00:00'), 10)).toEqual(endOf('2025-11-28'));
    // A request on the Saturday: Monday is the first working day after it.
    expect(await addWorkingDays(db.pool, sh('2025-11-15T11:00:00'), 1)).toEqual(endOf('2025-11-17'));
  });

  it('n = 0 is the end of the request’s own Shanghai day, working or not', async () => {
    expect(await addWorkingDays(db.pool, sh('2025-11-14T16:00:00'), 0)).toEqual(endOf('2025-11-14'));
    expect(await addWorkingDays(db.pool, sh('2025-10-02T10:00:00'), 0)).toEqual(endOf('2025-10-02'));
  });

  it('a request made on a holiday counts from the first working day after it', async () => {
    // 10-3 is 国庆节; 10-4/10-5 weekend; 10-6..10-8 holidays; 10-9 is the first working day.
    expect(await addWorkingDays(db.pool, sh('2025-10-03T12:00:00'), 1)).toEqual(endOf('2025-10-09'));
    expect(await addWorkingDays(db.pool, sh('2025-10-01T00:00:00'), 3)).toEqual(endOf('2025-10-11'));
    // 春节 2026: from 除夕 (2-16) the first working day is 2-24.
    expect(await addWorkingDays(db.pool, sh('2026-02-16T20:00:00'), 1)).toEqual(endOf('2026-02-24'));
  });

  it('takes the day in Shanghai, not in UTC: 23:30 and 00:30 local', async () => {
    // 9-25 23:30 in Shanghai is still Thursday there (15:30 UTC): the next working day is Friday.
    expect(await addWorkingDays(db.pool, sh('2025-09-25T23:30:00'), 1)).toEqual(endOf('2025-09-26'));
    // 9-26 00:30 in Shanghai is 9-25 16:30 UTC, but Friday in Shanghai: next is the 调休 Sunday.
    expect(await addWorkingDays(db.pool, sh('2025-09-26T00:30:00'), 1)).toEqual(endOf('2025-09-28'));
    // 9-26 23:30 Shanghai is the same day as 00:00: the same deadline.
    expect(await addWorkingDays(db.pool, sh('2025-09-26T23:30:00'), 10)).toEqual(endOf('2025-10-16'));
    expect(await addWorkingDays(db.pool, sh('2025-09-26T00:00:00'), 10)).toEqual(endOf('2025-10-16'));
    // The last millisecond of a Shanghai day, and the first of the next.
    expect(await addWorkingDays(db.pool, endOf('2025-09-25'), 1)).toEqual(endOf('2025-09-26'));
    expect(await addWorkingDays(db.pool, sh('2025-09-26T00:00:00'), 1)).toEqual(endOf('2025-09-28'));
  });

  it('falls back to plain weekends in a year without entries', async () => {
    // 2031-01-01 is a Wednesday with no entry: a working day. 2030-12-31 is Tuesday.
    expect(await addWorkingDays(db.pool, sh('2030-12-31T10:00:00'), 1)).toEqual(endOf('2031-01-01'));
    expect(await addWorkingDays(db.pool, sh('2031-01-02T10:00:00'), 2)).toEqual(endOf('2031-01-06'));
    // A year of working days across 2025 and 2026: 2026 has 261 weekdays, less its 19 weekday
    // holidays, plus its 6 working weekend days: 248, the last on Thursday 2026-12-31.
    expect(await addWorkingDays(db.pool, sh('2025-12-31T10:00:00'), 248)).toEqual(endOf('2026-12-31'));
    expect(await addWorkingDays(db.pool, sh('2025-12-31T10:00:00'), 249)).toEqual(endOf('2027-01-01'));
    expect(await workingDaysLeft(db.pool, sh('2025-12-31T10:00:00'), endOf('2026-12-31'))).toBe(248);
  });

  it('refuses a negative or fractional count', async () => {
    await expect(addWorkingDays(db.pool, sh('2025-11-14T16:00:00'), -1)).rejects.toThrow(RangeError);
    await expect(addWorkingDays(db.pool, sh('2025-11-14T16:00:00'), 1.5)).rejects.toThrow(RangeError);
    await expect(addWorkingDays(db.pool, new Date(Number.NaN), 1)).rejects.toThrow(RangeError);
  });
});

describe('the server’s time zone does not matter', () => {
  const saved = process.env.TZ;
  afterEach(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  for (const tz of ['UTC', 'America/New_York', 'Asia/Shanghai', 'Pacific/Kiritimati']) {
    it(`gives the same deadlines with TZ=${tz}`, async () => {
      process.env.TZ = tz;
      // The zone switch took effect (Node re-reads TZ when it is set).
      const offset = { UTC: 0, 'America/New_York': 240, 'Asia/Shanghai': -480, 'Pacific/Kiritimati': -840 };
      expect(new Date('2025-09-26T00:00:00Z').getTimezoneOffset()).toBe(offset[tz as keyof typeof offset]);

      expect(await addWorkingDays(db.pool, sh('2025-09-26T10:00:00'), 10)).toEqual(endOf('2025-10-16'));
      expect(await addWorkingDays(db.pool, sh('2025-09-25T23:30:00'), 1)).toEqual(endOf('2025-09-26'));
      expect(await addWorkingDays(db.pool, sh('2025-09-26T00:30:00'), 1)).toEqual(endOf('2025-09-28'));
      expect(shanghaiDay(new Date('2025-09-30T16:30:00Z'))).toBe('2025-10-01');
      expect(await isWorkingDay(db.pool, new Date('2025-09-30T16:30:00Z'))).toBe(false);
      expect(await workingDaysLeft(db.pool, sh('2025-10-08T09:00:00'), endOf('2025-10-16'))).toBe(7);
    });
  }
});

describe('isWorkingDay', () => {
  it('reads holidays, 调休 weekends and plain days', async () => {
    const cases: [string, boolean][] = [
      ['2025-09-28', true], // 调休 Sunday
      ['2025-10-11', true], // 调休 Saturday
      ['2025-10-06', false], // 中秋 Monday
      ['2025-10-04', false], // Saturday inside the holiday
      ['2025-10-09', true],
      ['2026-02-23', false], // 春节, Monday
      ['2026-05-09', true], // 劳动节 调休 Saturday
      ['2025-11-15', false], // plain Saturday
      ['2031-01-01', true], // no entries that year: a plain Wednesday
    ];
    for (const [day, expected] of cases)
      expect([day, await isWorkingDay(db.pool, day)]).toEqual([day, expected]);
  });

  it('takes an instant’s Shanghai day', async () => {
    // 9-30 16:30 UTC is 10-1 00:30 in Shanghai (国庆节); 9-30 15:30 UTC is still 9-30 23:30.
    expect(await isWorkingDay(db.pool, new Date('2025-09-30T16:30:00Z'))).toBe(false);
    expect(await isWorkingDay(db.pool, new Date('2025-09-30T15:30:00Z'))).toBe(true);
    await expect(isWorkingDay(db.pool, '2025-02-30')).rejects.toThrow(RangeError);
  });
});

describe('workingDaysLeft', () => {
  const due = endOf('2025-10-16'); // 2025-09-26 + 10

  it('is n on the day of the request, then counts down over working days only', async () => {
    expect(await workingDaysLeft(db.pool, sh('2025-09-26T10:00:00'), due)).toBe(10);
    expect(await workingDaysLeft(db.pool, sh('2025-09-27T10:00:00'), due)).toBe(10); // Saturday
    expect(await workingDaysLeft(db.pool, sh('2025-09-28T10:00:00'), due)).toBe(9); // 调休 Sunday
    expect(await workingDaysLeft(db.pool, sh('2025-10-05T10:00:00'), due)).toBe(7); // holiday
    expect(await workingDaysLeft(db.pool, sh('2025-10-15T23:59:00'), due)).toBe(1);
  });

  it('is 0 on the due day', async () => {
    expect(await workingDaysLeft(db.pool, sh('2025-10-16T00:00:00'), due)).toBe(0);
    expect(await workingDaysLeft(db.pool, due, due)).toBe(0);
  });

  it('is negative once overdue', async () => {
    expect(await workingDaysLeft(db.pool, sh('2025-10-17T00:00:00'), due)).toBe(-1);
    // The weekend after: still one working day late, at least -1.
    expect(await workingDaysLeft(db.pool, sh('2025-10-18T10:00:00'), due)).toBe(-1);
    // Tuesday 10-21: 10-17, 10-20, 10-21.
    expect(await workingDaysLeft(db.pool, sh('2025-10-21T10:00:00'), due)).toBe(-3);
    // A deadline mid-day is overdue the moment it passes.
    expect(await workingDaysLeft(db.pool, sh('2025-10-16T12:00:01'), sh('2025-10-16T12:00:00'))).toBe(-1);
  });

  it('agrees with addWorkingDays across 春节 2026', async () => {
    const from = sh('2026-02-12T09:00:00');
    for (const n of [0, 1, 2, 3, 7, 10, 30]) {
      expect(await workingDaysLeft(db.pool, from, await addWorkingDays(db.pool, from, n))).toBe(n);
    }
  });
});

describe('GET and PUT /api/calendar/:year', () => {
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });
  const put = (year: number | string, payload: unknown, token = admin, lang = 'zh-CN') =>
    app.inject({
      method: 'PUT',
      url: `/api/calendar/${year}`,
      payload: payload as object,
      headers: { ...auth(token), 'accept-language': lang },
    });
  const get = (year: number | string, token: string | null = member) =>
    app.inject({ method: 'GET', url: `/api/calendar/${year}`, headers: token ? auth(token) : {} });

  async function events(
    action: string,
  ): Promise<{ object_id: string; actor_name: string; detail: Record<string, unknown> }[]> {
    await ledger.flush();
    const { rows } = await db.pool.query(
      'SELECT object_id, actor_name, detail FROM audit.events WHERE action = $1 ORDER BY seq',
      [action],
    );
    return rows;
  }

  it('lists the seeded days of 2025 and 2026 to any signed-in user', async () => {
    const res = await get(2025);
    expect(res.statusCode).toBe(200);
    const body = res.json<{ year: number; days: { day: string; kind: string; name: string }[] }>();
    expect(body.year).toBe(2025);
    expect(body.days).toHaveLength(23);
    expect(body.days.filter((d) => d.kind === 'workday').map((d) => d.day)).toEqual([
      '2025-01-26',
      '2025-02-08',
      '2025-04-27',
      '2025-09-28',
      '2025-10-11',
    ]);
    expect(body.days[0]).toEqual({ day: '2025-01-01', kind: 'holiday', name: '元旦' });
    expect(body.days).toContainEqual({ day: '2025-09-28', kind: 'workday', name: '国庆节、中秋节' });

    const y2026 = (await get(2026)).json<{ days: { day: string; kind: string }[] }>().days;
    expect(y2026).toHaveLength(25);
    expect(y2026.filter((d) => d.kind === 'workday').map((d) => d.day)).toEqual([
      '2026-01-04',
      '2026-02-14',
      '2026-02-28',
      '2026-05-09',
      '2026-09-20',
      '2026-10-10',
    ]);
    expect((await get(2030)).json()).toEqual({ year: 2030, days: [] });
    expect((await get(2025, null)).statusCode).toBe(401);
    expect((await get('twenty')).statusCode).toBe(400);
  });

  it('refuses a PUT by a user without calendar.manage', async () => {
    const res = await put(2027, { days: [] }, member);
    expect(res.statusCode).toBe(403);
  });

  it('refuses days outside the year, holidays on weekends and workdays on weekdays (zh-CN and en)', async () => {
    const outside = await put(2027, { days: [{ day: '2026-12-31', kind: 'holiday', name: '元旦' }] });
    expect(outside.statusCode).toBe(400);
    expect(outside.json()).toMatchObject({
      code: 'calendar_day_outside_year',
      title: '日期 2026-12-31 不在 2027 年内',
      errors: [{ path: '/days/0/day' }],
    });
    const outsideEn = await put(
      2027,
      { days: [{ day: '2026-12-31', kind: 'holiday', name: '元旦' }] },
      admin,
      'en',
    );
    expect(outsideEn.json().title).toBe('The day 2026-12-31 is not in the year 2027');

    // 2027-01-02 is a Saturday.
    const weekendHoliday = await put(2027, { days: [{ day: '2027-01-02', kind: 'holiday', name: '元旦' }] });
    expect(weekendHoliday.statusCode).toBe(400);
    expect(weekendHoliday.json()).toMatchObject({ code: 'calendar_holiday_on_weekend' });
    expect(weekendHoliday.json().title).toContain('2027-01-02 是周末');

    // 2027-01-04 is a Monday.
    const weekdayWork = await put(
      2027,
      {
        days: [
          { day: '2027-01-01', kind: 'holiday', name: '元旦' },
          { day: '2027-01-04', kind: 'workday', name: '元旦' },
        ],
      },
      admin,
      'en',
    );
    expect(weekdayWork.statusCode).toBe(400);
    expect(weekdayWork.json()).toMatchObject({
      code: 'calendar_workday_not_weekend',
      title: '2027-01-04 is not a weekend day and cannot be an adjusted working day',
      errors: [{ path: '/days/1/day', message: expect.stringContaining('2027-01-04') }],
    });

    const duplicate = await put(2027, {
      days: [
        { day: '2027-01-01', kind: 'holiday', name: '元旦' },
        { day: '2027-01-01', kind: 'holiday', name: '元旦' },
      ],
    });
    expect(duplicate.json()).toMatchObject({ code: 'calendar_day_duplicate' });

    // The schema: unknown properties, a bad kind, a date that does not exist, a blank name.
    for (const bad of [
      { days: [], extra: 1 },
      { days: [{ day: '2027-01-01', kind: 'holiday', name: '元旦', note: 'x' }] },
      { days: [{ day: '2027-01-01', kind: 'rest', name: '元旦' }] },
      { days: [{ day: '2027-02-30', kind: 'holiday', name: '春节' }] },
      { days: [{ day: '2027-01-01', kind: 'holiday', name: '  ' }] },
      {},
    ]) {
      const res = await put(2027, bad);
      expect([JSON.stringify(bad), res.statusCode, res.json().code]).toEqual([
        JSON.stringify(bad),
        400,
        'validation',
      ]);
    }

    // Nothing was stored and nothing audited.
    expect((await get(2027)).json().days).toEqual([]);
    expect(await events('calendar.update')).toEqual([]);
  });

  it('replaces a year’s days in one transaction, audited as calendar.update, and deadlines follow', async () => {
    // Before: 2027 has no entries, 2027-01-01 (Friday) is a working day.
    expect(await addWorkingDays(db.pool, sh('2026-12-31T10:00:00'), 1)).toEqual(endOf('2027-01-01'));

    const days = [
      { day: '2027-02-08', kind: 'holiday', name: '春节' },
      { day: '2027-01-01', kind: 'holiday', name: '元旦' },
      { day: '2027-02-06', kind: 'workday', name: '春节' },
    ];
    const res = await put(2027, { days });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      year: 2027,
      days: [
        { day: '2027-01-01', kind: 'holiday', name: '元旦' },
        { day: '2027-02-06', kind: 'workday', name: '春节' },
        { day: '2027-02-08', kind: 'holiday', name: '春节' },
      ],
    });
    expect((await get(2027)).json()).toEqual(res.json());
    expect(await addWorkingDays(db.pool, sh('2026-12-31T10:00:00'), 1)).toEqual(endOf('2027-01-04'));
    expect(await addWorkingDays(db.pool, sh('2027-02-05T10:00:00'), 2)).toEqual(endOf('2027-02-09'));
    expect(await isWorkingDay(db.pool, '2027-02-06')).toBe(true);

    // A second replacement: one removed, one renamed, one added; other years untouched.
    const again = await put(2027, {
      days: [
        { day: '2027-01-01', kind: 'holiday', name: '元旦节' },
        { day: '2027-02-08', kind: 'holiday', name: '春节' },
        { day: '2027-02-09', kind: 'holiday', name: '春节' },
      ],
    });
    expect(again.statusCode).toBe(200);
    expect(await isWorkingDay(db.pool, '2027-02-06')).toBe(false);
    expect((await get(2026)).json().days).toHaveLength(25);

    const audited = await events('calendar.update');
    expect(audited).toHaveLength(2);
    expect(audited[0]).toMatchObject({
      object_id: '2027',
      actor_name: adminName,
      detail: {
        year: 2027,
        holidays: 2,
        workdays: 1,
        added: [
          { day: '2027-01-01', kind: 'holiday', name: '元旦' },
          { day: '2027-02-06', kind: 'workday', name: '春节' },
          { day: '2027-02-08', kind: 'holiday', name: '春节' },
        ],
        removed: [],
        changed: [],
      },
    });
    expect(audited[1]!.detail).toEqual({
      year: 2027,
      holidays: 3,
      workdays: 0,
      added: [{ day: '2027-02-09', kind: 'holiday', name: '春节' }],
      removed: [{ day: '2027-02-06', kind: 'workday', name: '春节' }],
      changed: [
        {
          day: '2027-01-01',
          from: { kind: 'holiday', name: '元旦' },
          to: { kind: 'holiday', name: '元旦节' },
        },
      ],
    });

    // An empty list clears the year.
    expect((await put(2027, { days: [] })).json()).toEqual({ year: 2027, days: [] });
    expect((await events('calendar.update')).at(-1)!.detail).toMatchObject({ removed: expect.any(Array) });
    expect((await events('calendar.update')).at(-1)!.detail.removed).toHaveLength(3);
  });
});
