// Display formatting shared by pages.

/**
 * Turns a server timestamp into a Date: an ISO 8601 string, or a number of seconds,
 * milliseconds or microseconds since the epoch (told apart by magnitude). Null when absent.
 */
export function toDate(value) {
  if (value === null || value === undefined || value === '') {
    return null;
  }
  if (typeof value === 'number') {
    const abs = Math.abs(value);
    const ms = abs >= 1e14 ? value / 1000 : abs >= 1e11 ? value : value * 1000;
    return new Date(ms);
  }
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Formats a timestamp as local "YYYY-MM-DD HH:mm"; '' when absent or unreadable. */
export function formatTime(value) {
  const d = toDate(value);
  if (!d) {
    return '';
  }
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
