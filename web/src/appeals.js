// Pure helpers of the appeals pages (政企服务诉求闭环): SLA colours, state/type labels, the field
// forms of appeal actions and their request bodies, queue filters as query strings, clock
// progress, metric formatting and chart options, and reception grouping. No Vue, no API calls,
// so vitest covers them (appeals.test.js). The API contract is src/appeals/routes.h.

/** SLA colours of the queue, as the server names them, with their display colours. */
export const SLA_COLORS = {
  green: '#16a34a',
  yellow: '#d97706',
  red: '#dc2626',
  paused: '#6b7280',
  done: '#2563eb',
  none: '#9ca3af',
};

/** The SLA values a queue can be filtered by (routes.h: sla=red|yellow|green|paused). */
export const SLA_FILTERS = ['red', 'yellow', 'green', 'paused'];

/** Returns the hex colour of an SLA value; unknown values count as "none". */
export function slaColor(sla) {
  return SLA_COLORS[sla] || SLA_COLORS.none;
}

/** Returns the Element Plus tag type of an SLA value (success/warning/danger/info/primary). */
export function slaTagType(sla) {
  return { green: 'success', yellow: 'warning', red: 'danger', paused: 'info', done: 'primary' }[sla] || 'info';
}

/** Sort rank of SLA values, most urgent first (red, yellow, green, paused, done, none). */
export function slaRank(sla) {
  const order = ['red', 'yellow', 'green', 'paused', 'done', 'none'];
  const i = order.indexOf(sla);
  return i < 0 ? order.length : i;
}

const zh = (locale) => locale !== 'en';

/** Picks {zh,en} / {label_zh,label_en} text in `locale`; '' when absent. */
export function localText(obj, locale) {
  if (!obj || typeof obj !== 'object') {
    return '';
  }
  const a = zh(locale) ? obj.zh ?? obj.label_zh : obj.en ?? obj.label_en;
  const b = zh(locale) ? obj.en ?? obj.label_en : obj.zh ?? obj.label_zh;
  return a || b || '';
}

/**
 * Returns the label of an appeal's state: the appeal's own state_label, else the meta state
 * table, else the raw id. `appealOrState` is an appeal object or a state id.
 */
export function stateLabel(appealOrState, meta, locale) {
  if (appealOrState && typeof appealOrState === 'object') {
    const own = localText(appealOrState.state_label, locale);
    if (own) {
      return own;
    }
    return stateLabel(appealOrState.state, meta, locale);
  }
  const id = String(appealOrState || '');
  const s = ((meta && meta.states) || []).find((x) => x.id === id);
  return (s && localText(s, locale)) || id;
}

/** Returns true when `state` is terminal according to meta (closed, rejected, archived, merged). */
export function isTerminal(state, meta) {
  const s = ((meta && meta.states) || []).find((x) => x.id === state);
  return Boolean(s && s.terminal);
}

/** Returns the label of an appeal type id from meta.types (raw id when unknown). */
export function typeLabel(type, meta, locale) {
  const x = ((meta && meta.types) || []).find((y) => y.id === type);
  return (x && localText(x, locale)) || String(type || '');
}

/** Returns the label of an action id from meta.actions or an action object (raw id otherwise). */
export function actionLabel(action, meta, locale) {
  if (action && typeof action === 'object') {
    return localText(action, locale) || action.action || '';
  }
  const a = ((meta && meta.actions) || []).find((x) => x.action === action);
  return (a && localText(a, locale)) || String(action || '');
}

/** Returns the label of a reject reason code from meta.reject_reasons. */
export function reasonLabel(code, meta, locale) {
  const r = ((meta && meta.reject_reasons) || []).find((x) => x.code === code);
  return (r && localText(r, locale)) || String(code || '');
}

/**
 * The input of every field an action can take (routes.h): kind is the widget — text, textarea,
 * date (YYYY-MM-DD), days (positive integer), unit (one department), units (several, sent as
 * "6,8"), reason (meta.reject_reasons), requester (appeal.requesters), yesno, satisfaction,
 * slot (a reception with room), booking (appeal.bookings), appeal (an appeal id).
 */
export const FIELD_KINDS = {
  answer: 'textarea',
  note: 'textarea',
  reason: 'textarea',
  reply: 'textarea',
  outcome: 'textarea',
  comment: 'textarea',
  reason_code: 'reason',
  lead_unit: 'unit',
  assisting_units: 'units',
  expected_date: 'date',
  extra_days: 'days',
  requester: 'requester',
  resolved: 'yesno',
  satisfaction: 'satisfaction',
  slot_id: 'slot',
  booking_id: 'booking',
  master_id: 'appeal',
};

/** Optional fields of each action (routes.h), shown after the required ones. */
export const OPTIONAL_FIELDS = {
  reject: ['note'],
  dispatch: ['assisting_units'],
  redispatch: ['assisting_units'],
  resume: ['note'],
  archive: ['requester', 'comment'],
  record_visit: ['comment'],
  urge: ['note'],
  record_reception: ['booking_id'],
};

/** Required fields of each action per routes.h, used when the server's list is absent. */
export const REQUIRED_FIELDS = {
  answer_directly: ['answer'],
  close: [],
  reject: ['reason_code'],
  dispatch: ['lead_unit'],
  object_dispatch: ['reason'],
  uphold_dispatch: ['reason'],
  redispatch: ['lead_unit'],
  sign_for: [],
  contact: ['note'],
  add_progress: ['note'],
  wait_for_enterprise: ['reason', 'expected_date'],
  resume: [],
  request_extension: ['reason', 'extra_days'],
  approve_extension: [],
  deny_extension: ['reason'],
  reply: ['reply'],
  begin_check: [],
  pass_check: [],
  rework: ['reason'],
  record_visit: ['requester', 'resolved', 'satisfaction'],
  archive: ['resolved', 'satisfaction'],
  urge: [],
  supervise: ['reason'],
  book_reception: ['slot_id'],
  record_reception: ['outcome'],
  merge: ['master_id'],
};

/**
 * Returns the form of an action: [{name, kind, required}] — the server's `required` list first
 * (falling back to routes.h), then the action's optional fields. `action` is an entry of an
 * appeal's "actions" array or an action id.
 */
export function actionForm(action) {
  const id = typeof action === 'string' ? action : action && action.action;
  const given = action && typeof action === 'object' && Array.isArray(action.required) ? action.required : null;
  const required = given || REQUIRED_FIELDS[id] || [];
  const out = required.map((name) => ({ name, kind: FIELD_KINDS[name] || 'text', required: true }));
  for (const name of OPTIONAL_FIELDS[id] || []) {
    if (!required.includes(name)) {
      out.push({ name, kind: FIELD_KINDS[name] || 'text', required: false });
    }
  }
  return out;
}

/** Returns an empty value per field of `form` ([] for "units", null for numbers, '' otherwise). */
export function emptyValues(form) {
  const v = {};
  for (const f of form) {
    v[f.name] = f.kind === 'units' ? [] : f.kind === 'days' || f.kind === 'appeal' ? null : '';
  }
  return v;
}

const blank = (v) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Checks `values` against `form` in the browser (the server checks again) and builds the action
 * body of string fields. Returns {body} or {error: {field, reason}} with reason "required",
 * "date" or "days" for the first bad field.
 */
export function actionBody(form, values) {
  const body = {};
  for (const f of form) {
    const v = values[f.name];
    if (blank(v)) {
      if (f.required) {
        return { error: { field: f.name, reason: 'required' } };
      }
      continue;
    }
    if (f.kind === 'date' && !DATE_RE.test(String(v))) {
      return { error: { field: f.name, reason: 'date' } };
    }
    if (f.kind === 'days' && !(Number.isInteger(Number(v)) && Number(v) > 0)) {
      return { error: { field: f.name, reason: 'days' } };
    }
    body[f.name] = Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v.trim() : String(v);
  }
  return { body };
}

/** Actions that change nothing but add information; shown apart from state-changing ones. */
export const NOTE_ACTIONS = ['add_progress', 'urge'];

/** Action button type: danger for reject/rework/deny, primary for the main forward step. */
export function actionButtonType(action) {
  const id = typeof action === 'string' ? action : action && action.action;
  if (['reject', 'rework', 'deny_extension', 'object_dispatch', 'supervise'].includes(id)) {
    return 'danger';
  }
  if (['dispatch', 'sign_for', 'contact', 'reply', 'pass_check', 'record_visit', 'archive', 'answer_directly'].includes(id)) {
    return 'primary';
  }
  if (['wait_for_enterprise', 'request_extension', 'urge'].includes(id)) {
    return 'warning';
  }
  return 'default';
}

/**
 * Builds the query of GET /appeals from the queue's filters. Empty filters are left out;
 * "overdue" means sla=red; supervised is sent only when true.
 */
export function queueQuery(filters, page = 1, pageSize = 20) {
  const f = filters || {};
  const q = { sort: f.sort || 'due', page, page_size: pageSize };
  const states = Array.isArray(f.state) ? f.state.filter(Boolean) : f.state ? [f.state] : [];
  if (states.length) q.state = states.join(',');
  if (f.type) q.type = f.type;
  if (f.chain) q.chain = f.chain;
  if (f.district) q.district = f.district;
  if (f.unit) q.unit = f.unit;
  if (f.channel) q.channel = f.channel;
  if (f.overdue) {
    q.sla = 'red';
  } else if (f.sla) {
    q.sla = f.sla;
  }
  if (f.supervised) q.supervised = 'true';
  if (f.q && String(f.q).trim()) q.q = String(f.q).trim();
  if (f.org) q.org = f.org;
  return q;
}

/** Reads queue filters back from a route query (deep links such as #/appeals?sla=red). */
export function filtersFromQuery(query) {
  const q = query || {};
  const num = (v) => (v === undefined || v === '' || Number.isNaN(Number(v)) ? null : Number(v));
  return {
    state: q.state ? String(q.state).split(',').filter(Boolean) : [],
    type: q.type ? String(q.type) : '',
    chain: num(q.chain),
    district: q.district ? String(q.district) : '',
    unit: num(q.unit),
    sla: q.sla && q.sla !== 'red' ? String(q.sla) : '',
    overdue: q.sla === 'red' || q.overdue === 'true',
    supervised: q.supervised === 'true',
    q: q.q ? String(q.q) : '',
  };
}

/** Rounds working hours for display: "12.5", "3", "—" when absent; negative stays negative. */
export function formatHours(h) {
  if (h === null || h === undefined || Number.isNaN(Number(h))) {
    return '—';
  }
  const r = Math.round(Number(h) * 10) / 10;
  return String(r);
}

/**
 * Returns how far a clock has run: {percent 0..100, status} with status for el-progress
 * ("success" stopped in time, "warning" warned, "exception" breached, "" otherwise).
 */
export function clockProgress(clock) {
  if (!clock) {
    return { percent: 0, status: '' };
  }
  const elapsed = Math.max(0, Number(clock.elapsed_hours) || 0);
  const remaining = Number(clock.remaining_hours);
  const total = elapsed + Math.max(0, Number.isFinite(remaining) ? remaining : 0);
  let percent = total > 0 ? Math.round((elapsed / total) * 100) : clock.status === 'stopped' ? 100 : 0;
  if (clock.breached) {
    percent = 100;
  }
  percent = Math.min(100, Math.max(0, percent));
  const status = clock.breached ? 'exception' : clock.warned ? 'warning' : clock.status === 'stopped' ? 'success' : '';
  return { percent, status };
}

/** Formats a rate in [0,1] as "93.5%"; null/undefined (empty denominator) as "—". */
export function formatRate(rate, digits = 1) {
  if (rate === null || rate === undefined || Number.isNaN(Number(rate))) {
    return '—';
  }
  const f = 10 ** digits;
  return `${Math.round(Number(rate) * 100 * f) / f}%`;
}

/** Converts a rate to a chart value in percent (null stays null so the bar is left out). */
export function ratePoint(rate) {
  return rate === null || rate === undefined ? null : Math.round(Number(rate) * 1000) / 10;
}

/** The three rates and the composite, in the order of the dashboard. */
export const RATE_KEYS = ['response_rate', 'resolution_rate', 'satisfaction_rate', 'composite'];

/**
 * Builds the ECharts option of the dashboard's bar chart: one bar series per rate and the
 * composite as a line, by metric row (label or key). `names` maps RATE_KEYS to series names.
 */
export function metricsBarOption(rows, names, opts = {}) {
  const list = rows || [];
  const colors = { response_rate: '#2563eb', resolution_rate: '#16a34a', satisfaction_rate: '#d97706', composite: '#7c3aed' };
  const series = RATE_KEYS.map((k) => ({
    name: names[k] || k,
    type: k === 'composite' || opts.line ? 'line' : 'bar',
    barMaxWidth: 18,
    smooth: k === 'composite' ? false : undefined,
    itemStyle: { color: colors[k] },
    data: list.map((r) => ratePoint(r[k])),
    connectNulls: true,
  }));
  return {
    animationDuration: 300,
    tooltip: { trigger: 'axis', valueFormatter: (v) => (v === null || v === undefined ? '—' : `${v}%`) },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: list.map((r) => r.label || r.key), axisLabel: { interval: 0, rotate: list.length > 6 ? 30 : 0, width: 110, overflow: 'truncate' } },
    yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    series,
  };
}

/** Sorts metric rows by period key ascending (for the trend line). */
export function byPeriod(rows) {
  return (rows || []).slice().sort((a, b) => String(a.key).localeCompare(String(b.key)));
}

/** Returns "YYYY-MM-DD" of a Date in local time. */
export function isoDate(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** Returns [from, to] dates ("YYYY-MM-DD") of a period preset relative to `today`. */
export function periodRange(preset, today = new Date()) {
  const y = today.getFullYear();
  const m = today.getMonth();
  switch (preset) {
    case 'month':
      return [isoDate(new Date(y, m, 1)), isoDate(today)];
    case 'quarter':
      return [isoDate(new Date(y, m - (m % 3), 1)), isoDate(today)];
    case 'last30':
      return [isoDate(new Date(y, m, today.getDate() - 29)), isoDate(today)];
    case 'year':
    default:
      return [isoDate(new Date(y, 0, 1)), isoDate(today)];
  }
}

/** Returns the Monday ("YYYY-MM-DD") of the week containing `date` (a Date or ISO string). */
export function mondayOf(date) {
  const d = typeof date === 'string' ? new Date(`${date}T00:00:00`) : new Date(date.getTime());
  const dow = (d.getDay() + 6) % 7; // Monday 0
  d.setDate(d.getDate() - dow);
  return isoDate(d);
}

/** Returns the 7 dates ("YYYY-MM-DD") of the week starting on `monday`. */
export function weekDates(monday) {
  const d = new Date(`${monday}T00:00:00`);
  return Array.from({ length: 7 }, (_, i) => isoDate(new Date(d.getFullYear(), d.getMonth(), d.getDate() + i)));
}

/** Adds `n` days to an ISO date. */
export function addDays(date, n) {
  const d = new Date(`${date}T00:00:00`);
  return isoDate(new Date(d.getFullYear(), d.getMonth(), d.getDate() + n));
}

/**
 * Groups receptions and rota days by date for the reception calendar:
 * [{date, duty: rotaDay|null, receptions: [...] sorted by start}] for each date of `dates`;
 * duty is null on rest days (absent from the rota or marked working_day false).
 */
export function calendarDays(dates, receptions, rotaDays) {
  const rota = new Map((rotaDays || []).filter((d) => d.working_day !== false).map((d) => [d.date, d]));
  return dates.map((date) => ({
    date,
    duty: rota.get(date) || null,
    receptions: (receptions || []).filter((r) => r.date === date).sort((a, b) => String(a.start).localeCompare(String(b.start))),
  }));
}

/** Returns the receptions a booking can go into: from `today` on, with room, soonest first. */
export function bookableReceptions(receptions, today) {
  return (receptions || [])
    .filter((r) => r.date >= today && (r.available ?? r.capacity - r.booked) > 0)
    .sort((a, b) => (a.date === b.date ? String(a.start).localeCompare(String(b.start)) : a.date.localeCompare(b.date)));
}

/** Parses a timeline entry's fields (object or JSON text) into [[name, value], ...]. */
export function timelineFields(entry) {
  let f = entry && entry.fields;
  if (typeof f === 'string') {
    try {
      f = JSON.parse(f);
    } catch {
      return f ? [['', f]] : [];
    }
  }
  if (!f || typeof f !== 'object') {
    return [];
  }
  return Object.entries(f).filter(([, v]) => v !== '' && v !== null && v !== undefined);
}

/** Returns the timeline newest first (by seq, then time). */
export function sortTimeline(timeline) {
  return (timeline || []).slice().sort((a, b) => (b.seq || 0) - (a.seq || 0) || (b.at || 0) - (a.at || 0));
}

/** Formats a byte count as "1.2 MB" / "340 KB" / "12 B". */
export function formatBytes(n) {
  const v = Number(n) || 0;
  if (v >= 1024 * 1024) return `${Math.round((v / 1024 / 1024) * 10) / 10} MB`;
  if (v >= 1024) return `${Math.round(v / 1024)} KB`;
  return `${v} B`;
}

/** Largest attachment the server takes (routes.h: 10 MiB). */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/** Parses "6, 8；9" / [6, 8] into unique positive integer ids. */
export function parseIds(value) {
  const parts = Array.isArray(value) ? value : String(value || '').split(/[,;，；\s]+/);
  const out = [];
  for (const p of parts) {
    const n = Number(p);
    if (Number.isInteger(n) && n > 0 && !out.includes(n)) {
      out.push(n);
    }
  }
  return out;
}

/** Builds the body of POST/PUT /appeal-catalogue from the editor's form. */
export function catalogueBody(form) {
  const body = { type: form.type || '', lead_unit: form.lead_unit || null, assisting_units: parseIds(form.assisting_units) };
  if (form.chain_id) body.chain_id = Number(form.chain_id);
  if (form.district && String(form.district).trim()) body.district = String(form.district).trim();
  return body;
}

/** How specific a catalogue entry is (3 = type+chain+district … 0 = type only), for sorting. */
export function catalogueSpecificity(e) {
  return (e.chain_id ? 2 : 0) + (e.district ? 1 : 0);
}

/** Chengdu's districts and counties (public), offered when /appeals/meta lists none. */
export const CHENGDU_DISTRICTS = [
  '锦江区', '青羊区', '金牛区', '武侯区', '成华区', '龙泉驿区', '青白江区', '新都区', '温江区', '双流区', '郫都区', '新津区',
  '高新区', '天府新区', '东部新区', '简阳市', '都江堰市', '彭州市', '邛崃市', '崇州市', '金堂县', '大邑县', '蒲江县',
];

/** Returns the district choices: the server's list when it gives one, else CHENGDU_DISTRICTS. */
export function districtChoices(meta) {
  const given = meta && Array.isArray(meta.districts) ? meta.districts.filter(Boolean) : [];
  return given.length ? given : CHENGDU_DISTRICTS;
}
