#include "app/search_sources.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/calendar.h"
#include "chain/model.h"
#include "chain/repo.h"
#include "search/hotspots.h"

namespace kechan::app {
namespace {

namespace json = boost::json;
using base::Result;

// Enterprise ids an event concerns: the entity itself, "ids" runs of a bulk import, the
// "enterprise_id" of a link.
std::set<int64_t> EnterpriseIds(const store::Event& e) {
  std::set<int64_t> ids;
  if (e.kind.rfind("chain.", 0) != 0) {
    return ids;
  }
  if (e.entity == "enterprise") {
    try {
      ids.insert(std::stoll(e.entity_id));
    } catch (...) {
    }
  }
  boost::system::error_code ec;
  json::value v = json::parse(e.payload, ec);
  if (ec || !v.is_object()) {
    return ids;
  }
  const json::object& o = v.as_object();
  if (e.kind == "chain.enterprises.imported") {
    if (const json::value* runs = o.if_contains("ids"); runs && runs->is_array()) {
      for (const auto& r : runs->as_array()) {
        if (r.is_array() && r.as_array().size() == 2 && r.as_array()[0].is_int64() &&
            r.as_array()[1].is_int64()) {
          int64_t a = r.as_array()[0].as_int64();
          int64_t b = r.as_array()[1].as_int64();
          for (int64_t i = a; i <= b && i - a < 1000000; ++i) {
            ids.insert(i);
          }
        }
      }
    }
  }
  for (const char* key : {"enterprise_id", "buyer_id", "supplier_id"}) {
    if (const json::value* id = o.if_contains(key); id && id->is_int64()) {
      ids.insert(id->as_int64());
    }
  }
  return ids;
}

class EnterpriseSource : public search::DocumentSource {
 public:
  explicit EnterpriseSource(store::Database& db) : db_(db) {}

  Result<std::vector<search::Change>> Changes(const store::Event& e) override {
    std::vector<search::Change> out;
    std::set<int64_t> ids = EnterpriseIds(e);
    if (ids.empty()) {
      return out;
    }
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
    for (int64_t id : ids) {
      KECHAN_ASSIGN_OR_RETURN(auto ent, chain::repo::FindEnterprise(*tx, chain::EnterpriseId{id}));
      if (!ent) {
        out.push_back({"enterprise", std::to_string(id), std::nullopt});
        continue;
      }
      KECHAN_ASSIGN_OR_RETURN(auto links,
                              chain::repo::ListLinksOfEnterprise(*tx, chain::EnterpriseId{id}));
      search::Document d;
      d.type = "enterprise";
      d.id = std::to_string(id);
      d.title = ent->name;
      d.fields.push_back({"name", ent->name, 3});
      if (!ent->name_en.empty()) {
        d.fields.push_back({"name_en", ent->name_en, 2});
      }
      std::string products;
      std::string nodes;
      std::set<std::string> node_codes;
      std::set<std::string> chain_codes;
      for (const chain::Link& l : links) {
        for (const auto& p : l.products) {
          products += p + "；";
        }
        KECHAN_ASSIGN_OR_RETURN(auto node, chain::repo::FindNode(*tx, l.node_id));
        if (!node) {
          continue;
        }
        nodes += node->name + " " + node->name_en + "；";
        node_codes.insert(node->code);
        KECHAN_ASSIGN_OR_RETURN(auto ch, chain::repo::FindChain(*tx, node->chain_id));
        if (ch) {
          chain_codes.insert(ch->code);
        }
      }
      if (!products.empty()) {
        d.fields.push_back({"products", products, 2});
      }
      if (!nodes.empty()) {
        d.fields.push_back({"nodes", nodes, 1.5});
      }
      if (!ent->district.empty()) {
        d.facets["district"] = {ent->district};
      }
      if (!node_codes.empty()) {
        d.facets["node"] = {node_codes.begin(), node_codes.end()};
      }
      if (!chain_codes.empty()) {
        d.facets["chain"] = {chain_codes.begin(), chain_codes.end()};
      }
      if (!ent->tiers.empty()) {
        d.facets["label"] = {chain::GradientTierName(ent->tiers.back().tier)};
      }
      if (ent->above_size) {
        d.facets["label"].push_back("above_size");
      }
      if (!ent->revenue.empty()) {
        d.numbers["revenue"] = static_cast<double>(ent->revenue.rbegin()->second.fen()) / 100.0;
      }
      if (ent->validity.valid_to) {
        d.numbers["valid_to"] = static_cast<double>(ent->validity.valid_to->ToDays());
      }
      out.push_back({"enterprise", d.id, std::move(d)});
    }
    return out;
  }

 private:
  store::Database& db_;
};

class AppealSource : public search::DocumentSource {
 public:
  explicit AppealSource(appeals::AppealService& appeals) : appeals_(appeals) {}
  // Every event of an appeal yields its current state (about twenty events per appeal).
  bool ChangesFollowTheEntity() const override { return true; }

  Result<std::vector<search::Change>> Changes(const store::Event& e) override {
    std::vector<search::Change> out;
    if (e.entity != "appeal") {
      return out;
    }
    int64_t id = 0;
    try {
      id = std::stoll(e.entity_id);
    } catch (...) {
      return out;
    }
    auto detail = appeals_.Get(appeals::Caller::System("search"), id);
    if (!detail.ok()) {
      if (detail.status().code() == base::Code::kNotFound) {
        out.push_back({"appeal", e.entity_id, std::nullopt});
        return out;
      }
      return detail.status();
    }
    const appeals::Appeal& a = detail->appeal;
    search::Document d;
    d.type = "appeal";
    d.id = std::to_string(a.id);
    d.title = a.title;
    d.fields = {{"title", a.title, 3}, {"body", a.body, 1}};
    if (!a.reply.empty()) {
      d.fields.push_back({"reply", a.reply, 0.5});
    }
    d.facets["status"] = {a.state};
    d.facets["appeal_type"] = {a.type};
    d.facets["org"] = {detail->org_name.empty() ? std::to_string(a.org_id) : detail->org_name};
    if (!a.district.empty()) {
      d.facets["district"] = {a.district};
    }
    if (a.lead_unit) {
      d.facets["department"] = {detail->lead_unit_name.empty() ? std::to_string(*a.lead_unit)
                                                               : detail->lead_unit_name};
    }
    // Whole days since the epoch: the integer division is meant.
    // NOLINTNEXTLINE(bugprone-integer-division)
    d.numbers["date"] = static_cast<double>(a.created_at / (86400LL * 1000 * 1000));
    out.push_back({"appeal", d.id, std::move(d)});
    return out;
  }

 private:
  appeals::AppealService& appeals_;
};

}  // namespace

std::string GuessAppealType(std::string_view text) {
  // Words that name the matter of each built-in appeal type (appeals/model.cc); the type with
  // the most distinct hits wins, ties go to the earlier type. "" when nothing matches.
  static const std::vector<std::pair<std::string_view, std::vector<std::string_view>>> kWords = {
      {"financing", {"融资", "贷款", "授信", "担保", "资金周转", "信贷", "上市"}},
      {"land_space", {"用地", "土地", "厂房", "场地", "园区空间", "租赁", "规划"}},
      {"permits", {"审批", "许可", "证照", "备案", "办证", "资质", "施工许可", "环评"}},
      {"talent", {"人才", "用工", "招聘", "社保", "培训", "落户", "员工"}},
      {"policy", {"政策", "补贴", "奖励", "兑现", "申报", "退税", "减免", "税"}},
      {"market", {"市场", "订单", "供需", "销售", "客户", "采购", "展会"}},
      {"technology", {"技术", "研发", "成果转化", "专利", "攻关", "实验室"}},
      {"utilities", {"供电", "用电", "电力", "供水", "用水", "燃气", "天然气", "网络", "宽带"}},
      {"logistics", {"物流", "运输", "供应链", "仓储", "配送", "港口", "货运"}},
  };
  std::string best;
  int best_hits = 0;
  for (const auto& [type, words] : kWords) {
    int hits = 0;
    for (std::string_view w : words) {
      hits += text.find(w) != std::string_view::npos ? 1 : 0;
    }
    if (hits > best_hits) {
      best_hits = hits;
      best = std::string(type);
    }
  }
  return best;
}

void WireAppealRouting(search::SearchService& search, store::Database& db,
                       appeals::AppealService& appeals) {
  // When the classifier is unsure: the dispatch catalogue's lead department for the type the
  // text talks about (any chain, any district).
  search.SetCatalogueFallback([&db, &appeals](std::string_view text) -> std::optional<std::string> {
    std::string type = GuessAppealType(text);
    if (type.empty()) {
      return std::nullopt;
    }
    auto entry = appeals.Resolve(type, std::nullopt, "");
    if (!entry.ok() || !entry->has_value() || (*entry)->lead_unit == 0) {
      return std::nullopt;
    }
    auto tx = db.Begin(store::TxKind::kRead);
    if (!tx.ok()) {
      return std::nullopt;
    }
    auto rows = (*tx)->Query("SELECT name FROM orgs WHERE id = ?", {(*entry)->lead_unit});
    if (!rows.ok() || rows->empty()) {
      return std::nullopt;
    }
    return rows->rows[0].Text(0);
  });
  appeals.SetRouteSuggester(
      [&search](std::string_view text) -> std::optional<appeals::RouteSuggestion> {
        auto s = search.SuggestDepartment(text);
        if (!s.ok() || s->label.empty()) {
          return std::nullopt;
        }
        appeals::RouteSuggestion r;
        r.org_name = s->label;
        r.type = GuessAppealType(text);
        r.confidence = s->confidence;
        if (s->source == "catalogue") {
          r.explanation =
              "dispatch catalogue for the appeal type (the text classifier was unsure)"
              " / 分类器把握不足，按诉求类型的分派目录";
        } else {
          r.explanation = "nearest past appeals voted:";
          for (size_t i = 0; i < s->scores.size() && i < 3; ++i) {
            char share[16];
            std::snprintf(share, sizeof share, " %.0f%%", s->scores[i].second * 100);
            r.explanation += (i ? ", " : " ") + s->scores[i].first + share;
          }
          r.explanation += s->unsure ? " (unsure / 把握不足)" : " / 相似历史诉求投票";
        }
        return r;
      });
  // Intake's type suggestion (POST /api/v1/appeals/suggest-type): the search module's type model.
  appeals.SetTypeSuggester([&search](
                               std::string_view text) -> std::optional<appeals::TypeSuggestion> {
    auto s = search.SuggestType(text);
    if (!s.ok() || s->label.empty()) {
      return std::nullopt;
    }
    return appeals::TypeSuggestion{
        .type = s->label, .confidence = s->confidence, .unsure = s->unsure, .source = s->source};
  });
  // Appeal hot spots: clusters of similar appeal text from the search index; nullopt (the
  // appeals module then groups by exact fields) when the index holds no appeal of the period.
  appeals.SetHotspotFinder(
      [&search](base::Date from, base::Date to,
                int64_t min_count) -> std::optional<std::vector<appeals::Hotspot>> {
        search::HotspotRequest h;
        h.type = "appeal";
        // The index's "date" is the UTC day of created_at; widen by a day to cover Asia/Shanghai.
        h.from_day = from.ToDays() - 1;
        h.to_day = to.ToDays();
        h.limit = 50;
        h.min_size = std::clamp<int64_t>(min_count, 2, 100);
        auto r = search::FindHotspots(search.analysis(), search.index(), h);
        if (!r.ok() || r->documents == 0) {
          return std::nullopt;
        }
        std::vector<appeals::Hotspot> out;
        for (const search::Hotspot& x : r->hotspots) {
          if (x.count < min_count) {
            continue;
          }
          appeals::Hotspot a{.appeals = x.count, .enterprises = x.enterprises};
          int64_t best = 0;
          for (const auto& [type, n] : x.types) {
            if (n > best) {
              best = n;
              a.type = type;
            }
          }
          for (const search::HotspotMember& m : x.members) {
            try {
              a.sample_ids.push_back(std::stoll(m.id));
            } catch (...) {
            }
          }
          a.source = "text";
          a.label = x.label;
          a.keywords = x.keywords;
          out.push_back(std::move(a));
        }
        return out;
      });
}

base::Status LoadRoutingExamples(store::Database& db,
                                 std::vector<search::RoutingExample>& department,
                                 std::vector<search::RoutingExample>& type) {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto rows,
                          tx->Query("SELECT a.id, a.title, a.body, a.type, COALESCE(o.name, '')"
                                    " FROM appeals a LEFT JOIN orgs o ON o.id = a.lead_unit"
                                    " WHERE a.lead_unit IS NOT NULL ORDER BY a.id"));
  for (const auto& r : rows.rows) {
    std::string id = std::to_string(r.Int(0));
    std::string text = r.Text(1) + "\n" + r.Text(2);
    if (!r.Text(4).empty()) {
      department.push_back({id, text, r.Text(4)});
    }
    if (!r.Text(3).empty()) {
      type.push_back({id, text, r.Text(3)});
    }
  }
  return base::Status::Ok();
}

void AddSearchSources(search::SearchService& search, store::Database& db,
                      appeals::AppealService* appeals) {
  search.AddSource(std::make_unique<EnterpriseSource>(db));
  if (appeals != nullptr) {
    search.AddSource(std::make_unique<AppealSource>(*appeals));
    WireAppealRouting(search, db, *appeals);
  }
}

}  // namespace kechan::app
