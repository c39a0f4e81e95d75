#include "app/search_sources.h"

#include <boost/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "base/calendar.h"
#include "chain/model.h"
#include "chain/repo.h"

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
    if (!a.district.empty()) {
      d.facets["district"] = {a.district};
    }
    if (a.lead_unit) {
      d.facets["department"] = {detail->lead_unit_name.empty() ? std::to_string(*a.lead_unit)
                                                               : detail->lead_unit_name};
    }
    d.numbers["date"] = static_cast<double>(a.created_at / (86400LL * 1000 * 1000));
    out.push_back({"appeal", d.id, std::move(d)});
    return out;
  }

 private:
  appeals::AppealService& appeals_;
};

}  // namespace

void AddSearchSources(search::SearchService& search, store::Database& db,
                      appeals::AppealService* appeals) {
  search.AddSource(std::make_unique<EnterpriseSource>(db));
  if (appeals != nullptr) {
    search.AddSource(std::make_unique<AppealSource>(*appeals));
  }
}

}  // namespace kechan::app
