import { describe, expect, it } from 'vitest';
import {
  COLORS,
  byConcentration,
  chainTree,
  enterpriseQuery,
  exportUrl,
  jobPercent,
  jobStatus,
  uploadType,
  XLSX_TYPE,
  gapList,
  hhiLevel,
  isDemo,
  leafCount,
  localName,
  occupancySeries,
  percent,
  wanYuan,
  yearRows,
} from './chain.js';

const detail = {
  chain: { id: 1, code: 'CD-AI', name: '人工智能', name_en: 'Artificial intelligence' },
  nodes: [
    { id: 1, code: 'AI-CHIP', name: '智能芯片', name_en: 'AI chips', segment: 'upstream', parent_id: null, choke_point: true },
    { id: 4, code: 'AI-FRAME', name: '算法框架', name_en: 'Frameworks', segment: 'midstream', parent_id: null, choke_point: true },
    { id: 5, code: 'AI-MODEL', name: '大模型', name_en: 'Models', segment: 'midstream', parent_id: 4 },
    { id: 8, code: 'AI-APP', name: '行业应用', name_en: 'Applications', segment: 'downstream', parent_id: null },
  ],
};
const analysis = {
  nodes: [
    { id: 1, code: 'AI-CHIP', name: '智能芯片', segment: 'upstream', criticality: 5, choke_point: true, local_firms: 8, external_firms: 1, hhi: 1514, single_source: false },
    { id: 4, code: 'AI-FRAME', name: '算法框架', segment: 'midstream', criticality: 5, choke_point: true, local_firms: 0, external_firms: 5, hhi: 3853, single_source: false },
    { id: 5, code: 'AI-MODEL', name: '大模型', segment: 'midstream', criticality: 4, choke_point: false, local_firms: 5, external_firms: 1, hhi: 1919, single_source: false },
    { id: 8, code: 'AI-APP', name: '行业应用', segment: 'downstream', criticality: 2, choke_point: false, local_firms: 0, external_firms: 1, hhi: 10000, single_source: true },
  ],
  gaps: [4, 8],
};

function find(tree, id) {
  if (tree.id === id) return tree;
  for (const c of tree.children || []) {
    const f = find(c, id);
    if (f) return f;
  }
  return null;
}

describe('chainTree', () => {
  const tree = chainTree(detail, analysis, 'zh-CN', (s) => `seg:${s}`);

  it('puts the chain at the root and segments in upstream, midstream, downstream order', () => {
    expect(tree.name).toBe('人工智能');
    expect(tree.children.map((c) => c.segment)).toEqual(['upstream', 'midstream', 'downstream']);
    expect(tree.children[0].name).toBe('seg:upstream');
  });

  it('nests sub-nodes under their parent', () => {
    const frame = find(tree, 'node-4');
    expect(frame.children.map((c) => c.nodeId)).toEqual([5]);
    expect(tree.children[1].children.map((c) => c.nodeId)).toEqual([4]);
  });

  it('colours covered nodes green and gaps red', () => {
    expect(find(tree, 'node-1').itemStyle.color).toBe(COLORS.covered);
    expect(find(tree, 'node-4').itemStyle.color).toBe(COLORS.gap);
    expect(find(tree, 'node-4').gap).toBe(true);
    expect(find(tree, 'node-1').gap).toBe(false);
  });

  it('marks choke points with a diamond and a thick border', () => {
    const chip = find(tree, 'node-1');
    expect(chip.symbol).toBe('diamond');
    expect(chip.itemStyle.borderWidth).toBeGreaterThan(1);
    expect(find(tree, 'node-5').symbol).toBe('circle');
  });

  it('carries local/external counts and HHI for the tooltip', () => {
    expect(find(tree, 'node-4').value).toEqual({ local: 0, external: 5, hhi: 3853, singleSource: false, criticality: 5 });
  });

  it('uses English names when asked and counts leaves', () => {
    const en = chainTree(detail, analysis, 'en');
    expect(en.name).toBe('Artificial intelligence');
    expect(leafCount(tree)).toBe(3);
  });

  it('shows nodes without analysis in grey', () => {
    const t = chainTree(detail, null, 'zh-CN');
    expect(find(t, 'node-1').itemStyle.color).toBe(COLORS.unknown);
    expect(find(t, 'node-1').value).toBeNull();
  });
});

describe('analysis helpers', () => {
  it('lists gaps most critical first, choke points first at equal criticality', () => {
    expect(gapList(analysis).map((n) => n.id)).toEqual([4, 8]);
    expect(gapList(null)).toEqual([]);
  });

  it('sorts nodes by concentration', () => {
    expect(byConcentration(analysis).map((n) => n.id)).toEqual([8, 4, 5, 1]);
  });

  it('grades HHI', () => {
    expect(hhiLevel(1000)).toBe('low');
    expect(hhiLevel(1500)).toBe('moderate');
    expect(hhiLevel(2500)).toBe('high');
    expect(hhiLevel(undefined)).toBe('low');
  });
});

describe('formatting and queries', () => {
  it('detects demo provenance', () => {
    expect(isDemo({ provenance: { source: 'demo: synthetic' } })).toBe(true);
    expect(isDemo({ provenance: { source: '2025 statistics bureau' } })).toBe(false);
    expect(isDemo({})).toBe(false);
  });

  it('picks the name in the UI language', () => {
    expect(localName({ name: '园区', name_en: 'Park' }, 'en')).toBe('Park');
    expect(localName({ name: '园区', name_en: '' }, 'en')).toBe('园区');
    expect(localName({ name: '园区', name_en: 'Park' }, 'zh-CN')).toBe('园区');
  });

  it('formats percentages and amounts', () => {
    expect(percent(0.875)).toBe('87.5%');
    expect(percent(null)).toBe('—');
    expect(wanYuan('1816279622.00')).toBe('181,627.96');
    expect(wanYuan(null)).toBe('—');
  });

  it('builds the enterprise list query without empty filters', () => {
    expect(enterpriseQuery({ district: ' 高新区 ', park: '', chain: 2, node: null, aboveSize: null, q: '  ' }, 3, 50)).toEqual({
      district: '高新区',
      chain: 2,
      page: 3,
      page_size: 50,
    });
    expect(enterpriseQuery({ aboveSize: false, q: '芯' })).toEqual({ above_size: 'false', q: '芯', page: 1, page_size: 20 });
  });

  it('merges facts by year, newest first', () => {
    expect(yearRows({ revenue: { 2024: '1', 2025: '2' }, rd: { 2025: '3' } })).toEqual([
      { year: '2025', revenue: '2', rd: '3' },
      { year: '2024', revenue: '1', rd: null },
    ]);
  });

  it('turns occupancy rates into percent points', () => {
    const s = occupancySeries([{ date: '2024-12-31', land: 0.58, floor: null, production: 0.5172 }]);
    expect(s.land).toEqual([['2024-12-31', 58]]);
    expect(s.floor).toEqual([['2024-12-31', null]]);
    expect(s.production).toEqual([['2024-12-31', 51.7]]);
  });
});

describe('import and export helpers', () => {
  it('picks the upload type from the file name', () => {
    expect(uploadType('企业.xlsx')).toBe(XLSX_TYPE);
    expect(uploadType('FIRMS.XLSX')).toBe(XLSX_TYPE);
    expect(uploadType('firms.csv')).toBe('text/csv');
    expect(uploadType('')).toBe('text/csv');
  });
  it('builds export URLs with the filters and the format', () => {
    expect(exportUrl('/api/v1/enterprises', { district: '高新区', park: null, page: 2, q: '' }, 'xlsx')).toBe(
      '/api/v1/enterprises?district=%E9%AB%98%E6%96%B0%E5%8C%BA&page=2&format=xlsx',
    );
    expect(exportUrl('/api/v1/chains', {}, 'csv')).toBe('/api/v1/chains?format=csv');
    expect(exportUrl('/api/v1/chains', undefined, 'pdf')).toBe('/api/v1/chains?format=csv');
  });
  it('turns job progress into a percentage and a status', () => {
    expect(jobPercent(null)).toBe(0);
    expect(jobPercent({ state: 'running', phase: 'reading', processed: 50, total: 100 })).toBe(25);
    expect(jobPercent({ state: 'running', phase: 'writing', processed: 50, total: 100 })).toBe(75);
    expect(jobPercent({ state: 'running', phase: 'reading', processed: 0, total: 0 })).toBe(0);
    expect(jobPercent({ state: 'rejected', processed: 1, total: 9 })).toBe(100);
    expect(jobStatus({ state: 'done' })).toBe('success');
    expect(jobStatus({ state: 'rejected' })).toBe('exception');
    expect(jobStatus({ state: 'running' })).toBe('');
  });
});
