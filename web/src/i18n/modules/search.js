// UI strings of the search page and the text hot spots (issue 5).
export default {
  'zh-CN': {
    search: {
      title: '全文检索',
      intro: '一个搜索框检索成果、需求、企业、诉求、政策等全部已索引内容，支持中英文混合查询。',
      placeholder: '输入关键词，如：锂电池隔膜 热失控、AI芯片 edge inference',
      submit: '搜索',
      allTypes: '全部',
      clearFilters: '清除筛选',
      total: '共 {n} 条结果',
      totalApprox: '约 {n} 条结果（数量与分类计数按前 1000 条估算）',
      empty: '没有找到相关内容，换个说法试试',
      fields: { q: '查询内容', type: '类型' },
      types: {
        enterprise: '企业', achievement: '成果', demand: '需求', expert: '专家/团队', product: '产品',
        procurement: '采购需求', appeal: '诉求', policy: '政策', doc: '文档',
      },
      facets: {
        type: '类型', district: '区县', chain: '产业链', node: '链节点', status: '状态', maturity: '成熟度',
        label: '标签', department: '牵头部门', appeal_type: '诉求类型', org: '企业',
      },
      values: {
        // Appeal states: the labels of flow/appeal_spec.cc.
        received: '已受理', answered: '已直接答复', dispatched: '已派单', dispatch_review: '派单异议审核中',
        signed_for: '已签收', in_progress: '办理中', waiting_for_enterprise: '等待企业', extension_requested: '延期申请中',
        replied: '已答复', platform_check: '平台审核', follow_up: '待回访', closed: '已办结', rejected: '不予受理',
        archived: '已归档', merged: '已合并', financing: '融资需求', land_space: '用地与空间',
        permits: '审批与许可', talent: '人才与用工', policy: '政策咨询与兑现', market: '市场拓展与供需对接',
        technology: '技术攻关与成果转化', utilities: '水电气与基础设施', logistics: '物流与供应链', other: '其他',
      },
      hotspots: {
        tabText: '相似诉求聚类',
        tabFields: '按类型/产业链/区县',
        intro: '按诉求内容的关键词聚类：同一时期内多家企业反映的相似问题归为一个热点（来自检索引擎）。',
        label: '热点', keywords: '关键词', count: '诉求数', enterprises: '涉及企业', departments: '牵头部门',
        period: '时间', members: '诉求', none: '所选时间段内没有跨企业的相似诉求',
      },
    },
  },
  en: {
    search: {
      title: 'Search',
      intro: 'One box over everything indexed: achievements, needs, enterprises, appeals, policies. Chinese, English and mixed queries.',
      placeholder: 'Keywords, e.g. 锂电池隔膜 热失控, AI芯片 edge inference',
      submit: 'Search',
      allTypes: 'All',
      clearFilters: 'Clear filters',
      total: '{n} results',
      totalApprox: 'About {n} results (counts estimated from the first 1,000 matches)',
      empty: 'Nothing found. Try other words.',
      fields: { q: 'Query', type: 'Type' },
      types: {
        enterprise: 'Enterprise', achievement: 'Achievement', demand: 'Need', expert: 'Expert/team', product: 'Product',
        procurement: 'Procurement', appeal: 'Appeal', policy: 'Policy', doc: 'Document',
      },
      facets: {
        type: 'Type', district: 'District', chain: 'Chain', node: 'Chain node', status: 'Status', maturity: 'Maturity',
        label: 'Label', department: 'Lead department', appeal_type: 'Appeal type', org: 'Enterprise',
      },
      values: {
        received: 'Received', answered: 'Answered directly', dispatched: 'Dispatched',
        dispatch_review: 'Dispatch objection under review', signed_for: 'Signed for', in_progress: 'In progress',
        waiting_for_enterprise: 'Waiting for the enterprise', extension_requested: 'Extension requested', replied: 'Replied',
        platform_check: 'Platform check', follow_up: 'Follow-up visit', closed: 'Closed', rejected: 'Rejected',
        archived: 'Archived', merged: 'Merged', financing: 'Financing', land_space: 'Land and space',
        permits: 'Permits and approvals', talent: 'Talent and staffing', policy: 'Policy advice and payment',
        market: 'Markets and supply matching', technology: 'Technology and transfer', utilities: 'Utilities and infrastructure',
        logistics: 'Logistics and supply chain', other: 'Other',
      },
      hotspots: {
        tabText: 'Similar appeals (text)',
        tabFields: 'By type / chain / district',
        intro: 'Clusters of appeals by their keywords: similar problems raised by several enterprises in the period form one hot spot (from the search engine).',
        label: 'Hot spot', keywords: 'Keywords', count: 'Appeals', enterprises: 'Enterprises', departments: 'Lead departments',
        period: 'Dates', members: 'Appeals', none: 'No similar appeals from several enterprises in this period',
      },
    },
  },
};
