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
  FACTS,
  catalogueFrom,
  leafCount,
  locateError,
  newGroup,
  newLeaf,
  rootTree,
  treeToRule,
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

describe('structured rule editor tree', () => {
  it('builds nested groups, negation, typed values and dated parameters', () => {
    const revenue = { ...newLeaf('revenue'), value: '20000000', years: 2 };
    const share = { ...newLeaf('rd_share'), value: '3', yearMode: 'absolute', year: 2025 };
    const tier = { ...newLeaf('gradient_tier'), list: ['specialized', 'little_giant'], on: '2026-03-01' };
    const green = { ...newLeaf('green_factory'), is: false, negate: true, label: '非绿色工厂' };
    const chain = { ...newLeaf('chain'), list: ['3', '4'] };
    const root = newGroup('all', [revenue, newGroup('any', [share, tier]), green, chain]);
    const paths = new Map();
    expect(treeToRule(root, FACTS, 'rule', paths)).toEqual({
      all: [
        { fact: 'revenue', op: 'gte', value: '20000000', year_offset: -1, years: 2 },
        { any: [
          { fact: 'rd_share', op: 'gte', value: 3, year: 2025, years: 1 },
          { fact: 'gradient_tier', in: ['specialized', 'little_giant'], on: '2026-03-01' },
        ] },
        { not: { fact: 'green_factory', is: false }, label_zh: '非绿色工厂' },
        { fact: 'chain', in: [3, 4] },
      ],
    });
    expect(paths.get(root.key)).toBe('rule');
    expect(paths.get(tier.key)).toBe('rule.all[1].any[1]');
    expect(paths.get(green.key)).toBe('rule.all[2].not');
  });

  it('round-trips server rules through the tree', () => {
    const rule = {
      all: [
        { fact: 'employees', op: 'lt', value: 1000, year_offset: -2, id: 'zjtx.size', label_zh: '规模', label_en: 'Size' },
        { any: [{ fact: 'above_size', is: true }, { not: { fact: 'district', in: ['高新区'] } }] },
      ],
    };
    const tree = rootTree(rule);
    expect(tree.kind).toBe('group');
    expect(leafCount(tree)).toBe(3);
    expect(treeToRule(tree)).toEqual(rule);
    const lone = rootTree({ fact: 'above_size', is: true });
    expect(treeToRule(lone)).toEqual({ all: [{ fact: 'above_size', is: true }] });
  });

  it('locates server error paths on the node and input they name', () => {
    const a = { ...newLeaf('revenue') };
    const b = { ...newLeaf('district'), negate: true };
    const inner = newGroup('any', [b]);
    const root = newGroup('all', [a, inner]);
    const paths = new Map();
    treeToRule(root, FACTS, 'rule', paths);
    expect(locateError('rule.all[0].value', paths)).toEqual({ key: a.key, input: 'value' });
    expect(locateError('rule.all[0].year_offset', paths)).toEqual({ key: a.key, input: 'year' });
    expect(locateError('rule.all[1].any[0].not.in[2]', paths)).toEqual({ key: b.key, input: 'list' });
    expect(locateError('rule.all[1].any', paths)).toEqual({ key: inner.key, input: 'node' });
    expect(locateError('rule', paths)).toEqual({ key: root.key, input: 'node' });
    expect(locateError('benefit_zh', paths)).toBeNull();
  });

  it('reads the server fact catalogue', () => {
    const c = catalogueFrom({ facts: [{ fact: 'employees', kind: 'number', yearly: true, window: false, dated: false, label_zh: '从业人员' }] });
    expect(c.employees).toEqual({ kind: 'number', yearly: true, window: false, dated: false, labelZh: '从业人员' });
    expect(c.revenue.kind).toBe('money');
  });
});
