import { describe, expect, it } from 'vitest';
import { membersAt, shopWeekday } from './channel-codes.js';

/** Who answers a channel code when: schedules in shop time (UTC+8), the default members, the backup. */
describe('channel code members', () => {
  // 2026-12-07 is a Monday; 01:30 UTC is 09:30 in Shanghai, 16:30 UTC (Monday) is 00:30 Tuesday there.
  const mondayMorning = new Date('2026-12-07T01:30:00Z');
  const tuesdayJustAfterMidnight = new Date('2026-12-07T16:30:00Z');
  const code = {
    mode: 'rotation' as const,
    users: ['night1', 'night2'],
    schedules: [{ weekdays: [1, 2, 3, 4, 5], start: '09:00', end: '18:00', users: ['day1', 'day2'] }],
    backupUserid: 'backup',
  };
  const everyone = new Set(['night1', 'night2', 'day1', 'day2', 'backup']);

  it('reads the weekday in shop time', () => {
    expect(shopWeekday(mondayMorning)).toBe(1);
    expect(shopWeekday(tuesdayJustAfterMidnight)).toBe(2);
    expect(shopWeekday(new Date('2026-12-06T15:59:00Z'))).toBe(7);
  });

  it('gives the scheduled members during their hours and the default members outside them', () => {
    expect(membersAt(code, mondayMorning, everyone)).toEqual(['day1', 'day2']);
    expect(membersAt(code, tuesdayJustAfterMidnight, everyone)).toEqual(['night1', 'night2']);
    // 18:00 is the end: exclusive.
    expect(membersAt(code, new Date('2026-12-07T10:00:00Z'), everyone)).toEqual(['night1', 'night2']);
  });

  it('leaves out who is gone, and falls back to the backup when nobody scheduled is there', () => {
    expect(membersAt(code, mondayMorning, new Set(['day2', 'backup']))).toEqual(['day2']);
    expect(membersAt(code, mondayMorning, new Set(['night1', 'backup']))).toEqual(['backup']);
    expect(membersAt({ ...code, backupUserid: null }, mondayMorning, new Set())).toEqual(['day1']);
  });

  it('keeps a single-member code to one member', () => {
    expect(membersAt({ ...code, mode: 'single', users: ['a'], schedules: [{ weekdays: [1], start: '00:00', end: '23:59', users: ['b'] }] }, mondayMorning, new Set(['a', 'b']))).toEqual(['b']);
  });
});
