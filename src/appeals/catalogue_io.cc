// Dispatch catalogue import and export (CSV/.xlsx through table/): AppealService::ImportCatalogue
// and AppealService::ExportCatalogue. All or nothing: every row is checked before one write
// transaction changes anything.
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "appeals/service.h"
#include "base/utf8.h"
#include "store/event_log.h"

namespace kechan::appeals {

namespace json = boost::json;
using base::Micros;
using base::Result;
using base::Status;
using store::Tx;

namespace {

// Import columns and their accepted header spellings.
enum class Col { kType, kChain, kDistrict, kLead, kAssisting, kIgnored };

std::optional<Col> ColumnOf(std::string_view header) {
  std::string h;
  for (char c : header) {
    h += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) {
    h.pop_back();
  }
  size_t b = h.find_first_not_of(" \t");
  h = b == std::string::npos ? "" : h.substr(b);
  static const std::map<std::string, Col, std::less<>> kNames = {
      {"type", Col::kType},          {"诉求类型", Col::kType},
      {"类型", Col::kType},          {"chain_id", Col::kChain},
      {"chain_code", Col::kChain},   {"chain", Col::kChain},
      {"产业链", Col::kChain},       {"district", Col::kDistrict},
      {"区县", Col::kDistrict},      {"区（市）县", Col::kDistrict},
      {"lead_unit", Col::kLead},     {"主办单位", Col::kLead},
      {"牵头单位", Col::kLead},      {"assisting_units", Col::kAssisting},
      {"协办单位", Col::kAssisting},
  };
  if (auto it = kNames.find(h); it != kNames.end()) {
    return it->second;
  }
  if (h.size() > 5 && h.compare(h.size() - 5, 5, "_name") == 0) {
    return Col::kIgnored;
  }
  if (h.size() > 6 && h.compare(h.size() - 6, 6, "_names") == 0) {
    return Col::kIgnored;
  }
  return std::nullopt;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) {
    ++b;
  }
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) {
    --e;
  }
  return std::string(s.substr(b, e - b));
}

bool AllDigits(std::string_view s) {
  if (s.empty() || s.size() > 18) {
    return false;
  }
  for (char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

// Splits "经信局;科技局", "2,3" or "经信局、科技局" into trimmed non-empty parts.
std::vector<std::string> SplitList(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    std::string t = Trim(cur);
    if (!t.empty()) {
      out.push_back(t);
    }
    cur.clear();
  };
  const std::string_view kDun = "、";
  const std::string_view kFullSemi = "；";
  const std::string_view kFullComma = "，";
  for (size_t i = 0; i < s.size();) {
    if (s[i] == ';' || s[i] == ',') {
      flush();
      ++i;
    } else if (s.substr(i, kDun.size()) == kDun || s.substr(i, kFullSemi.size()) == kFullSemi ||
               s.substr(i, kFullComma.size()) == kFullComma) {
      flush();
      i += kDun.size();  // all three are three bytes in UTF-8
    } else {
      cur += s[i];
      ++i;
    }
  }
  flush();
  return out;
}

struct Row {
  int64_t row = 0;
  std::string type;
  int64_t chain = 0;
  std::string district;
  int64_t lead = 0;
  std::vector<int64_t> assisting;
};

}  // namespace

Result<CatalogueImportReport> AppealService::ImportCatalogue(const Caller& caller,
                                                             const table::Table& t, bool replace,
                                                             bool dry_run) {
  if (!caller.IsOperator()) {
    return base::PermissionDenied("catalogue.forbidden", "Operators only", "仅限平台运营");
  }
  // Columns.
  std::vector<std::optional<Col>> cols;
  std::map<Col, std::string> header_of;
  for (const auto& h : t.header) {
    auto c = ColumnOf(h);
    if (!c) {
      if (Trim(h).empty()) {
        cols.push_back(Col::kIgnored);
        continue;
      }
      return base::InvalidArgument(h, "import.unknown_column", "Unknown column: " + h,
                                   "无法识别的列：" + h);
    }
    if (*c != Col::kIgnored && header_of.count(*c)) {
      return base::InvalidArgument(h, "import.duplicate_column", "Column given twice: " + h,
                                   "列重复：" + h);
    }
    if (*c != Col::kIgnored) {
      header_of[*c] = h;
    }
    cols.push_back(c);
  }
  for (auto [c, name] : {std::pair{Col::kType, "type"}, std::pair{Col::kLead, "lead_unit"}}) {
    if (!header_of.count(c)) {
      return base::InvalidArgument(name, "import.missing_column",
                                   std::string("The column '") + name + "' is required",
                                   std::string("缺少必填列“") + name + "”");
    }
  }
  if (t.rows.empty()) {
    return base::InvalidArgument("file", "import.empty", "The file has no data rows",
                                 "文件中没有数据行");
  }

  // Lookups: government units by id and name, chains by id and code (when the chain module's
  // table exists; its own read transaction so a missing table cannot spoil the write).
  std::map<int64_t, std::string> unit_names;
  std::map<std::string, int64_t, std::less<>> unit_ids;
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(
        auto rows, tx->Query("SELECT id, name, name_en FROM orgs WHERE kind = 'government'"));
    for (const auto& r : rows.rows) {
      unit_names[r.Int(0)] = r.Text(1);
      unit_ids.emplace(r.Text(1), r.Int(0));
      if (!r.Text(2).empty()) {
        unit_ids.emplace(r.Text(2), r.Int(0));
      }
    }
  }
  std::optional<std::map<std::string, int64_t, std::less<>>> chains;
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
    auto rows = tx->Query("SELECT id, code, name FROM chain_chains");
    if (rows.ok()) {
      chains.emplace();
      for (const auto& r : rows->rows) {
        chains->emplace(std::to_string(r.Int(0)), r.Int(0));
        chains->emplace(r.Text(1), r.Int(0));
        chains->emplace(r.Text(2), r.Int(0));
      }
    }
  }

  CatalogueImportReport report;
  report.rows = static_cast<int64_t>(t.rows.size());
  std::vector<Row> good;
  std::map<std::tuple<std::string, int64_t, std::string>, int64_t> seen;  // key -> first row
  auto error = [&](int64_t row, Col c, std::string reason, std::string en, std::string zh) {
    report.errors.push_back({.row = row,
                             .column = header_of.count(c) ? header_of[c] : "",
                             .reason = std::move(reason),
                             .message_en = std::move(en),
                             .message_zh = std::move(zh)});
  };
  auto unit = [&](const std::string& v) -> std::optional<int64_t> {
    if (AllDigits(v)) {
      const int64_t id = std::stoll(v);
      return unit_names.count(id) ? std::optional<int64_t>(id) : std::nullopt;
    }
    if (auto it = unit_ids.find(v); it != unit_ids.end()) {
      return it->second;
    }
    return std::nullopt;
  };
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const auto& cells = t.rows[i];
    const int64_t rn = i < t.row_numbers.size() ? t.row_numbers[i] : static_cast<int64_t>(i + 2);
    const size_t before = report.errors.size();
    Row r;
    r.row = rn;
    std::map<Col, std::string> v;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c >= cols.size()) {
        if (!Trim(cells[c]).empty()) {
          report.errors.push_back({.row = rn,
                                   .column = "#" + std::to_string(c + 1),
                                   .reason = "extra_cell",
                                   .message_en = "A value beyond the last column",
                                   .message_zh = "超出表头范围的单元格有内容"});
        }
        continue;
      }
      if (cols[c] && *cols[c] != Col::kIgnored) {
        v[*cols[c]] = Trim(cells[c]);
      }
    }
    if (!base::IsValidUtf8(v[Col::kType] + v[Col::kChain] + v[Col::kDistrict] + v[Col::kLead] +
                           v[Col::kAssisting])) {
      error(rn, Col::kType, "invalid_utf8", "The row is not valid UTF-8", "该行不是有效的 UTF-8");
      continue;
    }
    // Type: id or label.
    const std::string& type = v[Col::kType];
    if (type.empty()) {
      error(rn, Col::kType, "required", "The appeal type is required", "诉求类型必填");
    } else {
      for (const auto& at : AppealTypes()) {
        if (type == at.id || type == at.label_zh || type == at.label_en) {
          r.type = at.id;
        }
      }
      if (r.type.empty()) {
        error(rn, Col::kType, "unknown_type", "Unknown appeal type: " + type,
              "未知的诉求类型：" + type);
      }
    }
    // Chain: empty = any.
    const std::string& chain = v[Col::kChain];
    if (!chain.empty()) {
      if (chains) {
        if (auto it = chains->find(chain); it != chains->end()) {
          r.chain = it->second;
        }
      } else if (AllDigits(chain)) {
        r.chain = std::stoll(chain);
      }
      if (r.chain <= 0) {
        error(rn, Col::kChain, "unknown_chain", "Unknown chain: " + chain,
              "未知的产业链：" + chain);
      }
    }
    r.district = v[Col::kDistrict];
    if (base::CodePointCount(r.district) > 50) {
      error(rn, Col::kDistrict, "too_long", "The district is longer than 50 characters",
            "区县名称超过 50 个字符");
    }
    // Units.
    const std::string& lead = v[Col::kLead];
    if (lead.empty()) {
      error(rn, Col::kLead, "required", "The lead unit is required", "主办单位必填");
    } else if (auto id = unit(lead)) {
      r.lead = *id;
    } else {
      error(rn, Col::kLead, "unknown_unit", "Not a government department: " + lead,
            "不是政府部门：" + lead);
    }
    for (const auto& a : SplitList(v[Col::kAssisting])) {
      if (auto id = unit(a)) {
        if (*id != r.lead &&
            std::find(r.assisting.begin(), r.assisting.end(), *id) == r.assisting.end()) {
          r.assisting.push_back(*id);
        }
      } else {
        error(rn, Col::kAssisting, "unknown_unit", "Not a government department: " + a,
              "不是政府部门：" + a);
      }
    }
    if (report.errors.size() != before) {
      continue;
    }
    auto [it, fresh] = seen.emplace(std::make_tuple(r.type, r.chain, r.district), rn);
    if (!fresh) {
      error(rn, Col::kType, "duplicate",
            "Same type, chain and district as row " + std::to_string(it->second),
            "与第 " + std::to_string(it->second) + " 行的类型、产业链和区县相同");
      continue;
    }
    good.push_back(std::move(r));
  }
  if (!report.errors.empty()) {
    return report;
  }

  // Plan against the current catalogue, then write (unless a dry run).
  const Micros now = clock_.NowMicros();
  Status st = store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    report.inserted = report.updated = report.deleted = 0;
    KECHAN_ASSIGN_OR_RETURN(auto cur, tx.Query("SELECT id, type, chain_id, district, lead_unit, "
                                               "assisting_units FROM appeal_catalogue"));
    std::map<std::tuple<std::string, int64_t, std::string>,
             std::tuple<int64_t, int64_t, std::string>>
        existing;
    for (const auto& r : cur.rows) {
      existing[{r.Text(1), r.Int(2), r.Text(3)}] = {r.Int(0), r.Int(4), r.Text(5)};
    }
    for (const auto& r : good) {
      const std::string assist = JoinIds(r.assisting);
      auto it = existing.find({r.type, r.chain, r.district});
      if (it == existing.end()) {
        ++report.inserted;
        if (!dry_run) {
          KECHAN_RETURN_IF_ERROR(
              tx.Exec("INSERT INTO appeal_catalogue (type, chain_id, district, lead_unit, "
                      "assisting_units, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                      {r.type, r.chain, r.district, r.lead, assist, now})
                  .status());
        }
        continue;
      }
      const auto& [id, old_lead, old_assist] = it->second;
      if (old_lead != r.lead || old_assist != assist) {
        ++report.updated;
        if (!dry_run) {
          KECHAN_RETURN_IF_ERROR(tx.Exec("UPDATE appeal_catalogue SET lead_unit = ?, "
                                         "assisting_units = ?, updated_at = ? WHERE id = ?",
                                         {r.lead, assist, now, id})
                                     .status());
        }
      }
      existing.erase(it);
    }
    if (replace) {
      for (const auto& [key, val] : existing) {
        ++report.deleted;
        if (!dry_run) {
          KECHAN_RETURN_IF_ERROR(
              tx.Exec("DELETE FROM appeal_catalogue WHERE id = ?", {std::get<0>(val)}).status());
        }
      }
    }
    if (dry_run) {
      return Status();
    }
    json::object f{{"rows", report.rows},
                   {"inserted", report.inserted},
                   {"updated", report.updated},
                   {"deleted", report.deleted},
                   {"mode", replace ? "replace" : "merge"}};
    return store::AppendEvent(tx,
                              {.kind = "appeal.catalogue.imported",
                               .entity = "appeal_catalogue",
                               .entity_id = "import",
                               .actor = caller.actor,
                               .payload = json::serialize(f)},
                              clock_)
        .status();
  });
  KECHAN_RETURN_IF_ERROR(st);
  report.committed = !dry_run;
  return report;
}

Result<table::Table> AppealService::ExportCatalogue(const Caller& caller) {
  KECHAN_ASSIGN_OR_RETURN(auto entries, ListCatalogue(caller));
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  std::map<int64_t, std::string> names;
  KECHAN_ASSIGN_OR_RETURN(auto rows,
                          tx->Query("SELECT id, name FROM orgs WHERE kind = 'government'"));
  for (const auto& r : rows.rows) {
    names[r.Int(0)] = r.Text(1);
  }
  table::Table t;
  t.header = {"type",
              "chain_id",
              "district",
              "lead_unit",
              "assisting_units",
              "lead_unit_name",
              "assisting_unit_names"};
  for (const auto& e : entries) {
    std::string assist_names;
    for (int64_t u : e.assisting_units) {
      assist_names += (assist_names.empty() ? "" : ";") + names[u];
    }
    std::string assist;
    for (int64_t u : e.assisting_units) {
      assist += (assist.empty() ? "" : ";") + std::to_string(u);
    }
    t.rows.push_back({e.type, e.chain_id ? std::to_string(*e.chain_id) : "", e.district,
                      std::to_string(e.lead_unit), assist, names[e.lead_unit], assist_names});
  }
  return t;
}

}  // namespace kechan::appeals
