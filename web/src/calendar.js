// Business-calendar helpers for the pages: date ranges, the kind of each day (working, rest,
// public holiday, make-up working day), working days per month and the Monday-first month grid.
// Pure functions; dates are "YYYY-MM-DD" strings in the city's time zone as the server sends them.

function pad(n) {
  return String(n).padStart(2, '0');
}

/** Formats year, month (1-12) and day as "YYYY-MM-DD". */
export function isoDate(year, month, day) {
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** Returns the number of days in `month` (1-12) of `year`. */
export function daysInMonth(year, month) {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Returns {from, to} covering the whole month. */
export function monthRange(year, month) {
  return { from: isoDate(year, month, 1), to: isoDate(year, month, daysInMonth(year, month)) };
}

/** Returns {from, to} covering the whole year. */
export function yearRange(year) {
  return { from: isoDate(year, 1, 1), to: isoDate(year, 12, 31) };
}

/** Returns 0 (Monday) .. 6 (Sunday) for a "YYYY-MM-DD" date. */
export function weekdayMon0(date) {
  const [y, m, d] = date.split('-').map(Number);
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

/** The server's day kinds (GET /api/v1/calendar/days "kind") mapped to the page's. */
const SERVER_KINDS = { weekday: 'working', weekend: 'rest', holiday: 'holiday', makeup_workday: 'makeup' };

/**
 * Returns the kind of a calendar day from the server: "holiday" (a day off listed by a notice),
 * "makeup" (a make-up working day, 调休上班), "rest" (weekend) or "working". Uses the server's
 * `kind` when present, otherwise derives it from `working` and the weekday.
 * @param {{date: string, working: boolean, kind?: string, name?: object|null, holiday?: string|null}} day
 */
export function dayKind(day) {
  if (day.kind && SERVER_KINDS[day.kind]) {
    return SERVER_KINDS[day.kind];
  }
  const weekend = weekdayMon0(day.date) >= 5;
  if (!day.working) {
    return day.holiday || day.name ? 'holiday' : 'rest';
  }
  return weekend ? 'makeup' : 'working';
}

/**
 * Returns the day's holiday or make-up day name in `locale` ("春节", "Spring Festival"), or ''.
 * Accepts the server's {"zh-CN","en"} object and a plain string.
 */
export function dayName(day, locale = 'zh-CN') {
  const n = day && (day.name ?? day.holiday);
  if (!n) {
    return '';
  }
  if (typeof n === 'string') {
    return n;
  }
  return n[locale] || n['zh-CN'] || n.en || '';
}

/**
 * Counts working days per month of `year`. Months without any day in `days` get null (unknown),
 * so a chart can tell "no data" from zero.
 * @returns {Array<number|null>} 12 entries
 */
export function workingDaysPerMonth(days, year) {
  const counts = new Array(12).fill(null);
  const prefix = `${year}-`;
  for (const d of days || []) {
    if (!d || typeof d.date !== 'string' || !d.date.startsWith(prefix)) {
      continue;
    }
    const m = Number(d.date.slice(5, 7)) - 1;
    if (m < 0 || m > 11) {
      continue;
    }
    counts[m] = (counts[m] || 0) + (d.working ? 1 : 0);
  }
  return counts;
}

/**
 * Builds the Monday-first grid of a month: an array of weeks, each 7 cells; cells outside the
 * month are null, cells inside are {date, day, kind, name, weekend} with kind null when the
 * server sent nothing for that date.
 */
export function monthGrid(year, month, days, locale = 'zh-CN') {
  const byDate = new Map((days || []).map((d) => [d.date, d]));
  const n = daysInMonth(year, month);
  const cells = [];
  const lead = weekdayMon0(isoDate(year, month, 1));
  for (let i = 0; i < lead; i++) {
    cells.push(null);
  }
  for (let d = 1; d <= n; d++) {
    const date = isoDate(year, month, d);
    const info = byDate.get(date);
    cells.push({
      date,
      day: d,
      kind: info ? dayKind(info) : null,
      name: info ? dayName(info, locale) : '',
      weekend: weekdayMon0(date) >= 5,
    });
  }
  while (cells.length % 7 !== 0) {
    cells.push(null);
  }
  const weeks = [];
  for (let i = 0; i < cells.length; i += 7) {
    weeks.push(cells.slice(i, i + 7));
  }
  return weeks;
}
