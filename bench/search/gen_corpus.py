#!/usr/bin/python3
"""Deterministic synthetic BEIR-style corpus for the search peer benchmark (issue 5).

Writes OUT/corpus.jsonl ({"_id","title","text"}), OUT/queries.jsonl ({"_id","text"}),
OUT/qrels.tsv (header "query-id<TAB>corpus-id<TAB>score") and OUT/meta.json.

Every document is generated from one *topic* = (technology, application scenario, qualifier).
Technologies belong to an industry field and some have aliases (激光雷达 / LiDAR, 5G / 第五代移动通信),
chosen at random per mention, so a purely lexical engine misses some matches. Documents are
technology achievements, enterprise needs or policies of about 300 characters; besides their own
topic they mention other technologies of the same field and other scenarios (distractors), and are
filled with generic technology-transfer prose. A query is generated from one topic. Relevance:
  2  the document was generated from the query's topic (same technology, scenario and qualifier);
  1  same technology and scenario, different qualifier.
Everything else is 0 (not listed). Same --seed and sizes give byte-identical files.

  gen_corpus.py --docs 100000 --queries 1000 --out DIR [--seed 20261129]
"""

import argparse
import json
import os
import random
import sys

GENERATOR_VERSION = 1

# field -> technologies; a technology is "name" or "name|alias|alias".
FIELDS = {
    "新一代信息技术": ["5G|第五代移动通信", "AI芯片|人工智能芯片", "工业互联网平台", "边缘计算",
                "区块链溯源|区块链", "云原生|Cloud Native", "大语言模型|LLM", "数字孪生"],
    "集成电路": ["SiC功率器件|碳化硅功率器件", "GaN射频芯片|氮化镓射频芯片", "EDA工具|电子设计自动化",
              "先进封装|Chiplet", "光刻胶", "MEMS传感器|微机电传感器", "RISC-V处理器|RISC-V", "FPGA"],
    "智能网联汽车": ["LiDAR|激光雷达", "毫米波雷达", "车路协同|V2X", "自动驾驶域控制器",
                "高精度地图", "线控底盘", "ADAS|高级驾驶辅助系统", "车载以太网"],
    "新能源": ["固态电池", "钠离子电池", "氢燃料电池|燃料电池", "光伏逆变器", "钙钛矿电池",
            "储能变流器|PCS", "风电叶片", "虚拟电厂"],
    "生物医药": ["mRNA疫苗|信使RNA疫苗", "CAR-T|CAR-T细胞疗法", "抗体偶联药物|ADC",
             "基因编辑|CRISPR", "体外诊断试剂|IVD", "医用机器人|手术机器人", "合成生物", "中药配方颗粒"],
    "高端装备": ["工业机器人", "五轴数控机床|数控机床", "增材制造|3D打印", "精密减速器", "伺服电机",
              "工业视觉检测|机器视觉", "AGV|自动导引车", "盾构机"],
    "新材料": ["石墨烯", "碳纤维复合材料|碳纤维", "高温合金", "稀土永磁材料|稀土永磁",
            "气凝胶", "可降解塑料|生物降解材料", "特种玻璃", "超高分子量聚乙烯|UHMWPE"],
    "节能环保": ["VOCs治理|挥发性有机物治理", "污水深度处理", "固废资源化", "碳捕集|CCUS",
              "余热回收", "土壤修复", "烟气脱硝|SCR脱硝", "膜分离技术|膜分离"],
    "现代农业": ["智能灌溉|水肥一体化", "植保无人机|农业无人机", "设施农业", "种业育种|分子育种",
              "农产品冷链|冷链物流", "畜禽养殖环境控制", "农业物联网|农业IoT", "土壤墒情监测"],
    "航空航天": ["低空飞行器|eVTOL", "卫星遥感", "北斗导航|BDS", "无人机集群", "航空发动机叶片",
              "商业航天火箭", "卫星互联网", "机载航电"],
    "数字文创": ["VR|虚拟现实", "AR|增强现实", "数字人", "AIGC|生成式人工智能", "超高清视频|8K",
              "游戏引擎", "数字版权保护|DRM", "沉浸式展陈"],
    "智慧城市": ["城市大脑", "BIM|建筑信息模型", "智慧停车", "智能电网", "城市生命线监测",
              "智慧路灯", "CIM平台|城市信息模型", "应急指挥系统"],
}
APPLICATIONS = [
    "港口物流", "城市轨道交通", "智慧农业", "医疗健康", "电力系统", "石油化工", "钢铁冶金", "纺织服装",
    "食品加工", "仓储配送", "矿山开采", "水利工程", "建筑施工", "家居家电", "消费电子", "汽车制造",
    "航空维修", "船舶制造", "金融服务", "教育培训", "养老服务", "文化旅游", "应急救援", "环境监测",
    "林业草原", "渔业养殖", "公共安全", "社区治理", "跨境电商", "政务服务", "半导体制造", "新能源汽车",
    "通信基站", "数据中心", "高速公路", "机场运行", "化工园区", "工业园区", "乡村振兴", "海洋开发",
]
QUALIFIERS = [
    "低功耗", "高精度", "轻量化", "耐高温", "低成本", "国产化替代", "高可靠", "大规模", "柔性",
    "智能化", "绿色低碳", "模块化", "高通量", "小型化", "长寿命", "高安全", "实时", "无人值守",
    "多模态", "超低时延", "高效率", "可扩展", "本地化部署", "全流程",
]
ORGS = ["市科学院", "理工大学", "农业大学", "医科大学", "工业技术研究院", "重点实验室", "工程技术中心",
        "新型研发机构", "国家级孵化器", "高新区创新中心", "师范大学", "交通大学"]
COMPANIES = ["科技有限公司", "智能装备股份公司", "新材料有限公司", "生物科技公司", "能源集团",
             "信息技术公司", "制造有限公司", "农业发展公司", "环保科技公司", "物流集团"]
PLACES = ["东城区", "西湖区", "高新区", "经开区", "滨海新区", "江北新区", "临港片区", "南山区",
          "城南区", "北部新城", "空港新城", "科学城"]
SUBJECTS = ["项目团队", "本单位", "研发中心", "课题组", "该企业", "合作方", "承担单位", "示范基地",
            "产业联盟", "主管部门"]
VERBS = ["突破了", "优化了", "完善了", "建立了", "形成了", "验证了", "提升了", "降低了", "攻克了",
         "集成了"]
OBJECTS = ["核心工艺流程", "关键零部件供应链", "产品质量控制体系", "检测认证标准", "知识产权布局",
           "中试验证平台", "产学研合作机制", "成果转化路径", "生产线自动化水平", "综合运营成本",
           "数据安全管理制度", "人才培养体系", "市场推广渠道", "售后服务网络", "技术迭代能力"]
TAILS = ["，具备较好的推广前景。", "，已完成小批量试制。", "，获得多项发明专利授权。",
         "，通过了第三方机构评估。", "，可在半年内实现量产。", "，相关指标达到国内领先水平。",
         "，已在多家单位试点应用。", "，形成了可复制的解决方案。", "，带动了上下游企业协同发展。",
         "，显著提高了生产效率。"]
POLICY_ITEMS = ["给予最高500万元资金补助", "优先纳入首台套目录", "按研发投入的20%给予奖励",
                "提供人才公寓和子女入学保障", "支持建设中试基地", "对首次采购给予风险补偿",
                "开辟审批绿色通道", "给予贷款贴息支持", "鼓励开放应用场景", "支持申报重大专项"]

TARGET_CHARS = 300


def build_vocab():
    techs = []  # (field, [names])
    for field, items in FIELDS.items():
        for item in items:
            techs.append((field, item.split("|")))
    return techs


TECHS = build_vocab()
assert all(len(v) == 8 for v in FIELDS.values()), "same_field_other() needs 8 technologies a field"
T, A, Q = len(TECHS), len(APPLICATIONS), len(QUALIFIERS)
SPACE = T * A * Q


def topic_parts(topic, n_topics):
    """Maps topic number 0..n_topics-1 to (tech, app, qualifier), spread over the whole space."""
    stride = 7919  # prime, coprime with SPACE
    assert SPACE % stride != 0
    x = (topic * stride + 17) % SPACE
    return x % T, (x // T) % A, x // (T * A)


def name(rng, tech):
    names = TECHS[tech][1]
    return names[0] if len(names) == 1 or rng.random() < 0.6 else rng.choice(names[1:])


def filler(rng):
    return rng.choice(SUBJECTS) + rng.choice(VERBS) + rng.choice(OBJECTS) + rng.choice(TAILS)


def same_field_other(rng, tech):
    field = TECHS[tech][0]
    base = tech - tech % 8  # 8 technologies per field
    other = base + rng.randrange(8)
    return other if other != tech else base + (tech - base + 1) % 8


def make_doc(rng, tech, app, qual):
    field = TECHS[tech][0]
    kind = rng.random()
    other = same_field_other(rng, tech)
    far = rng.randrange(T)
    app2 = rng.randrange(A)
    q, a = QUALIFIERS[qual], APPLICATIONS[app]
    if kind < 0.5:  # technology achievement
        title = rng.choice([
            f"{q}{name(rng, tech)}在{a}中的应用",
            f"面向{a}的{q}{name(rng, tech)}关键技术",
            f"{rng.choice(ORGS)}{q}{name(rng, tech)}研发成果",
        ])
        parts = [
            f"{rng.choice(ORGS)}围绕{field}领域，研制了{q}{name(rng, tech)}技术方案。",
            f"该成果针对{a}场景中的痛点，实现了{name(rng, tech)}与{name(rng, other)}的协同，"
            f"{rng.choice(VERBS)}{rng.choice(OBJECTS)}。",
            f"技术成熟度达到TRL{rng.randrange(4, 9)}级，可在{APPLICATIONS[app2]}等领域推广。",
            f"参考了{name(rng, far)}的相关经验。",
        ]
    elif kind < 0.8:  # enterprise need
        title = rng.choice([
            f"{rng.choice(PLACES)}{rng.choice(COMPANIES)}寻求{q}{name(rng, tech)}技术合作",
            f"{a}场景{q}{name(rng, tech)}需求",
        ])
        parts = [
            f"我公司从事{a}相关业务，现急需{q}{name(rng, tech)}解决方案。",
            f"目前使用的{name(rng, other)}难以满足要求，希望与高校院所联合攻关{name(rng, tech)}，"
            f"预算约{rng.randrange(20, 900)}万元。",
            f"同时关注{name(rng, far)}在{APPLICATIONS[app2]}中的进展。",
        ]
    else:  # policy
        title = rng.choice([
            f"关于支持{q}{name(rng, tech)}在{a}领域推广应用的若干措施",
            f"{rng.choice(PLACES)}{field}产业{name(rng, tech)}专项扶持政策",
        ])
        items = rng.sample(POLICY_ITEMS, 3)
        parts = [
            f"为加快{field}产业发展，推动{q}{name(rng, tech)}在{a}中的示范应用，制定本措施。",
            f"对开展{name(rng, tech)}研发和产业化的企业，{items[0]}；",
            f"对{name(rng, other)}配套项目，{items[1]}；对在{APPLICATIONS[app2]}落地的项目，{items[2]}。",
        ]
    rng.shuffle(parts)
    text = "".join(parts)
    while len(text) < TARGET_CHARS - 20:
        text += filler(rng)
    return title, text


def make_query(rng, tech, app, qual):
    q, a, t = QUALIFIERS[qual], APPLICATIONS[app], name(rng, tech)
    return rng.choice([
        f"{q}{t}在{a}的应用",
        f"{a}{q}{t}",
        f"寻找{q}{t}技术合作 {a}",
        f"{t} {a} {q}",
        f"{a}领域有哪些{q}{t}成果",
        f"{q} {t} 解决方案 用于{a}",
    ])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=100000)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--docs-per-topic", type=float, default=8.0)
    ap.add_argument("--seed", type=int, default=20261129)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.docs < 1 or args.queries < 1:
        sys.exit("gen_corpus.py: --docs and --queries must be positive")
    n_topics = max(1, min(SPACE, int(args.docs / args.docs_per_topic)))
    rng = random.Random(args.seed)
    query_topics = rng.sample(range(n_topics), min(args.queries, n_topics))
    wanted = {t: i for i, t in enumerate(query_topics)}
    pair_of = {}  # (tech, app) -> list of query indexes
    for i, t in enumerate(query_topics):
        tech, app, _ = topic_parts(t, n_topics)
        pair_of.setdefault((tech, app), []).append(i)
    grade2 = [[] for _ in query_topics]
    grade1 = [[] for _ in query_topics]

    os.makedirs(args.out, exist_ok=True)
    width = len(str(args.docs))
    with open(os.path.join(args.out, "corpus.jsonl"), "w", encoding="utf-8") as out:
        for i in range(args.docs):
            topic = rng.randrange(n_topics)
            tech, app, qual = topic_parts(topic, n_topics)
            title, text = make_doc(rng, tech, app, qual)
            doc_id = f"d{i:0{width}d}"
            out.write(json.dumps({"_id": doc_id, "title": title, "text": text},
                                 ensure_ascii=False) + "\n")
            if topic in wanted:
                grade2[wanted[topic]].append(doc_id)
            for qi in pair_of.get((tech, app), ()):
                if query_topics[qi] != topic:
                    grade1[qi].append(doc_id)

    kept = 0
    with open(os.path.join(args.out, "queries.jsonl"), "w", encoding="utf-8") as qf, \
            open(os.path.join(args.out, "qrels.tsv"), "w", encoding="utf-8") as rf:
        rf.write("query-id\tcorpus-id\tscore\n")
        for i, t in enumerate(query_topics):
            if not grade2[i]:
                continue  # the topic got no document
            tech, app, qual = topic_parts(t, n_topics)
            qid = f"q{i:05d}"
            qf.write(json.dumps({"_id": qid, "text": make_query(rng, tech, app, qual)},
                                ensure_ascii=False) + "\n")
            for d in grade2[i]:
                rf.write(f"{qid}\t{d}\t2\n")
            for d in grade1[i]:
                rf.write(f"{qid}\t{d}\t1\n")
            kept += 1
    meta = {"generator_version": GENERATOR_VERSION, "docs": args.docs, "queries": kept,
            "topics": n_topics, "seed": args.seed, "docs_per_topic": args.docs_per_topic,
            "technologies": T, "applications": A, "qualifiers": Q}
    with open(os.path.join(args.out, "meta.json"), "w", encoding="utf-8") as mf:
        json.dump(meta, mf, ensure_ascii=False, indent=1)
        mf.write("\n")
    print(json.dumps(meta, ensure_ascii=False))


if __name__ == "__main__":
    main()
