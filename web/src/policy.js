// Pure helpers for the policy toolkit pages (惠企政策): the fact catalogue the clause builder
// offers, conversion between the builder's rows and the rule JSON (docs/policy.md), mapping a
// server error path ("rule.all[2].value") to the row and input it concerns, result colours and
// "facts to ask" labels. No Vue imports, so vitest exercises them directly.

export const CATEGORIES = ['expand_markets', 'cut_costs', 'scenarios', 'platforms'];
export const MODES = ['no_application', 'one_click', 'full_application'];
export const RESULTS = ['yes', 'unknown', 'no'];
export const OPS = ['gte', 'gt', 'lte', 'lt', 'eq'];
export const OP_SYMBOLS = { gte: '≥', gt: '>', lte: '≤', lt: '<', eq: '=' };
export const TIERS = ['none', 'innovative_sme', 'specialized', 'little_giant', 'single_champion'];

/**
 * The facts a clause may test and the inputs each needs (mirrors src/policy/model.h Fact):
 * kind "money" (value in yuan), "percent", "number" take op + value; "window" facts also take
 * years; "yearly" facts take year_offset; "texts"/"ids" take an `in` list; "bool" takes `is`.
 */
export const FACTS = {
  revenue: { kind: 'money', yearly: true, window: true },
  rd_spend: { kind: 'money', yearly: true, window: true },
  rd_share: { kind: 'percent', yearly: true, window: true },
  revenue_growth: { kind: 'percent', yearly: true, window: true },
  digital_level: { kind: 'number', yearly: true },
  main_business_share: { kind: 'percent', yearly: true },
  employees: { kind: 'number', yearly: true },
  years_since_founding: { kind: 'number' },
  gradient_tier: { kind: 'texts', dated: true },
  district: { kind: 'texts' },
  park: { kind: 'ids' },
  chain_node: { kind: 'ids', dated: true },
  chain: { kind: 'ids', dated: true },
  green_factory: { kind: 'bool' },
  above_size: { kind: 'bool' },
};

/** Returns a fresh builder row for `fact` with sensible defaults. */
export function newRow(fact = 'revenue') {
  return { fact, op: 'gte', value: '', yearOffset: -1, years: 1, list: '', is: true, on: '', label: '', raw: '' };
}

/** Splits the builder's comma/、 separated list into trimmed non-empty items. */
export function splitList(text) {
  return String(text || '')
    .split(/[,，、\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Converts one builder row into a rule clause (nested groups are kept as their raw JSON). */
export function rowToClause(row) {
  if (row.raw) {
    return JSON.parse(row.raw);
  }
  const spec = FACTS[row.fact];
  const c = { fact: row.fact };
  if (row.label) c.label_zh = row.label;
  if (!spec) return c;
  if (spec.kind === 'money' || spec.kind === 'percent' || spec.kind === 'number') {
    c.op = row.op;
    const text = String(row.value ?? '').trim();
    c.value = spec.kind === 'money' ? text : text === '' ? '' : Number(text);
    if (spec.yearly) c.year_offset = Number(row.yearOffset);
    if (spec.window) c.years = Number(row.years) || 1;
  } else if (spec.kind === 'texts') {
    c.in = splitList(row.list);
  } else if (spec.kind === 'ids') {
    c.in = splitList(row.list).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  } else if (spec.kind === 'bool') {
    c.is = Boolean(row.is);
  }
  if (spec.dated && row.on) c.on = row.on;
  return c;
}

/** Converts a rule clause back into a builder row (groups become raw JSON rows). */
export function clauseToRow(clause) {
  if (!clause || !clause.fact) {
    return { ...newRow(), raw: JSON.stringify(clause, null, 1) };
  }
  const row = newRow(clause.fact);
  if (clause.label_zh) row.label = clause.label_zh;
  if (clause.op) row.op = clause.op;
  if (clause.value !== undefined) row.value = String(clause.value);
  if (clause.year_offset !== undefined) row.yearOffset = clause.year_offset;
  if (clause.years !== undefined) row.years = clause.years;
  if (Array.isArray(clause.in)) row.list = clause.in.join(', ');
  if (clause.is !== undefined) row.is = clause.is;
  if (clause.on) row.on = clause.on;
  // Clauses the row cannot show faithfully (absolute years, ids, English labels) stay raw.
  if (clause.year !== undefined || clause.id || clause.label_en) {
    row.raw = JSON.stringify(clause);
  }
  return row;
}

/** Builds the rule JSON from the combinator ("all" / "any") and the rows. */
export function rowsToRule(combinator, rows) {
  return { [combinator === 'any' ? 'any' : 'all']: rows.map(rowToClause) };
}

/** Splits a rule into {combinator, rows, extra} for the builder; a lone clause becomes one row. */
export function ruleToRows(rule) {
  if (rule && Array.isArray(rule.all)) return { combinator: 'all', rows: rule.all.map(clauseToRow) };
  if (rule && Array.isArray(rule.any)) return { combinator: 'any', rows: rule.any.map(clauseToRow) };
  if (rule) return { combinator: 'all', rows: [clauseToRow(rule)] };
  return { combinator: 'all', rows: [newRow()] };
}

/**
 * Maps a server error field such as "rule.all[2].value" or "rule.any[0].in[1]" to the builder:
 * {row: 2, key: "value"}; {row: null, key: "rule"} for errors about the whole rule; null for
 * fields outside the rule.
 */
export function errorTarget(field) {
  if (!field || !String(field).startsWith('rule')) return null;
  const m = /^rule\.(?:all|any)\[(\d+)\](?:\.([a-z_]+))?/.exec(field);
  if (!m) return { row: null, key: 'rule' };
  const key = m[2] || 'fact';
  const map = { year_offset: 'yearOffset', in: 'list', all: 'raw', any: 'raw', not: 'raw' };
  return { row: Number(m[1]), key: map[key] || key };
}

/** Element Plus tag type of an evaluation result. */
export function resultType(result) {
  return result === 'yes' ? 'success' : result === 'no' ? 'danger' : 'warning';
}

/** Splits a missing-fact key "revenue:2025" into {fact, year}. */
export function parseMissing(key) {
  const [fact, year] = String(key).split(':');
  return { fact, year: year ? Number(year) : null };
}

/** Returns the query of the "fitting enterprises" table (empty filters left out). */
export function matchQuery(f) {
  const q = { page: f.page || 1, page_size: f.pageSize || 20 };
  if (f.asOf) q.as_of = f.asOf;
  if (f.result) q.result = f.result;
  if (f.district) q.district = f.district;
  if (f.q) q.q = f.q;
  return q;
}

/** Returns the export URL of the fitting-enterprises table in `format` ("csv" or "xlsx"). */
export function matchExportUrl(policyId, f, format) {
  const q = matchQuery(f);
  delete q.page;
  delete q.page_size;
  q.format = format;
  return `/api/v1/policies/${policyId}/enterprises?${new URLSearchParams(q).toString()}`;
}
