#include "chain/repo.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <map>
#include <sstream>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

namespace kechan::chain::repo {
namespace {

// The ids in the first column of `sql`'s rows, in row order.
template <typename Id>
base::Result<std::vector<Id>> QueryIds(store::Tx& tx, std::string_view sql,
                                       std::initializer_list<store::Value> params) {
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(sql, params));
  std::vector<Id> out;
  out.reserve(rows.rows.size());
  for (const auto& r : rows.rows) {
    out.push_back(Id{r.Int(0)});
  }
  return out;
}

using store::Value;

Value DateValue(const std::optional<base::Date>& d) {
  return d ? Value(d->ToString()) : Value(nullptr);
}
// Stored dates were validated on the way in; an unparsable one (hand-edited database) reads as
// "unknown" rather than failing the whole list.
std::optional<base::Date> DateAt(const store::Row& r, size_t i) {
  if (r.IsNull(i)) {
    return std::nullopt;
  }
  auto d = base::Date::Parse(r.Text(i));
  return d.ok() ? std::optional<base::Date>(*d) : std::nullopt;
}
Value B(bool b) { return Value(int64_t{b ? 1 : 0}); }

std::string JoinLines(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) {
      out += '\n';
    }
    out += s;
  }
  return out;
}
std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (!line.empty()) {
      out.push_back(line);
    }
  }
  return out;
}

base::Status Done(const base::Result<int64_t>& n) {
  return n.ok() ? base::Status::Ok() : n.status();
}

base::Result<int64_t> InsertReturningId(store::Tx& tx, const std::string& sql,
                                        const std::vector<Value>& params) {
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows,
                          tx.Query(sql + " RETURNING id", std::span<const Value>(params)));
  return rows.rows.at(0).Int(0);
}

// Provenance and validity occupy four consecutive columns:
// source, source_date, valid_from, valid_to.
constexpr const char* kProvCols = "source, source_date, valid_from, valid_to";
void ReadProv(const store::Row& r, size_t i, Provenance* p, Validity* v) {
  p->source = r.Text(i);
  p->source_date = DateAt(r, i + 1);
  v->valid_from = DateAt(r, i + 2).value_or(base::Date());
  v->valid_to = DateAt(r, i + 3);
}
void PushProv(std::vector<Value>& params, const Provenance& p, const Validity& v) {
  params.emplace_back(p.source);
  params.push_back(DateValue(p.source_date));
  params.emplace_back(v.valid_from.ToString());
  params.push_back(DateValue(v.valid_to));
}

// ---- statements from one column list ----------------------------------------------------------
// Each table's written columns are listed once (kClusterCols, kChainCols, ...: "a, b, c"); its
// INSERT, UPDATE and SELECT texts are made from that list, and its *Params function pushes the
// values in the same order.
constexpr const char* kStamps = "created_at, updated_at";

// "?, ?, ..." for n placeholders.
std::string Marks(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += i ? ", ?" : "?";
  }
  return out;
}
// The names of a "a, b, c" column list.
std::vector<std::string_view> ColumnNames(std::string_view cols) {
  std::vector<std::string_view> out;
  while (!cols.empty()) {
    const size_t comma = cols.find(',');
    std::string_view name = cols.substr(0, comma);
    while (!name.empty() && name.front() == ' ') {
      name.remove_prefix(1);
    }
    while (!name.empty() && name.back() == ' ') {
      name.remove_suffix(1);
    }
    out.push_back(name);
    cols = comma == std::string_view::npos ? std::string_view() : cols.substr(comma + 1);
  }
  return out;
}
// "INSERT INTO `table` (`cols`, `stamps`) VALUES " (the rows' "(?, ...)" follow).
std::string InsertHead(std::string_view table, std::string_view cols, std::string_view stamps) {
  return "INSERT INTO " + std::string(table) + " (" + std::string(cols) + ", " +
         std::string(stamps) + ") VALUES ";
}
// The same with one row of placeholders.
std::string InsertOne(std::string_view table, std::string_view cols, std::string_view stamps) {
  return InsertHead(table, cols, stamps) + "(" +
         Marks(ColumnNames(cols).size() + ColumnNames(stamps).size()) + ")";
}
// "UPDATE `table` SET a = ?, b = ?, ..., updated_at = ? WHERE id = ?".
std::string UpdateById(std::string_view table, std::string_view cols) {
  std::string sql = "UPDATE " + std::string(table) + " SET ";
  for (std::string_view name : ColumnNames(cols)) {
    sql += std::string(name) + " = ?, ";
  }
  return sql + "updated_at = ? WHERE id = ?";
}
// "x.a, x.b, ..." for the column list "a, b, ..." and the alias "x".
std::string Prefixed(std::string_view alias, std::string_view cols) {
  std::string out;
  for (std::string_view name : ColumnNames(cols)) {
    out += (out.empty() ? "" : ", ") + std::string(alias) + "." + std::string(name);
  }
  return out;
}

template <typename T, typename Fn>
base::Result<std::vector<T>> QueryAll(store::Tx& tx, const std::string& sql,
                                      const std::vector<Value>& params, Fn&& from) {
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(sql, std::span<const Value>(params)));
  std::vector<T> out;
  out.reserve(rows.size());
  for (const auto& r : rows.rows) {
    out.push_back(from(r));
  }
  return out;
}
template <typename T, typename Fn>
base::Result<std::optional<T>> QueryOne(store::Tx& tx, const std::string& sql,
                                        const std::vector<Value>& params, Fn&& from) {
  KECHAN_ASSIGN_OR_RETURN(std::vector<T> all, QueryAll<T>(tx, sql, params, from));
  if (all.empty()) {
    return std::optional<T>();
  }
  return std::optional<T>(std::move(all.front()));
}

// Parsing stored enum names: the CHECK constraints keep them valid.
template <typename T>
T Or(base::Result<T> r, T fallback) {
  return r.ok() ? *r : fallback;
}

// ---- row mappers ------------------------------------------------------------------------------
const std::string kClusterCols = std::string("code, name, name_en, tier, ") + kProvCols;
const std::string kClusterSelect = "SELECT id, " + kClusterCols + " FROM chain_clusters";
Cluster ClusterFrom(const store::Row& r) {
  Cluster c;
  c.id = ClusterId{r.Int(0)};
  c.code = r.Text(1);
  c.name = r.Text(2);
  c.name_en = r.Text(3);
  c.tier = Or(ParseTier(r.Text(4)), Tier::kHundredBillion);
  ReadProv(r, 5, &c.provenance, &c.validity);
  return c;
}

const std::string kChainCols =
    std::string(
        "cluster_id, code, name, name_en, chief, lead_department, host_districts, co_districts, "
        "partners, ") +
    kProvCols;
const std::string kChainSelect = "SELECT id, " + kChainCols + " FROM chain_chains";
Chain ChainFrom(const store::Row& r) {
  Chain c;
  c.id = ChainId{r.Int(0)};
  c.cluster_id = ClusterId{r.Int(1)};
  c.code = r.Text(2);
  c.name = r.Text(3);
  c.name_en = r.Text(4);
  c.chief = r.Text(5);
  c.lead_department = r.Text(6);
  c.host_districts = SplitLines(r.Text(7));
  c.co_districts = SplitLines(r.Text(8));
  c.partners = SplitLines(r.Text(9));
  ReadProv(r, 10, &c.provenance, &c.validity);
  return c;
}

const std::string kNodeCols =
    std::string("chain_id, parent_id, segment, code, name, name_en, criticality, choke_point, ") +
    kProvCols;
const std::string kNodeSelect = "SELECT id, " + kNodeCols + " FROM chain_nodes";
Node NodeFrom(const store::Row& r) {
  Node n;
  n.id = NodeId{r.Int(0)};
  n.chain_id = ChainId{r.Int(1)};
  if (!r.IsNull(2)) {
    n.parent_id = NodeId{r.Int(2)};
  }
  n.segment = Or(ParseSegment(r.Text(3)), Segment::kMidstream);
  n.code = r.Text(4);
  n.name = r.Text(5);
  n.name_en = r.Text(6);
  n.criticality = static_cast<int>(r.Int(7));
  n.choke_point = r.Int(8) != 0;
  ReadProv(r, 9, &n.provenance, &n.validity);
  return n;
}

const std::string kParkCols =
    std::string("name, name_en, level, parent_id, district, main_industry, ") + kProvCols;
const std::string kParkSelect = "SELECT id, " + kParkCols + " FROM chain_parks";
Park ParkFrom(const store::Row& r) {
  Park p;
  p.id = ParkId{r.Int(0)};
  p.name = r.Text(1);
  p.name_en = r.Text(2);
  p.level = static_cast<int>(r.Int(3));
  if (!r.IsNull(4)) {
    p.parent_id = ParkId{r.Int(4)};
  }
  p.district = r.Text(5);
  p.main_industry = r.Text(6);
  ReadProv(r, 7, &p.provenance, &p.validity);
  return p;
}

// The columns an enterprise write sets, and those its reads select (with the id, as e.*).
const std::string kEnterpriseWriteCols =
    std::string("org_id, uscc, name, name_en, district, park_id, above_size, green_factory, ") +
    kProvCols;
const std::string kEnterpriseCols = Prefixed("e", "id, " + kEnterpriseWriteCols);
Enterprise EnterpriseFrom(const store::Row& r) {
  Enterprise e;
  e.id = EnterpriseId{r.Int(0)};
  if (!r.IsNull(1)) {
    e.org_id = base::OrgId{r.Int(1)};
  }
  e.uscc = r.Text(2);
  e.name = r.Text(3);
  e.name_en = r.Text(4);
  e.district = r.Text(5);
  if (!r.IsNull(6)) {
    e.park_id = ParkId{r.Int(6)};
  }
  e.above_size = r.Int(7) != 0;
  e.green_factory = r.Int(8) != 0;
  ReadProv(r, 9, &e.provenance, &e.validity);
  return e;
}

// The columns a link insert sets besides created_at (LinkParams pushes them in this order).
const std::string kLinkCols =
    std::string("enterprise_id, node_id, role, products, capacity, revenue_fen, locality, ") +
    kProvCols;
const std::string kLinkSelect =
    "SELECT " + Prefixed("l", "id, " + kLinkCols) + " FROM chain_links l";
std::vector<Value> LinkParams(const Link& l, int64_t now) {
  std::vector<Value> p{l.enterprise_id.value,
                       l.node_id.value,
                       std::string(LinkRoleName(l.role)),
                       JoinLines(l.products),
                       l.capacity,
                       l.revenue.fen(),
                       std::string(LocalityName(l.locality))};
  PushProv(p, l.provenance, l.validity);
  p.emplace_back(now);
  return p;
}
Link LinkFrom(const store::Row& r) {
  Link l;
  l.id = LinkId{r.Int(0)};
  l.enterprise_id = EnterpriseId{r.Int(1)};
  l.node_id = NodeId{r.Int(2)};
  l.role = Or(ParseLinkRole(r.Text(3)), LinkRole::kSupplier);
  l.products = SplitLines(r.Text(4));
  l.capacity = r.Real(5);
  l.revenue = base::Money::FromFen(r.Int(6));
  l.locality = Or(ParseLocality(r.Text(7)), Locality::kLocal);
  ReadProv(r, 8, &l.provenance, &l.validity);
  return l;
}

// chain_enterprise_years: one row per year with any fact, five values per row.
constexpr const char* kYearsInsert =
    "INSERT INTO chain_enterprise_years (enterprise_id, year, revenue_fen, rd_fen, digital_level) "
    "VALUES ";
constexpr size_t kYearWidth = 5;
// Appends the enterprise's yearly facts as chain_enterprise_years rows of `id` to `params`.
void PushYearRows(const Enterprise& e, EnterpriseId id, std::vector<Value>& params) {
  std::map<int, std::array<std::optional<int64_t>, 3>> years;
  for (const auto& [y, m] : e.revenue) {
    years[y][0] = m.fen();
  }
  for (const auto& [y, m] : e.rd_spend) {
    years[y][1] = m.fen();
  }
  for (const auto& [y, lvl] : e.digital_level) {
    years[y][2] = lvl;
  }
  auto opt = [](const std::optional<int64_t>& v) { return v ? Value(*v) : Value(nullptr); };
  for (const auto& [y, f] : years) {
    for (Value v : {Value(id.value), Value(int64_t{y}), opt(f[0]), opt(f[1]), opt(f[2])}) {
      params.push_back(std::move(v));
    }
  }
}

base::Status WriteFacts(store::Tx& tx, const Enterprise& e, EnterpriseId id) {
  std::vector<Value> years;
  PushYearRows(e, id, years);
  const std::string one_year = std::string(kYearsInsert) + "(" + Marks(kYearWidth) + ")";
  for (size_t i = 0; i < years.size(); i += kYearWidth) {
    KECHAN_RETURN_IF_ERROR(
        Done(tx.Exec(one_year, std::span<const Value>(years.data() + i, kYearWidth))));
  }
  for (const auto& t : e.tiers) {
    KECHAN_RETURN_IF_ERROR(Done(tx.Exec(
        "INSERT INTO chain_enterprise_tiers (enterprise_id, tier, valid_from, valid_to) "
        "VALUES (?, ?, ?, ?)",
        {id.value, std::string(GradientTierName(t.tier)), t.from.ToString(), DateValue(t.to)})));
  }
  return base::Status::Ok();
}

base::Status ReadTiers(store::Tx& tx, const std::string& where, const std::vector<Value>& params,
                       std::map<int64_t, Enterprise*>& by_id) {
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows,
                          tx.Query("SELECT t.enterprise_id, t.tier, t.valid_from, t.valid_to FROM "
                                   "chain_enterprise_tiers t " +
                                       where + " ORDER BY t.enterprise_id, t.valid_from",
                                   std::span<const Value>(params)));
  for (const auto& r : rows.rows) {
    auto it = by_id.find(r.Int(0));
    if (it == by_id.end()) {
      continue;
    }
    GradientTierRecord t;
    t.tier = Or(ParseGradientTier(r.Text(1)), GradientTier::kInnovativeSme);
    t.from = DateAt(r, 2).value_or(base::Date());
    t.to = DateAt(r, 3);
    it->second->tiers.push_back(t);
  }
  return base::Status::Ok();
}

}  // namespace

// ---- clusters -------------------------------------------------------------------------------
namespace {
std::vector<Value> ClusterParams(const Cluster& c) {
  std::vector<Value> p{c.code, c.name, c.name_en, std::string(TierName(c.tier))};
  PushProv(p, c.provenance, c.validity);
  return p;
}
}  // namespace

base::Result<ClusterId> InsertCluster(store::Tx& tx, const Cluster& c, int64_t now) {
  static const std::string kSql = InsertOne("chain_clusters", kClusterCols, kStamps);
  std::vector<Value> p = ClusterParams(c);
  p.emplace_back(now);
  p.emplace_back(now);
  KECHAN_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(tx, kSql, p));
  return ClusterId{id};
}

base::Status UpdateCluster(store::Tx& tx, const Cluster& c, int64_t now) {
  static const std::string kSql = UpdateById("chain_clusters", kClusterCols);
  std::vector<Value> p = ClusterParams(c);
  p.emplace_back(now);
  p.emplace_back(c.id.value);
  return Done(tx.Exec(kSql, std::span<const Value>(p)));
}

base::Result<std::optional<Cluster>> FindCluster(store::Tx& tx, ClusterId id) {
  return QueryOne<Cluster>(tx, kClusterSelect + " WHERE id = ?", {id.value}, ClusterFrom);
}

base::Result<std::vector<Cluster>> ListClusters(store::Tx& tx) {
  return QueryAll<Cluster>(tx, kClusterSelect + " ORDER BY id", {}, ClusterFrom);
}

// ---- chains ---------------------------------------------------------------------------------
namespace {
std::vector<Value> ChainParams(const Chain& c) {
  std::vector<Value> p{c.cluster_id.value,
                       c.code,
                       c.name,
                       c.name_en,
                       c.chief,
                       c.lead_department,
                       JoinLines(c.host_districts),
                       JoinLines(c.co_districts),
                       JoinLines(c.partners)};
  PushProv(p, c.provenance, c.validity);
  return p;
}
}  // namespace

base::Result<ChainId> InsertChain(store::Tx& tx, const Chain& c, int64_t now) {
  static const std::string kSql = InsertOne("chain_chains", kChainCols, kStamps);
  std::vector<Value> p = ChainParams(c);
  p.emplace_back(now);
  p.emplace_back(now);
  KECHAN_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(tx, kSql, p));
  return ChainId{id};
}

base::Status UpdateChain(store::Tx& tx, const Chain& c, int64_t now) {
  static const std::string kSql = UpdateById("chain_chains", kChainCols);
  std::vector<Value> p = ChainParams(c);
  p.emplace_back(now);
  p.emplace_back(c.id.value);
  return Done(tx.Exec(kSql, std::span<const Value>(p)));
}

base::Result<std::optional<Chain>> FindChain(store::Tx& tx, ChainId id) {
  return QueryOne<Chain>(tx, kChainSelect + " WHERE id = ?", {id.value}, ChainFrom);
}

base::Result<std::optional<Chain>> FindChainByCode(store::Tx& tx, const std::string& code) {
  return QueryOne<Chain>(tx, kChainSelect + " WHERE code = ?", {code}, ChainFrom);
}

base::Result<std::vector<Chain>> ListChains(store::Tx& tx) {
  return QueryAll<Chain>(tx, kChainSelect + " ORDER BY id", {}, ChainFrom);
}

// ---- nodes ----------------------------------------------------------------------------------
namespace {
std::vector<Value> NodeParams(const Node& n) {
  std::vector<Value> p{n.chain_id.value,
                       n.parent_id ? Value(n.parent_id->value) : Value(nullptr),
                       std::string(SegmentName(n.segment)),
                       n.code,
                       n.name,
                       n.name_en,
                       int64_t{n.criticality},
                       B(n.choke_point)};
  PushProv(p, n.provenance, n.validity);
  return p;
}
}  // namespace

base::Result<NodeId> InsertNode(store::Tx& tx, const Node& n, int64_t now) {
  static const std::string kSql = InsertOne("chain_nodes", kNodeCols, kStamps);
  std::vector<Value> p = NodeParams(n);
  p.emplace_back(now);
  p.emplace_back(now);
  KECHAN_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(tx, kSql, p));
  return NodeId{id};
}

base::Status UpdateNode(store::Tx& tx, const Node& n, int64_t now) {
  static const std::string kSql = UpdateById("chain_nodes", kNodeCols);
  std::vector<Value> p = NodeParams(n);
  p.emplace_back(now);
  p.emplace_back(n.id.value);
  return Done(tx.Exec(kSql, std::span<const Value>(p)));
}

base::Result<std::optional<Node>> FindNode(store::Tx& tx, NodeId id) {
  return QueryOne<Node>(tx, kNodeSelect + " WHERE id = ?", {id.value}, NodeFrom);
}

base::Result<std::vector<Node>> ListNodes(store::Tx& tx, ChainId chain) {
  return QueryAll<Node>(tx, kNodeSelect + " WHERE chain_id = ? ORDER BY id", {chain.value},
                        NodeFrom);
}

base::Result<std::vector<Node>> ListAllNodes(store::Tx& tx) {
  return QueryAll<Node>(tx, kNodeSelect + " ORDER BY id", {}, NodeFrom);
}

// ---- parks ----------------------------------------------------------------------------------
base::Result<ParkId> InsertPark(store::Tx& tx, const Park& pk, int64_t now) {
  std::vector<Value> p{
      pk.name,           pk.name_en,
      int64_t{pk.level}, pk.parent_id ? Value(pk.parent_id->value) : Value(nullptr),
      pk.district,       pk.main_industry};
  PushProv(p, pk.provenance, pk.validity);
  p.emplace_back(now);
  p.emplace_back(now);
  static const std::string kSql = InsertOne("chain_parks", kParkCols, kStamps);
  KECHAN_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(tx, kSql, p));
  return ParkId{id};
}

base::Result<std::optional<Park>> FindPark(store::Tx& tx, ParkId id) {
  return QueryOne<Park>(tx, kParkSelect + " WHERE id = ?", {id.value}, ParkFrom);
}

base::Result<std::vector<Park>> ListParks(store::Tx& tx) {
  return QueryAll<Park>(tx, kParkSelect + " ORDER BY id", {}, ParkFrom);
}

// ---- enterprises ----------------------------------------------------------------------------
namespace {
std::vector<Value> EnterpriseParams(const Enterprise& e) {
  std::vector<Value> p{e.org_id ? Value(e.org_id->value) : Value(nullptr),
                       e.uscc,
                       e.name,
                       e.name_en,
                       e.district,
                       e.park_id ? Value(e.park_id->value) : Value(nullptr),
                       B(e.above_size),
                       B(e.green_factory)};
  PushProv(p, e.provenance, e.validity);
  return p;
}
}  // namespace

base::Result<EnterpriseId> InsertEnterprise(store::Tx& tx, const Enterprise& e, int64_t now) {
  static const std::string kSql = InsertOne("chain_enterprises", kEnterpriseWriteCols, kStamps);
  std::vector<Value> p = EnterpriseParams(e);
  p.emplace_back(now);
  p.emplace_back(now);
  KECHAN_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(tx, kSql, p));
  KECHAN_RETURN_IF_ERROR(WriteFacts(tx, e, EnterpriseId{id}));
  return EnterpriseId{id};
}

base::Status UpdateEnterprise(store::Tx& tx, const Enterprise& e, int64_t now) {
  static const std::string kSql = UpdateById("chain_enterprises", kEnterpriseWriteCols);
  std::vector<Value> p = EnterpriseParams(e);
  p.emplace_back(now);
  p.emplace_back(e.id.value);
  KECHAN_RETURN_IF_ERROR(Done(tx.Exec(kSql, std::span<const Value>(p))));
  KECHAN_RETURN_IF_ERROR(
      Done(tx.Exec("DELETE FROM chain_enterprise_years WHERE enterprise_id = ?", {e.id.value})));
  KECHAN_RETURN_IF_ERROR(
      Done(tx.Exec("DELETE FROM chain_enterprise_tiers WHERE enterprise_id = ?", {e.id.value})));
  return WriteFacts(tx, e, e.id);
}

base::Result<std::optional<Enterprise>> FindEnterprise(store::Tx& tx, EnterpriseId id) {
  KECHAN_ASSIGN_OR_RETURN(std::optional<Enterprise> e,
                          QueryOne<Enterprise>(tx,
                                               "SELECT " + kEnterpriseCols +
                                                   " FROM chain_enterprises e WHERE "
                                                   "e.id = ?",
                                               {id.value}, EnterpriseFrom));
  if (!e) {
    return e;
  }
  KECHAN_ASSIGN_OR_RETURN(
      store::Rows years,
      tx.Query("SELECT year, revenue_fen, rd_fen, digital_level FROM chain_enterprise_years "
               "WHERE enterprise_id = ? ORDER BY year",
               {id.value}));
  for (const auto& r : years.rows) {
    const int y = static_cast<int>(r.Int(0));
    if (!r.IsNull(1)) {
      e->revenue[y] = base::Money::FromFen(r.Int(1));
    }
    if (!r.IsNull(2)) {
      e->rd_spend[y] = base::Money::FromFen(r.Int(2));
    }
    if (!r.IsNull(3)) {
      e->digital_level[y] = static_cast<int>(r.Int(3));
    }
  }
  std::map<int64_t, Enterprise*> by_id{{id.value, &*e}};
  KECHAN_RETURN_IF_ERROR(ReadTiers(tx, "WHERE t.enterprise_id = ?", {id.value}, by_id));
  return e;
}

base::Result<std::optional<EnterpriseId>> FindEnterpriseIdByUscc(store::Tx& tx,
                                                                 const std::string& uscc) {
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows,
                          tx.Query("SELECT id FROM chain_enterprises WHERE uscc = ?", {uscc}));
  if (rows.empty()) {
    return std::optional<EnterpriseId>();
  }
  return std::optional<EnterpriseId>(EnterpriseId{rows.rows[0].Int(0)});
}

base::Result<std::vector<Enterprise>> ListEnterprises(store::Tx& tx, const EnterpriseFilter& f,
                                                      int64_t offset, int64_t limit,
                                                      int64_t* total) {
  // With a chain: start from the chain's firms (chain_chain_firms, whose copies of district and
  // above_size make the three-filter count an index range), else from all enterprises.
  std::string from = " FROM chain_enterprises e";
  std::string where = " WHERE 1 = 1";
  std::vector<Value> params;
  if (f.chain_id) {
    from = " FROM chain_chain_firms m JOIN chain_enterprises e ON e.id = m.enterprise_id";
    where += " AND m.chain_id = ?";
    params.emplace_back(f.chain_id->value);
    if (!f.district.empty()) {
      where += " AND m.district = ?";
      params.emplace_back(f.district);
    }
    if (f.above_size) {
      where += " AND m.above_size = ?";
      params.push_back(B(*f.above_size));
    }
  }
  // With a chain, district and size are tested on the copies only (RefreshChainFirms keeps them
  // equal to the enterprise's in the same transaction; the import only inserts firms): repeating
  // them on e cost a primary-key lookup per match (60 ms instead of 1.4 ms for the count at 1M on
  // PostgreSQL, bench/README.md).
  if (!f.district.empty() && !f.chain_id) {
    where += " AND e.district = ?";
    params.emplace_back(f.district);
  }
  if (f.park_id) {
    where += " AND e.park_id = ?";
    params.emplace_back(f.park_id->value);
  }
  if (f.above_size && !f.chain_id) {
    where += " AND e.above_size = ?";
    params.push_back(B(*f.above_size));
  }
  if (!f.name_contains.empty()) {
    // instr() on SQLite, strpos() on PostgreSQL: a plain substring test (LIKE would need the
    // caller's % and _ escaped).
    where += tx.dialect() == store::Dialect::kPostgres
                 ? " AND (strpos(e.name, ?) > 0 OR strpos(e.name_en, ?) > 0)"
                 : " AND (instr(e.name, ?) > 0 OR instr(e.name_en, ?) > 0)";
    params.emplace_back(f.name_contains);
    params.emplace_back(f.name_contains);
  }
  if (f.node_id) {
    where +=
        " AND EXISTS (SELECT 1 FROM chain_links l WHERE l.enterprise_id = e.id AND "
        "l.node_id = ?)";
    params.emplace_back(f.node_id->value);
  }
  if (f.any_of_chains) {
    std::string in = "-1";
    for (ChainId c : *f.any_of_chains) {
      in += "," + std::to_string(c.value);  // integers: safe to inline
    }
    where +=
        " AND EXISTS (SELECT 1 FROM chain_chain_firms c WHERE c.enterprise_id = e.id AND "
        "c.chain_id IN (" +
        in + "))";
  }
  if (total != nullptr) {
    // When only the chain firms' columns are filtered, count them alone: an index-only range
    // without the join (every chain_chain_firms row has its enterprise).
    const bool copies_only =
        f.chain_id && !f.park_id && f.name_contains.empty() && !f.node_id && !f.any_of_chains;
    const std::string count_from = copies_only ? std::string(" FROM chain_chain_firms m") : from;
    KECHAN_ASSIGN_OR_RETURN(store::Rows count, tx.Query("SELECT COUNT(*)" + count_from + where,
                                                        std::span<const Value>(params)));
    *total = count.rows.at(0).Int(0);
  }
  params.emplace_back(limit);
  params.emplace_back(offset);
  // Ordered by the chain firms' own enterprise_id when starting from them (the same order, read
  // from their index).
  return QueryAll<Enterprise>(tx,
                              "SELECT " + kEnterpriseCols + from + where + " ORDER BY " +
                                  (f.chain_id ? "m.enterprise_id" : "e.id") + " LIMIT ? OFFSET ?",
                              params, EnterpriseFrom);
}

base::Result<std::vector<Enterprise>> ListEnterprisesOfChain(store::Tx& tx, ChainId chain) {
  const std::string in_chain =
      "e.id IN (SELECT l.enterprise_id FROM chain_links l JOIN chain_nodes n ON n.id = "
      "l.node_id WHERE n.chain_id = ? UNION SELECT s.buyer_id FROM chain_supply_links s JOIN "
      "chain_nodes n ON n.id = s.node_id WHERE n.chain_id = ? UNION SELECT s.supplier_id FROM "
      "chain_supply_links s JOIN chain_nodes n ON n.id = s.node_id WHERE n.chain_id = ?)";
  KECHAN_ASSIGN_OR_RETURN(
      std::vector<Enterprise> out,
      QueryAll<Enterprise>(tx,
                           "SELECT " + kEnterpriseCols + " FROM chain_enterprises e WHERE " +
                               in_chain + " ORDER BY e.id",
                           {chain.value, chain.value, chain.value}, EnterpriseFrom));
  std::map<int64_t, Enterprise*> by_id;
  for (auto& e : out) {
    by_id[e.id.value] = &e;
  }
  std::string tiers_where = "JOIN chain_enterprises e ON e.id = t.enterprise_id WHERE " + in_chain;
  KECHAN_RETURN_IF_ERROR(
      ReadTiers(tx, tiers_where, {chain.value, chain.value, chain.value}, by_id));
  return out;
}

// ---- links ----------------------------------------------------------------------------------
namespace {
// PostgreSQL has no foreign keys on chain_links (chain migration 9): the writer checks what a
// link refers to, here, in the writing transaction. Enterprises and nodes are never removed or
// renumbered (the migration's triggers refuse it), so an id found now stays valid. One statement
// per table for all the links' distinct ids, sent as one text parameter (a 50,000-firm import
// batch refers to 50,000 firms; an IN list would take 100 statements). `kind` names the table in
// messages.
// `ids` as one text parameter "1,2,3", for PostgreSQL's CAST(string_to_array(?, ',') AS
// BIGINT[]): one statement for any number of ids.
Value IdList(const std::vector<int64_t>& ids) {
  std::string list;
  list.reserve(ids.size() * 8);
  for (int64_t id : ids) {
    if (!list.empty()) {
      list += ',';
    }
    list += std::to_string(id);
  }
  return Value(std::move(list));
}

base::Status CheckIdsExist(store::Tx& tx, std::vector<int64_t> ids, const char* table,
                           const char* field, const char* kind_en, const char* kind_zh) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.empty()) {
    return base::Status::Ok();
  }
  KECHAN_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query(std::string("SELECT u.id FROM unnest(CAST(string_to_array(?, ',') AS BIGINT[])) "
                           "AS u(id) WHERE NOT EXISTS (SELECT 1 FROM ") +
                   table + " t WHERE t.id = u.id) ORDER BY u.id LIMIT 1",
               {IdList(ids)}));
  if (rows.rows.empty()) {
    return base::Status::Ok();
  }
  const std::string missing = std::to_string(rows.rows[0].Int(0));
  return base::InvalidArgument(
      field, "link.unknown_target",
      std::string("a link refers to ") + kind_en + " " + missing + ", which does not exist",
      std::string("关联的") + kind_zh + " " + missing + " 不存在");
}

base::Status CheckLinkTargets(store::Tx& tx, const std::vector<const Link*>& ls) {
  if (tx.dialect() != store::Dialect::kPostgres) {
    return base::Status::Ok();  // SQLite keeps the foreign keys (deferred, migration 8)
  }
  std::vector<int64_t> firms;
  std::vector<int64_t> nodes;
  firms.reserve(ls.size());
  nodes.reserve(ls.size());
  for (const Link* l : ls) {
    firms.push_back(l->enterprise_id.value);
    nodes.push_back(l->node_id.value);
  }
  KECHAN_RETURN_IF_ERROR(
      CheckIdsExist(tx, std::move(nodes), "chain_nodes", "node_id", "node", "节点"));
  return CheckIdsExist(tx, std::move(firms), "chain_enterprises", "enterprise_id", "enterprise",
                       "企业");
}
}  // namespace

base::Result<LinkId> InsertLink(store::Tx& tx, const Link& l, int64_t now) {
  static const std::string kSql = InsertOne("chain_links", kLinkCols, "created_at");
  KECHAN_RETURN_IF_ERROR(CheckLinkTargets(tx, {&l}));
  KECHAN_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(tx, kSql, LinkParams(l, now)));
  return LinkId{id};
}

base::Result<std::vector<Link>> ListLinksOfChain(store::Tx& tx, ChainId chain) {
  return QueryAll<Link>(tx,
                        kLinkSelect +
                            " JOIN chain_nodes n ON n.id = l.node_id WHERE n.chain_id = ? "
                            "ORDER BY l.id",
                        {chain.value}, LinkFrom);
}

base::Result<std::vector<Link>> ListLinksOfEnterprise(store::Tx& tx, EnterpriseId id) {
  return QueryAll<Link>(tx, kLinkSelect + " WHERE l.enterprise_id = ? ORDER BY l.id", {id.value},
                        LinkFrom);
}

base::Result<std::vector<Enterprise>> ListEnterprisesWithFacts(store::Tx& tx, int64_t after_id,
                                                               int64_t limit) {
  KECHAN_ASSIGN_OR_RETURN(
      std::vector<Enterprise> out,
      QueryAll<Enterprise>(tx,
                           "SELECT " + kEnterpriseCols +
                               " FROM chain_enterprises e WHERE e.id > ? ORDER BY e.id LIMIT ?",
                           {after_id, limit}, EnterpriseFrom));
  if (out.empty()) {
    return out;
  }
  const int64_t first = out.front().id.value;
  const int64_t last = out.back().id.value;
  std::map<int64_t, Enterprise*> by_id;
  for (auto& e : out) {
    by_id[e.id.value] = &e;
  }
  KECHAN_ASSIGN_OR_RETURN(
      store::Rows years,
      tx.Query("SELECT enterprise_id, year, revenue_fen, rd_fen, digital_level FROM "
               "chain_enterprise_years WHERE enterprise_id >= ? AND enterprise_id <= ? ORDER BY "
               "enterprise_id, year",
               {first, last}));
  for (const auto& r : years.rows) {
    auto it = by_id.find(r.Int(0));
    if (it == by_id.end()) {
      continue;
    }
    Enterprise* e = it->second;
    const int y = static_cast<int>(r.Int(1));
    if (!r.IsNull(2)) {
      e->revenue[y] = base::Money::FromFen(r.Int(2));
    }
    if (!r.IsNull(3)) {
      e->rd_spend[y] = base::Money::FromFen(r.Int(3));
    }
    if (!r.IsNull(4)) {
      e->digital_level[y] = static_cast<int>(r.Int(4));
    }
  }
  KECHAN_RETURN_IF_ERROR(
      ReadTiers(tx, "WHERE t.enterprise_id >= ? AND t.enterprise_id <= ?", {first, last}, by_id));
  return out;
}

base::Result<std::vector<Link>> ListLinksOfEnterpriseRange(store::Tx& tx, int64_t first_id,
                                                           int64_t last_id) {
  return QueryAll<Link>(tx,
                        kLinkSelect +
                            " WHERE l.enterprise_id >= ? AND l.enterprise_id <= ? ORDER BY "
                            "l.enterprise_id, l.id",
                        {first_id, last_id}, LinkFrom);
}

base::Result<SupplyLinkId> InsertSupplyLink(store::Tx& tx, const SupplyLink& s, int64_t now) {
  std::vector<Value> p{s.buyer_id.value, s.supplier_id.value, s.node_id.value, s.value.fen(),
                       std::string(LocalityName(s.locality))};
  PushProv(p, s.provenance, s.validity);
  p.emplace_back(now);
  KECHAN_ASSIGN_OR_RETURN(
      int64_t id,
      InsertReturningId(tx,
                        "INSERT INTO chain_supply_links (buyer_id, supplier_id, node_id, "
                        "value_fen, locality, source, source_date, valid_from, valid_to, "
                        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        p));
  return SupplyLinkId{id};
}

base::Result<std::vector<SupplyLink>> ListSupplyLinksOfChain(store::Tx& tx, ChainId chain) {
  return QueryAll<SupplyLink>(
      tx,
      "SELECT s.id, s.buyer_id, s.supplier_id, s.node_id, s.value_fen, s.locality, s.source, "
      "s.source_date, s.valid_from, s.valid_to FROM chain_supply_links s JOIN chain_nodes n ON "
      "n.id = s.node_id WHERE n.chain_id = ? ORDER BY s.id",
      {chain.value}, [](const store::Row& r) {
        SupplyLink s;
        s.id = SupplyLinkId{r.Int(0)};
        s.buyer_id = EnterpriseId{r.Int(1)};
        s.supplier_id = EnterpriseId{r.Int(2)};
        s.node_id = NodeId{r.Int(3)};
        s.value = base::Money::FromFen(r.Int(4));
        s.locality = Or(ParseLocality(r.Text(5)), Locality::kLocal);
        ReadProv(r, 6, &s.provenance, &s.validity);
        return s;
      });
}

// ---- occupancy ------------------------------------------------------------------------------
base::Result<ObservationId> InsertObservation(store::Tx& tx, const OccupancyObservation& o,
                                              int64_t now) {
  KECHAN_ASSIGN_OR_RETURN(
      int64_t id,
      InsertReturningId(tx,
                        "INSERT INTO chain_occupancy (park_id, observed_on, land_used, "
                        "land_total, floor_used, floor_total, producing_units, total_units, "
                        "source, source_date, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        {o.park_id.value, o.date.ToString(), o.land_used, o.land_total,
                         o.floor_used, o.floor_total, o.producing_units, o.total_units,
                         o.provenance.source, DateValue(o.provenance.source_date), now}));
  return ObservationId{id};
}

base::Result<std::vector<OccupancyObservation>> ListObservations(store::Tx& tx, ParkId park) {
  return QueryAll<OccupancyObservation>(
      tx,
      "SELECT id, park_id, observed_on, land_used, land_total, floor_used, floor_total, "
      "producing_units, total_units, source, source_date FROM chain_occupancy WHERE park_id = ? "
      "ORDER BY observed_on",
      {park.value}, [](const store::Row& r) {
        OccupancyObservation o;
        o.id = ObservationId{r.Int(0)};
        o.park_id = ParkId{r.Int(1)};
        o.date = DateAt(r, 2).value_or(base::Date());
        o.land_used = r.Real(3);
        o.land_total = r.Real(4);
        o.floor_used = r.Real(5);
        o.floor_total = r.Real(6);
        o.producing_units = r.Int(7);
        o.total_units = r.Int(8);
        o.provenance.source = r.Text(9);
        o.provenance.source_date = DateAt(r, 10);
        return o;
      });
}

// ---- buildings and units ----------------------------------------------------------------------
namespace {
const std::string kBuildingCols = std::string("park_id, name, floors, floor_area_m2, ") + kProvCols;
const std::string kBuildingSelect = "SELECT id, " + kBuildingCols + " FROM chain_buildings";
Building BuildingFrom(const store::Row& r) {
  Building b;
  b.id = BuildingId{r.Int(0)};
  b.park_id = ParkId{r.Int(1)};
  b.name = r.Text(2);
  b.floors = static_cast<int>(r.Int(3));
  b.floor_area_m2 = r.Real(4);
  ReadProv(r, 5, &b.provenance, &b.validity);
  return b;
}
const std::string kUnitSelect =
    "SELECT u.id, u.building_id, u.code, u.floor, u.area_m2, u.use FROM chain_units u";
Unit UnitFrom(const store::Row& r) {
  Unit u;
  u.id = UnitId{r.Int(0)};
  u.building_id = BuildingId{r.Int(1)};
  u.code = r.Text(2);
  u.floor = static_cast<int>(r.Int(3));
  u.area_m2 = r.Real(4);
  u.use = Or(ParseUnitUse(r.Text(5)), UnitUse::kProduction);
  return u;
}
}  // namespace

base::Result<BuildingId> InsertBuilding(store::Tx& tx, const Building& b, int64_t now) {
  std::vector<Value> p{b.park_id.value, b.name, int64_t{b.floors}, b.floor_area_m2};
  PushProv(p, b.provenance, b.validity);
  p.emplace_back(now);
  p.emplace_back(now);
  static const std::string kSql = InsertOne("chain_buildings", kBuildingCols, kStamps);
  KECHAN_ASSIGN_OR_RETURN(int64_t id, InsertReturningId(tx, kSql, p));
  return BuildingId{id};
}

base::Result<std::optional<Building>> FindBuilding(store::Tx& tx, BuildingId id) {
  return QueryOne<Building>(tx, kBuildingSelect + " WHERE id = ?", {id.value}, BuildingFrom);
}

base::Result<std::vector<Building>> ListBuildings(store::Tx& tx, ParkId park) {
  return QueryAll<Building>(tx, kBuildingSelect + " WHERE park_id = ? ORDER BY id", {park.value},
                            BuildingFrom);
}

base::Result<UnitId> InsertUnit(store::Tx& tx, const Unit& u, int64_t now) {
  KECHAN_ASSIGN_OR_RETURN(
      int64_t id, InsertReturningId(tx,
                                    "INSERT INTO chain_units (building_id, code, floor, area_m2, "
                                    "use, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                                    {u.building_id.value, u.code, int64_t{u.floor}, u.area_m2,
                                     std::string(UnitUseName(u.use)), now}));
  return UnitId{id};
}

base::Result<std::optional<Unit>> FindUnit(store::Tx& tx, UnitId id) {
  return QueryOne<Unit>(tx, kUnitSelect + " WHERE u.id = ?", {id.value}, UnitFrom);
}

base::Result<std::vector<Unit>> ListUnitsOfPark(store::Tx& tx, ParkId park) {
  return QueryAll<Unit>(tx,
                        kUnitSelect +
                            " JOIN chain_buildings b ON b.id = u.building_id WHERE b.park_id = ? "
                            "ORDER BY u.building_id, u.id",
                        {park.value}, UnitFrom);
}

base::Result<UnitObservationId> InsertUnitObservation(store::Tx& tx, const UnitObservation& o,
                                                      int64_t now) {
  KECHAN_ASSIGN_OR_RETURN(
      int64_t id,
      InsertReturningId(
          tx,
          "INSERT INTO chain_unit_observations (unit_id, observed_on, occupied, "
          "enterprise_id, producing, created_at) VALUES (?, ?, ?, ?, ?, ?)",
          {o.unit_id.value, o.date.ToString(), B(o.occupied),
           o.enterprise_id ? Value(o.enterprise_id->value) : Value(nullptr), B(o.producing), now}));
  return UnitObservationId{id};
}

base::Result<std::vector<UnitObservation>> ListUnitObservationsOfPark(store::Tx& tx, ParkId park) {
  return QueryAll<UnitObservation>(
      tx,
      "SELECT o.id, o.unit_id, o.observed_on, o.occupied, o.enterprise_id, o.producing FROM "
      "chain_unit_observations o JOIN chain_units u ON u.id = o.unit_id JOIN chain_buildings b "
      "ON b.id = u.building_id WHERE b.park_id = ? ORDER BY o.unit_id, o.observed_on, o.id",
      {park.value}, [](const store::Row& r) {
        UnitObservation o;
        o.id = UnitObservationId{r.Int(0)};
        o.unit_id = UnitId{r.Int(1)};
        o.date = DateAt(r, 2).value_or(base::Date());
        o.occupied = r.Int(3) != 0;
        if (!r.IsNull(4)) {
          o.enterprise_id = EnterpriseId{r.Int(4)};
        }
        o.producing = r.Int(5) != 0;
        return o;
      });
}

// ---- read models for the analyses -----------------------------------------------------------
namespace {
constexpr const char* kAggCols =
    "node_id, local_firms, external_firms, cap_sum, cap_sq, rev_sum, rev_sq, top_cap_id, "
    "top_cap, top_rev_id, top_rev, min_firm, open_from, dated_until";
std::pair<NodeId, NodeAggregate> AggFrom(const store::Row& r) {
  NodeAggregate a;
  a.local_firms = r.Int(1);
  a.external_firms = r.Int(2);
  a.cap_sum = r.Real(3);
  a.cap_sq = r.Real(4);
  a.rev_sum = r.Real(5);
  a.rev_sq = r.Real(6);
  a.top_cap_id = EnterpriseId{r.Int(7)};
  a.top_cap = r.Real(8);
  a.top_rev_id = EnterpriseId{r.Int(9)};
  a.top_rev = r.Real(10);
  a.min_firm = EnterpriseId{r.Int(11)};
  // An unreadable bound reads as "never holds" (the node is then computed from its links).
  const base::Date never = base::Date::Parse("9999-12-31").value();
  a.open_from = DateAt(r, 12).value_or(never);
  a.dated_until = DateAt(r, 13);
  if (!r.IsNull(13) && !a.dated_until) {
    a.dated_until = never;
  }
  return {NodeId{r.Int(0)}, a};
}
base::Result<std::map<NodeId, NodeAggregate>> AggsWhere(store::Tx& tx, const std::string& where,
                                                        const std::vector<Value>& params) {
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows, tx.Query(std::string("SELECT ") + kAggCols +
                                                         " FROM chain_node_agg a " + where,
                                                     std::span<const Value>(params)));
  std::map<NodeId, NodeAggregate> out;
  for (const auto& r : rows.rows) {
    out.insert(AggFrom(r));
  }
  return out;
}
constexpr size_t kInChunk = 500;  // ids per IN (...) list
Value KeyValue(EnterpriseId id) { return Value(id.value); }
Value KeyValue(NodeId id) { return Value(id.value); }
Value KeyValue(const std::string& text) { return Value(text); }
// Calls `fn(marks, params)` for each run of at most kInChunk of `keys`, in order: `params` holds
// the run's values and `marks` its "?, ?, ..." for an IN (...) list.
template <typename Key, typename Fn>
base::Status ForEachInChunk(const std::vector<Key>& keys, Fn&& fn) {
  for (size_t i = 0; i < keys.size(); i += kInChunk) {
    const size_t n = std::min(kInChunk, keys.size() - i);
    std::vector<Value> params;
    params.reserve(n + 1);
    for (size_t k = 0; k < n; ++k) {
      params.push_back(KeyValue(keys[i + k]));
    }
    KECHAN_RETURN_IF_ERROR(fn(Marks(n), std::move(params)));
  }
  return base::Status::Ok();
}
// The enterprises with these ids (sorted and deduplicated first; unknown ids skipped), by id, as
// `columns` of chain_enterprises e give them through `from`, each with its tiers.
template <typename Fn>
base::Result<std::vector<Enterprise>> FirmsWithTiers(store::Tx& tx, std::vector<EnterpriseId> ids,
                                                     const std::string& columns, Fn&& from) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<Enterprise> out;
  out.reserve(ids.size());
  KECHAN_RETURN_IF_ERROR(
      ForEachInChunk(ids, [&](const std::string& marks, std::vector<Value> p) -> base::Status {
        KECHAN_ASSIGN_OR_RETURN(
            std::vector<Enterprise> part,
            QueryAll<Enterprise>(tx,
                                 "SELECT " + columns + " FROM chain_enterprises e WHERE e.id IN (" +
                                     marks + ") ORDER BY e.id",
                                 p, from));
        std::map<int64_t, Enterprise*> by_id;
        for (auto& e : part) {
          by_id[e.id.value] = &e;
        }
        KECHAN_RETURN_IF_ERROR(ReadTiers(tx, "WHERE t.enterprise_id IN (" + marks + ")", p, by_id));
        std::move(part.begin(), part.end(), std::back_inserter(out));
        return base::Status::Ok();
      }));
  return out;
}
}  // namespace

base::Result<std::map<NodeId, NodeAggregate>> LoadNodeAggregates(store::Tx& tx, ChainId chain) {
  return AggsWhere(tx, "WHERE a.node_id IN (SELECT n.id FROM chain_nodes n WHERE n.chain_id = ?)",
                   {chain.value});
}

base::Result<std::map<NodeId, NodeAggregate>> LoadAllNodeAggregates(store::Tx& tx) {
  return AggsWhere(tx, "", {});
}

base::Result<std::optional<NodeAggregate>> FindNodeAggregate(store::Tx& tx, NodeId node) {
  KECHAN_ASSIGN_OR_RETURN(auto all, AggsWhere(tx, "WHERE a.node_id = ?", {node.value}));
  if (all.empty()) {
    return std::optional<NodeAggregate>();
  }
  return std::optional<NodeAggregate>(all.begin()->second);
}

base::Status SaveNodeAggregate(store::Tx& tx, NodeId node, const NodeAggregate& a, int64_t now) {
  // An upsert of every column of kAggCols (node_id is the key) and updated_at.
  static const std::string kSql = [] {
    std::string sql = InsertOne("chain_node_agg", kAggCols, "updated_at") +
                      " ON CONFLICT (node_id) DO UPDATE SET ";
    const std::string cols = std::string(kAggCols) + ", updated_at";
    for (std::string_view name : ColumnNames(cols)) {
      if (name != "node_id") {
        sql += std::string(name) + " = excluded." + std::string(name) +
               (name == "updated_at" ? "" : ", ");
      }
    }
    return sql;
  }();
  return Done(
      tx.Exec(kSql, {node.value, a.local_firms, a.external_firms, a.cap_sum, a.cap_sq, a.rev_sum,
                     a.rev_sq, a.top_cap_id.value, a.top_cap, a.top_rev_id.value, a.top_rev,
                     a.min_firm.value, a.open_from.ToString(), DateValue(a.dated_until), now}));
}

namespace {
// Columns 0..8 of a row of ListLinksOfNode / ListLinksOfNodes: the link.
Link ReadLinkFrom(const store::Row& r) {
  Link l;
  l.id = LinkId{r.Int(0)};
  l.enterprise_id = EnterpriseId{r.Int(1)};
  l.node_id = NodeId{r.Int(2)};
  l.role = Or(ParseLinkRole(r.Text(3)), LinkRole::kSupplier);
  l.capacity = r.Real(4);
  l.revenue = base::Money::FromFen(r.Int(5));
  l.locality = Or(ParseLocality(r.Text(6)), Locality::kLocal);
  l.validity.valid_from = DateAt(r, 7).value_or(base::Date());
  l.validity.valid_to = DateAt(r, 8);
  return l;
}
// One row of ListLinksOfNode: the link, and its firm's validity (columns 9, 10) in *firms.
Link LinkWithFirmFrom(const store::Row& r, std::map<EnterpriseId, Validity>* firms) {
  Link l = ReadLinkFrom(r);
  Validity v;
  v.valid_from = DateAt(r, 9).value_or(base::Date());
  v.valid_to = DateAt(r, 10);
  (*firms)[l.enterprise_id] = v;
  return l;
}
}  // namespace

base::Status ListLinksOfNodes(store::Tx& tx, const std::vector<NodeId>& nodes,
                              std::map<NodeId, std::vector<Link>>* links,
                              std::map<EnterpriseId, Validity>* firms) {
  if (tx.dialect() != store::Dialect::kPostgres) {
    // SQLite: one statement per node costs nothing extra (no round trip, no planning), and each
    // is already an index range with a key lookup per link.
    for (NodeId node : nodes) {
      KECHAN_RETURN_IF_ERROR(ListLinksOfNode(tx, node, &(*links)[node], firms));
    }
    return base::Status::Ok();
  }
  // PostgreSQL: one statement for many nodes on chain_links alone (a bitmap scan of
  // chain_links_node_role; unordered here, each node's links sorted after), then the firms not in
  // *firms yet by primary key, 500 a statement. A join with the enterprises is planned either as
  // a key lookup per link (ListLinksOfNode: ≈ 4.9 buffer accesses a link, the links of a node
  // each on their own heap page) or as a hash join over a sequential scan of every enterprise,
  // once per statement: a caller reading a chain's nodes a group at a time (the diff) would scan
  // them once per group, where here each firm's validity is read once, though a firm has links
  // at several nodes. All 60 nodes of a chain at 250k firms: 128 + 90 ms against 320–356 for the
  // join (bench/README.md, ninth step).
  std::vector<NodeId> sorted = nodes;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::vector<EnterpriseId> missing;
  KECHAN_RETURN_IF_ERROR(
      ForEachInChunk(sorted, [&](const std::string& marks, std::vector<Value> p) -> base::Status {
        KECHAN_ASSIGN_OR_RETURN(
            store::Rows rows,
            tx.Query("SELECT id, enterprise_id, node_id, role, capacity, revenue_fen, locality, "
                     "valid_from, valid_to FROM chain_links WHERE node_id IN (" +
                         marks + ")",
                     p));
        for (const auto& r : rows.rows) {
          Link l = ReadLinkFrom(r);
          if (!firms->contains(l.enterprise_id)) {
            missing.push_back(l.enterprise_id);
          }
          (*links)[l.node_id].push_back(std::move(l));
        }
        return base::Status::Ok();
      }));
  for (NodeId node : sorted) {
    std::vector<Link>& of = (*links)[node];
    std::sort(of.begin(), of.end(), [](const Link& a, const Link& b) { return a.id < b.id; });
  }
  std::sort(missing.begin(), missing.end());
  missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
  return ForEachInChunk(
      missing, [&](const std::string& marks, std::vector<Value> p) -> base::Status {
        KECHAN_ASSIGN_OR_RETURN(
            store::Rows rows,
            tx.Query("SELECT id, valid_from, valid_to FROM chain_enterprises WHERE id IN (" +
                         marks + ")",
                     p));
        for (const auto& r : rows.rows) {
          Validity v;
          v.valid_from = DateAt(r, 1).value_or(base::Date());
          v.valid_to = DateAt(r, 2);
          (*firms)[EnterpriseId{r.Int(0)}] = v;
        }
        return base::Status::Ok();
      });
}

base::Status ListLinksOfNode(store::Tx& tx, NodeId node, std::vector<Link>* links,
                             std::map<EnterpriseId, Validity>* firms) {
  // PostgreSQL plans the plain join as a hash join over a sequential scan of every enterprise
  // (≈ 2,700 links of a node against 250,000 firms: 72–114 ms a node, growing with the firms; the
  // diff from before any record reads every node of a chain this way). The LATERAL subquery
  // (OFFSET 0 keeps it from being flattened back into that join) looks each firm up by its
  // primary key instead: 32 ms, independent of the number of firms. SQLite has no LATERAL and
  // already loops over the index.
  static const std::string kColumns =
      "SELECT l.id, l.enterprise_id, l.node_id, l.role, l.capacity, l.revenue_fen, l.locality, "
      "l.valid_from, l.valid_to, e.valid_from, e.valid_to FROM chain_links l ";
  static const std::string kPg =
      kColumns +
      "JOIN LATERAL (SELECT x.valid_from, x.valid_to FROM chain_enterprises x WHERE x.id = "
      "l.enterprise_id OFFSET 0) e ON true WHERE l.node_id = ? ORDER BY l.id";
  static const std::string kSqlite =
      kColumns +
      "JOIN chain_enterprises e ON e.id = l.enterprise_id WHERE l.node_id = ? ORDER BY l.id";
  KECHAN_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query(tx.dialect() == store::Dialect::kPostgres ? kPg : kSqlite, {node.value}));
  links->reserve(links->size() + rows.size());
  for (const auto& r : rows.rows) {
    links->push_back(LinkWithFirmFrom(r, firms));
  }
  return base::Status::Ok();
}

base::Result<NodeAggregate> RecomputeNodeAggregate(store::Tx& tx, NodeId node, int64_t now) {
  std::vector<Link> links;
  std::map<EnterpriseId, Validity> firms;
  KECHAN_RETURN_IF_ERROR(ListLinksOfNode(tx, node, &links, &firms));
  NodeAggregate agg = AggregateOfLinks(links, firms);
  KECHAN_RETURN_IF_ERROR(SaveNodeAggregate(tx, node, agg, now));
  return agg;
}

base::Result<std::vector<NodeId>> ProducerNodesOfEnterprise(store::Tx& tx, EnterpriseId id) {
  return QueryIds<NodeId>(
      tx,
      "SELECT DISTINCT node_id FROM chain_links WHERE enterprise_id = ? AND role <> "
      "'user' ORDER BY node_id",
      {id.value});
}

base::Status RebuildChainFirms(store::Tx& tx, ChainId chain) {
  KECHAN_RETURN_IF_ERROR(
      Done(tx.Exec("DELETE FROM chain_chain_firms WHERE chain_id = ?", {chain.value})));
  KECHAN_RETURN_IF_ERROR(Done(tx.Exec(
      "INSERT INTO chain_chain_firms (chain_id, enterprise_id, district, above_size, valid_from, "
      "valid_to) SELECT DISTINCT n.chain_id, e.id, e.district, e.above_size, e.valid_from, "
      "e.valid_to FROM chain_links l JOIN chain_nodes n ON n.id = l.node_id JOIN "
      "chain_enterprises e ON e.id = l.enterprise_id WHERE n.chain_id = ?",
      {chain.value})));
  return RecountChainFirms(tx, chain);
}

base::Status RefreshChainFirms(store::Tx& tx, const Enterprise& e) {
  // The firm's chains and the validity they counted it with, before the copy changes.
  KECHAN_ASSIGN_OR_RETURN(
      store::Rows before,
      tx.Query("SELECT chain_id, valid_to FROM chain_chain_firms WHERE enterprise_id = ?",
               {e.id.value}));
  KECHAN_RETURN_IF_ERROR(Done(tx.Exec(
      "UPDATE chain_chain_firms SET district = ?, above_size = ?, valid_from = ?, valid_to = ? "
      "WHERE enterprise_id = ?",
      {e.district, B(e.above_size), e.validity.valid_from.ToString(),
       DateValue(e.validity.valid_to), e.id.value})));
  for (const auto& r : before.rows) {
    const ChainId chain{r.Int(0)};
    const bool was_open = r.IsNull(1);
    const bool open = !e.validity.valid_to.has_value();
    // The old contribution leaves the count; its bound stays (bounds only move forward).
    KECHAN_RETURN_IF_ERROR(
        AddToChainCount(tx, chain, (open ? 1 : 0) - (was_open ? 1 : 0),
                        open ? std::optional<base::Date>(e.validity.valid_from) : std::nullopt,
                        e.validity.valid_to));
  }
  return base::Status::Ok();
}

base::Status AddToChainCount(store::Tx& tx, ChainId chain, int64_t open_firms,
                             std::optional<base::Date> open_from,
                             std::optional<base::Date> dated_until) {
  // Bounds only move forward (see migration 7): a later start or a later end than the row's.
  const Value from = open_from.value_or(base::Date()).ToString();
  const Value until = DateValue(dated_until);
  KECHAN_ASSIGN_OR_RETURN(
      int64_t changed,
      tx.Exec("UPDATE chain_chain_count SET open_firms = open_firms + CAST(? AS BIGINT), "
              "open_from = CASE WHEN CAST(? AS TEXT) > open_from THEN CAST(? AS TEXT) ELSE "
              "open_from END, dated_until = CASE WHEN CAST(? AS TEXT) IS NULL THEN dated_until "
              "WHEN dated_until IS NULL OR CAST(? AS TEXT) > dated_until THEN CAST(? AS TEXT) "
              "ELSE dated_until END WHERE chain_id = ?",
              {open_firms, from, from, until, until, until, chain.value}));
  if (changed == 0) {
    // No row (the chain's first firms, or a lost row): count the firm list, which already
    // holds this change.
    return RecountChainFirms(tx, chain);
  }
  return base::Status::Ok();
}

base::Status RecountChainFirms(store::Tx& tx, ChainId chain) {
  KECHAN_RETURN_IF_ERROR(
      Done(tx.Exec("DELETE FROM chain_chain_count WHERE chain_id = ?", {chain.value})));
  return Done(tx.Exec(
      "INSERT INTO chain_chain_count (chain_id, open_firms, open_from, dated_until, updated_at) "
      "SELECT chain_id, SUM(CASE WHEN valid_to IS NULL THEN 1 ELSE 0 END), "
      "COALESCE(MAX(CASE WHEN valid_to IS NULL THEN valid_from END), '1970-01-01'), "
      "MAX(valid_to), 0 FROM chain_chain_firms WHERE chain_id = ? GROUP BY chain_id",
      {chain.value}));
}

base::Result<std::optional<ChainCount>> FindChainCount(store::Tx& tx, ChainId chain) {
  KECHAN_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query("SELECT open_firms, open_from, dated_until FROM chain_chain_count WHERE "
               "chain_id = ?",
               {chain.value}));
  if (rows.rows.empty()) {
    return std::optional<ChainCount>();
  }
  const store::Row& r = rows.rows[0];
  ChainCount c;
  c.open_firms = r.Int(0);
  c.open_from = DateAt(r, 1).value_or(base::Date());
  c.dated_until = DateAt(r, 2);
  return std::optional<ChainCount>(c);
}

base::Result<int64_t> CountChainFirmsOn(store::Tx& tx, ChainId chain, base::Date d) {
  KECHAN_ASSIGN_OR_RETURN(std::optional<ChainCount> row, FindChainCount(tx, chain));
  if (row && row->HoldsOn(d)) {
    return row->open_firms;
  }
  return RecountChainFirmsOn(tx, chain, d);
}

base::Result<int64_t> RecountChainFirmsOn(store::Tx& tx, ChainId chain, base::Date d) {
  const std::string day = d.ToString();
  KECHAN_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query("SELECT COUNT(*) FROM chain_chain_firms WHERE chain_id = ? AND valid_from <= ? "
               "AND (valid_to IS NULL OR valid_to >= ?)",
               {chain.value, day, day}));
  return rows.rows.at(0).Int(0);
}

base::Result<std::vector<EnterpriseId>> FirstChainFirmsOn(store::Tx& tx, ChainId chain,
                                                          base::Date d, int64_t limit) {
  const std::string day = d.ToString();
  return QueryIds<EnterpriseId>(
      tx,
      "SELECT enterprise_id FROM chain_chain_firms WHERE chain_id = ? AND valid_from <= "
      "? AND (valid_to IS NULL OR valid_to >= ?) ORDER BY enterprise_id LIMIT ?",
      {chain.value, day, day, limit});
}

base::Result<std::set<EnterpriseId>> ChainFirmsAmong(store::Tx& tx, ChainId chain,
                                                     const std::vector<EnterpriseId>& ids) {
  std::set<EnterpriseId> out;
  KECHAN_RETURN_IF_ERROR(
      ForEachInChunk(ids, [&](const std::string& marks, std::vector<Value> p) -> base::Status {
        p.emplace_back(chain.value);
        KECHAN_ASSIGN_OR_RETURN(store::Rows rows,
                                tx.Query("SELECT enterprise_id FROM chain_chain_firms WHERE "
                                         "enterprise_id IN (" +
                                             marks + ") AND chain_id = ?",
                                         std::span<const Value>(p)));
        for (const auto& r : rows.rows) {
          out.insert(EnterpriseId{r.Int(0)});
        }
        return base::Status::Ok();
      }));
  return out;
}

base::Result<std::vector<Link>> ListLinksOfChainWithRole(store::Tx& tx, ChainId chain,
                                                         LinkRole role) {
  return QueryAll<Link>(tx,
                        kLinkSelect +
                            " WHERE l.node_id IN (SELECT n.id FROM chain_nodes n WHERE "
                            "n.chain_id = ?) AND l.role = ? ORDER BY l.id",
                        {chain.value, std::string(LinkRoleName(role))}, LinkFrom);
}

base::Result<std::vector<Link>> ListMasterLinksOfChain(store::Tx& tx, ChainId chain) {
  // The partial index chain_links_masters covers the columns read (the rowid / id included);
  // the role must be a literal for it to apply. Named on SQLite so the planner never takes
  // chain_links_node_role (node_id = ? AND role = ?, then a table lookup per link) instead.
  const char* from = tx.dialect() == store::Dialect::kSqlite
                         ? " FROM chain_links l INDEXED BY chain_links_masters"
                         : " FROM chain_links l";
  return QueryAll<Link>(
      tx,
      std::string("SELECT l.id, l.enterprise_id, l.node_id, l.valid_from, l.valid_to") + from +
          " WHERE l.role = 'chain_master' AND l.node_id IN (SELECT n.id FROM chain_nodes n "
          "WHERE n.chain_id = ?)",
      {chain.value}, [](const store::Row& r) {
        Link l;
        l.id = LinkId{r.Int(0)};
        l.enterprise_id = EnterpriseId{r.Int(1)};
        l.node_id = NodeId{r.Int(2)};
        l.role = LinkRole::kChainMaster;
        l.validity.valid_from = DateAt(r, 3).value_or(base::Date());
        l.validity.valid_to = DateAt(r, 4);
        return l;
      });
}

base::Result<std::vector<Enterprise>> ListFirmsForRanking(store::Tx& tx,
                                                          std::vector<EnterpriseId> ids) {
  return FirmsWithTiers(tx, std::move(ids), "e.id, e.name, e.valid_from, e.valid_to",
                        [](const store::Row& r) {
                          Enterprise e;
                          e.id = EnterpriseId{r.Int(0)};
                          e.name = r.Text(1);
                          e.validity.valid_from = DateAt(r, 2).value_or(base::Date());
                          e.validity.valid_to = DateAt(r, 3);
                          return e;
                        });
}

base::Result<std::vector<EnterpriseId>> TieredFirmsOfChain(store::Tx& tx, ChainId chain) {
  return QueryIds<EnterpriseId>(
      tx,
      "SELECT DISTINCT t.enterprise_id FROM chain_enterprise_tiers t JOIN "
      "chain_chain_firms m ON m.enterprise_id = t.enterprise_id AND m.chain_id = ? "
      "ORDER BY t.enterprise_id",
      {chain.value});
}

base::Result<std::vector<Enterprise>> ListEnterprisesByIds(store::Tx& tx,
                                                           std::vector<EnterpriseId> ids) {
  return FirmsWithTiers(tx, std::move(ids), kEnterpriseCols, EnterpriseFrom);
}

base::Result<std::vector<Link>> ListExternalProducerLinks(store::Tx& tx,
                                                          const std::vector<NodeId>& nodes,
                                                          NodeId first) {
  if (nodes.empty()) {
    return std::vector<Link>();
  }
  std::vector<Value> p;
  p.reserve(nodes.size() + 1);
  for (NodeId n : nodes) {
    p.emplace_back(n.value);
  }
  p.emplace_back(first.value);  // the CASE placeholder comes after the IN list
  return QueryAll<Link>(tx,
                        kLinkSelect + " WHERE l.node_id IN (" + Marks(nodes.size()) +
                            ") AND l.locality = 'external' AND l.role <> 'user' ORDER BY "
                            "CASE WHEN l.node_id = ? THEN 0 ELSE 1 END, l.capacity DESC, "
                            "l.revenue_fen DESC, l.enterprise_id, l.id",
                        p, LinkFrom);
}

base::Result<std::vector<Link>> ListLinksOfFirmsInChain(store::Tx& tx, ChainId chain,
                                                        const std::vector<EnterpriseId>& ids) {
  std::vector<Link> out;
  KECHAN_RETURN_IF_ERROR(
      ForEachInChunk(ids, [&](const std::string& marks, std::vector<Value> p) -> base::Status {
        p.emplace_back(chain.value);
        KECHAN_ASSIGN_OR_RETURN(
            std::vector<Link> part,
            QueryAll<Link>(tx,
                           kLinkSelect + " WHERE l.enterprise_id IN (" + marks +
                               ") AND l.node_id IN (SELECT n.id FROM chain_nodes n WHERE "
                               "n.chain_id = ?) ORDER BY l.id",
                           p, LinkFrom));
        out.insert(out.end(), part.begin(), part.end());
        return base::Status::Ok();
      }));
  std::sort(out.begin(), out.end(), [](const Link& a, const Link& b) { return a.id < b.id; });
  return out;
}

// ---- bulk inserts (imports) ------------------------------------------------------------------
// PostgreSQL: an import's enterprises, yearly facts, links and new firms' chain_chain_firms rows
// go through COPY (store::Tx::AppendRows; UseCopy below). SQLite, and PostgreSQL where ON
// CONFLICT or RETURNING is needed: an import's rows go in multi-row statements of kRowsPerInsert
// rows, prepared once and reused from the store's statement cache. On SQLite such a statement
// (several rows, or RETURNING, which runs as a trigger) keeps a statement journal: a copy of every
// page it changes that an earlier statement of the transaction had written, so that it alone can be
// rolled back. An import's index entries land on pages all over chain_links_node_role, so that
// journal takes about 1 GB of temporary-file writes per 50,000 firms with 250,000 links (strace of
// kechan_bench_chain: 518,000 pwrite calls to the etilqs_* file against 32,000 to the WAL). One row
// per statement (ids from last_insert_rowid()) keeps no journal, but costs more than it saves: each
// statement also reads and writes the AUTOINCREMENT counter in sqlite_sequence and goes through the
// store once more — measured in the same run, 48,834 records/s against 50,610 and 51,626 with 200
// rows (250,000 firms over 8 chains), 46,118 against 52,045 at one chain. So 200 rows it is;
// SetSqliteRowsPerInsert(1) keeps the other way for a benchmark to compare. The journal is kept
// in memory since the store sets temp_store=MEMORY. SQLite keeps one for any statement that may
// write several rows and may abort: a constraint with the default ABORT action (NOT NULL, CHECK,
// UNIQUE) or an immediate foreign key makes it so. MultiRow writes INSERT OR ROLLBACK on SQLite
// and chain_links' foreign keys are deferred (migration 8), so the link inserts keep none (9/10
// of the journal; PRAGMA defer_foreign_keys does not help, it leaves the keys "immediate").
namespace {
constexpr size_t kRowsPerInsert = 200;
size_t sqlite_rows_per_insert = kRowsPerInsert;  // SetSqliteRowsPerInsert
// One row per statement, ids from last_insert_rowid(): SQLite when a benchmark asks for it.
bool OneRowPerStatement(const store::Tx& tx) {
  return tx.dialect() == store::Dialect::kSqlite && sqlite_rows_per_insert <= 1;
}
size_t RowsPerInsert(const store::Tx& tx) {
  return tx.dialect() == store::Dialect::kSqlite ? std::max<size_t>(1, sqlite_rows_per_insert)
                                                 : kRowsPerInsert;
}
// Runs "`head` (?, ..), (?, ..) `tail`" over the rows of `width` values in `params`, at most
// RowsPerInsert rows per statement; `each` receives each statement's result rows when `tail` is
// not empty (`tail` must not return rows when OneRowPerStatement).
template <typename Each>
base::Status MultiRow(store::Tx& tx, const std::string& head, const std::string& tail, size_t width,
                      const std::vector<Value>& params, Each&& each) {
  const size_t rows = params.size() / width;
  const size_t per = RowsPerInsert(tx);
  const std::string one = "(" + Marks(width) + ")";
  for (size_t i = 0; i < rows; i += per) {
    const size_t n = std::min(per, rows - i);
    // SQLite: OR ROLLBACK instead of the default ABORT. With the deferred foreign keys of
    // chain_links (chain migration 8) the statement then cannot "abort" and SQLite keeps no
    // statement journal for it. Nothing else changes: after any failed statement the store
    // only lets the transaction roll back (a ROLLBACK conflict has already done it).
    std::string sql = tx.dialect() == store::Dialect::kSqlite && head.starts_with("INSERT INTO ")
                          ? "INSERT OR ROLLBACK INTO " + head.substr(12)
                          : head;
    for (size_t k = 0; k < n; ++k) {
      sql += k ? ", " + one : one;
    }
    sql += tail;
    std::span<const Value> part(params.data() + i * width, n * width);
    if (tail.empty() || OneRowPerStatement(tx)) {
      KECHAN_RETURN_IF_ERROR(Done(tx.Exec(sql, part)));
    } else {
      KECHAN_ASSIGN_OR_RETURN(store::Rows out, tx.Query(sql, part));
      KECHAN_RETURN_IF_ERROR(each(out));
    }
  }
  return base::Status::Ok();
}
// SQLite: the rowid of the row the last INSERT of this connection added.
base::Result<int64_t> LastInsertId(store::Tx& tx) {
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT last_insert_rowid()"));
  return rows.rows.at(0).Int(0);
}
// PostgreSQL: the imports' rows go through COPY (store::Tx::AppendRows) instead of multi-row
// INSERTs: one stream per table and slice, no statement text, batched heap writes. The same
// constraints, foreign keys and triggers apply as to INSERT. COPY returns no ids, so the rows
// that need theirs take them from the table's identity sequence first (ReserveIds).
bool UseCopy(const store::Tx& tx) { return tx.dialect() == store::Dialect::kPostgres; }
// The column names of "a, b, c" lists, in order, as AppendRows takes them.
std::vector<std::string> CopyColumns(std::initializer_list<std::string_view> lists) {
  std::vector<std::string> out;
  for (std::string_view list : lists) {
    for (std::string_view name : ColumnNames(list)) {
      out.emplace_back(name);
    }
  }
  return out;
}
// PostgreSQL: `n` new ids of `table`'s identity column, ascending, as INSERT would take them.
base::Result<std::vector<int64_t>> ReserveIds(store::Tx& tx, const std::string& table, size_t n) {
  std::vector<int64_t> ids;
  if (n == 0) {
    return ids;
  }
  KECHAN_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query("SELECT nextval(s.seq) FROM (SELECT CAST(pg_get_serial_sequence(?, 'id') AS "
               "regclass) AS seq) s, generate_series(1, CAST(? AS BIGINT)) ORDER BY 1",
               {table, static_cast<int64_t>(n)}));
  if (rows.size() != n) {
    return base::Internal("chain.reserve_ids", "the id sequence of " + table + " gave " +
                                                   std::to_string(rows.size()) + " ids, not " +
                                                   std::to_string(n));
  }
  ids.reserve(n);
  for (const auto& r : rows.rows) {
    ids.push_back(r.Int(0));
  }
  return ids;
}
}  // namespace

void SetSqliteRowsPerInsert(size_t rows) { sqlite_rows_per_insert = rows; }

base::Status ReadModelWriter::Added(const Link& l, ChainId chain, const Enterprise& firm,
                                    bool new_firm) {
  if (members_.emplace(chain, firm.id).second) {
    member_rows_.push_back(Member{.chain = chain,
                                  .firm = firm.id,
                                  .district = firm.district,
                                  .above_size = firm.above_size,
                                  .validity = firm.validity,
                                  .new_firm = new_firm});
  }
  if (!IsProducer(l.role)) {
    return base::Status::Ok();
  }
  auto node = nodes_.find(l.node_id);
  if (node == nodes_.end()) {
    KECHAN_ASSIGN_OR_RETURN(std::optional<NodeAggregate> stored, FindNodeAggregate(tx_, l.node_id));
    if (!stored) {
      // No row yet (a node from before migration 5): its stored links make it.
      std::vector<Link> links;
      std::map<EnterpriseId, Validity> firms;
      KECHAN_RETURN_IF_ERROR(ListLinksOfNode(tx_, l.node_id, &links, &firms));
      stored = AggregateOfLinks(links, firms);
    }
    node = nodes_.emplace(l.node_id, *stored).first;
  }
  const std::pair<NodeId, EnterpriseId> key{l.node_id, l.enterprise_id};
  auto amount = firms_.find(key);
  if (amount == firms_.end()) {
    FirmAmount before;
    if (new_firm || firm.validity.valid_to) {
      // nothing counted yet
    } else if (auto known = stored_.find(key); known != stored_.end()) {
      before = known->second;
    } else {
      // What the aggregate already counts of this firm here: its other open producer links.
      KECHAN_ASSIGN_OR_RETURN(
          store::Rows rows,
          tx_.Query("SELECT locality, capacity, revenue_fen FROM chain_links WHERE "
                    "enterprise_id = ? AND node_id = ? AND role <> 'user' AND valid_to IS NULL",
                    {l.enterprise_id.value, l.node_id.value}));
      for (const auto& r : rows.rows) {
        Link other;
        other.locality = Or(ParseLocality(r.Text(0)), Locality::kLocal);
        other.capacity = r.Real(1);
        other.revenue = base::Money::FromFen(r.Int(2));
        AddLinkTo(&before, other);
      }
    }
    amount = firms_.emplace(key, before).first;
  }
  AddLinkToAggregate(&node->second, l, firm.validity, &amount->second);
  return base::Status::Ok();
}

namespace {
// Calls `fn(row)` for each row of `columns` (of chain_links l) of the links of these firms (sorted,
// distinct) that pass `where` (may be empty; about l). The firms come from a file, so their
// links may have been written moments ago, before PostgreSQL's statistics know of them: an IN
// list of 500 firms is then estimated at a large part of the table and read by a sequential scan
// per statement. On PostgreSQL one statement therefore walks the ids (one text parameter) and
// reads each firm's links through a LATERAL subquery kept apart by OFFSET 0, which can only be
// an index lookup per firm whatever the statistics say. SQLite: IN lists of 500 (always the
// index).
template <typename Fn>
base::Status ForEachLinkOfFirms(store::Tx& tx, const std::vector<EnterpriseId>& firms,
                                const std::string& columns, const std::string& where,
                                const std::string& order, Fn&& fn) {
  if (firms.empty()) {
    return base::Status::Ok();
  }
  const std::string and_where = where.empty() ? "" : " AND " + where;
  if (tx.dialect() == store::Dialect::kPostgres) {
    std::vector<int64_t> ids;
    ids.reserve(firms.size());
    for (EnterpriseId id : firms) {
      ids.push_back(id.value);
    }
    KECHAN_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query("SELECT " + columns +
                     " FROM unnest(CAST(string_to_array(?, ',') AS BIGINT[])) AS k(e) CROSS JOIN "
                     "LATERAL (SELECT * FROM chain_links x WHERE x.enterprise_id = k.e" +
                     and_where + " OFFSET 0) l" + (order.empty() ? "" : " ORDER BY " + order),
                 {IdList(ids)}));
    for (const auto& r : rows.rows) {
      KECHAN_RETURN_IF_ERROR(fn(r));
    }
    return base::Status::Ok();
  }
  return ForEachInChunk(firms, [&](const std::string& marks, std::vector<Value> p) -> base::Status {
    KECHAN_ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query("SELECT " + columns + " FROM chain_links l WHERE l.enterprise_id IN (" + marks +
                     ")" + and_where + (order.empty() ? "" : " ORDER BY " + order),
                 p));
    for (const auto& r : rows.rows) {
      KECHAN_RETURN_IF_ERROR(fn(r));
    }
    return base::Status::Ok();
  });
}
}  // namespace

base::Status ReadModelWriter::PrefetchStored(std::vector<std::pair<NodeId, EnterpriseId>> keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::vector<std::pair<NodeId, EnterpriseId>> fresh;  // not read before; sorted
  std::vector<EnterpriseId> firms;
  fresh.reserve(keys.size());
  firms.reserve(keys.size());
  for (const auto& k : keys) {
    if (stored_.emplace(k, FirmAmount{}).second) {
      fresh.push_back(k);
      firms.push_back(k.second);
    }
  }
  std::sort(firms.begin(), firms.end());
  firms.erase(std::unique(firms.begin(), firms.end()), firms.end());
  // The same rows Added reads per pair, for many firms at once, in the key index's order; the
  // rows of pairs not asked for are skipped.
  return ForEachLinkOfFirms(
      tx_, firms, "l.enterprise_id, l.node_id, l.locality, l.capacity, l.revenue_fen",
      "role <> 'user' AND valid_to IS NULL", "l.enterprise_id, l.node_id, l.role",
      [&](const store::Row& r) -> base::Status {
        auto it = stored_.find({NodeId{r.Int(1)}, EnterpriseId{r.Int(0)}});
        if (it == stored_.end() || !std::binary_search(fresh.begin(), fresh.end(), it->first)) {
          return base::Status::Ok();
        }
        Link other;
        other.locality = Or(ParseLocality(r.Text(2)), Locality::kLocal);
        other.capacity = r.Real(3);
        other.revenue = base::Money::FromFen(r.Int(4));
        AddLinkTo(&it->second, other);
        return base::Status::Ok();
      });
}

base::Status ReadModelWriter::FlushMembers() {
  if (member_rows_.empty()) {
    return base::Status::Ok();
  }
  // In primary key order: each chain's new rows are one run of chain_chain_firms.
  std::sort(member_rows_.begin(), member_rows_.end(), [](const Member& a, const Member& b) {
    return std::tie(a.chain, a.firm) < std::tie(b.chain, b.firm);
  });
  std::vector<Value> params;
  params.reserve(member_rows_.size() * 6);
  for (const Member& m : member_rows_) {
    for (Value v : {Value(m.chain.value), Value(m.firm.value), Value(m.district), B(m.above_size),
                    Value(m.validity.valid_from.ToString()), DateValue(m.validity.valid_to)}) {
      params.push_back(std::move(v));
    }
  }
  // Only the rows really inserted count (a firm already in the chain is not counted twice).
  const std::string insert =
      "INSERT INTO chain_chain_firms (chain_id, enterprise_id, district, above_size, valid_from, "
      "valid_to) VALUES ";
  const std::string on_conflict = " ON CONFLICT (chain_id, enterprise_id) DO NOTHING";
  if (UseCopy(tx_) && std::all_of(member_rows_.begin(), member_rows_.end(),
                                  [](const Member& m) { return m.new_firm; })) {
    // Firms inserted in this transaction have no row yet: every row is new, none can conflict
    // (no other transaction sees the firm before the commit). COPY, and count them all.
    static const std::vector<std::string> columns =
        CopyColumns({"chain_id, enterprise_id, district, above_size, valid_from, valid_to"});
    KECHAN_RETURN_IF_ERROR(Done(tx_.AppendRows("chain_chain_firms", columns, params)));
    for (const Member& m : member_rows_) {
      CountAdded(m.chain, m.validity.valid_from, m.validity.valid_to);
    }
    member_rows_.clear();
    return base::Status::Ok();
  }
  if (OneRowPerStatement(tx_)) {
    const std::string sql = insert + "(" + Marks(6) + ")" + on_conflict;
    for (size_t i = 0; i < member_rows_.size(); ++i) {
      KECHAN_ASSIGN_OR_RETURN(int64_t added,
                              tx_.Exec(sql, std::span<const Value>(params.data() + i * 6, 6)));
      if (added > 0) {
        const Member& m = member_rows_[i];
        CountAdded(m.chain, m.validity.valid_from, m.validity.valid_to);
      }
    }
    member_rows_.clear();
    return base::Status::Ok();
  }
  member_rows_.clear();
  return MultiRow(tx_, insert, on_conflict + " RETURNING chain_id, valid_from, valid_to", 6, params,
                  [&](const store::Rows& added) {
                    for (const auto& r : added.rows) {
                      // An unreadable end date (hand-edited database) bounds nothing: never
                      // trust the row.
                      CountAdded(ChainId{r.Int(0)}, DateAt(r, 1).value_or(base::Date()),
                                 r.IsNull(2) ? std::nullopt
                                             : std::optional<base::Date>(DateAt(r, 2).value_or(
                                                   base::Date::FromDays(2932896))));  // 9999-12-31
                    }
                    return base::Status::Ok();
                  });
}

void ReadModelWriter::CountAdded(ChainId chain, base::Date from, std::optional<base::Date> to) {
  ChainCountDelta& c = counts_[chain];
  if (!to) {
    ++c.open_firms;
    if (!c.open_from || *c.open_from < from) {
      c.open_from = from;
    }
  } else if (!c.dated_until || *c.dated_until < *to) {
    c.dated_until = *to;
  }
}

base::Status ReadModelWriter::Flush() {
  KECHAN_RETURN_IF_ERROR(FlushMembers());
  for (const auto& [chain, c] : counts_) {
    KECHAN_RETURN_IF_ERROR(AddToChainCount(tx_, chain, c.open_firms, c.open_from, c.dated_until));
  }
  counts_.clear();
  for (const auto& [node, agg] : nodes_) {
    KECHAN_RETURN_IF_ERROR(SaveNodeAggregate(tx_, node, agg, now_));
  }
  return base::Status::Ok();
}

base::Status InsertEnterprises(store::Tx& tx, const std::vector<Enterprise*>& es, int64_t now) {
  static const size_t width = ColumnNames(kEnterpriseWriteCols).size() + 2;  // + the stamps
  std::vector<Value> p;
  p.reserve(es.size() * width);
  std::unordered_map<std::string, Enterprise*> by_uscc;
  for (Enterprise* e : es) {
    for (Value& v : EnterpriseParams(*e)) {
      p.push_back(std::move(v));
    }
    p.emplace_back(now);
    p.emplace_back(now);
    by_uscc[e->uscc] = e;
  }
  static const std::string insert = InsertHead("chain_enterprises", kEnterpriseWriteCols, kStamps);
  if (UseCopy(tx)) {
    KECHAN_ASSIGN_OR_RETURN(std::vector<int64_t> ids,
                            ReserveIds(tx, "chain_enterprises", es.size()));
    static const std::vector<std::string> columns =
        CopyColumns({"id", kEnterpriseWriteCols, kStamps});
    std::vector<Value> rows;
    rows.reserve(es.size() * (width + 1));
    for (size_t i = 0; i < es.size(); ++i) {
      es[i]->id = EnterpriseId{ids[i]};
      rows.emplace_back(ids[i]);
      for (size_t k = i * width; k < (i + 1) * width; ++k) {
        rows.push_back(std::move(p[k]));
      }
    }
    KECHAN_RETURN_IF_ERROR(Done(tx.AppendRows("chain_enterprises", columns, rows)));
    p.clear();  // nothing left for the multi-row statements below
  }
  if (OneRowPerStatement(tx)) {
    const std::string sql = insert + "(" + Marks(width) + ")";
    for (size_t i = 0; i < es.size(); ++i) {
      KECHAN_RETURN_IF_ERROR(
          Done(tx.Exec(sql, std::span<const Value>(p.data() + i * width, width))));
      KECHAN_ASSIGN_OR_RETURN(int64_t id, LastInsertId(tx));
      es[i]->id = EnterpriseId{id};
    }
    p.clear();  // nothing left for the multi-row statements below
  }
  KECHAN_RETURN_IF_ERROR(MultiRow(
      tx, insert, " RETURNING id, uscc", width, p, [&](const store::Rows& rows) -> base::Status {
        for (const auto& r : rows.rows) {
          auto it = by_uscc.find(r.Text(1));
          if (it == by_uscc.end()) {
            return base::Internal("chain.insert_returning", "an inserted USCC was not returned");
          }
          it->second->id = EnterpriseId{r.Int(0)};
        }
        return base::Status::Ok();
      }));
  // Yearly facts in bulk; tiers (rare in imports) one by one.
  std::vector<Value> years;
  for (const Enterprise* e : es) {
    if (!e->id.valid()) {
      return base::Internal("chain.insert_returning", "an enterprise got no id");
    }
    PushYearRows(*e, e->id, years);
    if (!e->tiers.empty()) {
      Enterprise tiers_only;
      tiers_only.tiers = e->tiers;
      KECHAN_RETURN_IF_ERROR(WriteFacts(tx, tiers_only, e->id));
    }
  }
  if (UseCopy(tx)) {
    static const std::vector<std::string> columns =
        CopyColumns({"enterprise_id, year, revenue_fen, rd_fen, digital_level"});
    return Done(tx.AppendRows("chain_enterprise_years", columns, years));
  }
  return MultiRow(tx, kYearsInsert, "", kYearWidth, years,
                  [](const store::Rows&) { return base::Status::Ok(); });
}

base::Status InsertLinks(store::Tx& tx, const std::vector<const Link*>& ls, int64_t now,
                         std::vector<int64_t>* ids, const std::function<void(size_t)>& progress) {
  static const std::string insert = InsertHead("chain_links", kLinkCols, "created_at");
  static const std::string one_row = InsertOne("chain_links", kLinkCols, "created_at");
  static const size_t width = ColumnNames(kLinkCols).size() + 1;  // + created_at
  constexpr size_t kSlice = 10000;  // links between two progress calls
  KECHAN_RETURN_IF_ERROR(CheckLinkTargets(tx, ls));
  std::vector<Value> p;
  for (size_t first = 0; first < ls.size(); first += kSlice) {
    const size_t last = std::min(ls.size(), first + kSlice);
    if (UseCopy(tx)) {
      static const std::vector<std::string> columns = CopyColumns({kLinkCols, "created_at"});
      static const std::vector<std::string> with_id = CopyColumns({"id", kLinkCols, "created_at"});
      std::vector<int64_t> reserved;
      if (ids != nullptr) {
        KECHAN_ASSIGN_OR_RETURN(reserved, ReserveIds(tx, "chain_links", last - first));
      }
      p.clear();
      p.reserve((last - first) * (width + 1));
      for (size_t i = first; i < last; ++i) {
        if (ids != nullptr) {
          p.emplace_back(reserved[i - first]);
        }
        for (Value& v : LinkParams(*ls[i], now)) {
          p.push_back(std::move(v));
        }
      }
      KECHAN_RETURN_IF_ERROR(
          Done(tx.AppendRows("chain_links", ids != nullptr ? with_id : columns, p)));
      if (ids != nullptr) {
        ids->insert(ids->end(), reserved.begin(), reserved.end());
      }
    } else if (OneRowPerStatement(tx)) {
      for (size_t i = first; i < last; ++i) {
        const std::vector<Value> row = LinkParams(*ls[i], now);
        KECHAN_RETURN_IF_ERROR(Done(tx.Exec(one_row, std::span<const Value>(row))));
        if (ids != nullptr) {
          KECHAN_ASSIGN_OR_RETURN(int64_t id, LastInsertId(tx));
          ids->push_back(id);
        }
      }
    } else {
      p.clear();
      p.reserve((last - first) * width);
      for (size_t i = first; i < last; ++i) {
        for (Value& v : LinkParams(*ls[i], now)) {
          p.push_back(std::move(v));
        }
      }
      KECHAN_RETURN_IF_ERROR(MultiRow(tx, insert, ids != nullptr ? " RETURNING id" : "", width, p,
                                      [&](const store::Rows& rows) {
                                        for (const auto& r : rows.rows) {
                                          ids->push_back(r.Int(0));
                                        }
                                        return base::Status::Ok();
                                      }));
    }
    if (progress) {
      progress(last);
    }
  }
  return base::Status::Ok();
}

base::Result<std::map<std::string, EnterpriseId>> EnterpriseIdsByUscc(
    store::Tx& tx, const std::vector<std::string>& usccs) {
  std::map<std::string, EnterpriseId> out;  // (a USCC given twice is simply found twice)
  KECHAN_RETURN_IF_ERROR(
      ForEachInChunk(usccs, [&](const std::string& marks, std::vector<Value> p) -> base::Status {
        KECHAN_ASSIGN_OR_RETURN(
            store::Rows rows,
            tx.Query("SELECT uscc, id FROM chain_enterprises WHERE uscc IN (" + marks + ")",
                     std::span<const Value>(p)));
        for (const auto& r : rows.rows) {
          out.emplace(r.Text(0), EnterpriseId{r.Int(1)});
        }
        return base::Status::Ok();
      }));
  return out;
}

base::Result<std::set<std::tuple<int64_t, int64_t, LinkRole>>> LinkKeysAt(
    store::Tx& tx, std::vector<std::pair<EnterpriseId, NodeId>> pairs) {
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  std::vector<EnterpriseId> ids;
  ids.reserve(pairs.size());
  for (const auto& p : pairs) {
    if (ids.empty() || ids.back() != p.first) {
      ids.push_back(p.first);
    }
  }
  std::set<std::tuple<int64_t, int64_t, LinkRole>> out;
  KECHAN_RETURN_IF_ERROR(ForEachLinkOfFirms(
      tx, ids, "l.enterprise_id, l.node_id, l.role", "", "",
      [&](const store::Row& r) -> base::Status {
        const std::pair<EnterpriseId, NodeId> at{EnterpriseId{r.Int(0)}, NodeId{r.Int(1)}};
        if (!std::binary_search(pairs.begin(), pairs.end(), at)) {
          return base::Status::Ok();
        }
        auto role = ParseLinkRole(r.Text(2), "role");
        if (!role.ok()) {
          return role.status();
        }
        out.emplace(at.first.value, at.second.value, *role);
        return base::Status::Ok();
      }));
  return out;
}

base::Result<std::set<std::string>> ExistingUsccs(store::Tx& tx,
                                                  const std::vector<std::string>& usccs) {
  KECHAN_ASSIGN_OR_RETURN(auto found, EnterpriseIdsByUscc(tx, usccs));
  std::set<std::string> out;
  for (const auto& [uscc, id] : found) {
    out.insert(out.end(), uscc);
  }
  return out;
}

base::Result<ImportCache> ImportCache::Raise(store::Tx& tx) {
  ImportCache c;
  if (tx.dialect() != store::Dialect::kSqlite) {
    return c;
  }
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("PRAGMA cache_size"));
  if (rows.empty()) {
    return c;
  }
  c.previous_ = rows.rows[0].Int(0);
  // A negative size is in KiB. Only ever raised: a larger configured cache stays.
  const int64_t prev_kib = *c.previous_ < 0 ? -*c.previous_ : *c.previous_ * 4;
  if (prev_kib >= kImportCacheKib) {
    c.previous_.reset();
    return c;
  }
  KECHAN_RETURN_IF_ERROR(Done(tx.Exec("PRAGMA cache_size = -" + std::to_string(kImportCacheKib))));
  return c;
}

base::Status ImportCache::Restore(store::Tx& tx) {
  if (!previous_) {
    return base::Status::Ok();
  }
  const int64_t previous = *previous_;
  previous_.reset();
  return Done(tx.Exec("PRAGMA cache_size = " + std::to_string(previous)));
}

base::Result<int64_t> Count(store::Tx& tx, const std::string& table) {
  KECHAN_ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT COUNT(*) FROM " + table));
  return rows.rows.at(0).Int(0);
}

// ---- chain chiefs ----------------------------------------------------------------------------
base::Result<std::vector<ChiefRow>> ListChiefs(store::Tx& tx, ChainId chain) {
  KECHAN_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query("SELECT u.id, u.username, u.display_name FROM chain_chiefs c JOIN users u ON u.id = "
               "c.user_id WHERE c.chain_id = ? ORDER BY u.id",
               {chain.value}));
  std::vector<ChiefRow> out;
  for (const auto& r : rows.rows) {
    out.push_back(ChiefRow{base::UserId{r.Int(0)}, r.Text(1), r.Text(2)});
  }
  return out;
}

base::Status ReplaceChiefs(store::Tx& tx, ChainId chain, const std::vector<base::UserId>& users,
                           int64_t now) {
  KECHAN_RETURN_IF_ERROR(
      Done(tx.Exec("DELETE FROM chain_chiefs WHERE chain_id = ?", {chain.value})));
  for (base::UserId u : users) {
    KECHAN_RETURN_IF_ERROR(
        Done(tx.Exec("INSERT INTO chain_chiefs (chain_id, user_id, created_at) VALUES (?, ?, ?)",
                     {chain.value, u.value, now})));
  }
  return base::Status::Ok();
}

base::Result<std::vector<ChainId>> ChainsOfChief(store::Tx& tx, base::UserId user) {
  return QueryIds<ChainId>(
      tx, "SELECT chain_id FROM chain_chiefs WHERE user_id = ? ORDER BY chain_id", {user.value});
}

base::Result<std::vector<ChainId>> ChainsOfEnterprise(store::Tx& tx, EnterpriseId id) {
  return QueryIds<ChainId>(
      tx,
      "SELECT DISTINCT n.chain_id FROM chain_links l JOIN chain_nodes n ON n.id = "
      "l.node_id WHERE l.enterprise_id = ? ORDER BY n.chain_id",
      {id.value});
}

}  // namespace kechan::chain::repo
