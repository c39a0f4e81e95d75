// Pure helpers of the park buildings view (楼栋、单元与入驻投产, issue 3): per-building figures
// from GET /api/v1/parks/{id}/buildings, the month-end dates of the time series, the chart
// series, and per-field errors from a problem+json answer.

/** Formats a Date (local) as YYYY-MM-DD. */
export function isoDate(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/**
 * The month-end dates of the `months` months up to and including the month of `asOf`
 * ("YYYY-MM-DD"), oldest first; the last one is `asOf` itself (a month that is not over yet is
 * shown as of that day).
 */
export function monthEnds(asOf, months = 24) {
  const [y, m] = String(asOf).split('-').map(Number);
  if (!y || !m || months < 1) {
    return [];
  }
  const out = [];
  for (let k = months - 1; k >= 1; k -= 1) {
    // Day 0 of the next month is the last day of this one.
    out.push(isoDate(new Date(y, m - 1 - k + 1, 0)));
  }
  out.push(String(asOf));
  return out;
}

/**
 * One table row per building: floor area, unit counts, occupied / producing units and areas and
 * the building's floor occupancy (occupied area ÷ unit area) as of the answer's date.
 */
export function buildingRows(body) {
  return ((body && body.buildings) || []).map((b) => {
    const units = b.units || [];
    let unitArea = 0;
    let occupiedArea = 0;
    let occupied = 0;
    let producing = 0;
    for (const u of units) {
      const area = Number(u.area_m2) || 0;
      unitArea += area;
      const latest = u.latest;
      if (latest && latest.occupied) {
        occupied += 1;
        occupiedArea += area;
      }
      if (latest && latest.producing) {
        producing += 1;
      }
    }
    return {
      ...b,
      unitCount: units.length,
      unitArea,
      occupied,
      producing,
      occupiedArea,
      occupancy: unitArea > 0 ? occupiedArea / unitArea : null,
    };
  });
}

/** A 0..1 rate as a percentage rounded to 0.1, or null. */
export function pct(v) {
  return v === null || v === undefined || Number.isNaN(Number(v)) ? null : Math.round(Number(v) * 1000) / 10;
}

/**
 * Chart series from [{date, rates}] (rates as in the buildings answer): floor occupancy and
 * production rate in percent, as [date, value] pairs (null when the rate is undefined).
 */
export function rateSeries(points) {
  const floor = [];
  const production = [];
  for (const p of points || []) {
    const r = (p && p.rates) || {};
    floor.push([p.date, pct(r.floor_occupancy)]);
    production.push([p.date, pct(r.production_rate)]);
  }
  return { floor, production };
}

/**
 * Per-field messages of a failed form submission: { field: message } from an API error with a
 * `field` (problem+json), else { _: message } for the form as a whole. `fields` are the form's
 * field names; an error naming another field also goes to "_".
 */
export function fieldErrors(error, fields, locale) {
  if (!error) {
    return {};
  }
  const message = typeof error.localized === 'function' ? error.localized(locale) : String(error.message || error);
  const field = error.field || '';
  if (field && fields.includes(field)) {
    return { [field]: message };
  }
  return { _: message };
}

/** Parses a decimal number typed in a form; NaN for blank or invalid text. */
export function parseNumber(text) {
  const s = String(text ?? '').trim();
  return s === '' || !/^-?\d+(\.\d+)?$/.test(s) ? Number.NaN : Number(s);
}
