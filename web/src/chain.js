// Pure helpers for the industrial-chain pages: turning a chain map plus its analysis into an
// ECharts tree (chain → segment → nodes, coloured by local coverage, choke points marked),
// HHI levels, demo-data detection, names in the UI language and enterprise-list queries.
// No Vue or ECharts imports, so the unit tests exercise them directly.

export const SEGMENTS = ['upstream', 'midstream', 'downstream'];

/** Colours shared by the graph, legends and tables. */
export const COLORS = {
  covered: '#16a34a', // the node has local firms
  gap: '#dc2626', // no local firm: a gap in the chain
  choke: '#7c2d12', // border of choke-point (卡脖子) nodes
  segment: '#2563eb',
  root: '#1e3a8a',
  unknown: '#9ca3af', // no analysis for the node
};

/** HHI thresholds (US DOJ / FTC 2010 convention): below 1500 unconcentrated, above 2500 high. */
export const HHI_MODERATE = 1500;
export const HHI_HIGH = 2500;

/** Returns "low", "moderate" or "high" for a Herfindahl–Hirschman index on the 0–10000 scale. */
export function hhiLevel(hhi) {
  const v = Number(hhi) || 0;
  if (v >= HHI_HIGH) {
    return 'high';
  }
  if (v >= HHI_MODERATE) {
    return 'moderate';
  }
  return 'low';
}

/** True when a record's provenance marks it as synthetic demo data ("demo: ..."). */
export function isDemo(record) {
  const src = record && record.provenance && record.provenance.source;
  return typeof src === 'string' && /^demo\b/i.test(src.trim());
}

/** Returns the name in the UI language: `name_en` for English when present, else `name`. */
export function localName(record, locale) {
  if (!record) {
    return '';
  }
  if (locale === 'en' && record.name_en) {
    return record.name_en;
  }
  return record.name || record.name_en || record.code || '';
}

/** Formats a 0..1 share as a percentage with `digits` decimals; '—' when absent. */
export function percent(v, digits = 1) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) {
    return '—';
  }
  return `${(Number(v) * 100).toFixed(digits)}%`;
}

/** Returns the colour of an analysed node: green when it has local firms, red when a gap. */
export function nodeColor(a) {
  if (!a) {
    return COLORS.unknown;
  }
  return (a.local_firms || 0) > 0 ? COLORS.covered : COLORS.gap;
}

/**
 * Builds the ECharts tree data of a chain: the chain at the root, its segments (upstream,
 * midstream, downstream, in that order, empty ones left out) and their nodes, sub-nodes nested
 * under their parent (parent_id from the chain map). Each node carries its analysis in `value`.
 * @param {{chain: object, nodes: object[]}} detail GET /api/v1/chains/{id}
 * @param {{nodes: object[], gaps?: number[]}|null} analysis GET /api/v1/chains/{id}/analysis
 * @param {string} locale "zh-CN" or "en"
 * @param {(segment: string) => string} segmentLabel label of a segment in the UI language
 */
export function chainTree(detail, analysis, locale, segmentLabel = (s) => s) {
  const byId = new Map();
  for (const a of (analysis && analysis.nodes) || []) {
    byId.set(a.id, a);
  }
  const gaps = new Set((analysis && analysis.gaps) || []);
  const nodes = (detail && detail.nodes) || [];
  const known = new Set(nodes.map((n) => n.id));
  const children = new Map();
  for (const n of nodes) {
    const parent = n.parent_id && known.has(n.parent_id) ? n.parent_id : null;
    if (parent !== null) {
      if (!children.has(parent)) {
        children.set(parent, []);
      }
      children.get(parent).push(n);
    }
  }
  const byCode = (x, y) => String(x.code).localeCompare(String(y.code));

  function item(n) {
    const a = byId.get(n.id) || null;
    const choke = Boolean((a && a.choke_point) || n.choke_point);
    const gap = gaps.has(n.id) || (a !== null && (a.local_firms || 0) === 0);
    const color = nodeColor(a);
    const kids = (children.get(n.id) || []).slice().sort(byCode).map(item);
    return {
      name: localName(a || n, locale),
      id: `node-${n.id}`,
      nodeId: n.id,
      code: n.code,
      gap,
      choke,
      value: a
        ? {
            local: a.local_firms || 0,
            external: a.external_firms || 0,
            hhi: a.hhi || 0,
            singleSource: Boolean(a.single_source),
            criticality: a.criticality,
          }
        : null,
      symbol: choke ? 'diamond' : 'circle',
      symbolSize: choke ? 20 : 13,
      itemStyle: {
        color,
        borderColor: choke ? COLORS.choke : color,
        borderWidth: choke ? 3 : 1,
      },
      label: { color: gap ? COLORS.gap : '#1f2937', fontWeight: choke ? 'bold' : 'normal' },
      children: kids,
    };
  }

  const roots = nodes.filter((n) => !(n.parent_id && known.has(n.parent_id)));
  const segments = SEGMENTS.map((s) => {
    const list = roots.filter((n) => (n.segment || 'midstream') === s).sort(byCode).map(item);
    return {
      name: segmentLabel(s),
      id: `segment-${s}`,
      segment: s,
      symbol: 'roundRect',
      symbolSize: [14, 14],
      itemStyle: { color: COLORS.segment, borderColor: COLORS.segment },
      label: { color: COLORS.segment, fontWeight: 'bold' },
      children: list,
    };
  }).filter((s) => s.children.length > 0);
  return {
    name: localName(detail && detail.chain, locale),
    id: 'chain',
    symbol: 'roundRect',
    symbolSize: [18, 18],
    itemStyle: { color: COLORS.root, borderColor: COLORS.root },
    label: { color: COLORS.root, fontWeight: 'bold', fontSize: 14 },
    children: segments,
  };
}

/** Counts the leaves (node rows) of a tree built by chainTree; used to size the chart. */
export function leafCount(tree) {
  if (!tree || !tree.children || tree.children.length === 0) {
    return 1;
  }
  return tree.children.reduce((s, c) => s + leafCount(c), 0);
}

/**
 * Returns the gap list of an analysis: nodes without local firms, most critical first, choke
 * points before others at the same criticality.
 */
export function gapList(analysis) {
  if (!analysis) {
    return [];
  }
  const gaps = new Set(analysis.gaps || []);
  return (analysis.nodes || [])
    .filter((n) => gaps.has(n.id) || (n.local_firms || 0) === 0)
    .sort(
      (x, y) =>
        (y.criticality || 0) - (x.criticality || 0) ||
        Number(Boolean(y.choke_point)) - Number(Boolean(x.choke_point)) ||
        String(x.code).localeCompare(String(y.code)),
    );
}

/** Returns the analysed nodes sorted by HHI, most concentrated first. */
export function byConcentration(analysis) {
  return ((analysis && analysis.nodes) || []).slice().sort((x, y) => (y.hhi || 0) - (x.hhi || 0));
}

/**
 * Turns the enterprise filter form into query parameters for GET /api/v1/enterprises: empty
 * fields are left out, above_size becomes "true"/"false", names are trimmed.
 */
export function enterpriseQuery(filters, page, pageSize) {
  const q = {};
  const f = filters || {};
  if (f.district) q.district = String(f.district).trim();
  if (f.park) q.park = Number(f.park);
  if (f.chain) q.chain = Number(f.chain);
  if (f.node) q.node = Number(f.node);
  if (f.aboveSize === true || f.aboveSize === false) q.above_size = f.aboveSize ? 'true' : 'false';
  const name = f.q ? String(f.q).trim() : '';
  if (name) q.q = name;
  q.page = page || 1;
  q.page_size = pageSize || 20;
  return q;
}

/** Turns a {"2024": "123.45", ...} map into rows sorted by year (newest first). */
export function yearRows(maps) {
  const years = new Set();
  for (const m of Object.values(maps || {})) {
    for (const y of Object.keys(m || {})) {
      years.add(y);
    }
  }
  return [...years]
    .sort((a, b) => Number(b) - Number(a))
    .map((year) => {
      const row = { year };
      for (const [k, m] of Object.entries(maps || {})) {
        row[k] = m && m[year] !== undefined ? m[year] : null;
      }
      return row;
    });
}

/** Formats an amount in yuan (string "123456.78") as 万元 / 10k yuan with two decimals. */
export function wanYuan(text) {
  if (text === null || text === undefined || text === '') {
    return '—';
  }
  const v = Number(text);
  if (!Number.isFinite(v)) {
    return String(text);
  }
  return (v / 10000).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** Returns the occupancy series as three arrays of [date, percent] points for ECharts. */
export function occupancySeries(series) {
  const pick = (k) =>
    (series || []).map((r) => [r.date, r[k] === null || r[k] === undefined ? null : Math.round(r[k] * 1000) / 10]);
  return { land: pick('land'), floor: pick('floor'), production: pick('production') };
}

// ---- import and export ------------------------------------------------------------------------

/** The import kinds of POST /api/v1/imports. */
export const IMPORT_KINDS = ['enterprises', 'chains', 'links'];

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Returns the Content-Type to upload a file with: the .xlsx type by name, else text/csv. */
export function uploadType(fileName) {
  return /\.xlsx$/i.test(fileName || '') ? XLSX_TYPE : 'text/csv';
}

/**
 * Returns the URL of an export: `path` with its list filters (empty ones dropped) plus
 * format=csv|xlsx.
 */
export function exportUrl(path, query, format) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') {
      params.set(k, String(v));
    }
  }
  params.set('format', format === 'xlsx' ? 'xlsx' : 'csv');
  return `${path}?${params.toString()}`;
}

/** Returns the percentage (0..100, integer) of an import job for el-progress. */
export function jobPercent(job) {
  if (!job) {
    return 0;
  }
  if (job.state && job.state !== 'running') {
    return 100;
  }
  const total = Number(job.total) || 0;
  if (total <= 0) {
    return 0;
  }
  // Reading is the first half of the bar, writing the second.
  const share = Math.min(1, (Number(job.processed) || 0) / total);
  return Math.round((job.phase === 'writing' ? 50 + 50 * share : 50 * share) * 10) / 10;
}

/** Returns the el-progress status of a job: success, exception (rejected/failed) or ''. */
export function jobStatus(job) {
  if (!job) {
    return '';
  }
  if (job.state === 'done') {
    return 'success';
  }
  if (job.state === 'rejected' || job.state === 'failed') {
    return 'exception';
  }
  return '';
}
