import { describe, expect, it } from 'vitest';
import {
  clauseToRow,
  errorTarget,
  matchExportUrl,
  matchQuery,
  newRow,
  parseMissing,
  resultType,
  rowToClause,
  rowsToRule,
  ruleToRows,
  splitList,
} from './policy.js';

describe('policy clause builder', () => {
  it('turns rows into rule JSON with typed values', () => {
    const money = { ...newRow('revenue'), value: '10000000' };
    const share = { ...newRow('rd_share'), value: '3', years: 2 };
    const district = { ...newRow('district'), list: '高新区、天府新区' };
    const chain = { ...newRow('chain'), list: '3, 4', on: '2026-01-01' };
    const flag = { ...newRow('green_factory'), is: false };
    expect(rowsToRule('any', [money, share, district, chain, flag])).toEqual({
      any: [
        { fact: 'revenue', op: 'gte', value: '10000000', year_offset: -1, years: 1 },
        { fact: 'rd_share', op: 'gte', value: 3, year_offset: -1, years: 2 },
        { fact: 'district', in: ['高新区', '天府新区'] },
        { fact: 'chain', in: [3, 4], on: '2026-01-01' },
        { fact: 'green_factory', is: false },
      ],
    });
  });

  it('round-trips a simple rule and keeps groups raw', () => {
    const rule = {
      all: [
        { fact: 'employees', op: 'gte', value: 50, year_offset: -1 },
        { any: [{ fact: 'above_size', is: true }] },
      ],
    };
    const { combinator, rows } = ruleToRows(rule);
    expect(combinator).toBe('all');
    expect(rows[1].raw).toContain('any');
    expect(rowsToRule(combinator, rows)).toEqual(rule);
    expect(clauseToRow({ fact: 'revenue', op: 'gte', value: '1', year: 2025 }).raw).toContain('2025');
  });

  it('maps server error paths to the row and input', () => {
    expect(errorTarget('rule.all[2].value')).toEqual({ row: 2, key: 'value' });
    expect(errorTarget('rule.any[0].in[1]')).toEqual({ row: 0, key: 'list' });
    expect(errorTarget('rule.all[1].year_offset')).toEqual({ row: 1, key: 'yearOffset' });
    expect(errorTarget('rule.all[3]')).toEqual({ row: 3, key: 'fact' });
    expect(errorTarget('rule')).toEqual({ row: null, key: 'rule' });
    expect(errorTarget('effective_to')).toBeNull();
  });

  it('splits lists on commas, 、 and spaces', () => {
    expect(splitList(' a,b，c、 d ')).toEqual(['a', 'b', 'c', 'd']);
    expect(rowToClause({ ...newRow('park'), list: '' }).in).toEqual([]);
  });
});

describe('policy matching helpers', () => {
  it('colours results and parses missing facts', () => {
    expect(resultType('yes')).toBe('success');
    expect(resultType('no')).toBe('danger');
    expect(resultType('unknown')).toBe('warning');
    expect(parseMissing('revenue:2025')).toEqual({ fact: 'revenue', year: 2025 });
    expect(parseMissing('founded_on')).toEqual({ fact: 'founded_on', year: null });
  });

  it('builds match queries and export URLs without empty filters', () => {
    expect(matchQuery({ page: 2, pageSize: 50, result: 'unknown', district: '' })).toEqual({
      page: 2,
      page_size: 50,
      result: 'unknown',
    });
    expect(matchExportUrl(7, { result: 'yes', page: 3 }, 'xlsx')).toBe(
      '/api/v1/policies/7/enterprises?result=yes&format=xlsx',
    );
  });
});
