#include "policy/zjtx.h"

namespace kechan::policy {

std::string ZjtxRuleJson() {
  // Structure (梯度培育): an innovative SME (创新型中小企业) of >= 2 years that in the previous
  // year spent >= 1,000,000 yuan on R&D at >= 3% of revenue, had revenue >= 10,000,000 yuan, drew
  // >= 70% of revenue from its main business and grew revenue >= 5% a year over the last two
  // years. Illustrative numbers (synthetic demo).
  return R"json({
  "id": "zjtx",
  "label_zh": "专精特新中小企业认定条件（示例）",
  "label_en": "Specialised, refined, distinctive, innovative SME criteria (illustrative)",
  "all": [
    {"id": "zjtx.tier", "label_zh": "已认定为创新型中小企业（或专精特新复核）",
     "label_en": "Recognised innovative SME (or specialised SME renewing)",
     "fact": "gradient_tier", "in": ["innovative_sme", "specialized"]},
    {"id": "zjtx.years", "label_zh": "从事特定细分市场年限", "label_en": "Years in its niche",
     "fact": "years_since_founding", "op": "gte", "value": 2},
    {"id": "zjtx.rd", "label_zh": "研发投入", "label_en": "R&D spending", "all": [
      {"id": "zjtx.rd.amount", "label_zh": "上年度研发费用", "label_en": "R&D spend",
       "fact": "rd_spend", "op": "gte", "value": "1000000", "year_offset": -1},
      {"id": "zjtx.rd.share", "label_zh": "上年度研发费用占营业收入比重",
       "label_en": "R&D share of revenue",
       "fact": "rd_share", "op": "gte", "value": 3, "year_offset": -1}
    ]},
    {"id": "zjtx.revenue", "label_zh": "上年度营业收入", "label_en": "Revenue",
     "fact": "revenue", "op": "gte", "value": "10000000", "year_offset": -1},
    {"id": "zjtx.specialisation", "label_zh": "主营业务收入占营业收入比重",
     "label_en": "Main-business share of revenue",
     "fact": "main_business_share", "op": "gte", "value": 70, "year_offset": -1},
    {"id": "zjtx.growth", "label_zh": "近2年营业收入平均增长率",
     "label_en": "Average revenue growth, last 2 years",
     "fact": "revenue_growth", "op": "gte", "value": 5, "year_offset": -1, "years": 2}
  ]
})json";
}

}  // namespace kechan::policy
