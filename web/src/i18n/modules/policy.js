// UI strings of the policy toolkit pages (惠企政策工具包, issue 4 §6).
export default {
  'zh-CN': {
    policy: {
      categories: { expand_markets: '拓市场', cut_costs: '降成本', scenarios: '给场景', platforms: '建平台' },
      modes: { no_application: '免申即享', one_click: '一键申报', full_application: '全流程申报' },
      statuses: { draft: '草稿', published: '已发布', withdrawn: '已撤回' },
      results: { yes: '符合', no: '不符合', unknown: '待核实' },
      states: {
        submitted: '已提交', reviewing: '审核中', approved: '已通过', rejected: '未通过', disbursed: '已兑现',
        withdrawn: '已撤回', pending: '待确认', confirmed: '已确认', dismissed: '不予兑现',
      },
      kinds: { one_click: '一键申报', full: '全流程申报', auto: '免申即享' },
      facts: {
        revenue: '营业收入', rd_spend: '研发投入', rd_share: '研发投入占比(%)', revenue_growth: '营收平均增长率(%)',
        digital_level: '数字化转型等级', main_business_share: '主营业务收入占比(%)', employees: '从业人员',
        years_since_founding: '成立年限', gradient_tier: '梯度培育层级', district: '所在区县', park: '所在园区(编号)',
        chain_node: '产业链节点(编号)', chain: '产业链(编号)', green_factory: '绿色工厂', above_size: '规上企业',
        founded_on: '成立日期', chain_links: '产业链关联',
      },
      fields: {
        code: '政策编码', title: '政策名称', title_en: '英文名称', category: '类别', department: '发文部门',
        summary: '摘要', mode: '兑现方式', status: '状态', effective_from: '生效日期', effective_to: '失效日期',
        benefit_zh: '享受内容', benefit_en: '享受内容(英文)', amount: '金额(元)', rule: '适用条件',
      },
      matches: {
        title: '可享政策', enterprise: '企业', asOf: '判断日期', showNo: '显示不符合的政策', empty: '暂无可享政策',
        reasons: '逐条判断理由', missing: '需补充的信息', apply: '申报', oneClick: '一键申报', applied: '已申报',
        auto: '免申即享，无需申报', applyTitle: '申报：{title}', submit: '提交申报', submitted: '申报已提交',
        confirmOneClick: '将使用企业档案信息一键申报，确认提交？', noEnterprise: '当前账号未关联企业',
        myApplications: '我的申报', benefit: '享受内容',
      },
      list: {
        title: '政策管理', newPolicy: '新建政策', search: '搜索名称或编码', all: '全部', open: '查看',
        created: '政策已创建',
      },
      editor: {
        title: '政策详情', versions: '版本', newVersion: '新增版本', editVersion: '编辑版本', number: '第 {n} 版',
        publish: '发布', published: '已发布', draft: '草稿', publishDone: '已发布；生成待确认兑现 {n} 条',
        combinator: '条件组合', all: '全部满足', any: '满足其一', addClause: '添加条件', check: '校验规则',
        checkOk: '规则有效', json: '规则 JSON', fact: '事实', op: '比较', value: '取值', yearOffset: '年份偏移',
        years: '年数', list: '取值列表（逗号分隔）', is: '是', on: '判断日期', label: '条件说明', raw: '嵌套条件(JSON)',
        save: '保存', saved: '已保存', withdraw: '撤回政策', fieldsJson: '申报字段(JSON)', remove: '删除',
      },
      fit: {
        title: '符合条件的企业', counts: '符合 {yes} · 待核实 {unknown} · 不符合 {no}', ask: '待核实企业需补充的信息',
        firms: '{n} 家', result: '结果', name: '企业', district: '区县', reason: '理由', missing: '缺少信息',
        exportCsv: '导出 CSV', exportXlsx: '导出 Excel',
      },
      apps: {
        title: '政策申报受理', policy: '政策编号', enterprise: '企业', kind: '方式', state: '状态', evaluation: '资格',
        created: '提交时间', actions: '操作', history: '流转记录', input: '填写 {field}', done: '操作成功',
      },
    },
  },
  en: {
    policy: {
      categories: { expand_markets: 'Expand markets', cut_costs: 'Cut costs', scenarios: 'Application scenarios', platforms: 'Platforms' },
      modes: { no_application: 'No application (automatic)', one_click: 'One-click', full_application: 'Full application' },
      statuses: { draft: 'Draft', published: 'Published', withdrawn: 'Withdrawn' },
      results: { yes: 'Fits', no: 'Does not fit', unknown: 'To verify' },
      states: {
        submitted: 'Submitted', reviewing: 'Under review', approved: 'Approved', rejected: 'Rejected', disbursed: 'Disbursed',
        withdrawn: 'Withdrawn', pending: 'Pending confirmation', confirmed: 'Confirmed', dismissed: 'Dismissed',
      },
      kinds: { one_click: 'One-click', full: 'Full', auto: 'Automatic' },
      facts: {
        revenue: 'Revenue', rd_spend: 'R&D spend', rd_share: 'R&D share (%)', revenue_growth: 'Avg. revenue growth (%)',
        digital_level: 'Digital level', main_business_share: 'Main-business share (%)', employees: 'Employees',
        years_since_founding: 'Years since founding', gradient_tier: 'SME tier', district: 'District', park: 'Park (id)',
        chain_node: 'Chain node (id)', chain: 'Chain (id)', green_factory: 'Green factory', above_size: 'Above size',
        founded_on: 'Founding date', chain_links: 'Chain links',
      },
      fields: {
        code: 'Code', title: 'Title', title_en: 'English title', category: 'Category', department: 'Department',
        summary: 'Summary', mode: 'Mode', status: 'Status', effective_from: 'Effective from', effective_to: 'Effective to',
        benefit_zh: 'Benefit', benefit_en: 'Benefit (English)', amount: 'Amount (yuan)', rule: 'Conditions',
      },
      matches: {
        title: 'Policies for my firm', enterprise: 'Enterprise', asOf: 'As of', showNo: 'Show policies that do not fit',
        empty: 'No matching policies', reasons: 'Reasons per clause', missing: 'Information needed', apply: 'Apply',
        oneClick: 'Apply in one click', applied: 'Applied', auto: 'Automatic: no application needed',
        applyTitle: 'Apply: {title}', submit: 'Submit', submitted: 'Application submitted',
        confirmOneClick: 'Apply with the facts on record?', noEnterprise: 'This account has no enterprise',
        myApplications: 'My applications', benefit: 'Benefit',
      },
      list: { title: 'Policies', newPolicy: 'New policy', search: 'Search title or code', all: 'All', open: 'Open', created: 'Policy created' },
      editor: {
        title: 'Policy', versions: 'Versions', newVersion: 'New version', editVersion: 'Edit version', number: 'Version {n}',
        publish: 'Publish', published: 'Published', draft: 'Draft', publishDone: 'Published; {n} pending benefits created',
        combinator: 'Combine', all: 'All must hold', any: 'Any one suffices', addClause: 'Add condition', check: 'Check rule',
        checkOk: 'The rule is valid', json: 'Rule JSON', fact: 'Fact', op: 'Compare', value: 'Value', yearOffset: 'Year offset',
        years: 'Years', list: 'Values (comma separated)', is: 'Yes', on: 'On date', label: 'Label', raw: 'Nested (JSON)',
        save: 'Save', saved: 'Saved', withdraw: 'Withdraw policy', fieldsJson: 'Application fields (JSON)', remove: 'Remove',
      },
      fit: {
        title: 'Fitting enterprises', counts: 'Fit {yes} · To verify {unknown} · Do not fit {no}',
        ask: 'Information to ask the undecided firms for', firms: '{n} firms', result: 'Result', name: 'Enterprise',
        district: 'District', reason: 'Reason', missing: 'Missing', exportCsv: 'Export CSV', exportXlsx: 'Export Excel',
      },
      apps: {
        title: 'Policy applications', policy: 'Policy', enterprise: 'Enterprise', kind: 'Kind', state: 'State',
        evaluation: 'Eligibility', created: 'Submitted', actions: 'Actions', history: 'History', input: 'Enter {field}', done: 'Done',
      },
    },
  },
};
