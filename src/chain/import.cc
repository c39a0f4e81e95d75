// The chain module's imports of chains/nodes and of enterprise↔node links (CSV or .xlsx), the
// dispatcher over the three import kinds and their templates. The enterprise import itself lives
// in service.cc.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "auth/uscc.h"
#include "base/strcat.h"
#include "chain/import_buildings.h"
#include "chain/import_fields.h"
#include "chain/repo.h"
#include "chain/service.h"
#include "store/event_log.h"
#include "table/table.h"

namespace kechan::chain {
namespace {

using base::Result;
using base::Status;
using namespace internal;  // NOLINT: the module's own helpers

const std::vector<std::string>& ChainColumns() {
  static const std::vector<std::string> kColumns = {
      "chain",           "cluster",        "chain_name",   "chain_name_en", "chief",
      "lead_department", "host_districts", "co_districts", "partners",      "node",
      "parent",          "name",           "name_en",      "segment",       "criticality",
      "choke_point",     "valid_from",     "valid_to"};
  return kColumns;
}

const std::vector<std::string>& LinkColumns() {
  static const std::vector<std::string> kColumns = {"uscc",       "chain",    "node",    "role",
                                                    "locality",   "capacity", "revenue", "products",
                                                    "valid_from", "valid_to"};
  return kColumns;
}

// Checks the header against `known` and `required`; returns column -> index.
Result<std::unordered_map<std::string, size_t>> HeaderIndex(
    const table::Table& t, const std::vector<std::string>& known,
    const std::vector<std::string>& required, std::string_view kind) {
  if (t.header.empty()) {
    return base::InvalidArgument("header", "csv.no_header",
                                 "the file is empty: expected a header row",
                                 "文件为空：缺少表头行");
  }
  std::unordered_map<std::string, size_t> col;
  for (size_t i = 0; i < t.header.size(); ++i) {
    std::string name = Trim(t.header[i]);
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return base::InvalidArgument(name.empty() ? "header" : name, "csv.unknown_column",
                                   "unknown column \"" + name +
                                       "\" in the header (see kechan import " + std::string(kind) +
                                       " --template)",
                                   "表头中有未知列“" + name + "”（参见 kechan import " +
                                       std::string(kind) + " --template）");
    }
    if (!col.emplace(name, i).second) {
      return base::InvalidArgument(name, "csv.duplicate_column",
                                   "column \"" + name + "\" appears twice in the header",
                                   "表头中“" + name + "”列重复");
    }
  }
  for (const auto& r : required) {
    if (!col.count(r)) {
      return base::InvalidArgument(r, "csv.missing_column",
                                   "the header has no \"" + r + "\" column",
                                   "表头缺少“" + r + "”列");
    }
  }
  return col;
}

// One data row with its fields looked up by column name.
class RowView {
 public:
  RowView(const std::unordered_map<std::string, size_t>& col, const std::vector<std::string>& f)
      : col_(col), fields_(f) {}
  std::string Get(const char* name) const {
    auto it = col_.find(name);
    if (it == col_.end() || it->second >= fields_.size()) {
      return {};
    }
    return Trim(fields_[it->second]);
  }

 private:
  const std::unordered_map<std::string, size_t>& col_;
  const std::vector<std::string>& fields_;
};

RowError MakeError(int64_t row, Bad b) {
  return RowError{.row = row,
                  .column = std::move(b.column),
                  .reason = std::move(b.reason),
                  .message_en = "row " + std::to_string(row) + ": " + b.en,
                  .message_zh = "第 " + std::to_string(row) + " 行：" + b.zh};
}

std::optional<Bad> ColumnCount(const table::Table& t, size_t r) {
  if (t.rows[r].size() == t.header.size()) {
    return std::nullopt;
  }
  return Bad{"", "column_count",
             "has " + std::to_string(t.rows[r].size()) + " fields, the header has " +
                 std::to_string(t.header.size()),
             "有 " + std::to_string(t.rows[r].size()) + " 列，表头有 " +
                 std::to_string(t.header.size()) + " 列"};
}

// Reads valid_from / valid_to of a row into `v`.
std::optional<Bad> ReadValidity(const RowView& row, Validity* v) {
  if (std::string text = row.Get("valid_from"); !text.empty()) {
    auto d = base::Date::Parse(text, "valid_from");
    if (!d.ok()) {
      return Bad{"valid_from", "bad_date", d.status().message_en(), d.status().message_zh()};
    }
    v->valid_from = *d;
  }
  if (std::string text = row.Get("valid_to"); !text.empty()) {
    auto d = base::Date::Parse(text, "valid_to");
    if (!d.ok()) {
      return Bad{"valid_to", "bad_date", d.status().message_en(), d.status().message_zh()};
    }
    v->valid_to = *d;
  }
  if (auto s = ValidateValidity(*v); !s.ok()) {
    return Bad{"valid_to", "dates_out_of_order", s.message_en(), s.message_zh()};
  }
  return std::nullopt;
}

Bad Required(const std::string& column, const std::string& zh) {
  return Bad{column, "required", column + " is required", zh + "不能为空"};
}

Result<int64_t> AppendBatch(store::Tx& tx, const base::Clock& clock, std::string kind,
                            std::string entity, int64_t id, const Caller& caller,
                            std::string payload) {
  return store::AppendEvent(tx,
                            store::EventDraft{.kind = std::move(kind),
                                              .entity = std::move(entity),
                                              .entity_id = std::to_string(id),
                                              .actor = caller.actor,
                                              .payload = std::move(payload)},
                            clock);
}

void Progress(const ImportOptions& o, std::string_view phase, int64_t done, int64_t total) {
  if (o.progress && (done % 1000 == 0 || done == total)) {
    o.progress(phase, done, total);
  }
}

Status Forbidden() {
  return base::PermissionDenied("chain.forbidden", "you are not allowed to do this",
                                "您无权执行此操作");
}

}  // namespace

const char* ImportKindName(ImportKind k) {
  switch (k) {
    case ImportKind::kEnterprises:
      return "enterprises";
    case ImportKind::kChains:
      return "chains";
    case ImportKind::kLinks:
      return "links";
    case ImportKind::kBuildings:
      return "buildings";
  }
  return "enterprises";
}

Result<ImportKind> ParseImportKind(std::string_view text, std::string_view field) {
  for (ImportKind k : {ImportKind::kEnterprises, ImportKind::kChains, ImportKind::kLinks,
                       ImportKind::kBuildings}) {
    if (text == ImportKindName(k)) {
      return k;
    }
  }
  return base::InvalidArgument(std::string(field), "import.kind",
                               "kind must be enterprises, chains, links or buildings",
                               "导入类型须为 enterprises、chains、links 或 buildings");
}

const std::vector<std::string>& ImportColumns(ImportKind kind) {
  switch (kind) {
    case ImportKind::kChains:
      return ChainColumns();
    case ImportKind::kLinks:
      return LinkColumns();
    case ImportKind::kBuildings:
      return BuildingImportColumns();  // import_buildings.h
    case ImportKind::kEnterprises:
      break;
  }
  return ImportColumns();
}

std::string ImportTemplate(ImportKind kind) {
  std::string header;
  for (const auto& c : ImportColumns(kind)) {
    header += (header.empty() ? "" : ",") + c;
  }
  switch (kind) {
    case ImportKind::kBuildings:
      return BuildingImportTemplate();
    case ImportKind::kChains:
      return header +
             "\nCD-EXAMPLE,CD-EI,示例产业链（示例）,Example chain (example),示例链长,"
             "市经济和信息化局,高新区;双流区,郫都区,成渝,,,,,,,,2024-01-01,\n"
             "CD-EXAMPLE,,,,,,,,,EX-MAT,,材料（示例）,Materials,upstream,4,1,2024-01-01,\n"
             "CD-EXAMPLE,,,,,,,,,EX-CHIP,EX-MAT,芯片（示例）,Chips,midstream,5,0,,\n";
    case ImportKind::kLinks: {
      auto uscc = auth::MakeUscc('9', '1', "510100", "MA6CX001");
      return header + "\n" + (uscc.ok() ? *uscc : "") +
             ",CD-AI,AI-CHIP,supplier,local,1200,350000.00,\"NPU;边缘推理模组\",2024-01-01,\n";
    }
    case ImportKind::kEnterprises:
      break;
  }
  return ImportTemplate();
}

std::string ImportReportJson(ImportKind kind, const ImportReport& r) {
  if (kind == ImportKind::kBuildings) {
    return ToBuildingImportReport(r).ToJson();  // import_buildings.h
  }
  std::string errors = "[";
  for (const auto& e : r.errors) {
    errors += (errors.size() > 1 ? "," : "") + e.ToJson();
  }
  errors += "]";
  return Payload()
      .Str("kind", ImportKindName(kind))
      .Int("rows", r.rows)
      .Int("imported", r.imported)
      .Int("links", r.links)
      .Int("chains", r.chains)
      .Int("nodes", r.nodes)
      .Raw("committed", r.committed ? "true" : "false")
      .Int("skipped", r.committed ? static_cast<int64_t>(r.errors.size()) : 0)
      .Int("event_seq", r.event_seq)
      .Raw("errors", errors)
      .Done();
}

Result<ImportReport> ChainService::Import(const Caller& caller, ImportKind kind,
                                          std::string_view bytes, const ImportOptions& options) {
  if (!caller.CanEditTaxonomy()) {
    return Forbidden();
  }
  table::Table t;
  if (table::LooksLikeXlsx(bytes)) {
    KECHAN_ASSIGN_OR_RETURN(t, table::ReadXlsx(bytes));
  } else {
    KECHAN_ASSIGN_OR_RETURN(t, table::ReadCsv(bytes));
  }
  switch (kind) {
    case ImportKind::kChains:
      return ImportChainsTable(caller, t, options);
    case ImportKind::kLinks:
      return ImportLinksTable(caller, t, options);
    case ImportKind::kBuildings:
      return ImportBuildingsAsReport(*this, caller, t, options);  // import_buildings.h
    case ImportKind::kEnterprises:
      break;
  }
  return ImportEnterprisesTable(caller, t, options);
}

// ---- chains and nodes -------------------------------------------------------------------------
namespace {

struct ChainRow {
  int64_t row = 0;
  Chain chain;
  bool bad = false;
};

struct NodeRow {
  int64_t row = 0;
  std::string chain_code;
  std::string parent_code;
  Node node;
  bool bad = false;
};

}  // namespace

Result<ImportReport> ChainService::ImportChainsTable(const Caller& caller, const table::Table& t,
                                                     const ImportOptions& options) {
  if (!caller.CanEditTaxonomy()) {
    return Forbidden();
  }
  KECHAN_ASSIGN_OR_RETURN(auto col, HeaderIndex(t, ChainColumns(), {"chain"}, "chains"));
  ImportReport report;
  report.rows = static_cast<int64_t>(t.rows.size());
  const int64_t total = report.rows;
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kWrite));

  // What is stored.
  std::unordered_map<std::string, ClusterId> clusters;
  std::unordered_map<std::string, ChainId> stored_chains;
  std::set<std::pair<std::string, std::string>> stored_nodes;  // (chain code, node code)
  std::map<std::pair<std::string, std::string>, NodeId> stored_node_ids;
  std::unordered_map<std::string, std::set<std::string>> node_chains;  // node code -> chains
  {
    KECHAN_ASSIGN_OR_RETURN(std::vector<Cluster> cl, repo::ListClusters(*tx));
    for (const auto& c : cl) {
      clusters[c.code] = c.id;
    }
    KECHAN_ASSIGN_OR_RETURN(std::vector<Chain> chains, repo::ListChains(*tx));
    std::unordered_map<int64_t, std::string> code_of;
    for (const auto& c : chains) {
      stored_chains[c.code] = c.id;
      code_of[c.id.value] = c.code;
    }
    KECHAN_ASSIGN_OR_RETURN(std::vector<Node> nodes, repo::ListAllNodes(*tx));
    for (const auto& n : nodes) {
      const std::string& chain = code_of[n.chain_id.value];
      stored_nodes.insert({chain, n.code});
      stored_node_ids[{chain, n.code}] = n.id;
      node_chains[n.code].insert(chain);
    }
  }

  std::vector<RowError> errors;
  auto bad = [&](int64_t row, Bad b) { errors.push_back(MakeError(row, std::move(b))); };

  // Pass 1: chain rows (no node).
  std::vector<ChainRow> chain_rows;
  std::unordered_map<std::string, size_t> file_chains;  // code -> index in chain_rows
  std::vector<size_t> node_row_indices;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const int64_t rownum = t.row_numbers[r];
    if (auto b = ColumnCount(t, r)) {
      bad(rownum, std::move(*b));
      continue;
    }
    RowView row(col, t.rows[r]);
    if (!row.Get("node").empty()) {
      node_row_indices.push_back(r);
      continue;
    }
    Progress(options, "reading", static_cast<int64_t>(r) + 1, total);
    auto result = [&]() -> std::optional<Bad> {
      ChainRow cr;
      cr.row = rownum;
      Chain& c = cr.chain;
      c.code = row.Get("chain");
      if (c.code.empty()) {
        return Required("chain", "产业链编码");
      }
      c.name = row.Get("chain_name");
      if (c.name.empty()) {
        return Bad{"chain_name", "required", "chain_name is required on a chain row",
                   "产业链行须填写产业链名称"};
      }
      c.name_en = row.Get("chain_name_en");
      const std::string cluster = row.Get("cluster");
      if (cluster.empty()) {
        return Bad{"cluster", "required", "cluster is required on a chain row",
                   "产业链行须填写所属集群编码"};
      }
      auto cl = clusters.find(cluster);
      if (cl == clusters.end()) {
        return Bad{"cluster", "unknown_cluster", "unknown cluster \"" + cluster + "\"",
                   "产业集群“" + cluster + "”不存在"};
      }
      c.cluster_id = cl->second;
      c.chief = row.Get("chief");
      c.lead_department = row.Get("lead_department");
      c.host_districts = SplitList(row.Get("host_districts"));
      c.co_districts = SplitList(row.Get("co_districts"));
      c.partners = SplitList(row.Get("partners"));
      if (auto b = ReadValidity(row, &c.validity)) {
        return b;
      }
      c.provenance.source = options.source;
      c.provenance.source_date = options.source_date;
      if (auto s = ValidateChain(c); !s.ok()) {
        return Bad{s.field() == "code" ? "chain" : "chain_name", "bad_value", s.message_en(),
                   s.message_zh()};
      }
      if (stored_chains.count(c.code)) {
        return Bad{"chain", "duplicate", "chain " + c.code + " already exists",
                   "产业链 " + c.code + " 已存在"};
      }
      if (auto it = file_chains.find(c.code); it != file_chains.end()) {
        return Bad{
            "chain", "duplicate",
            "chain " + c.code + " repeats row " + std::to_string(chain_rows[it->second].row),
            "产业链 " + c.code + " 与第 " + std::to_string(chain_rows[it->second].row) + " 行重复"};
      }
      file_chains[c.code] = chain_rows.size();
      chain_rows.push_back(std::move(cr));
      return std::nullopt;
    }();
    if (result) {
      bad(rownum, std::move(*result));
    }
  }

  // Pass 2: node rows.
  std::vector<NodeRow> node_rows;
  std::map<std::pair<std::string, std::string>, size_t> file_nodes;  // (chain, code) -> index
  for (size_t r : node_row_indices) {
    const int64_t rownum = t.row_numbers[r];
    Progress(options, "reading", static_cast<int64_t>(r) + 1, total);
    RowView row(col, t.rows[r]);
    auto result = [&]() -> std::optional<Bad> {
      NodeRow nr;
      nr.row = rownum;
      Node& n = nr.node;
      nr.chain_code = row.Get("chain");
      if (nr.chain_code.empty()) {
        return Required("chain", "产业链编码");
      }
      if (!stored_chains.count(nr.chain_code) && !file_chains.count(nr.chain_code)) {
        return Bad{"chain", "unknown_chain",
                   "unknown chain \"" + nr.chain_code + "\" (not stored, no valid chain row)",
                   "产业链“" + nr.chain_code + "”不存在（库中没有，文件中也没有有效的产业链行）"};
      }
      n.code = row.Get("node");
      n.name = row.Get("name");
      if (n.name.empty()) {
        return Required("name", "节点名称");
      }
      n.name_en = row.Get("name_en");
      if (std::string v = row.Get("segment"); !v.empty()) {
        auto s = ParseSegment(v, "segment");
        if (!s.ok()) {
          return BadValue("segment", s.status());
        }
        n.segment = *s;
      }
      if (std::string v = row.Get("criticality"); !v.empty()) {
        auto c = ParseInt(v);
        if (!c) {
          return BadNumber("criticality", v);
        }
        if (*c < 1 || *c > 5) {
          return Bad{"criticality", "out_of_range", "criticality must be 1-5", "关键程度须为 1-5"};
        }
        n.criticality = static_cast<int>(*c);
      }
      {
        std::string v = row.Get("choke_point");
        auto b = ParseBool(v);
        if (!b) {
          return Bad{"choke_point", "bad_value",
                     "choke_point: \"" + v + "\" is not one of 1/0/true/false/是/否",
                     "choke_point：“" + v + "”应为 1/0/true/false/是/否"};
        }
        n.choke_point = *b;
      }
      if (auto b = ReadValidity(row, &n.validity)) {
        return b;
      }
      n.provenance.source = options.source;
      n.provenance.source_date = options.source_date;
      if (auto s = ValidateNode(n); !s.ok()) {
        return Bad{s.field() == "code" ? "node" : s.field(), "bad_value", s.message_en(),
                   s.message_zh()};
      }
      const std::pair<std::string, std::string> key{nr.chain_code, n.code};
      if (stored_nodes.count(key)) {
        return Bad{"node", "duplicate",
                   "node " + n.code + " already exists in chain " + nr.chain_code,
                   "产业链 " + nr.chain_code + " 中已有节点 " + n.code};
      }
      if (auto it = file_nodes.find(key); it != file_nodes.end()) {
        return Bad{
            "node", "duplicate",
            "node " + n.code + " repeats row " + std::to_string(node_rows[it->second].row),
            "节点 " + n.code + " 与第 " + std::to_string(node_rows[it->second].row) + " 行重复"};
      }
      nr.parent_code = row.Get("parent");
      file_nodes[key] = node_rows.size();
      node_rows.push_back(std::move(nr));
      return std::nullopt;
    }();
    if (result) {
      bad(rownum, std::move(*result));
    }
  }

  // Parents: in the same chain (stored or in the file), else wrong_chain / orphan.
  auto mark = [&](NodeRow& nr, Bad b) {
    nr.bad = true;
    bad(nr.row, std::move(b));
  };
  for (auto& nr : node_rows) {
    if (nr.parent_code.empty()) {
      continue;
    }
    const std::pair<std::string, std::string> key{nr.chain_code, nr.parent_code};
    if (stored_nodes.count(key) || file_nodes.count(key)) {
      continue;
    }
    std::set<std::string> elsewhere = node_chains[nr.parent_code];
    for (const auto& [k, i] : file_nodes) {
      if (k.second == nr.parent_code) {
        elsewhere.insert(k.first);
      }
    }
    if (!elsewhere.empty()) {
      mark(nr, Bad{"parent", "wrong_chain",
                   "parent node " + nr.parent_code + " belongs to chain " + *elsewhere.begin() +
                       ", not " + nr.chain_code,
                   "上级节点 " + nr.parent_code + " 属于产业链 " + *elsewhere.begin() +
                       "，不属于 " + nr.chain_code});
    } else {
      mark(nr, Bad{"parent", "orphan",
                   "parent node " + nr.parent_code + " does not exist in chain " + nr.chain_code,
                   "产业链 " + nr.chain_code + " 中不存在上级节点 " + nr.parent_code});
    }
  }
  // Cycles among the file's nodes (stored nodes cannot point at new ones).
  auto parent_index = [&](const NodeRow& nr) -> std::optional<size_t> {
    if (nr.parent_code.empty()) {
      return std::nullopt;
    }
    auto it = file_nodes.find({nr.chain_code, nr.parent_code});
    if (it == file_nodes.end()) {
      return std::nullopt;
    }
    return it->second;
  };
  {
    std::vector<int> state(node_rows.size(), 0);  // 0 new, 1 on path, 2 done
    std::vector<bool> in_cycle(node_rows.size(), false);
    for (size_t start = 0; start < node_rows.size(); ++start) {
      std::vector<size_t> path;
      std::optional<size_t> cur = start;
      while (cur && state[*cur] == 0) {
        state[*cur] = 1;
        path.push_back(*cur);
        cur = parent_index(node_rows[*cur]);
      }
      if (cur && state[*cur] == 1) {
        for (auto it = std::find(path.begin(), path.end(), *cur); it != path.end(); ++it) {
          in_cycle[*it] = true;
        }
      }
      for (size_t i : path) {
        state[i] = 2;
      }
    }
    for (size_t i = 0; i < node_rows.size(); ++i) {
      if (in_cycle[i] && !node_rows[i].bad) {
        mark(node_rows[i],
             Bad{"parent", "cycle", "node " + node_rows[i].node.code + ": its parents form a cycle",
                 "节点 " + node_rows[i].node.code + "：上级关系形成环"});
      }
    }
  }
  // A node whose parent row was rejected would be an orphan.
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& nr : node_rows) {
      if (nr.bad) {
        continue;
      }
      if (auto p = parent_index(nr); p && node_rows[*p].bad) {
        mark(nr, Bad{"parent", "orphan",
                     "parent node " + nr.parent_code + " (row " +
                         std::to_string(node_rows[*p].row) + ") was rejected",
                     "上级节点 " + nr.parent_code + "（第 " + std::to_string(node_rows[*p].row) +
                         " 行）有误，未导入"});
        changed = true;
      }
    }
  }
  std::stable_sort(errors.begin(), errors.end(),
                   [](const RowError& a, const RowError& b) { return a.row < b.row; });
  report.errors = std::move(errors);
  const bool nothing = chain_rows.empty() && std::none_of(node_rows.begin(), node_rows.end(),
                                                          [](const NodeRow& n) { return !n.bad; });
  if ((!report.errors.empty() && !options.skip_bad) || nothing) {
    return report;  // rolls back
  }

  // Write: chains, then nodes parents first.
  const int64_t now = Now();
  const int64_t to_write =
      static_cast<int64_t>(chain_rows.size()) +
      std::count_if(node_rows.begin(), node_rows.end(), [](const NodeRow& n) { return !n.bad; });
  int64_t written = 0;
  std::unordered_map<std::string, ChainId> chain_ids = stored_chains;
  std::vector<int64_t> new_chain_ids;
  for (auto& cr : chain_rows) {
    KECHAN_ASSIGN_OR_RETURN(cr.chain.id, repo::InsertChain(*tx, cr.chain, now));
    chain_ids[cr.chain.code] = cr.chain.id;
    new_chain_ids.push_back(cr.chain.id.value);
    Progress(options, "writing", ++written, to_write);
  }
  std::map<std::pair<std::string, std::string>, NodeId> node_ids = stored_node_ids;
  std::vector<int64_t> new_node_ids;
  std::vector<bool> done(node_rows.size(), false);
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t i = 0; i < node_rows.size(); ++i) {
      NodeRow& nr = node_rows[i];
      if (nr.bad || done[i]) {
        continue;
      }
      if (!nr.parent_code.empty()) {
        auto parent = node_ids.find({nr.chain_code, nr.parent_code});
        if (parent == node_ids.end()) {
          continue;  // its parent comes later
        }
        nr.node.parent_id = parent->second;
      }
      nr.node.chain_id = chain_ids.at(nr.chain_code);
      KECHAN_ASSIGN_OR_RETURN(nr.node.id, repo::InsertNode(*tx, nr.node, now));
      node_ids[{nr.chain_code, nr.node.code}] = nr.node.id;
      new_node_ids.push_back(nr.node.id.value);
      done[i] = true;
      progress = true;
      Progress(options, "writing", ++written, to_write);
    }
  }
  report.chains = static_cast<int64_t>(new_chain_ids.size());
  report.nodes = static_cast<int64_t>(new_node_ids.size());
  report.imported = report.chains + report.nodes;
  const int64_t entity = !new_chain_ids.empty() ? new_chain_ids.front() : 0;
  KECHAN_ASSIGN_OR_RETURN(
      report.event_seq, AppendBatch(*tx, clock_, "chain.chains.imported", "chain", entity, caller,
                                    Payload()
                                        .Int("chains", report.chains)
                                        .Int("nodes", report.nodes)
                                        .Int("skipped", static_cast<int64_t>(report.errors.size()))
                                        .Str("source", options.source)
                                        .Raw("chain_ids", IdRuns(new_chain_ids))
                                        .Raw("node_ids", IdRuns(new_node_ids))
                                        .Done()));
  KECHAN_RETURN_IF_ERROR(tx->Commit());
  report.committed = true;
  return report;
}

// ---- enterprise↔node links ----------------------------------------------------------------
Result<ImportReport> ChainService::ImportLinksTable(const Caller& caller, const table::Table& t,
                                                    const ImportOptions& options) {
  if (!caller.CanEditTaxonomy()) {
    return Forbidden();
  }
  KECHAN_ASSIGN_OR_RETURN(auto col,
                          HeaderIndex(t, LinkColumns(), {"uscc", "chain", "node"}, "links"));
  ImportReport report;
  report.rows = static_cast<int64_t>(t.rows.size());
  const int64_t total = report.rows;
  // The rows are checked against a read snapshot (the writer stays free meanwhile, so an import
  // job can store its progress); the write transaction checks again what they refer to.
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));

  struct Taxonomy {
    std::unordered_map<std::string, ChainId> chains;
    std::map<std::pair<int64_t, std::string>, NodeId> nodes;             // (chain, code) -> id
    std::unordered_map<std::string, std::set<std::string>> node_chains;  // code -> chain codes
    bool operator==(const Taxonomy&) const = default;
  };
  auto load_taxonomy = [](store::Tx& tx) -> Result<Taxonomy> {
    Taxonomy tax;
    KECHAN_ASSIGN_OR_RETURN(std::vector<Chain> cs, repo::ListChains(tx));
    std::unordered_map<int64_t, std::string> code_of;
    for (const auto& c : cs) {
      tax.chains[c.code] = c.id;
      code_of[c.id.value] = c.code;
    }
    KECHAN_ASSIGN_OR_RETURN(std::vector<Node> ns, repo::ListAllNodes(tx));
    for (const auto& n : ns) {
      tax.nodes[{n.chain_id.value, n.code}] = n.id;
      tax.node_chains[n.code].insert(code_of[n.chain_id.value]);
    }
    return tax;
  };
  KECHAN_ASSIGN_OR_RETURN(const Taxonomy taxonomy, load_taxonomy(*tx));
  const auto& chains = taxonomy.chains;
  const auto& nodes = taxonomy.nodes;
  const auto& node_chains = taxonomy.node_chains;
  // What the rows refer to that is stored, read in bulk first (one statement per 500 USCCs or
  // firms, not one or two per row: a round trip each on PostgreSQL): the firms of the rows' USCCs,
  // and the links those firms already have at the rows' nodes, for the "already has this role"
  // check.
  std::unordered_map<std::string, EnterpriseId> known_firms;
  std::set<std::tuple<int64_t, int64_t, LinkRole>> stored_links;
  std::vector<std::string> normalized(t.rows.size());  // each row's USCC, "" when invalid
  {
    std::vector<std::string> usccs;
    std::vector<std::pair<size_t, NodeId>> wanted;  // (row, node) of the rows that name both
    usccs.reserve(t.rows.size());
    wanted.reserve(t.rows.size());
    for (size_t r = 0; r < t.rows.size(); ++r) {
      if (ColumnCount(t, r)) {
        continue;
      }
      RowView row(col, t.rows[r]);
      auto uscc = auth::NormalizeUscc(row.Get("uscc"), "uscc");
      if (!uscc.ok()) {
        continue;
      }
      normalized[r] = std::move(*uscc);
      usccs.push_back(normalized[r]);
      if (auto chain = chains.find(row.Get("chain")); chain != chains.end()) {
        if (auto node = nodes.find({chain->second.value, row.Get("node")}); node != nodes.end()) {
          wanted.emplace_back(r, node->second);
        }
      }
    }
    using Found = std::map<std::string, EnterpriseId>;
    KECHAN_ASSIGN_OR_RETURN(Found found, repo::EnterpriseIdsByUscc(*tx, usccs));
    known_firms.reserve(found.size());
    known_firms.insert(found.begin(), found.end());
    std::vector<std::pair<EnterpriseId, NodeId>> pairs;
    pairs.reserve(wanted.size());
    for (const auto& [r, node] : wanted) {
      if (auto it = known_firms.find(normalized[r]); it != known_firms.end()) {
        pairs.emplace_back(it->second, node);
      }
    }
    KECHAN_ASSIGN_OR_RETURN(stored_links, repo::LinkKeysAt(*tx, std::move(pairs)));
  }
  std::map<std::tuple<int64_t, int64_t, std::string>, int64_t> seen;  // (ent, node, role) -> row
  std::vector<Link> pending;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const int64_t rownum = t.row_numbers[r];
    Progress(options, "reading", static_cast<int64_t>(r) + 1, total);
    if (auto b = ColumnCount(t, r)) {
      report.errors.push_back(MakeError(rownum, std::move(*b)));
      continue;
    }
    RowView row(col, t.rows[r]);
    auto result = [&]() -> std::optional<Bad> {
      Link l;
      if (normalized[r].empty()) {  // invalid: the error again, for its message
        auto bad = auth::NormalizeUscc(row.Get("uscc"), "uscc");
        return Bad{"uscc", "invalid_uscc", bad.status().message_en(), bad.status().message_zh()};
      }
      const std::string* uscc = &normalized[r];
      if (auto it = known_firms.find(*uscc); it != known_firms.end()) {
        l.enterprise_id = it->second;
      } else {
        return Bad{"uscc", "unknown_enterprise", "no enterprise with USCC " + *uscc,
                   "不存在统一社会信用代码为 " + *uscc + " 的企业"};
      }
      const std::string chain_code = row.Get("chain");
      if (chain_code.empty()) {
        return Required("chain", "产业链编码");
      }
      auto chain = chains.find(chain_code);
      if (chain == chains.end()) {
        return Bad{"chain", "unknown_chain", "unknown chain \"" + chain_code + "\"",
                   "产业链“" + chain_code + "”不存在"};
      }
      const std::string code = row.Get("node");
      if (code.empty()) {
        return Required("node", "节点编码");
      }
      auto node = nodes.find({chain->second.value, code});
      if (node == nodes.end()) {
        if (auto other = node_chains.find(code); other != node_chains.end()) {
          return Bad{"node", "wrong_chain",
                     base::StrCat("node ", code, " belongs to chain ", *other->second.begin(),
                                  ", not ", chain_code),
                     base::StrCat("节点 ", code, " 属于产业链 ", *other->second.begin(),
                                  "，不属于 ", chain_code)};
        }
        return Bad{"node", "unknown_node",
                   base::StrCat("unknown node \"", code, "\" in chain ", chain_code),
                   base::StrCat("产业链 ", chain_code, " 中不存在节点“", code, "”")};
      }
      l.node_id = node->second;
      if (std::string v = row.Get("role"); !v.empty()) {
        auto parsed = ParseLinkRole(v, "role");
        if (!parsed.ok()) {
          return BadValue("role", parsed.status());
        }
        l.role = *parsed;
      }
      if (std::string v = row.Get("locality"); !v.empty()) {
        auto parsed = ParseLocality(v, "locality");
        if (!parsed.ok()) {
          return BadValue("locality", parsed.status());
        }
        l.locality = *parsed;
      }
      if (std::string v = row.Get("capacity"); !v.empty()) {
        auto c = ParseReal(v);
        if (!c) {
          return BadNumber("capacity", v);
        }
        if (*c < 0) {
          return Negative("capacity");
        }
        l.capacity = *c;
      }
      if (std::string v = row.Get("revenue"); !v.empty()) {
        auto m = base::Money::ParseYuan(v, "revenue");
        if (!m.ok()) {
          return BadNumber("revenue", v);
        }
        if (m->fen() < 0) {
          return Negative("revenue");
        }
        l.revenue = *m;
      }
      l.products = SplitList(row.Get("products"));
      if (auto b = ReadValidity(row, &l.validity)) {
        return b;
      }
      l.provenance.source = options.source;
      l.provenance.source_date = options.source_date;
      const std::tuple<int64_t, int64_t, std::string> key{l.enterprise_id.value, l.node_id.value,
                                                          LinkRoleName(l.role)};
      if (auto it = seen.find(key); it != seen.end()) {
        return Bad{"node", "duplicate",
                   "the same enterprise, node and role repeat row " + std::to_string(it->second),
                   "企业、节点与角色与第 " + std::to_string(it->second) + " 行重复"};
      }
      if (stored_links.contains({l.enterprise_id.value, l.node_id.value, l.role})) {
        return Bad{"node", "duplicate",
                   "the enterprise already has role " + std::string(LinkRoleName(l.role)) +
                       " at node " + code,
                   "该企业在节点 " + code + " 已有角色 " + LinkRoleNameZh(l.role)};
      }
      seen.emplace(key, rownum);
      pending.push_back(std::move(l));
      return std::nullopt;
    }();
    if (result) {
      report.errors.push_back(MakeError(rownum, std::move(*result)));
    }
  }
  if ((!report.errors.empty() && !options.skip_bad) || pending.empty()) {
    return report;  // nothing written
  }
  tx.reset();
  KECHAN_ASSIGN_OR_RETURN(tx, db_.Begin(store::TxKind::kWrite));
  {
    KECHAN_ASSIGN_OR_RETURN(Taxonomy now_taxonomy, load_taxonomy(*tx));
    if (!(now_taxonomy == taxonomy)) {
      return ImportChanged();
    }
  }
  KECHAN_ASSIGN_OR_RETURN(repo::ImportCache cache, repo::ImportCache::Raise(*tx));
  const int64_t now = Now();
  std::vector<int64_t> ids;
  ids.reserve(pending.size());
  const int64_t to_write = static_cast<int64_t>(pending.size());
  // The linked enterprises as stored, for the analyses' read models.
  std::map<EnterpriseId, Enterprise> firms;
  {
    std::vector<EnterpriseId> firm_ids;
    firm_ids.reserve(pending.size());
    for (const auto& l : pending) {
      firm_ids.push_back(l.enterprise_id);
    }
    KECHAN_ASSIGN_OR_RETURN(std::vector<Enterprise> stored,
                            repo::ListEnterprisesByIds(*tx, std::move(firm_ids)));
    for (auto& e : stored) {
      firms.emplace(e.id, std::move(e));
    }
  }
  std::unordered_map<int64_t, ChainId> node_chain;
  for (const auto& [key, id] : nodes) {
    node_chain[id.value] = ChainId{key.first};
  }
  repo::ReadModelWriter models(*tx, now);
  {
    // What the read models already count of each producer link's (node, firm), in bulk.
    std::vector<std::pair<NodeId, EnterpriseId>> keys;
    for (const Link& l : pending) {
      if (IsProducer(l.role)) {
        keys.emplace_back(l.node_id, l.enterprise_id);
      }
    }
    KECHAN_RETURN_IF_ERROR(models.PrefetchStored(std::move(keys)));
  }
  // Every link goes to the read models before any is inserted (ReadModelWriter counts a firm's
  // stored links once); then all are inserted in multi-row statements, in index key order.
  std::vector<const Link*> all;
  all.reserve(pending.size());
  for (const Link& l : pending) {
    auto firm = firms.find(l.enterprise_id);
    if (firm == firms.end()) {
      return ImportChanged();  // the enterprise went away after the rows were checked
    }
    KECHAN_RETURN_IF_ERROR(
        models.Added(l, node_chain.at(l.node_id.value), firm->second, /*new_firm=*/false));
    all.push_back(&l);
  }
  if (Status s = repo::InsertLinks(
          *tx, all, now, &ids,
          [&](size_t done) { Progress(options, "writing", static_cast<int64_t>(done), to_write); });
      !s.ok()) {
    // The unique key (enterprise, node, role): a link stored after the rows were checked.
    return s.code() == base::Code::kAlreadyExists ? ImportChanged() : s;
  }
  std::sort(ids.begin(), ids.end());
  KECHAN_RETURN_IF_ERROR(models.Flush());
  report.links = static_cast<int64_t>(ids.size());
  report.imported = report.links;
  KECHAN_ASSIGN_OR_RETURN(
      report.event_seq,
      AppendBatch(*tx, clock_, "chain.links.imported", "link", ids.front(), caller,
                  Payload()
                      .Int("count", report.links)
                      .Int("skipped", static_cast<int64_t>(report.errors.size()))
                      .Str("source", options.source)
                      .Raw("ids", IdRuns(ids))
                      .Done()));
  KECHAN_RETURN_IF_ERROR(cache.Restore(*tx));
  KECHAN_RETURN_IF_ERROR(tx->Commit());
  report.committed = true;
  return report;
}

}  // namespace kechan::chain
