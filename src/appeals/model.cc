#include "appeals/model.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "base/utf8.h"

namespace kechan::appeals {

const std::vector<AppealType>& AppealTypes() {
  static const std::vector<AppealType> kTypes = {
      {"financing", "融资需求", "Financing", 7},
      {"land_space", "用地与空间", "Land and space", 15},
      {"permits", "审批与许可", "Permits and approvals", 7},
      {"talent", "人才与用工", "Talent and staffing", 7},
      {"policy", "政策咨询与兑现", "Policy advice and payment", 7},
      {"market", "市场拓展与供需对接", "Markets and supply matching", 7},
      {"technology", "技术攻关与成果转化", "Technology and transfer", 15},
      {"utilities", "水电气与基础设施", "Utilities and infrastructure", 7},
      {"logistics", "物流与供应链", "Logistics and supply chain", 7},
      {"other", "其他", "Other", 7},
  };
  return kTypes;
}

const AppealType* FindAppealType(std::string_view id) {
  for (const auto& t : AppealTypes()) {
    if (id == t.id) {
      return &t;
    }
  }
  return nullptr;
}

const std::vector<std::string>& Channels() {
  static const std::vector<std::string> kChannels = {"web", "duty_desk", "reception", "visit",
                                                     "group"};
  return kChannels;
}

bool IsChannel(std::string_view c) {
  const auto& all = Channels();
  return std::find(all.begin(), all.end(), c) != all.end();
}

const std::vector<ReasonCode>& RejectReasons() {
  static const std::vector<ReasonCode> kReasons = {
      {"out_of_scope", "不属于政企服务受理范围", "Outside the scope of enterprise service"},
      {"litigation", "已进入诉讼、仲裁等法定程序", "Already in litigation or arbitration"},
      {"duplicate", "重复诉求", "Duplicate appeal"},
      {"insufficient", "信息不全且无法联系", "Insufficient information, unreachable"},
      {"private_dispute", "企业间民事纠纷", "Private dispute between firms"},
  };
  return kReasons;
}

Quantiles ComputeQuantiles(std::vector<double> values) {
  Quantiles q;
  if (values.empty()) {
    return q;
  }
  std::sort(values.begin(), values.end());
  auto rank = [&](double p) {
    size_t k = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size())));
    k = std::clamp<size_t>(k, 1, values.size());
    return values[k - 1];
  };
  q.median = rank(0.5);
  q.p90 = rank(0.9);
  return q;
}

namespace {
std::optional<double> Ratio(int64_t num, int64_t den) {
  if (den <= 0) {
    return std::nullopt;
  }
  return static_cast<double>(num) / static_cast<double>(den);
}
}  // namespace

std::optional<double> MetricRow::response_rate() const {
  return Ratio(responded_on_time, dispatched);
}
std::optional<double> MetricRow::resolution_rate() const { return Ratio(resolved_yes, visits); }
std::optional<double> MetricRow::satisfaction_rate() const { return Ratio(satisfied, visits); }
std::optional<double> MetricRow::on_time_closure_rate() const {
  return Ratio(replied_on_time, replied);
}
std::optional<double> MetricRow::rework_rate() const { return Ratio(reworked, dispatched); }
std::optional<double> MetricRow::urging_rate() const { return Ratio(urged, dispatched); }

std::optional<double> MetricRow::composite(const Weights& w) const {
  double sum = 0;
  double weight = 0;
  auto add = [&](std::optional<double> r, double wt) {
    if (r && wt > 0) {
      sum += *r * wt;
      weight += wt;
    }
  };
  add(response_rate(), w.response);
  add(resolution_rate(), w.resolution);
  add(satisfaction_rate(), w.satisfaction);
  if (weight <= 0) {
    return std::nullopt;
  }
  return sum / weight;
}

void MetricRow::Merge(const MetricRow& o) {
  appeals += o.appeals;
  dispatched += o.dispatched;
  responded_on_time += o.responded_on_time;
  replied += o.replied;
  replied_on_time += o.replied_on_time;
  visits += o.visits;
  resolved_yes += o.resolved_yes;
  satisfied += o.satisfied;
  reworked += o.reworked;
  urged += o.urged;
  closed += o.closed;
  hours_to_sign_for.insert(hours_to_sign_for.end(), o.hours_to_sign_for.begin(),
                           o.hours_to_sign_for.end());
  hours_to_contact.insert(hours_to_contact.end(), o.hours_to_contact.begin(),
                          o.hours_to_contact.end());
  hours_to_resolution.insert(hours_to_resolution.end(), o.hours_to_resolution.begin(),
                             o.hours_to_resolution.end());
}

std::optional<Weights> ParseWeights(std::string_view text) {
  double v[3];
  size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    size_t comma = text.find(',', pos);
    if ((i < 2) != (comma != std::string_view::npos)) {
      return std::nullopt;
    }
    std::string_view part = text.substr(pos, i < 2 ? comma - pos : std::string_view::npos);
    if (part.empty()) {
      return std::nullopt;
    }
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v[i]);
    if (ec != std::errc() || p != part.data() + part.size() || !(v[i] >= 0) ||
        !std::isfinite(v[i])) {
      return std::nullopt;
    }
    pos = comma + 1;
  }
  const double total = v[0] + v[1] + v[2];
  if (total <= 0) {
    return std::nullopt;
  }
  return Weights{
      .response = v[0] / total, .resolution = v[1] / total, .satisfaction = v[2] / total};
}

const std::vector<Definition>& MetricDefinitions() {
  static const std::vector<Definition> kDefs = {
      {"response_rate", "响应率 = 在响应时限内联系企业的诉求数 ÷ 已派单诉求数",
       "Response rate = appeals whose enterprise was contacted within the response goal / "
       "dispatched appeals"},
      {"resolution_rate", "解决率 = 回访中答复“已解决”的人次 ÷ 回访人次",
       "Resolution rate = follow-up visits answering resolved=yes / follow-up visits"},
      {"satisfaction_rate", "满意率 = 回访中“满意”或“基本满意”的人次 ÷ 回访人次",
       "Satisfaction rate = visits answering satisfied or basically satisfied / visits"},
      {"composite",
       "综合得分 = 响应率×30% + 解决率×35% + 满意率×35%（权重可配置；分母为零的比率不计，"
       "权重按其余比率重新归一）",
       "Composite = 30% response + 35% resolution + 35% satisfaction (configurable weights; a "
       "rate with an empty denominator is left out and the other weights renormalised)"},
      {"on_time_closure_rate", "按时办结率 = 在办理时限内答复的诉求数 ÷ 已答复诉求数",
       "On-time closure rate = appeals replied within the resolution goal / replied appeals"},
      {"rework_rate", "重办率 = 至少退回重办一次的诉求数 ÷ 已派单诉求数",
       "Rework rate = appeals sent back for rework at least once / dispatched appeals"},
      {"urging_rate", "催办率 = 被催办过的诉求数 ÷ 已派单诉求数",
       "Urging rate = appeals urged at least once / dispatched appeals"},
      {"hours", "时长 = 派单到签收/联系/答复的工作小时数（按营业日历，中位数与 90 分位）",
       "Hours = working hours from dispatch to sign-for / contact / reply on the business "
       "calendar (median and 90th percentile)"},
  };
  return kDefs;
}

std::string NormalizeForDuplicates(std::string_view text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    const char32_t c = base::DecodeUtf8(text, &pos);
    if (c < 0x80) {
      unsigned char b = static_cast<unsigned char>(c);
      if (std::isalnum(b)) {
        out.push_back(static_cast<char>(std::tolower(b)));
      }
      continue;
    }
    // CJK punctuation, full-width forms' punctuation and spaces are dropped.
    if ((c >= 0x3000 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFF0F) ||
        (c >= 0xFF1A && c <= 0xFF20) || c == 0x2014 || c == 0x2026 || c == 0x201C || c == 0x201D ||
        c == 0x2018 || c == 0x2019 || c == base::kInvalidCodePoint) {
      continue;
    }
    base::AppendUtf8(c, &out);
  }
  return out;
}

std::string JoinIds(const std::vector<int64_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) {
      out += ',';
    }
    out += std::to_string(ids[i]);
  }
  return out;
}

std::optional<std::vector<int64_t>> SplitIds(std::string_view text) {
  std::vector<int64_t> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view part = text.substr(pos, end - pos);
    while (!part.empty() && part.front() == ' ') {
      part.remove_prefix(1);
    }
    while (!part.empty() && part.back() == ' ') {
      part.remove_suffix(1);
    }
    if (!part.empty()) {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
      if (ec != std::errc() || p != part.data() + part.size() || v <= 0) {
        return std::nullopt;
      }
      out.push_back(v);
    }
    pos = end + 1;
  }
  return out;
}

}  // namespace kechan::appeals
