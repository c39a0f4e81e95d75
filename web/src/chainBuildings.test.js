import { describe, expect, it } from 'vitest';
import { ApiError } from './api/client.js';
import { buildingRows, fieldErrors, monthRange, parseNumber, pct, rateSeries, seriesPoints } from './chainBuildings.js';

describe('monthRange', () => {
  it('gives the first and last month of the series ending in the month of the date', () => {
    expect(monthRange('2026-03-15', 4)).toEqual({ from: '2025-12', to: '2026-03' });
    expect(monthRange('2025-01-10', 24)).toEqual({ from: '2023-02', to: '2025-01' });
    expect(monthRange('2026-12-31', 12)).toEqual({ from: '2026-01', to: '2026-12' });
  });
  it('returns null for a bad date', () => {
    expect(monthRange('', 3)).toBeNull();
  });
});

describe('seriesPoints', () => {
  const body = {
    park: [
      { month: '2026-01', date: '2026-01-31', units: 0, floor_occupancy: null, production_rate: null },
      { month: '2026-02', date: '2026-02-28', units: 2, floor_occupancy: 0.5, production_rate: 1 },
    ],
    buildings: [{ id: 7, name: 'A1', series: [{ date: '2026-01-31', units: 1, floor_occupancy: 1, production_rate: 0 }] }],
  };
  it('takes the park series by default and drops months without units', () => {
    expect(seriesPoints(body)).toEqual([{ date: '2026-02-28', rates: body.park[1] }]);
    expect(seriesPoints(body, 'park')).toHaveLength(1);
  });
  it('takes one building by id', () => {
    expect(seriesPoints(body, '7')[0].rates.floor_occupancy).toBe(1);
    expect(seriesPoints(body, 8)).toEqual([]);
    expect(seriesPoints(null)).toEqual([]);
  });
});

describe('buildingRows', () => {
  const body = {
    buildings: [
      {
        id: 1,
        name: 'A1',
        floor_area_m2: 5000,
        units: [
          { id: 10, area_m2: 300, latest: { occupied: true, producing: true } },
          { id: 11, area_m2: 100, latest: { occupied: true, producing: false } },
          { id: 12, area_m2: 600, latest: null },
        ],
      },
      { id: 2, name: 'B1', floor_area_m2: 800, units: [] },
    ],
  };
  it('counts units, occupied and producing ones and the occupancy by area', () => {
    const [a, b] = buildingRows(body);
    expect(a).toMatchObject({ unitCount: 3, occupied: 2, producing: 1, unitArea: 1000, occupiedArea: 400 });
    expect(a.occupancy).toBeCloseTo(0.4);
    expect(b.unitCount).toBe(0);
    expect(b.occupancy).toBeNull();
  });
  it('accepts an empty answer', () => {
    expect(buildingRows(null)).toEqual([]);
  });
});

describe('rateSeries', () => {
  it('turns rates into percentage pairs and keeps missing rates as null', () => {
    const s = rateSeries([
      { date: '2026-01-31', rates: { floor_occupancy: 0.5234, production_rate: null } },
      { date: '2026-02-28', rates: { floor_occupancy: 1, production_rate: 0.25 } },
    ]);
    expect(s.floor).toEqual([
      ['2026-01-31', 52.3],
      ['2026-02-28', 100],
    ]);
    expect(s.production).toEqual([
      ['2026-01-31', null],
      ['2026-02-28', 25],
    ]);
    expect(pct(undefined)).toBeNull();
  });
});

describe('fieldErrors', () => {
  const problem = (field) =>
    new ApiError({ status: 400, code: 'invalid_argument', field, messages: { 'zh-CN': '楼层超出楼栋层数', en: 'floor is above the building' } });
  it('puts a problem naming a form field under that field, in the UI language', () => {
    expect(fieldErrors(problem('floor'), ['code', 'floor'], 'zh-CN')).toEqual({ floor: '楼层超出楼栋层数' });
    expect(fieldErrors(problem('floor'), ['code', 'floor'], 'en')).toEqual({ floor: 'floor is above the building' });
  });
  it('puts other problems on the form as a whole', () => {
    expect(fieldErrors(problem('id'), ['code', 'floor'], 'en')).toEqual({ _: 'floor is above the building' });
    expect(fieldErrors(problem(null), ['code'], 'en')).toEqual({ _: 'floor is above the building' });
    expect(fieldErrors(null, ['code'], 'en')).toEqual({});
  });
});

describe('parseNumber', () => {
  it('parses decimals and rejects anything else', () => {
    expect(parseNumber('12')).toBe(12);
    expect(parseNumber(' 2.5 ')).toBe(2.5);
    expect(parseNumber('')).toBeNaN();
    expect(parseNumber('3层')).toBeNaN();
  });
});
