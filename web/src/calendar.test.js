import { describe, expect, it } from 'vitest';
import { dayKind, dayName, monthGrid, monthRange, weekdayMon0, workingDaysPerMonth, yearRange } from './calendar.js';

describe('calendar helpers', () => {
  it('computes month and year ranges, including leap February', () => {
    expect(monthRange(2024, 2)).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(monthRange(2026, 2)).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(yearRange(2026)).toEqual({ from: '2026-01-01', to: '2026-12-31' });
  });

  it('classifies holidays, make-up working days and rest days', () => {
    // 2026-02-14 is a Saturday; 2026-02-17 a Tuesday.
    expect(weekdayMon0('2026-02-14')).toBe(5);
    expect(dayKind({ date: '2026-02-17', working: false, holiday: '春节' })).toBe('holiday');
    expect(dayKind({ date: '2026-02-14', working: true, holiday: null })).toBe('makeup');
    expect(dayKind({ date: '2026-02-15', working: false, holiday: null })).toBe('rest');
    expect(dayKind({ date: '2026-02-10', working: true, holiday: null })).toBe('working');
  });

  it('prefers the server kind and reads names in the current language', () => {
    const spring = { date: '2026-02-17', working: false, kind: 'holiday', name: { 'zh-CN': '春节', en: 'Spring Festival' } };
    expect(dayKind(spring)).toBe('holiday');
    expect(dayName(spring, 'en')).toBe('Spring Festival');
    expect(dayName(spring, 'zh-CN')).toBe('春节');
    expect(dayKind({ date: '2026-02-14', working: true, kind: 'makeup_workday', name: null })).toBe('makeup');
    expect(dayKind({ date: '2026-02-15', working: false, kind: 'weekend', name: null })).toBe('rest');
    expect(dayKind({ date: '2026-02-16', working: true, kind: 'weekday', name: null })).toBe('working');
    expect(dayName({ date: '2026-02-16', working: true, kind: 'weekday', name: null })).toBe('');
  });

  it('counts working days per month and leaves months without data null', () => {
    const days = [
      { date: '2026-01-01', working: false, kind: 'holiday', name: { 'zh-CN': '元旦', en: "New Year's Day" } },
      { date: '2026-01-02', working: true, holiday: null },
      { date: '2026-01-05', working: true, holiday: null },
      { date: '2026-03-02', working: true, holiday: null },
      { date: '2025-12-31', working: true, holiday: null },
    ];
    const c = workingDaysPerMonth(days, 2026);
    expect(c).toHaveLength(12);
    expect(c[0]).toBe(2);
    expect(c[1]).toBeNull();
    expect(c[2]).toBe(1);
  });

  it('lays a month out Monday first with padding', () => {
    // 2026-02-01 is a Sunday: six empty cells before it; 28 days fill 5 weeks.
    const weeks = monthGrid(2026, 2, [{ date: '2026-02-01', working: false, holiday: null }]);
    expect(weeks).toHaveLength(5);
    expect(weeks[0].slice(0, 6)).toEqual([null, null, null, null, null, null]);
    expect(weeks[0][6]).toMatchObject({ date: '2026-02-01', day: 1, kind: 'rest' });
    expect(weeks[1][0]).toMatchObject({ date: '2026-02-02', kind: null });
    expect(weeks.flat().filter(Boolean)).toHaveLength(28);
  });
});
