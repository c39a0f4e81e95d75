#include "search/hotspots.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "search/document.h"

namespace kechan::search {
namespace {

// Words every appeal uses whatever its matter; never a hot-spot keyword.
constexpr std::string_view kGenericWords[] = {
    "企业",     "公司", "我司", "我们", "希望", "问题", "需要", "办理", "申请", "协调", "帮助",
    "解决",     "目前", "情况", "进行", "相关", "部门", "政府", "请求", "反映", "要求", "诉求",
    "相关部门", "尽快", "影响", "存在", "没有", "已经", "一直", "能够", "如何", "是否", "我们公司",
    "本公司",   "今年", "去年", "近期", "现在", "支持", "工作", "方面", "有关"};

bool Generic(std::string_view w) {
  for (std::string_view g : kGenericWords) {
    if (g == w) {
      return true;
    }
  }
  return false;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  }
  return n;
}

struct DocTerms {
  std::vector<std::pair<int, double>> vec;  // term id -> weight, L2-normalised, by term id
};

int Find(std::vector<int>& parent, int x) {
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

}  // namespace

base::Result<HotspotResult> FindHotspots(const TextAnalysis& analysis, Index& index,
                                         const HotspotRequest& req) {
  if (!IsDocumentType(req.type)) {
    return base::InvalidArgument("type", "search.unknown_type", "unknown type '" + req.type + "'",
                                 "未知的类型“" + req.type + "”");
  }
  if (req.from_day && req.to_day && *req.from_day > *req.to_day) {
    return base::InvalidArgument("from", "search.bad_range", "from must not be after to",
                                 "起始日期不能晚于结束日期");
  }
  if (req.limit < 1 || req.limit > 50) {
    return base::InvalidArgument("limit", "search.bad_limit", "limit must be 1-50",
                                 "limit 须为 1 至 50");
  }
  if (req.min_size < 2 || req.min_size > 100) {
    return base::InvalidArgument("min_size", "search.bad_limit", "min_size must be 2-100",
                                 "min_size 须为 2 至 100");
  }
  QueryPlan plan;
  plan.types = {req.type};
  if (req.from_day || req.to_day) {
    Range r;
    if (req.from_day) {
      r.min = static_cast<double>(*req.from_day);
    }
    if (req.to_day) {
      r.max = static_cast<double>(*req.to_day);
    }
    plan.ranges["date"] = r;
  }
  KECHAN_ASSIGN_OR_RETURN(RawResults all, index.Search(plan, {.limit = kMaxHotspotDocuments + 1}));
  HotspotResult out;
  std::vector<Document> docs;
  docs.reserve(all.hits.size());
  for (RawHit& h : all.hits) {
    docs.push_back(std::move(h.doc));
  }
  if (docs.size() > kMaxHotspotDocuments) {
    out.truncated = true;
    std::stable_sort(docs.begin(), docs.end(), [](const Document& a, const Document& b) {
      return a.Number("date").value_or(0) > b.Number("date").value_or(0);
    });
    docs.resize(kMaxHotspotDocuments);
  }
  out.documents = static_cast<int64_t>(docs.size());
  const size_t n = docs.size();

  // 1. Term frequencies of the significant words (jieba words of 2+ characters, English stems of
  //    3+ letters; no numbers, bigrams or generic appeal words), from every field but replies.
  std::unordered_map<std::string, int> term_ids;
  std::vector<std::string> surfaces;  // term id -> a surface form for labels
  std::vector<int> df;
  std::vector<std::unordered_map<int, double>> tfs(n);
  for (size_t i = 0; i < n; ++i) {
    for (const Field& f : docs[i].fields) {
      if (f.name == "reply" || f.text.empty()) {
        continue;
      }
      auto a = analysis.Analyze(f.text, f.name);
      if (!a.ok()) {
        continue;  // indexed text was valid; skip rather than fail the whole view
      }
      for (const Term& t : a->terms) {
        if (t.kind != TermKind::kWord || Generic(t.surface)) {
          continue;
        }
        bool ascii = static_cast<unsigned char>(t.surface[0]) < 0x80;
        if (ascii ? t.surface.size() < 3 : CodePoints(t.surface) < 2) {
          continue;
        }
        auto [it, inserted] = term_ids.try_emplace(t.term, static_cast<int>(surfaces.size()));
        if (inserted) {
          surfaces.push_back(t.surface);
          df.push_back(0);
        }
        double& tf = tfs[i][it->second];
        if (tf == 0) {
          ++df[static_cast<size_t>(it->second)];
        }
        tf += f.name == "title" ? 2.0 : 1.0;
      }
    }
  }
  // 2. TF-IDF within the period, the 12 best words per document, L2-normalised.
  std::vector<DocTerms> vecs(n);
  const double dn = static_cast<double>(n);
  for (size_t i = 0; i < n; ++i) {
    std::vector<std::pair<int, double>> v;
    for (const auto& [id, tf] : tfs[i]) {
      double idf = std::log((dn + 1) / (static_cast<double>(df[static_cast<size_t>(id)]) + 0.5));
      if (idf > 0) {
        v.emplace_back(id, (1 + std::log(tf)) * idf);
      }
    }
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (v.size() > 12) {
      v.resize(12);
    }
    double norm = 0;
    for (const auto& p : v) {
      norm += p.second * p.second;
    }
    norm = std::sqrt(norm);
    for (auto& p : v) {
      p.second /= norm;
    }
    std::sort(v.begin(), v.end());
    vecs[i].vec = std::move(v);
  }
  // 3. Link pairs whose cosine reaches the threshold and that share at least two words (through
  //    an inverted list, so only documents sharing a word are compared); clusters are the
  //    connected groups.
  std::unordered_map<int, std::vector<int>> postings;
  for (size_t i = 0; i < n; ++i) {
    for (const auto& [id, w] : vecs[i].vec) {
      postings[id].push_back(static_cast<int>(i));
    }
  }
  std::vector<int> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  std::unordered_map<int, std::pair<double, int>> acc;
  for (size_t i = 0; i < n; ++i) {
    acc.clear();
    for (const auto& [id, w] : vecs[i].vec) {
      for (int j : postings[id]) {
        if (j <= static_cast<int>(i)) {
          continue;
        }
        for (const auto& [id2, w2] : vecs[static_cast<size_t>(j)].vec) {
          if (id2 == id) {
            auto& a = acc[j];
            a.first += w * w2;
            a.second += 1;
            break;
          }
        }
      }
    }
    for (const auto& [j, a] : acc) {
      if (a.first >= req.min_similarity && a.second >= 2) {
        parent[static_cast<size_t>(Find(parent, j))] = Find(parent, static_cast<int>(i));
      }
    }
  }
  std::map<int, std::vector<size_t>> groups;
  for (size_t i = 0; i < n; ++i) {
    groups[Find(parent, static_cast<int>(i))].push_back(i);
  }
  // 4. Describe each group: keywords = words most members share (then summed weight).
  for (const auto& [root, members] : groups) {
    if (static_cast<int64_t>(members.size()) < req.min_size) {
      continue;
    }
    Hotspot h;
    h.count = static_cast<int64_t>(members.size());
    std::unordered_map<int, std::pair<int, double>> words;
    std::set<std::string> orgs;
    int64_t anonymous = 0;
    std::vector<HotspotMember> listed;
    for (size_t i : members) {
      const Document& d = docs[i];
      for (const auto& [id, w] : vecs[i].vec) {
        auto& e = words[id];
        e.first += 1;
        e.second += w;
      }
      std::string org = d.Facet("org");
      if (org.empty()) {
        ++anonymous;
      } else {
        orgs.insert(org);
      }
      if (std::string dept = d.Facet("department"); !dept.empty()) {
        ++h.departments[dept];
      }
      if (std::string type = d.Facet("appeal_type"); !type.empty()) {
        ++h.types[type];
      }
      std::optional<int64_t> day;
      if (auto v = d.Number("date")) {
        day = static_cast<int64_t>(*v);
        h.first_day = h.first_day ? std::min(*h.first_day, *day) : *day;
        h.last_day = h.last_day ? std::max(*h.last_day, *day) : *day;
      }
      listed.push_back({d.id, d.title, org, day});
    }
    h.enterprises = static_cast<int64_t>(orgs.size()) + anonymous;
    std::vector<std::pair<int, std::pair<int, double>>> ranked(words.begin(), words.end());
    std::sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
      if (a.second.first != b.second.first) {
        return a.second.first > b.second.first;
      }
      if (a.second.second != b.second.second) {
        return a.second.second > b.second.second;
      }
      return surfaces[static_cast<size_t>(a.first)] < surfaces[static_cast<size_t>(b.first)];
    });
    for (const auto& [id, e] : ranked) {
      if (h.keywords.size() >= 6 || e.first < 2) {
        break;
      }
      h.keywords.push_back(surfaces[static_cast<size_t>(id)]);
    }
    for (size_t k = 0; k < h.keywords.size() && k < 3; ++k) {
      h.label += (k ? "·" : "") + h.keywords[k];
    }
    std::stable_sort(listed.begin(), listed.end(), [](const auto& a, const auto& b) {
      return a.day.value_or(0) > b.day.value_or(0);
    });
    if (listed.size() > 20) {
      listed.resize(20);
    }
    h.members = std::move(listed);
    out.hotspots.push_back(std::move(h));
  }
  std::stable_sort(out.hotspots.begin(), out.hotspots.end(), [](const auto& a, const auto& b) {
    if (a.enterprises != b.enterprises) {
      return a.enterprises > b.enterprises;
    }
    if (a.count != b.count) {
      return a.count > b.count;
    }
    return a.label < b.label;
  });
  if (static_cast<int64_t>(out.hotspots.size()) > req.limit) {
    out.hotspots.resize(static_cast<size_t>(req.limit));
  }
  return out;
}

}  // namespace kechan::search
