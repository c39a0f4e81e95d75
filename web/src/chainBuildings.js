// Pure helpers of the park buildings view (楼栋、单元与入驻投产, issue 3): per-building figures
// from GET /api/v1/parks/{id}/buildings, the month range and points of the monthly series (GET
// /api/v1/parks/{id}/occupancy/series), the chart series, and per-field errors from a
// problem+json answer.

/** Formats a Date (local) as YYYY-MM-DD. */
export function isoDate(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/**
 * The months of the occupancy series up to the month of `asOf` ("YYYY-MM-DD"): { from, to } as
 * "YYYY-MM", `months` months in all (GET /api/v1/parks/{id}/occupancy/series?from=&to=), or null
 * for a bad date.
 */
export function monthRange(asOf, months = 24) {
  const [y, m] = String(asOf || '').split('-').map(Number);
  if (!y || !m || months < 1) {
    return null;
  }
  const p = (n) => String(n).padStart(2, '0');
  const first = new Date(y, m - 1 - (months - 1), 1);
  return { from: `${first.getFullYear()}-${p(first.getMonth() + 1)}`, to: `${y}-${p(m)}` };
}

/**
 * Chart points [{date, rates}] of a series answer: the park's (`building` null/'park') or one
 * building's (by id), only months with units (a month before any unit has no rate to draw).
 */
export function seriesPoints(body, building = null) {
  if (!body) {
    return [];
  }
  let series = body.park || [];
  if (building !== null && building !== 'park') {
    const b = (body.buildings || []).find((x) => String(x.id) === String(building));
    series = (b && b.series) || [];
  }
  return series.filter((p) => p && p.units > 0).map((p) => ({ date: p.date, rates: p }));
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
