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

// ---- structured rule editor: a tree of groups (all / any, optionally negated) and leaf clauses.

let nodeSeq = 0;

/** Returns a fresh leaf clause for `fact` with sensible defaults. */
export function newLeaf(fact = 'revenue') {
  nodeSeq += 1;
  return {
    kind: 'leaf', key: nodeSeq, negate: false, fact, op: 'gte', value: '', yearMode: 'offset',
    yearOffset: -1, year: null, years: 1, list: [], is: true, on: '', label: '', labelEn: '', id: '',
  };
}

/** Returns a fresh group ("all" or "any") holding `children` (default: one revenue clause). */
export function newGroup(op = 'all', children = null) {
  nodeSeq += 1;
  return { kind: 'group', key: nodeSeq, negate: false, op, children: children || [newLeaf()], label: '', labelEn: '', id: '' };
}

function numberOrText(text) {
  const s = String(text ?? '').trim();
  return s !== '' && !Number.isNaN(Number(s)) ? Number(s) : s;
}

function leafBody(node, catalogue) {
  const spec = catalogue[node.fact] || FACTS[node.fact];
  const c = { fact: node.fact };
  if (!spec) return c;
  if (spec.kind === 'money' || spec.kind === 'percent' || spec.kind === 'number') {
    c.op = node.op;
    c.value = spec.kind === 'money' ? String(node.value ?? '').trim() : numberOrText(node.value);
    if (spec.yearly) {
      if (node.yearMode === 'absolute') c.year = numberOrText(node.year);
      else c.year_offset = Number(node.yearOffset);
    }
    if (spec.window) c.years = Number(node.years) || 1;
  } else if (spec.kind === 'texts') {
    c.in = (node.list || []).map((s) => String(s).trim()).filter(Boolean);
  } else if (spec.kind === 'ids') {
    c.in = (node.list || []).map((s) => numberOrText(s)).filter((s) => s !== '');
  } else if (spec.kind === 'bool') {
    c.is = Boolean(node.is);
  }
  if (spec.dated && node.on) c.on = node.on;
  return c;
}

/**
 * Converts an editor tree into rule JSON. When `paths` (a Map) is given, it receives for every
 * node key the JSON path the server will name in errors about it ("rule.all[1]", or
 * "rule.any[0].not" for a negated node).
 */
export function treeToRule(node, catalogue = FACTS, path = 'rule', paths = null) {
  const inner = node.negate ? `${path}.not` : path;
  if (paths) paths.set(node.key, inner);
  let body;
  if (node.kind === 'group') {
    const op = node.op === 'any' ? 'any' : 'all';
    body = { [op]: node.children.map((ch, i) => treeToRule(ch, catalogue, `${inner}.${op}[${i}]`, paths)) };
  } else {
    body = leafBody(node, catalogue);
  }
  const out = node.negate ? { not: body } : body;
  if (node.id) out.id = node.id;
  if (node.label) out.label_zh = node.label;
  if (node.labelEn) out.label_en = node.labelEn;
  return out;
}

/** Converts rule JSON (as the server renders it) into an editor tree. */
export function ruleToTree(rule) {
  if (!rule || typeof rule !== 'object') return newGroup('all');
  let node;
  if (rule.not !== undefined) {
    node = ruleToTree(rule.not);
    if (node.kind === 'group' && rule.not && !Array.isArray(rule.not.all) && !Array.isArray(rule.not.any)) {
      node = node.children[0];
    }
    node.negate = !node.negate;
  } else if (Array.isArray(rule.all) || Array.isArray(rule.any)) {
    const op = Array.isArray(rule.all) ? 'all' : 'any';
    node = newGroup(op, rule[op].map((c) => ruleToTree(c)));
  } else if (rule.fact) {
    node = newLeaf(rule.fact);
    if (rule.op) node.op = rule.op;
    if (rule.value !== undefined) node.value = String(rule.value);
    if (rule.year !== undefined) {
      node.yearMode = 'absolute';
      node.year = rule.year;
    }
    if (rule.year_offset !== undefined) node.yearOffset = rule.year_offset;
    if (rule.years !== undefined) node.years = rule.years;
    if (Array.isArray(rule.in)) node.list = rule.in.map((x) => String(x));
    if (rule.is !== undefined) node.is = rule.is;
    if (rule.on) node.on = rule.on;
  } else {
    return newGroup('all');
  }
  if (rule.id) node.id = rule.id;
  if (rule.label_zh) node.label = rule.label_zh;
  if (rule.label_en) node.labelEn = rule.label_en;
  return node;
}

/** Wraps a tree so the editor always shows a group at the root. */
export function rootTree(rule) {
  const t = ruleToTree(rule);
  return t.kind === 'group' ? t : newGroup('all', [t]);
}

const INPUT_OF = { in: 'list', year_offset: 'year', year: 'year', years: 'years', value: 'value', op: 'op', fact: 'fact', on: 'on', is: 'is', label_zh: 'label', label_en: 'label', id: 'label' };

/**
 * Locates a server error field ("rule.all[1].not.value", "rule.any[0].in[2]") in the tree whose
 * paths `treeToRule` recorded: {key: node key, input: "value" | "op" | "list" | "year" | "years"
 * | "on" | "fact" | "is" | "label" | "node"}, or null when the field is outside the rule.
 */
export function locateError(field, paths) {
  if (!field || !String(field).startsWith('rule')) return null;
  let best = null;
  for (const [key, p] of paths) {
    if (field === p || field.startsWith(`${p}.`) || field.startsWith(`${p}[`)) {
      if (!best || p.length > best.path.length) best = { key, path: p };
    }
  }
  if (!best) return { key: null, input: 'node' };
  const rest = field.slice(best.path.length).replace(/^\./, '');
  const head = rest.split(/[.[]/)[0];
  return { key: best.key, input: INPUT_OF[head] || 'node' };
}

/**
 * Turns the server's fact catalogue ({facts:[{fact,kind,yearly,window,dated,label_zh}]}) into the
 * {fact: spec} map the editor reads, falling back to FACTS for anything missing.
 */
export function catalogueFrom(body) {
  const out = { ...FACTS };
  for (const f of (body && body.facts) || []) {
    out[f.fact] = { kind: f.kind, yearly: Boolean(f.yearly), window: Boolean(f.window), dated: Boolean(f.dated), labelZh: f.label_zh };
  }
  return out;
}

/** Counts the leaf clauses of a tree. */
export function leafCount(node) {
  return node.kind === 'leaf' ? 1 : node.children.reduce((n, c) => n + leafCount(c), 0);
}
