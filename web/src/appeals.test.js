import { describe, expect, it } from 'vitest';
import {
  actionBody,
  actionButtonType,
  actionForm,
  bookableReceptions,
  calendarDays,
  catalogueBody,
  clockProgress,
  emptyValues,
  filtersFromQuery,
  formatBytes,
  formatHours,
  formatRate,
  metricsBarOption,
  mondayOf,
  parseIds,
  periodRange,
  queueQuery,
  slaColor,
  slaRank,
  slaTagType,
  sortTimeline,
  stateLabel,
  timelineFields,
  typeLabel,
  weekDates,
} from './appeals.js';

const meta = {
  states: [
    { id: 'received', label_zh: '已受理', label_en: 'Received', terminal: false },
    { id: 'archived', label_zh: '已归档', label_en: 'Archived', terminal: true },
  ],
  types: [{ id: 'financing', label_zh: '融资需求', label_en: 'Financing' }],
};

describe('SLA colours', () => {
  it('maps each colour of the API to its own display colour and tag type', () => {
    expect(slaColor('red')).toBe('#dc2626');
    expect(slaColor('green')).toBe('#16a34a');
    expect(slaColor('yellow')).not.toBe(slaColor('green'));
    expect(slaColor('bogus')).toBe(slaColor('none'));
    expect(slaTagType('red')).toBe('danger');
    expect(slaTagType('yellow')).toBe('warning');
    expect(slaTagType('paused')).toBe('info');
  });

  it('ranks red before yellow before green before paused', () => {
    const sorted = ['paused', 'green', 'red', 'yellow'].sort((a, b) => slaRank(a) - slaRank(b));
    expect(sorted).toEqual(['red', 'yellow', 'green', 'paused']);
  });
});

describe('labels', () => {
  it('prefers the appeal’s own state label, then meta, then the id', () => {
    expect(stateLabel({ state: 'x', state_label: { zh: '办理中', en: 'In progress' } }, meta, 'en')).toBe('In progress');
    expect(stateLabel({ state: 'x', state_label: { zh: '办理中', en: 'In progress' } }, meta, 'zh-CN')).toBe('办理中');
    expect(stateLabel('received', meta, 'zh-CN')).toBe('已受理');
    expect(stateLabel('received', meta, 'en')).toBe('Received');
    expect(stateLabel('unknown_state', meta, 'en')).toBe('unknown_state');
    expect(typeLabel('financing', meta, 'en')).toBe('Financing');
    expect(typeLabel('other', meta, 'en')).toBe('other');
  });
});

describe('action forms', () => {
  it('asks waiting-for-enterprise for reason and expected date, both required', () => {
    const form = actionForm({ action: 'wait_for_enterprise', required: ['reason', 'expected_date'] });
    expect(form).toEqual([
      { name: 'reason', kind: 'textarea', required: true },
      { name: 'expected_date', kind: 'date', required: true },
    ]);
  });

  it('uses the server’s required list first and adds the optional fields after it', () => {
    const form = actionForm({ action: 'dispatch', required: ['lead_unit'] });
    expect(form.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['lead_unit', 'unit', true],
      ['assisting_units', 'units', false],
    ]);
    expect(actionForm({ action: 'sign_for', required: [] })).toEqual([]);
    // Without a server list the contract's table applies.
    // The visit takes an optional comment (the enterprise's words).
    expect(actionForm('record_visit').map((f) => f.name)).toEqual(['requester', 'resolved', 'satisfaction', 'comment']);
    expect(actionForm('record_visit').find((f) => f.name === 'comment')).toEqual({ name: 'comment', kind: 'textarea', required: false });
  });

  it('refuses a missing required field and names it, before anything is sent', () => {
    const form = actionForm('wait_for_enterprise');
    const values = emptyValues(form);
    values.reason = '  ';
    expect(actionBody(form, values)).toEqual({ error: { field: 'reason', reason: 'required' } });
    values.reason = '等待企业补充材料';
    expect(actionBody(form, values)).toEqual({ error: { field: 'expected_date', reason: 'required' } });
    values.expected_date = '2026/12/01';
    expect(actionBody(form, values)).toEqual({ error: { field: 'expected_date', reason: 'date' } });
  });

  it('builds a body of strings, joining unit lists and leaving out empty optional fields', () => {
    const form = actionForm('dispatch');
    expect(actionBody(form, { lead_unit: 5, assisting_units: [6, 8] })).toEqual({ body: { lead_unit: '5', assisting_units: '6,8' } });
    expect(actionBody(form, { lead_unit: 5, assisting_units: [] })).toEqual({ body: { lead_unit: '5' } });
    const ext = actionForm('request_extension');
    expect(actionBody(ext, { reason: 'x', extra_days: '0' }).error).toEqual({ field: 'extra_days', reason: 'days' });
    expect(actionBody(ext, { reason: ' x ', extra_days: 3 })).toEqual({ body: { reason: 'x', extra_days: '3' } });
  });

  it('colours destructive actions as danger and forward steps as primary', () => {
    expect(actionButtonType('reject')).toBe('danger');
    expect(actionButtonType({ action: 'sign_for' })).toBe('primary');
    expect(actionButtonType('wait_for_enterprise')).toBe('warning');
    expect(actionButtonType('merge')).toBe('default');
  });
});

describe('queue filters', () => {
  it('sends only the filters that are set, sorted by due time', () => {
    expect(queueQuery({}, 1, 20)).toEqual({ sort: 'due', page: 1, page_size: 20 });
    expect(
      queueQuery({ state: ['received', 'in_progress'], type: 'financing', chain: 3, district: '高新区', unit: 5, supervised: true, q: ' 贷款 ' }, 2, 50),
    ).toEqual({
      sort: 'due',
      page: 2,
      page_size: 50,
      state: 'received,in_progress',
      type: 'financing',
      chain: 3,
      district: '高新区',
      unit: 5,
      supervised: 'true',
      q: '贷款',
    });
  });

  it('turns overdue into sla=red, overriding another colour', () => {
    expect(queueQuery({ overdue: true, sla: 'green' }).sla).toBe('red');
    expect(queueQuery({ sla: 'paused' }).sla).toBe('paused');
    expect(queueQuery({ supervised: false }).supervised).toBeUndefined();
  });

  it('reads filters back from a deep link', () => {
    const f = filtersFromQuery({ sla: 'red', chain: '3', state: 'open' });
    expect(f.overdue).toBe(true);
    expect(f.chain).toBe(3);
    expect(f.state).toEqual(['open']);
    expect(queueQuery(f).sla).toBe('red');
    expect(filtersFromQuery({}).chain).toBeNull();
  });
});

describe('clocks and numbers', () => {
  it('computes elapsed share and status of a clock', () => {
    expect(clockProgress({ status: 'running', elapsed_hours: 3, remaining_hours: 9 })).toEqual({ percent: 25, status: '' });
    expect(clockProgress({ status: 'running', elapsed_hours: 7, remaining_hours: 1, warned: true }).status).toBe('warning');
    expect(clockProgress({ status: 'running', elapsed_hours: 20, remaining_hours: -4, breached: true })).toEqual({ percent: 100, status: 'exception' });
    expect(clockProgress({ status: 'stopped', elapsed_hours: 0, remaining_hours: 0 })).toEqual({ percent: 100, status: 'success' });
    expect(clockProgress(null).percent).toBe(0);
  });

  it('formats hours, rates and bytes', () => {
    expect(formatHours(12.46)).toBe('12.5');
    expect(formatHours(-3)).toBe('-3');
    expect(formatHours(null)).toBe('—');
    expect(formatRate(0.935)).toBe('93.5%');
    expect(formatRate(1)).toBe('100%');
    expect(formatRate(null)).toBe('—');
    expect(formatBytes(1536)).toBe('2 KB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3 MB');
  });

  it('puts the three rates as bars and the composite as a line, in percent, gaps as null', () => {
    const rows = [
      { key: '5', label: '经信局', response_rate: 0.9, resolution_rate: 0.8, satisfaction_rate: null, composite: 0.85 },
      { key: '6', label: '科技局', response_rate: 1, resolution_rate: 0.5, satisfaction_rate: 0.75, composite: 0.74 },
    ];
    const opt = metricsBarOption(rows, { response_rate: 'R', resolution_rate: 'S', satisfaction_rate: 'T', composite: 'C' });
    expect(opt.xAxis.data).toEqual(['经信局', '科技局']);
    expect(opt.series.map((s) => [s.name, s.type])).toEqual([
      ['R', 'bar'],
      ['S', 'bar'],
      ['T', 'bar'],
      ['C', 'line'],
    ]);
    expect(opt.series[0].data).toEqual([90, 100]);
    expect(opt.series[2].data).toEqual([null, 75]);
    expect(opt.yAxis.max).toBe(100);
  });

  it('parses id lists and builds catalogue bodies', () => {
    expect(parseIds('6, 8；9 8 x')).toEqual([6, 8, 9]);
    expect(parseIds([3, '4', 0])).toEqual([3, 4]);
    expect(catalogueBody({ type: 'financing', chain_id: null, district: ' ', lead_unit: 5, assisting_units: '6;7' })).toEqual({
      type: 'financing',
      lead_unit: 5,
      assisting_units: [6, 7],
    });
    expect(catalogueBody({ type: 'permits', chain_id: 2, district: '高新区', lead_unit: 5, assisting_units: [] })).toMatchObject({ chain_id: 2, district: '高新区' });
  });
});

describe('dates and receptions', () => {
  it('finds the Monday of a week and its seven days', () => {
    expect(mondayOf('2026-11-29')).toBe('2026-11-23'); // a Sunday
    expect(mondayOf('2026-11-30')).toBe('2026-11-30');
    expect(weekDates('2026-11-30')).toEqual(['2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06']);
  });

  it('gives period presets from the first of the period to today', () => {
    const today = new Date(2026, 10, 29);
    expect(periodRange('year', today)).toEqual(['2026-01-01', '2026-11-29']);
    expect(periodRange('month', today)).toEqual(['2026-11-01', '2026-11-29']);
    expect(periodRange('quarter', today)).toEqual(['2026-10-01', '2026-11-29']);
  });

  it('groups receptions and the duty director by day, earliest slot first', () => {
    const recs = [
      { id: 2, date: '2026-12-01', start: '14:00' },
      { id: 1, date: '2026-12-01', start: '09:00' },
      { id: 3, date: '2026-12-03', start: '09:00' },
    ];
    const days = calendarDays(['2026-12-01', '2026-12-02'], recs, [{ date: '2026-12-01', name: '王局' }]);
    expect(days[0].duty.name).toBe('王局');
    expect(days[0].receptions.map((r) => r.id)).toEqual([1, 2]);
    expect(days[1]).toEqual({ date: '2026-12-02', duty: null, receptions: [] });
    const rest = calendarDays(['2026-12-05'], [], [{ date: '2026-12-05', working_day: false, name: '' }]);
    expect(rest[0].duty).toBeNull();
  });

  it('offers only future receptions with room for booking', () => {
    const recs = [
      { id: 1, date: '2026-11-20', start: '09:00', capacity: 4, booked: 0, available: 4 },
      { id: 2, date: '2026-12-02', start: '09:00', capacity: 2, booked: 2, available: 0 },
      { id: 3, date: '2026-12-03', start: '09:00', capacity: 2, booked: 1, available: 1 },
      { id: 4, date: '2026-12-01', start: '14:00', capacity: 2, booked: 0 },
    ];
    expect(bookableReceptions(recs, '2026-11-29').map((r) => r.id)).toEqual([4, 3]);
  });

  it('reads timeline fields from objects or JSON text and sorts newest first', () => {
    expect(timelineFields({ fields: '{"reason":"缺材料","note":""}' })).toEqual([['reason', '缺材料']]);
    expect(timelineFields({ fields: { note: 'ok' } })).toEqual([['note', 'ok']]);
    expect(timelineFields({})).toEqual([]);
    expect(sortTimeline([{ seq: 1 }, { seq: 3 }, { seq: 2 }]).map((e) => e.seq)).toEqual([3, 2, 1]);
  });
});

describe('district choices', async () => {
  const { districtChoices, CHENGDU_DISTRICTS } = await import('./appeals.js');
  it('uses the server’s districts when given, else Chengdu’s', () => {
    expect(districtChoices({ districts: ['高新区', ''] })).toEqual(['高新区']);
    expect(districtChoices({})).toBe(CHENGDU_DISTRICTS);
    expect(CHENGDU_DISTRICTS).toContain('天府新区');
  });
});
