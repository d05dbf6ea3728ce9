import { describe, expect, it } from 'vitest';
import { lastFiring, matches, parseCron } from '../../src/modules/catalog/harvest-cron.js';

describe('harvest schedules (five-field cron)', () => {
  it('parses what cron accepts and refuses the rest', () => {
    for (const ok of ['0 2 * * *', '*/15 * * * *', '0 8-18/2 * * 1-5', '30 3 1,15 * *', '0 0 * * 7']) {
      expect(parseCron(ok), ok).not.toBeNull();
    }
    for (const bad of [
      'every day',
      '* * * *',
      '60 * * * *',
      '0 24 * * *',
      '0 0 0 * *',
      '5-1 * * * *',
      '*/0 * * * *',
    ]) {
      expect(parseCron(bad), bad).toBeNull();
    }
  });

  it('matches minutes, and either day field when both are restricted', () => {
    const weekdays = parseCron('0 8-18/2 * * 1-5')!;
    expect(matches(weekdays, new Date(2024, 4, 6, 10, 0))).toBe(true); // Monday 10:00
    expect(matches(weekdays, new Date(2024, 4, 6, 11, 0))).toBe(false);
    expect(matches(weekdays, new Date(2024, 4, 5, 10, 0))).toBe(false); // Sunday
    const either = parseCron('0 0 1 * 0')!; // the 1st, or any Sunday
    expect(matches(either, new Date(2024, 4, 1, 0, 0))).toBe(true); // Wednesday the 1st
    expect(matches(either, new Date(2024, 4, 5, 0, 0))).toBe(true); // Sunday the 5th
    expect(matches(either, new Date(2024, 4, 6, 0, 0))).toBe(false);
    expect(matches(parseCron('0 0 * * 7')!, new Date(2024, 4, 5, 0, 0))).toBe(true); // 7 = Sunday
  });

  it('finds the latest firing since the last queueing, once', () => {
    const nightly = parseCron('0 2 * * *')!;
    const now = new Date(2024, 4, 6, 2, 4);
    expect(lastFiring(nightly, new Date(2024, 4, 5, 2, 0), now)).toEqual(new Date(2024, 4, 6, 2, 0));
    expect(lastFiring(nightly, new Date(2024, 4, 6, 2, 0), now)).toBeNull();
    expect(lastFiring(nightly, null, new Date(2024, 4, 6, 1, 0))).toEqual(new Date(2024, 4, 5, 2, 0));
  });
});
