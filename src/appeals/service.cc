#include "appeals/service.h"

#include <sodium.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "appeals/metrics.h"
#include "auth/crypto.h"
#include "base/log.h"
#include "base/strcat.h"
#include "base/utf8.h"
#include "flow/appeal_spec.h"
#include "store/event_log.h"

namespace kechan::appeals {

namespace json = boost::json;
using base::Micros;
using base::Result;
using base::Status;
using store::Tx;
using store::Value;

// ---- Caller ----------------------------------------------------------------------------------

Caller Caller::System(std::string actor) {
  Caller c;
  c.system = true;
  c.actor = std::move(actor);
  return c;
}

Caller Caller::Of(const auth::Principal& p) {
  Caller c;
  c.principal = p;
  c.actor = p.signed_in() ? "user:" + p.user.ToString() : "anonymous";
  return c;
}

bool Caller::IsLeader() const {
  return system || principal.Has(auth::Role::kOperator) ||
         principal.Has(auth::Role::kDutyDirector) || principal.Has(auth::Role::kChainChief);
}
bool Caller::IsOfficer() const { return principal.Has(auth::Role::kOfficer); }
bool Caller::IsOperator() const { return system || principal.Has(auth::Role::kOperator); }

std::vector<auth::Role> Caller::Roles() const {
  if (system) {
    return auth::AllRoles();
  }
  std::vector<auth::Role> out;
  for (const auto& m : principal.memberships) {
    if (std::find(out.begin(), out.end(), m.role) == out.end()) {
      out.push_back(m.role);
    }
  }
  return out;
}

std::vector<int64_t> Caller::OrgsWith(auth::Role role) const {
  std::vector<int64_t> out;
  for (const auto& m : principal.memberships) {
    if (m.role == role) {
      out.push_back(m.org.value);
    }
  }
  return out;
}

// ---- helpers -----------------------------------------------------------------------------------

namespace {

constexpr char kTimerKind[] = "appeal.sla";

constexpr char kAppealColumns[] =
    "id, title, body, type, channel, state, org_id, enterprise_id, chain_id, district, lead_unit, "
    "assisting_units, master_id, rework_count, urge_count, supervised, reply, created_by, "
    "created_at, updated_at, dispatched_at, signed_at, contacted_at, replied_at, closed_at, sla, "
    "due_at, response_on_time, resolution_on_time";

std::optional<int64_t> OptInt(const store::Row& r, size_t i) {
  if (r.IsNull(i)) {
    return std::nullopt;
  }
  return r.Int(i);
}

Value V(const std::optional<int64_t>& v) { return v ? Value(*v) : Value(nullptr); }

Appeal ReadAppeal(const store::Row& r) {
  Appeal a;
  a.id = r.Int(0);
  a.title = r.Text(1);
  a.body = r.Text(2);
  a.type = r.Text(3);
  a.channel = r.Text(4);
  a.state = r.Text(5);
  a.org_id = r.Int(6);
  a.enterprise_id = OptInt(r, 7);
  a.chain_id = OptInt(r, 8);
  a.district = r.Text(9);
  a.lead_unit = OptInt(r, 10);
  a.assisting_units = SplitIds(r.Text(11)).value_or(std::vector<int64_t>{});
  a.master_id = OptInt(r, 12);
  a.rework_count = r.Int(13);
  a.urge_count = r.Int(14);
  a.supervised = r.Int(15) != 0;
  a.reply = r.Text(16);
  a.created_by = r.Int(17);
  a.created_at = r.Int(18);
  a.updated_at = r.Int(19);
  a.dispatched_at = OptInt(r, 20);
  a.signed_at = OptInt(r, 21);
  a.contacted_at = OptInt(r, 22);
  a.replied_at = OptInt(r, 23);
  a.closed_at = OptInt(r, 24);
  a.sla = r.Text(25);
  a.due_at = OptInt(r, 26);
  if (auto v = OptInt(r, 27)) {
    a.response_on_time = *v != 0;
  }
  if (auto v = OptInt(r, 28)) {
    a.resolution_on_time = *v != 0;
  }
  return a;
}

Status AppealNotFound() {
  return base::NotFound("appeal.not_found", "No such appeal", "诉求不存在", "id");
}

Result<Appeal> LoadAppeal(Tx& tx, int64_t id) {
  KECHAN_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(std::string("SELECT ") + kAppealColumns + " FROM appeals WHERE id = ?", {id}));
  if (rows.empty()) {
    return AppealNotFound();
  }
  return ReadAppeal(rows.rows[0]);
}

bool Contains(const std::vector<int64_t>& v, int64_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool IsTerminal(std::string_view state) {
  return state == "closed" || state == "rejected" || state == "archived" || state == "merged";
}

const std::vector<std::string>& OpenStates() {
  static const std::vector<std::string> kOpen = {"received",
                                                 "answered",
                                                 "dispatched",
                                                 "dispatch_review",
                                                 "signed_for",
                                                 "in_progress",
                                                 "waiting_for_enterprise",
                                                 "extension_requested",
                                                 "replied",
                                                 "platform_check",
                                                 "follow_up"};
  return kOpen;
}

// Whether `caller` may read `a` (callers who may not get NotFound).
bool CanSee(const Caller& c, const Appeal& a) {
  if (c.IsLeader()) {
    return true;
  }
  if (Contains(c.OrgsWith(auth::Role::kEnterprise), a.org_id)) {
    return true;
  }
  if (c.IsOfficer()) {
    if (a.state == "received") {
      return true;
    }
    const auto orgs = c.OrgsWith(auth::Role::kOfficer);
    if (a.lead_unit && Contains(orgs, *a.lead_unit)) {
      return true;
    }
    for (int64_t u : a.assisting_units) {
      if (Contains(orgs, u)) {
        return true;
      }
    }
  }
  return false;
}

Result<std::vector<HistoryEntry>> LoadHistory(Tx& tx, int64_t id) {
  KECHAN_ASSIGN_OR_RETURN(
      auto rows, tx.Query("SELECT seq, at, kind, action, actor, state, fields FROM appeal_history "
                          "WHERE appeal_id = ? ORDER BY at, seq",
                          {id}));
  std::vector<HistoryEntry> out;
  out.reserve(rows.size());
  for (const auto& r : rows.rows) {
    out.push_back({.seq = r.Int(0),
                   .at = r.Int(1),
                   .kind = r.Text(2),
                   .action = r.Text(3),
                   .actor = r.Text(4),
                   .state = r.Text(5),
                   .fields = r.Text(6)});
  }
  return out;
}

json::object Text2(std::string zh, std::string en) {
  return json::object{{"zh", std::move(zh)}, {"en", std::move(en)}};
}

// The "notify" block of the notifications convention.
json::object Notify(const std::vector<int64_t>& users, const std::vector<int64_t>& orgs,
                    const std::vector<std::string>& roles, json::object title, json::object body,
                    int64_t appeal_id, bool high) {
  json::array u, o, r;
  for (auto x : users) {
    if (x > 0) {
      u.emplace_back(x);
    }
  }
  for (auto x : orgs) {
    if (x > 0) {
      o.emplace_back(x);
    }
  }
  for (const auto& x : roles) {
    r.emplace_back(x);
  }
  return json::object{{"users", std::move(u)},
                      {"orgs", std::move(o)},
                      {"roles", std::move(r)},
                      {"title", std::move(title)},
                      {"body", std::move(body)},
                      {"link", "/appeals/" + std::to_string(appeal_id)},
                      {"urgency", high ? "high" : "normal"}};
}

std::string OrgName(Tx& tx, std::optional<int64_t> id) {
  if (!id) {
    return "";
  }
  auto rows = tx.Query("SELECT name FROM orgs WHERE id = ?", {*id});
  if (!rows.ok() || rows->empty()) {
    return "";
  }
  return rows->rows[0].Text(0);
}

// Both names of `id` ({} when unknown or not given).
OrgNames OrgNamesOf(Tx& tx, std::optional<int64_t> id) {
  if (!id) {
    return {};
  }
  auto rows = tx.Query("SELECT name, name_en FROM orgs WHERE id = ?", {*id});
  if (!rows.ok() || rows->empty()) {
    return {};
  }
  return OrgNames{.zh = rows->rows[0].Text(0), .en = rows->rows[0].Text(1)};
}

Result<bool> IsOrgOfKind(Tx& tx, int64_t id, std::string_view kind) {
  KECHAN_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT kind FROM orgs WHERE id = ?", {id}));
  return !rows.empty() && rows.rows[0].Text(0) == kind;
}

std::string FieldsJson(const flow::Fields& f) {
  json::object o;
  for (const auto& [k, v] : f) {
    o[k] = v;
  }
  return json::serialize(o);
}

std::string Field(const flow::Fields& f, std::string_view k) {
  auto it = f.find(k);
  return it == f.end() ? std::string() : it->second;
}

std::optional<int64_t> ParseId(std::string_view s) {
  auto ids = SplitIds(s);
  if (!ids || ids->size() != 1) {
    return std::nullopt;
  }
  return (*ids)[0];
}

}  // namespace

// ---- Impl: the transactional core
// ----------------------------------------------------------------

struct AppealService::Impl {
  AppealService& s;

  Micros Now() const { return s.clock_.NowMicros(); }
  std::shared_ptr<const base::BusinessCalendar> Calendar() const { return s.calendar_(); }

  // Appends one history row and one event; returns the event seq.
  Result<int64_t> Record(Tx& tx, int64_t appeal_id, const std::string& kind,
                         const std::string& action, const std::string& actor,
                         const std::string& state, const std::string& fields,
                         std::optional<json::object> notify, Micros at) {
    json::object payload{{"appeal_id", appeal_id}, {"action", action}, {"state", state}};
    payload["fields"] = json::parse(fields.empty() ? "{}" : fields);
    if (notify) {
      payload["notify"] = std::move(*notify);
    }
    KECHAN_ASSIGN_OR_RETURN(int64_t seq, store::AppendEvent(tx,
                                                            {.kind = kind,
                                                             .entity = "appeal",
                                                             .entity_id = std::to_string(appeal_id),
                                                             .actor = actor,
                                                             .payload = json::serialize(payload)},
                                                            s.clock_));
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO appeal_history (appeal_id, seq, at, kind, action, actor, state, "
                "fields) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                {appeal_id, seq, at, kind, action, actor, state, fields.empty() ? "{}" : fields})
            .status());
    return seq;
  }

  std::vector<ClockView> Clocks(Tx& tx, const Appeal& a, const std::vector<HistoryEntry>& history,
                                Micros now) const {
    const auto specs = s.SlaRulesIn(tx)->ClocksFor(a.type);  // the rules in force
    std::vector<flow::ClockEvent> events;
    events.reserve(history.size());
    for (const auto& h : history) {
      flow::ClockEvent e{.at = h.at, .seq = h.seq, .kind = h.kind};
      // Only extension events carry fields a clock reads; parse those alone.
      const bool extends = std::any_of(specs.begin(), specs.end(), [&](const flow::ClockSpec& c) {
        return std::find(c.extend_on.begin(), c.extend_on.end(), h.kind) != c.extend_on.end();
      });
      if (extends) {
        boost::system::error_code ec;
        json::value v = json::parse(h.fields, ec);
        if (!ec && v.is_object()) {
          for (const auto& kv : v.as_object()) {
            if (kv.value().is_string()) {
              e.fields[std::string(kv.key())] = std::string(kv.value().as_string());
            }
          }
        }
      }
      events.push_back(std::move(e));
    }
    auto cal = Calendar();
    std::vector<ClockView> out;
    for (auto& spec : specs) {
      auto st = flow::ComputeClock(spec, events, *cal, now);
      if (st.ok()) {
        out.push_back({.spec = spec, .state = *st});
      }
    }
    return out;
  }

  static std::string Colour(const std::vector<ClockView>& clocks, std::optional<Micros>* due) {
    bool running = false, paused = false, warned = false, breached = false, any = false;
    due->reset();
    for (const auto& c : clocks) {
      const auto& st = c.state;
      if (st.status == flow::ClockStatus::kNotStarted) {
        continue;
      }
      any = true;
      if (st.status == flow::ClockStatus::kRunning) {
        running = true;
        warned |= st.warned;
        breached |= st.breached;
        if (st.due_at && (!*due || *st.due_at < **due)) {
          *due = st.due_at;
        }
      } else if (st.status == flow::ClockStatus::kPaused) {
        paused = true;
        breached |= st.breached;
      }
    }
    if (breached && (running || paused)) {
      return "red";
    }
    if (running) {
      return warned ? "yellow" : "green";
    }
    if (paused) {
      return "paused";
    }
    return any ? "done" : "none";
  }

  // Recomputes the clocks of `a` at `now`, stores sla/due_at and re-arms its timers.
  Status Refresh(Tx& tx, const Appeal& a, Micros now, std::vector<ClockView>* out = nullptr) {
    KECHAN_ASSIGN_OR_RETURN(auto history, LoadHistory(tx, a.id));
    auto clocks = Clocks(tx, a, history, now);
    std::optional<Micros> due;
    std::string colour = IsTerminal(a.state) ? "done" : Colour(clocks, &due);
    // Built branch by branch: GCC 12 -O2 warns (maybe-uninitialized, a false positive) when an
    // optional is read inside the Value variant's constructor.
    Value due_value = nullptr;
    if (!IsTerminal(a.state) && due.has_value()) {
      due_value = Value(int64_t{due.value()});
    }
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("UPDATE appeals SET sla = ?, due_at = ? WHERE id = ?", {colour, due_value, a.id})
            .status());
    const std::string id = std::to_string(a.id);
    for (const auto& c : clocks) {
      const std::string prefix = "appeal:" + id + ":" + c.spec.name + ":";
      if (c.state.status != flow::ClockStatus::kRunning || IsTerminal(a.state)) {
        KECHAN_RETURN_IF_ERROR(flow::DisarmTimers(tx, "appeal", id, prefix).status());
        continue;
      }
      const std::string cycle = std::to_string(c.state.cycle);
      auto arm = [&](const char* what, std::optional<Micros> at) -> Status {
        if (!at) {  // e.g. no warning (warn_share 0) since a rule change: drop a pending one
          return flow::DisarmTimers(tx, "appeal", id, prefix + cycle + ":" + what).status();
        }
        json::object p{
            {"appeal_id", a.id}, {"clock", c.spec.name}, {"cycle", c.state.cycle}, {"what", what}};
        return flow::ArmTimer(tx,
                              {.key = prefix + cycle + ":" + what,
                               .kind = kTimerKind,
                               .entity = "appeal",
                               .entity_id = id,
                               .due_at = *at,
                               .payload = json::serialize(p)},
                              now)
            .status();
      };
      if (!c.state.warned) {
        KECHAN_RETURN_IF_ERROR(arm("warn", c.state.warn_at));
      }
      if (!c.state.breached) {
        KECHAN_RETURN_IF_ERROR(arm("breach", c.state.due_at));
      }
    }
    if (out) {
      *out = std::move(clocks);
    }
    return Status();
  }

  // Books `a` into the next reception with room (chain reception of its chain first, then the
  // duty director's). Returns the booking id or nullopt when nothing has room.
  Result<std::optional<int64_t>> AutoBook(Tx& tx, const Appeal& a, const std::string& actor,
                                          Micros now) {
    const std::string today = base::LocalDateOf(now).ToString();
    std::optional<int64_t> rid;
    int64_t host = 0;
    std::string day;
    if (a.chain_id) {
      KECHAN_ASSIGN_OR_RETURN(
          auto rows, tx.Query("SELECT id, host_user_id, day FROM appeal_receptions WHERE kind = "
                              "'chain' AND chain_id = ? AND day >= ? AND booked < capacity AND "
                              "id NOT IN (SELECT reception_id FROM appeal_bookings WHERE "
                              "appeal_id = ?) ORDER BY day, start_time, id LIMIT 1",
                              {*a.chain_id, today, a.id}));
      if (!rows.empty()) {
        rid = rows.rows[0].Int(0);
        host = rows.rows[0].Int(1);
        day = rows.rows[0].Text(2);
      }
    }
    if (!rid) {
      KECHAN_ASSIGN_OR_RETURN(
          auto rows, tx.Query("SELECT id, host_user_id, day FROM appeal_receptions WHERE kind = "
                              "'duty' AND day >= ? AND booked < capacity AND id NOT IN (SELECT "
                              "reception_id FROM appeal_bookings WHERE appeal_id = ?) ORDER BY "
                              "day, start_time, id LIMIT 1",
                              {today, a.id}));
      if (!rows.empty()) {
        rid = rows.rows[0].Int(0);
        host = rows.rows[0].Int(1);
        day = rows.rows[0].Text(2);
      }
    }
    if (!rid) {
      return std::optional<int64_t>();
    }
    KECHAN_ASSIGN_OR_RETURN(int64_t bid, InsertBooking(tx, *rid, a, true, "", now));
    json::object fields{{"slot_id", std::to_string(*rid)},
                        {"booking_id", std::to_string(bid)},
                        {"date", day},
                        {"auto", "true"}};
    KECHAN_RETURN_IF_ERROR(
        Record(
            tx, a.id, "appeal.reception_booked", "book_reception", actor, a.state,
            json::serialize(fields),
            Notify({host}, {a.org_id}, {}, Text2("督办诉求已预约接待", "Supervised appeal booked"),
                   Text2("诉求《" + a.title + "》已预约 " + day + " 的接待",
                         "Appeal \"" + a.title + "\" is booked for the reception on " + day),
                   a.id, true),
            now)
            .status());
    return std::optional<int64_t>(bid);
  }

  Result<int64_t> InsertBooking(Tx& tx, int64_t rid, const Appeal& a, bool automatic,
                                const std::string& note, Micros now) {
    KECHAN_ASSIGN_OR_RETURN(
        auto rows, tx.Query("SELECT capacity, booked FROM appeal_receptions WHERE id = ?", {rid}));
    if (rows.empty()) {
      return base::NotFound("reception.not_found", "No such reception slot", "接待时段不存在",
                            "reception_id");
    }
    if (rows.rows[0].Int(1) >= rows.rows[0].Int(0)) {
      return Status(base::Code::kFailedPrecondition, "reception.full",
                    "This reception slot is fully booked", "该接待时段已约满", "reception_id");
    }
    KECHAN_ASSIGN_OR_RETURN(
        auto dup,
        tx.Query("SELECT id FROM appeal_bookings WHERE reception_id = ? AND appeal_id = ?",
                 {rid, a.id}));
    if (!dup.empty()) {
      return base::AlreadyExists("reception.duplicate",
                                 "The appeal is already booked into this reception",
                                 "该诉求已预约此接待时段", "appeal_id");
    }
    KECHAN_ASSIGN_OR_RETURN(
        int64_t n, tx.Exec("UPDATE appeal_receptions SET booked = booked + 1 WHERE id = ? AND "
                           "booked < capacity",
                           {rid}));
    if (n != 1) {
      return Status(base::Code::kFailedPrecondition, "reception.full",
                    "This reception slot is fully booked", "该接待时段已约满", "reception_id");
    }
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO appeal_bookings (reception_id, appeal_id, org_id, auto, note, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                {rid, a.id, a.org_id, static_cast<int64_t>(automatic ? 1 : 0), note, now})
            .status());
    KECHAN_ASSIGN_OR_RETURN(auto idrow,
                            tx.Query("SELECT id FROM appeal_bookings WHERE reception_id = ? AND "
                                     "appeal_id = ?",
                                     {rid, a.id}));
    return idrow.rows[0].Int(0);
  }

  // Marks `a` supervised (once) and books it; records the events.
  Status Supervise(Tx& tx, Appeal& a, const std::string& actor, const std::string& reason,
                   Micros now) {
    if (a.supervised) {
      return Status();
    }
    a.supervised = true;
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("UPDATE appeals SET supervised = 1, updated_at = ? WHERE id = ?", {now, a.id})
            .status());
    json::object f{{"reason", reason}, {"auto", "true"}};
    std::vector<int64_t> orgs{a.lead_unit.value_or(0)};
    KECHAN_RETURN_IF_ERROR(
        Record(tx, a.id, "appeal.supervised", "supervise", actor, a.state, json::serialize(f),
               Notify({}, orgs, {"duty_director"}, Text2("诉求转入督办", "Appeal escalated"),
                      Text2("诉求《" + a.title + "》已转入督办：" + reason,
                            "Appeal \"" + a.title + "\" is now supervised: " + reason),
                      a.id, true),
               now)
            .status());
    return AutoBook(tx, a, actor, now).status();
  }

  Result<AppealDetail> Detail(Tx& tx, const Caller& caller, int64_t id) {
    KECHAN_ASSIGN_OR_RETURN(Appeal a, LoadAppeal(tx, id));
    if (!caller.system && !CanSee(caller, a)) {
      return AppealNotFound();
    }
    AppealDetail d;
    d.appeal = a;
    OrgNames org = OrgNamesOf(tx, a.org_id);
    OrgNames lead = OrgNamesOf(tx, a.lead_unit);
    d.org_name = std::move(org.zh);
    d.org_name_en = std::move(org.en);
    d.lead_unit_name = std::move(lead.zh);
    d.lead_unit_name_en = std::move(lead.en);
    KECHAN_ASSIGN_OR_RETURN(d.history, LoadHistory(tx, id));
    KECHAN_RETURN_IF_ERROR(NameActors(tx, a, d.history));
    d.clocks = Clocks(tx, a, d.history, Now());
    KECHAN_ASSIGN_OR_RETURN(auto rq,
                            tx.Query("SELECT user_id, name, visited, resolved, satisfaction, "
                                     "comment, visit_channel FROM appeal_requesters WHERE "
                                     "appeal_id = ? ORDER BY user_id",
                                     {id}));
    for (const auto& r : rq.rows) {
      d.requesters.push_back({.user_id = r.Int(0),
                              .name = r.Text(1),
                              .visited = r.Int(2) != 0,
                              .resolved = r.Text(3),
                              .satisfaction = r.Text(4),
                              .comment = r.Text(5),
                              .visit_channel = r.Text(6)});
    }
    KECHAN_ASSIGN_OR_RETURN(auto at,
                            tx.Query("SELECT id, name, size, sha256, content_type, created_at FROM "
                                     "appeal_attachments WHERE appeal_id = ? ORDER BY id",
                                     {id}));
    for (const auto& r : at.rows) {
      d.attachments.push_back({.id = r.Int(0),
                               .appeal_id = id,
                               .name = r.Text(1),
                               .size = r.Int(2),
                               .sha256 = r.Text(3),
                               .content_type = r.Text(4),
                               .created_at = r.Int(5)});
    }
    KECHAN_ASSIGN_OR_RETURN(
        auto bk, tx.Query("SELECT id, reception_id, appeal_id, org_id, auto, status, outcome, "
                          "note, created_at FROM appeal_bookings WHERE appeal_id = ? ORDER BY id",
                          {id}));
    for (const auto& r : bk.rows) {
      d.bookings.push_back({.id = r.Int(0),
                            .reception_id = r.Int(1),
                            .appeal_id = r.Int(2),
                            .org_id = r.Int(3),
                            .automatic = r.Int(4) != 0,
                            .status = r.Text(5),
                            .outcome = r.Text(6),
                            .note = r.Text(7),
                            .created_at = r.Int(8)});
    }
    d.actions = s.machine_->AvailableActions(a.state, caller.Roles());
    if (a.state == "received") {
      auto m = ResolveIn(tx, a.type, a.chain_id, a.district);
      if (m.ok()) {
        d.suggested = *m;
      }
    }
    return d;
  }

  // Fills actor_name / actor_org of the "user:N" entries: the user's display name (username when
  // empty) and the organisation they acted for — the appeal's enterprise, else one of its units,
  // else their first membership.
  Status NameActors(Tx& tx, const Appeal& a, std::vector<HistoryEntry>& history) {
    std::set<int64_t> ids;
    for (const auto& h : history) {
      if (auto uid = ActorUserId(h.actor)) {
        ids.insert(*uid);
      }
    }
    if (ids.empty()) {
      return Status();
    }
    const std::string in = JoinIds(std::vector<int64_t>(ids.begin(), ids.end()));
    std::map<int64_t, std::string> names;
    KECHAN_ASSIGN_OR_RETURN(
        auto users,
        tx.Query("SELECT id, display_name, username FROM users WHERE id IN (" + in + ")"));
    for (const auto& r : users.rows) {
      names[r.Int(0)] = r.Text(1).empty() ? r.Text(2) : r.Text(1);
    }
    KECHAN_ASSIGN_OR_RETURN(
        auto orgs, tx.Query("SELECT m.user_id, m.org_id, o.name FROM memberships m JOIN orgs o ON "
                            "o.id = m.org_id WHERE m.user_id IN (" +
                            in + ") ORDER BY m.id"));
    std::vector<int64_t> units = a.assisting_units;
    if (a.lead_unit) {
      units.insert(units.begin(), *a.lead_unit);
    }
    std::map<int64_t, std::pair<int, std::string>> org_of;  // user -> (rank, name), lower wins
    for (const auto& r : orgs.rows) {
      const int64_t org = r.Int(1);
      const int rank = org == a.org_id ? 0 : Contains(units, org) ? 1 : 2;
      auto it = org_of.find(r.Int(0));
      if (it == org_of.end() || rank < it->second.first) {
        org_of[r.Int(0)] = {rank, r.Text(2)};
      }
    }
    for (auto& h : history) {
      if (auto uid = ActorUserId(h.actor)) {
        if (auto n = names.find(*uid); n != names.end()) {
          h.actor_name = n->second;
        }
        if (auto o = org_of.find(*uid); o != org_of.end()) {
          h.actor_org = o->second.second;
        }
      }
    }
    return Status();
  }

  static std::optional<int64_t> ActorUserId(std::string_view actor) {
    constexpr std::string_view kPrefix = "user:";
    if (actor.substr(0, kPrefix.size()) != kPrefix) {
      return std::nullopt;
    }
    return ParseId(actor.substr(kPrefix.size()));
  }

  Result<std::optional<CatalogueEntry>> ResolveIn(Tx& tx, std::string_view type,
                                                  std::optional<int64_t> chain,
                                                  std::string_view district) {
    KECHAN_ASSIGN_OR_RETURN(
        auto rows,
        tx.Query("SELECT id, type, chain_id, district, lead_unit, assisting_units, updated_at "
                 "FROM appeal_catalogue WHERE type = ? AND (chain_id = 0 OR chain_id = ?) AND "
                 "(district = '' OR district = ?) ORDER BY (chain_id <> 0) DESC, (district <> "
                 "'') DESC LIMIT 1",
                 {std::string(type), chain.value_or(-1), std::string(district)}));
    if (rows.empty()) {
      return std::optional<CatalogueEntry>();
    }
    return std::optional<CatalogueEntry>(ReadCatalogue(rows.rows[0]));
  }

  static CatalogueEntry ReadCatalogue(const store::Row& r) {
    CatalogueEntry e;
    e.id = r.Int(0);
    e.type = r.Text(1);
    if (r.Int(2) != 0) {
      e.chain_id = r.Int(2);
    }
    e.district = r.Text(3);
    e.lead_unit = r.Int(4);
    e.assisting_units = SplitIds(r.Text(5)).value_or(std::vector<int64_t>{});
    e.updated_at = r.Int(6);
    return e;
  }

  // Checks that every id in `units` is a government organisation.
  Status CheckUnits(Tx& tx, const std::vector<int64_t>& units, const char* field) {
    for (int64_t u : units) {
      KECHAN_ASSIGN_OR_RETURN(bool ok, IsOrgOfKind(tx, u, "government"));
      if (!ok) {
        return base::InvalidArgument(field, "appeal.unknown_unit",
                                     "Not a government department: " + std::to_string(u),
                                     "不是政府部门：" + std::to_string(u));
      }
    }
    return Status();
  }

  Status SetUnits(Tx& tx, int64_t appeal_id, int64_t lead, const std::vector<int64_t>& assist) {
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("DELETE FROM appeal_units WHERE appeal_id = ?", {appeal_id}).status());
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO appeal_units (appeal_id, org_id, lead) VALUES (?, ?, 1)",
                {appeal_id, lead})
            .status());
    for (int64_t u : assist) {
      if (u == lead) {
        continue;
      }
      KECHAN_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO appeal_units (appeal_id, org_id, lead) VALUES (?, ?, 0) ON "
                  "CONFLICT DO NOTHING",
                  {appeal_id, u})
              .status());
    }
    return Status();
  }

  Result<int64_t> CreateIn(Tx& tx, const Caller& caller, const NewAppeal& in, Micros now);
  Result<int64_t> ActIn(Tx& tx, const Caller& caller, int64_t id, std::string_view action,
                        const flow::Fields& fields, Micros now);
  Result<flow::FireDecision> Fire(Tx& tx, const flow::Timer& t, Micros now);
};

// ---- construction --------------------------------------------------------------------------

AppealService::AppealService(store::Database& db, const base::Clock& clock,
                             CalendarProvider calendar, flow::Scheduler* scheduler,
                             ServiceOptions options)
    : db_(db),
      clock_(clock),
      calendar_(std::move(calendar)),
      options_(std::move(options)),
      recompute_(db, clock) {
  auto m = flow::AppealMachine();
  machine_ = std::make_unique<flow::Machine>(std::move(*m));
  if (scheduler) {
    RegisterTimers(*scheduler);
  }
}

void AppealService::SetWebhookSecrets(std::string wecom, std::string dingtalk) {
  std::lock_guard lock(secrets_mu_);
  options_.wecom_secret = std::move(wecom);
  options_.dingtalk_secret = std::move(dingtalk);
}

// ClocksFor and the SLA-rule methods are in sla_rules.cc.

// ---- create ----------------------------------------------------------------------------------

Result<int64_t> AppealService::Impl::CreateIn(Tx& tx, const Caller& caller, const NewAppeal& in,
                                              Micros now) {
  NewAppeal a = in;
  const auto enterprise_orgs = caller.OrgsWith(auth::Role::kEnterprise);
  const bool staff = caller.IsLeader() || caller.IsOfficer();
  if (!staff && enterprise_orgs.empty()) {
    return base::PermissionDenied("appeal.create_forbidden",
                                  "Only enterprises and government staff can file appeals",
                                  "只有企业和政府工作人员可以提交诉求");
  }
  if (a.title.empty() || base::CodePointCount(a.title) > 200) {
    return base::InvalidArgument("title", "appeal.title", "A title of 1-200 characters is required",
                                 "标题须为 1-200 个字符");
  }
  if (a.body.empty() || base::CodePointCount(a.body) > 5000) {
    return base::InvalidArgument("body", "appeal.body",
                                 "A description of 1-5000 characters is required",
                                 "诉求内容须为 1-5000 个字符");
  }
  if (!FindAppealType(a.type)) {
    return base::InvalidArgument("type", "appeal.type", "Unknown appeal type", "未知的诉求类型");
  }
  if (!staff) {
    // An enterprise files for its own organisation, through the web form.
    if (a.org_id && !Contains(enterprise_orgs, *a.org_id)) {
      return base::InvalidArgument("org_id", "appeal.org_not_own",
                                   "An enterprise can only file for itself",
                                   "企业只能为本企业提交诉求");
    }
    a.org_id = enterprise_orgs.front();
    if (a.channel.empty()) {
      a.channel = "web";
    }
    if (a.channel != "web" && a.channel != "group") {
      return base::InvalidArgument("channel", "appeal.channel",
                                   "Enterprises file through the web form",
                                   "企业通过网页表单提交诉求");
    }
  } else {
    if (a.channel.empty()) {
      a.channel = "duty_desk";
    }
    if (!a.org_id) {
      return base::InvalidArgument("org_id", "flow.required", "org_id (the enterprise) is required",
                                   "须指定企业 org_id");
    }
  }
  if (!IsChannel(a.channel)) {
    return base::InvalidArgument("channel", "appeal.channel", "Unknown intake channel",
                                 "未知的受理渠道");
  }
  KECHAN_ASSIGN_OR_RETURN(bool is_firm, IsOrgOfKind(tx, *a.org_id, "enterprise"));
  if (!is_firm) {
    return base::InvalidArgument("org_id", "appeal.org_not_enterprise",
                                 "org_id must be an enterprise organisation",
                                 "org_id 须为企业组织");
  }
  KECHAN_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO appeals (title, body, type, channel, state, org_id, enterprise_id, "
              "chain_id, district, created_by, created_at, updated_at, text_norm) VALUES (?, ?, "
              "?, ?, 'received', ?, ?, ?, ?, ?, ?, ?, ?)",
              {a.title, a.body, a.type, a.channel, *a.org_id, V(a.enterprise_id), V(a.chain_id),
               a.district, caller.principal.user.value, now, now,
               NormalizeForDuplicates(a.title + a.body)})
          .status());
  KECHAN_ASSIGN_OR_RETURN(
      auto idrow, tx.Query("SELECT MAX(id) FROM appeals WHERE created_at = ? AND org_id = ?",
                           {now, *a.org_id}));
  const int64_t id = idrow.rows[0].Int(0);
  const int64_t requester = staff ? 0 : caller.principal.user.value;
  std::string rname = a.requester_name;
  if (rname.empty()) {
    rname = staff ? "企业联系人" : caller.principal.display_name;
  }
  KECHAN_RETURN_IF_ERROR(tx.Exec("INSERT INTO appeal_requesters (appeal_id, user_id, name) "
                                 "VALUES (?, ?, ?)",
                                 {id, requester, rname})
                             .status());
  json::object f{{"title", a.title}, {"type", a.type}, {"channel", a.channel}};
  KECHAN_RETURN_IF_ERROR(
      Record(tx, id, "appeal.received", "create", caller.actor, "received", json::serialize(f),
             Notify({}, {}, {"operator"}, Text2("新诉求", "New appeal"),
                    Text2("收到新诉求：" + a.title, "New appeal: " + a.title), id, false),
             now)
          .status());
  KECHAN_RETURN_IF_ERROR(RefreshFacts(tx, id, *Calendar()));  // metrics facts row
  return id;
}

Result<AppealDetail> AppealService::Create(const Caller& caller, const NewAppeal& a) {
  Impl impl{*this};
  const Micros now = clock_.NowMicros();
  int64_t id = 0;
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(id, impl.CreateIn(tx, caller, a, now));
    return Status();
  }));
  return Get(caller, id);
}

Result<AppealDetail> AppealService::Get(const Caller& caller, int64_t id, bool suggest) {
  Impl impl{*this};
  AppealDetail d;
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(d, impl.Detail(*tx, caller, id));
  }
  // The suggester runs outside any transaction (it may be slow or read other stores).
  // System callers (indexers, CLI) get a suggestion only when they ask for one.
  const bool staff = caller.system ? suggest : (caller.IsLeader() || caller.IsOfficer());
  const bool awaiting = d.appeal.state == "received" || d.appeal.state == "dispatch_review";
  if (!staff || !awaiting || (d.suggested && !suggest)) {
    return d;
  }
  std::shared_ptr<const RouteSuggester> suggester;
  {
    std::lock_guard lock(suggester_mu_);
    suggester = suggester_;
  }
  if (!suggester || !*suggester) {
    return d;
  }
  std::optional<RouteSuggestion> r = (*suggester)(d.appeal.title + "\n" + d.appeal.body);
  if (!r || (!r->org_id && r->org_name.empty() && r->type.empty())) {
    return d;
  }
  r->confidence = std::clamp(r->confidence, 0.0, 1.0);
  if (!r->type.empty() && !FindAppealType(r->type)) {
    r->type.clear();
  }
  // Fill the department's id from its name or its name from its id; drop ids that are not
  // government departments.
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  if (r->org_id) {
    KECHAN_ASSIGN_OR_RETURN(bool gov, IsOrgOfKind(*tx, *r->org_id, "government"));
    if (!gov) {
      r->org_id.reset();
    } else if (r->org_name.empty()) {
      r->org_name = OrgName(*tx, r->org_id);
    }
  } else if (!r->org_name.empty()) {
    KECHAN_ASSIGN_OR_RETURN(auto rows,
                            tx->Query("SELECT id FROM orgs WHERE kind = 'government' AND (name = ? "
                                      "OR name_en = ?) ORDER BY id LIMIT 1",
                                      {r->org_name, r->org_name}));
    if (!rows.empty()) {
      r->org_id = rows.rows[0].Int(0);
    }
  }
  d.route_suggestion = std::move(r);
  return d;
}

void AppealService::SetHotspotFinder(HotspotFinder finder) {
  std::shared_ptr<const HotspotFinder> p;
  if (finder) {
    p = std::make_shared<const HotspotFinder>(std::move(finder));
  }
  std::lock_guard lock(suggester_mu_);
  hotspot_finder_ = std::move(p);
}

std::optional<std::vector<Hotspot>> AppealService::TextHotspots(base::Date from, base::Date to,
                                                                int64_t min_count) const {
  std::shared_ptr<const HotspotFinder> finder;
  {
    std::lock_guard lock(suggester_mu_);
    finder = hotspot_finder_;
  }
  if (!finder || !*finder) {
    return std::nullopt;
  }
  return (*finder)(from, to, min_count);
}

void AppealService::SetRouteSuggester(RouteSuggester suggester) {
  std::shared_ptr<const RouteSuggester> p;
  if (suggester) {
    p = std::make_shared<const RouteSuggester>(std::move(suggester));
  }
  std::lock_guard lock(suggester_mu_);
  suggester_ = std::move(p);
}

void AppealService::SetTypeSuggester(TypeSuggester suggester) {
  std::shared_ptr<const TypeSuggester> p;
  if (suggester) {
    p = std::make_shared<const TypeSuggester>(std::move(suggester));
  }
  std::lock_guard lock(suggester_mu_);
  type_suggester_ = std::move(p);
}

Result<TypeSuggestion> AppealService::SuggestType(const Caller& caller, std::string_view title,
                                                  std::string_view body) const {
  if (!caller.system && caller.OrgsWith(auth::Role::kEnterprise).empty() && !caller.IsOfficer() &&
      !caller.IsLeader()) {
    return base::PermissionDenied("appeal.forbidden", "You may not file appeals", "您无权提交诉求");
  }
  if (title.empty() && body.empty()) {
    return base::InvalidArgument("title", "appeal.suggest_empty",
                                 "A title or text is needed for a suggestion",
                                 "请先填写标题或内容");
  }
  std::shared_ptr<const TypeSuggester> suggester;
  {
    std::lock_guard lock(suggester_mu_);
    suggester = type_suggester_;
  }
  TypeSuggestion none{.source = "none"};
  if (!suggester || !*suggester) {
    return none;
  }
  std::string text(title);
  text += "\n";
  text += body;
  std::optional<TypeSuggestion> got = (*suggester)(text);
  if (!got) {
    return none;
  }
  // The model's label may be the type id or its label; anything else is no suggestion.
  const AppealType* known = FindAppealType(got->type);
  for (const auto& t : AppealTypes()) {
    if (!known && (got->type == t.label_zh || got->type == t.label_en)) {
      known = &t;
    }
  }
  if (!known) {
    none.source = got->source.empty() ? "none" : got->source;
    return none;
  }
  got->type = known->id;
  got->confidence = std::clamp(got->confidence, 0.0, 1.0);
  return *got;
}

// ---- act
// -----------------------------------------------------------------------------------------

Result<int64_t> AppealService::Impl::ActIn(Tx& tx, const Caller& caller, int64_t id,
                                           std::string_view action, const flow::Fields& input,
                                           Micros now) {
  flow::Fields fields = input;
  KECHAN_ASSIGN_OR_RETURN(Appeal a, LoadAppeal(tx, id));
  if (!caller.system && !CanSee(caller, a)) {
    return AppealNotFound();
  }
  if (!s.machine_->spec().transitions.empty()) {
    bool known = false;
    for (const auto& t : s.machine_->spec().transitions) {
      known |= t.action == action;
    }
    if (!known) {
      return base::NotFound("appeal.unknown_action", "No such action", "没有该操作", "action");
    }
  }
  // Requesters still to be visited (archive needs every one visited after this action).
  KECHAN_ASSIGN_OR_RETURN(
      auto unvisited_rows,
      tx.Query("SELECT user_id FROM appeal_requesters WHERE appeal_id = ? AND visited = 0 ORDER "
               "BY user_id",
               {id}));
  std::vector<int64_t> unvisited;
  for (const auto& r : unvisited_rows.rows) {
    unvisited.push_back(r.Int(0));
  }
  std::optional<int64_t> visit_requester;
  if (action == "record_visit" || action == "archive") {
    std::string rq = Field(fields, "requester");
    if (!rq.empty()) {
      if (rq == "0") {
        visit_requester = 0;
      } else {
        visit_requester = ParseId(rq);
      }
      if (!visit_requester) {
        return base::InvalidArgument("requester", "appeal.requester",
                                     "requester must be a requester's user id",
                                     "requester 须为诉求人的用户编号");
      }
      KECHAN_ASSIGN_OR_RETURN(auto found,
                              tx.Query("SELECT 1 FROM appeal_requesters WHERE appeal_id = ? AND "
                                       "user_id = ?",
                                       {id, *visit_requester}));
      if (found.empty()) {
        return base::InvalidArgument("requester", "appeal.requester",
                                     "Not a requester of this appeal", "不是该诉求的诉求人");
      }
    } else if (!unvisited.empty()) {
      visit_requester = unvisited.front();
    }
  }
  if (action == "archive" && unvisited.empty() && Field(fields, "resolved").empty() &&
      Field(fields, "satisfaction").empty()) {
    // Every requester has answered (e.g. the enterprise on its page): archive with the latest
    // answer instead of asking the officer again.
    KECHAN_ASSIGN_OR_RETURN(
        auto last, tx.Query("SELECT resolved, satisfaction FROM appeal_requesters WHERE appeal_id "
                            "= ? AND visited = 1 ORDER BY visited_at DESC, user_id LIMIT 1",
                            {id}));
    if (!last.empty()) {
      fields["resolved"] = last.rows[0].Text(0);
      fields["satisfaction"] = last.rows[0].Text(1);
    }
  }
  int64_t left = static_cast<int64_t>(unvisited.size());
  if (visit_requester && Contains(unvisited, *visit_requester)) {
    --left;
  }
  flow::Fields context{{"appeal_id", std::to_string(id)},
                       {"unvisited_requesters", std::to_string(std::max<int64_t>(left, 0))}};
  KECHAN_ASSIGN_OR_RETURN(flow::Outcome out,
                          s.machine_->Apply(a.state, action, caller.Roles(), fields, context));
  // Follow-up visits: staff record them (by phone or in person); an enterprise answers only for
  // itself (its own user, or the contact without an account), once.
  const bool staff_caller = caller.system || caller.IsLeader() || caller.IsOfficer();
  const std::string comment = Field(fields, "comment");
  if (action == "record_visit" || action == "archive") {
    if (base::CodePointCount(comment) > 2000) {
      return base::InvalidArgument("comment", "appeal.comment",
                                   "comment must be at most 2000 characters",
                                   "评价意见不能超过 2000 个字符");
    }
    if (!staff_caller && visit_requester) {
      if (*visit_requester != 0 && *visit_requester != caller.principal.user.value) {
        return Status(base::Code::kPermissionDenied, "appeal.visit_not_own",
                      "An enterprise answers the follow-up visit only for itself",
                      "企业只能回答本人的回访", "requester");
      }
      if (!Contains(unvisited, *visit_requester)) {
        return Status(base::Code::kFailedPrecondition, "appeal.already_visited",
                      "This requester has already answered the follow-up visit",
                      "该诉求人已完成回访评价", "requester");
      }
    }
  }

  // Validation of values and side effects on the row, before any event.
  std::optional<json::object> notify;
  std::vector<std::string> sets = {"state = ?", "updated_at = ?"};
  std::vector<Value> params = {out.to_state, now};
  auto set = [&](const char* col, Value v) {
    sets.push_back(std::string(col) + " = ?");
    params.push_back(std::move(v));
  };
  const std::string title = a.title;
  auto history_before = LoadHistory(tx, id);
  if (!history_before.ok()) {
    return history_before.status();
  }
  auto clocks_before = Clocks(tx, a, *history_before, now);
  auto breached = [&](const char* name) {
    for (const auto& c : clocks_before) {
      if (c.spec.name == name) {
        return c.state.breached;
      }
    }
    return false;
  };
  bool supervise = false;
  std::string supervise_reason;
  flow::Fields recorded = fields;  // the fields the history and events keep

  if (action == "dispatch" || action == "redispatch") {
    auto lead = ParseId(Field(fields, "lead_unit"));
    if (!lead) {
      return base::InvalidArgument("lead_unit", "appeal.lead_unit",
                                   "lead_unit must be a department id", "lead_unit 须为部门编号");
    }
    auto assist = SplitIds(Field(fields, "assisting_units"));
    if (!assist) {
      return base::InvalidArgument("assisting_units", "appeal.assisting_units",
                                   "assisting_units must be department ids separated by commas",
                                   "assisting_units 须为逗号分隔的部门编号");
    }
    KECHAN_RETURN_IF_ERROR(CheckUnits(tx, {*lead}, "lead_unit"));
    KECHAN_RETURN_IF_ERROR(CheckUnits(tx, *assist, "assisting_units"));
    KECHAN_RETURN_IF_ERROR(SetUnits(tx, id, *lead, *assist));
    set("lead_unit", *lead);
    set("assisting_units", JoinIds(*assist));
    set("dispatched_at", now);
    set("signed_at", nullptr);
    set("contacted_at", nullptr);
    std::vector<int64_t> orgs = *assist;
    orgs.insert(orgs.begin(), *lead);
    notify =
        Notify({}, orgs, {}, Text2("新派单诉求", "Appeal dispatched to you"),
               Text2("请签收诉求《" + title + "》", "Please sign for appeal \"" + title + "\""), id,
               false);
  } else if (action == "sign_for") {
    set("signed_at", now);
  } else if (action == "contact") {
    set("contacted_at", now);
    set("response_on_time", static_cast<int64_t>(breached("response") ? 0 : 1));
  } else if (action == "reply") {
    set("reply", Field(fields, "reply"));
    set("replied_at", now);
    set("resolution_on_time", static_cast<int64_t>(breached("resolution") ? 0 : 1));
    notify = Notify({}, {a.org_id}, {}, Text2("诉求已答复", "Your appeal has a reply"),
                    Text2("诉求《" + title + "》已答复", "Appeal \"" + title + "\" was replied to"),
                    id, false);
  } else if (action == "answer_directly") {
    set("reply", Field(fields, "answer"));
    notify = Notify(
        {}, {a.org_id}, {}, Text2("诉求已答复", "Your appeal has a reply"),
        Text2("诉求《" + title + "》已直接答复", "Appeal \"" + title + "\" was answered directly"),
        id, false);
  } else if (action == "reject") {
    const std::string code = Field(fields, "reason_code");
    bool ok = false;
    for (const auto& r : RejectReasons()) {
      ok |= code == r.code;
    }
    if (!ok) {
      return base::InvalidArgument("reason_code", "appeal.reason_code", "Unknown reason code",
                                   "未知的不予受理原因代码");
    }
  } else if (action == "request_extension") {
    auto days = ParseId(Field(fields, "extra_days"));
    if (!days || *days > 30) {
      return base::InvalidArgument("extra_days", "appeal.extra_days",
                                   "extra_days must be a whole number of working days, 1-30",
                                   "延期天数须为 1-30 个工作日");
    }
  } else if (action == "approve_extension") {
    // The approval carries the working days granted (the request's, or fewer when the approver
    // says so) so the resolution clock can replay it from the history alone.
    std::optional<int64_t> requested;
    for (auto it = history_before->rbegin(); it != history_before->rend(); ++it) {
      if (it->kind == "appeal.extension_requested") {
        boost::system::error_code ec;
        json::value v = json::parse(it->fields, ec);
        if (!ec && v.is_object() && v.as_object().contains("extra_days") &&
            v.as_object().at("extra_days").is_string()) {
          requested = ParseId(std::string(v.as_object().at("extra_days").as_string()));
        }
        break;
      }
    }
    const std::string given = Field(fields, "extra_days");
    std::optional<int64_t> days = requested;
    if (!given.empty()) {
      days = ParseId(given);
      if (!days || *days > 30 || (requested && *days > *requested)) {
        return base::InvalidArgument(
            "extra_days", "appeal.extra_days",
            "extra_days must be a whole number of working days, 1-30 and at most the request's",
            "批准的延期天数须为 1-30 个工作日，且不超过申请天数");
      }
    }
    if (days) {
      recorded["extra_days"] = std::to_string(*days);
    }
  } else if (action == "wait_for_enterprise") {
    auto d = base::Date::Parse(Field(fields, "expected_date"), "expected_date");
    if (d.ok() && *d < base::LocalDateOf(now)) {
      return base::InvalidArgument("expected_date", "appeal.expected_date_past",
                                   "expected_date must not be in the past", "预计日期不能早于今天");
    }
  } else if (action == "rework") {
    set("rework_count", a.rework_count + 1);
    set("replied_at", nullptr);
    set("resolution_on_time", nullptr);
  } else if (action == "urge") {
    set("urge_count", a.urge_count + 1);
    if (a.urge_count + 1 >= s.options_.urges_to_supervise) {
      supervise = true;
      supervise_reason = "repeatedly urged";
    }
    notify = Notify({}, {a.lead_unit.value_or(0)}, {}, Text2("诉求被催办", "Appeal urged"),
                    Text2("企业催办诉求《" + title + "》", "Appeal \"" + title + "\" was urged"),
                    id, true);
  } else if (action == "supervise") {
    supervise = true;
    supervise_reason = Field(fields, "reason");
  } else if (action == "merge") {
    auto master = ParseId(Field(fields, "master_id"));
    if (!master) {
      return base::InvalidArgument("master_id", "appeal.master_id",
                                   "master_id must be an appeal id", "master_id 须为诉求编号");
    }
    auto m = LoadAppeal(tx, *master);
    if (!m.ok() || (!caller.system && !CanSee(caller, *m))) {
      return base::InvalidArgument("master_id", "appeal.master_unknown", "No such master appeal",
                                   "主诉求不存在");
    }
    if (IsTerminal(m->state)) {
      return base::InvalidArgument("master_id", "appeal.master_closed",
                                   "The master appeal must be open", "主诉求须处于办理中");
    }
    set("master_id", *master);
    KECHAN_ASSIGN_OR_RETURN(
        auto rq, tx.Query("SELECT user_id, name FROM appeal_requesters WHERE appeal_id = ?", {id}));
    for (const auto& r : rq.rows) {
      KECHAN_RETURN_IF_ERROR(tx.Exec("INSERT INTO appeal_requesters (appeal_id, user_id, name) "
                                     "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                                     {*master, r.Int(0), r.Text(1)})
                                 .status());
    }
  } else if (action == "book_reception") {
    auto slot = ParseId(Field(fields, "slot_id"));
    if (!slot) {
      return base::InvalidArgument("slot_id", "appeal.slot_id", "slot_id must be a reception id",
                                   "slot_id 须为接待时段编号");
    }
    KECHAN_RETURN_IF_ERROR(InsertBooking(tx, *slot, a, false, Field(fields, "note"), now).status());
  } else if (action == "record_reception") {
    std::string bid = Field(fields, "booking_id");
    if (!bid.empty()) {
      auto b = ParseId(bid);
      if (!b) {
        return base::InvalidArgument("booking_id", "appeal.booking_id",
                                     "booking_id must be a booking id", "booking_id 须为预约编号");
      }
      KECHAN_ASSIGN_OR_RETURN(
          int64_t n, tx.Exec("UPDATE appeal_bookings SET status = 'done', outcome = ? WHERE id = "
                             "? AND appeal_id = ?",
                             {Field(fields, "outcome"), *b, id}));
      if (n == 0) {
        return base::InvalidArgument("booking_id", "appeal.booking_id",
                                     "No such booking of this appeal", "该诉求没有这个预约");
      }
    }
  }
  if (action == "record_visit" || action == "archive") {
    if (visit_requester) {
      KECHAN_RETURN_IF_ERROR(
          tx.Exec("UPDATE appeal_requesters SET visited = 1, resolved = ?, satisfaction = ?, "
                  "visited_at = ?, comment = ?, visit_channel = ? WHERE appeal_id = ? AND "
                  "user_id = ?",
                  {Field(fields, "resolved"), Field(fields, "satisfaction"), now, comment,
                   std::string(staff_caller ? "phone" : "enterprise"), id, *visit_requester})
              .status());
    }
  }
  if (IsTerminal(out.to_state)) {
    set("closed_at", now);
  }
  std::string sql = "UPDATE appeals SET ";
  for (size_t i = 0; i < sets.size(); ++i) {
    sql += (i ? ", " : "") + sets[i];
  }
  sql += " WHERE id = ?";
  params.push_back(id);
  KECHAN_RETURN_IF_ERROR(tx.Exec(sql, std::span<const Value>(params)).status());
  if (IsTerminal(out.to_state)) {
    // The officer queue reads assisting units of open appeals only (appeal_units_assisting_open).
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("UPDATE appeal_units SET is_open = 0 WHERE appeal_id = ? AND is_open = 1", {id})
            .status());
  }

  const std::string fj = FieldsJson(recorded);
  for (size_t i = 0; i < out.events.size(); ++i) {
    KECHAN_RETURN_IF_ERROR(Record(tx, id, out.events[i], std::string(action), caller.actor,
                                  out.to_state, fj, i == 0 ? notify : std::nullopt, now)
                               .status());
  }
  KECHAN_ASSIGN_OR_RETURN(Appeal after, LoadAppeal(tx, id));
  if (supervise) {
    // "supervise" itself already recorded appeal.supervised; only book (and mark) here.
    if (action == "supervise") {
      if (!after.supervised) {
        KECHAN_RETURN_IF_ERROR(
            tx.Exec("UPDATE appeals SET supervised = 1 WHERE id = ?", {id}).status());
        after.supervised = true;
        KECHAN_RETURN_IF_ERROR(AutoBook(tx, after, caller.actor, now).status());
      }
    } else {
      KECHAN_RETURN_IF_ERROR(Supervise(tx, after, caller.actor, supervise_reason, now));
    }
  }
  KECHAN_RETURN_IF_ERROR(Refresh(tx, after, now));
  KECHAN_RETURN_IF_ERROR(RefreshFacts(tx, id, *Calendar()));  // metrics facts row
  return id;
}

Result<AppealDetail> AppealService::Act(const Caller& caller, int64_t id, std::string_view action,
                                        const flow::Fields& fields) {
  Impl impl{*this};
  const Micros now = clock_.NowMicros();
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    return impl.ActIn(tx, caller, id, action, fields, now).status();
  }));
  return Get(caller, id);
}

// ---- list --------------------------------------------------------------------------------------

Result<AppealPage> AppealService::List(const Caller& caller, const ListFilter& f) {
  if (f.page < 1) {
    return base::InvalidArgument("page", "paging.page", "page must be >= 1", "page 须 >= 1");
  }
  if (f.page_size < 1 || f.page_size > 200) {
    return base::InvalidArgument("page_size", "paging.page_size", "page_size must be 1-200",
                                 "page_size 须为 1-200");
  }
  // What the caller may see, as disjoint branches whose union is the visible set (each branch
  // excludes what an earlier one holds, so counts add up and the page is a UNION ALL): the
  // caller's firms' appeals (appeals_org); received ones for triage (appeals_state_due_sla);
  // the units' lead appeals (appeals_lead_state_due_sla: one index range per state); their
  // assisting appeals (appeal_units_assisting_open when only open states are asked for, else
  // appeal_units_assisting). The two appeals indexes hold sla, so the colour counts of the
  // first three branches read no table row.
  std::vector<std::string> branches;
  bool open_only = !f.states.empty();
  for (const auto& st : f.states) {
    open_only = open_only && (st == "open" || (machine_->FindState(st) && !IsTerminal(st)));
  }
  if (caller.IsLeader()) {
    branches.push_back("1 = 1");
  } else {
    const auto firms = caller.OrgsWith(auth::Role::kEnterprise);
    const auto units = caller.OrgsWith(auth::Role::kOfficer);
    std::string not_firm;
    if (!firms.empty()) {
      branches.push_back("org_id IN (" + JoinIds(firms) + ")");
      not_firm = " AND org_id NOT IN (" + JoinIds(firms) + ")";
    }
    if (!units.empty()) {
      const std::string u = JoinIds(units);
      branches.push_back("state = 'received'" + not_firm);
      branches.push_back("lead_unit IN (" + u + ") AND state <> 'received'" + not_firm);
      branches.push_back("id IN (SELECT appeal_id FROM appeal_units WHERE org_id IN (" + u +
                         ") AND lead = 0" + (open_only ? " AND is_open = 1" : "") +
                         ") AND state <> 'received' AND (lead_unit IS NULL OR lead_unit NOT IN (" +
                         u + "))" + not_firm);
    }
  }
  std::string where;
  std::vector<Value> p;
  if (!f.states.empty()) {
    std::vector<std::string> states;
    for (const auto& st : f.states) {
      if (st == "open") {
        states.insert(states.end(), OpenStates().begin(), OpenStates().end());
      } else if (machine_->FindState(st)) {
        states.push_back(st);
      } else {
        return base::InvalidArgument("state", "appeal.state", "Unknown state: " + st,
                                     "未知状态：" + st);
      }
    }
    where += " AND state IN (";
    for (size_t i = 0; i < states.size(); ++i) {
      where += i ? ", ?" : "?";
      p.push_back(states[i]);
    }
    where += ")";
  }
  auto eq = [&](const char* col, const std::string& v) {
    if (!v.empty()) {
      where += std::string(" AND ") + col + " = ?";
      p.push_back(v);
    }
  };
  eq("type", f.type);
  eq("district", f.district);
  eq("channel", f.channel);
  eq("sla", f.sla);
  if (f.chain_id) {
    where += " AND chain_id = ?";
    p.push_back(*f.chain_id);
  }
  if (f.org_id) {
    where += " AND org_id = ?";
    p.push_back(*f.org_id);
  }
  if (f.unit) {
    where += " AND id IN (SELECT appeal_id FROM appeal_units WHERE org_id = ?)";
    p.push_back(*f.unit);
  }
  if (f.supervised) {
    where += " AND supervised = ?";
    p.push_back(static_cast<int64_t>(*f.supervised ? 1 : 0));
  }
  if (!f.q.empty()) {
    where += db_.dialect() == store::Dialect::kPostgres
                 ? " AND (strpos(title, ?) > 0 OR strpos(body, ?) > 0)"
                 : " AND (instr(title, ?) > 0 OR instr(body, ?) > 0)";
    p.push_back(f.q);
    p.push_back(f.q);
  }
  std::string order;
  if (f.sort == "due") {
    order = " ORDER BY (due_at IS NULL), due_at, id";
  } else if (f.sort == "-created") {
    order = " ORDER BY created_at DESC, id DESC";
  } else if (f.sort == "-updated") {
    order = " ORDER BY updated_at DESC, id DESC";
  } else {
    return base::InvalidArgument("sort", "appeal.sort", "sort must be due, -created or -updated",
                                 "sort 须为 due、-created 或 -updated");
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  AppealPage page;
  page.page = f.page;
  page.page_size = f.page_size;
  if (branches.empty()) {
    return page;
  }
  auto branch_sql = [&](const char* cols, const std::string& vis) {
    return std::string("SELECT ") + cols + " FROM appeals WHERE (" + vis + ")" + where;
  };
  // The colour counts: one GROUP BY per branch (disjoint, so they add up).
  std::string count_sql;
  std::vector<Value> cp;
  for (size_t i = 0; i < branches.size(); ++i) {
    count_sql +=
        (i ? " UNION ALL " : "") + branch_sql("sla, COUNT(*)", branches[i]) + " GROUP BY sla";
    cp.insert(cp.end(), p.begin(), p.end());
  }
  KECHAN_ASSIGN_OR_RETURN(auto counts, tx->Query(count_sql, std::span<const Value>(cp)));
  for (const auto& r : counts.rows) {
    page.counts[r.Text(0)] += r.Int(1);
    page.total += r.Int(1);
  }
  if ((f.page - 1) * f.page_size >= page.total) {
    return page;
  }
  // The page: the first page * page_size rows of each branch in the page order can hold every
  // row of the page, so each branch is bounded by that before the union is ordered. By due
  // time each branch is split at due_at IS NULL, so a range of (state, due_at, id) or
  // (lead_unit, state, due_at, id) is read in order and stops at the bound instead of sorting
  // every row of the branch.
  const int64_t bound = f.page * f.page_size;
  std::vector<std::pair<std::string, std::string>> parts;  // (condition, order)
  // Only the columns of the order: the due-time parts then read the index alone.
  const char* cols = f.sort == "due"        ? "id, due_at"
                     : f.sort == "-created" ? "id, created_at"
                                            : "id, updated_at";
  if (f.sort == "due") {
    parts = {{" AND due_at IS NOT NULL", " ORDER BY due_at, id"},
             {" AND due_at IS NULL", " ORDER BY id"}};
  } else {
    parts = {{"", order}};
  }
  std::string ids_sql = "SELECT id FROM (";
  std::vector<Value> ip;
  int n = 0;
  for (const auto& b : branches) {
    for (const auto& [cond, part_order] : parts) {
      ids_sql +=
          base::StrCat(n ? " UNION ALL SELECT * FROM (" : "SELECT * FROM (", branch_sql(cols, b),
                       cond, part_order, " LIMIT ?) b", std::to_string(n));
      ip.insert(ip.end(), p.begin(), p.end());
      ip.push_back(bound);
      ++n;
    }
  }
  ids_sql += ") v" + order + " LIMIT ? OFFSET ?";
  ip.push_back(f.page_size);
  ip.push_back((f.page - 1) * f.page_size);
  KECHAN_ASSIGN_OR_RETURN(auto ids, tx->Query(ids_sql, std::span<const Value>(ip)));
  if (ids.empty()) {
    return page;
  }
  std::vector<int64_t> page_ids;
  for (const auto& r : ids.rows) {
    page_ids.push_back(r.Int(0));
  }
  KECHAN_ASSIGN_OR_RETURN(
      auto rows, tx->Query(std::string("SELECT ") + kAppealColumns + " FROM appeals WHERE id IN (" +
                           JoinIds(page_ids) + ")"));
  std::map<int64_t, Appeal> by_id;
  for (const auto& r : rows.rows) {
    Appeal a = ReadAppeal(r);
    by_id.emplace(a.id, std::move(a));
  }
  // The names of the page's enterprises and lead units: one lookup by primary key over the
  // distinct ids of these rows (at most 2 x page_size), never a join over the queue.
  std::set<int64_t> orgs;
  for (const auto& [id, a] : by_id) {
    orgs.insert(a.org_id);
    if (a.lead_unit) {
      orgs.insert(*a.lead_unit);
    }
  }
  if (!orgs.empty()) {
    KECHAN_ASSIGN_OR_RETURN(
        auto names, tx->Query("SELECT id, name, name_en FROM orgs WHERE id IN (" +
                              JoinIds(std::vector<int64_t>(orgs.begin(), orgs.end())) + ")"));
    for (const auto& r : names.rows) {
      page.org_names.emplace(r.Int(0), OrgNames{.zh = r.Text(1), .en = r.Text(2)});
    }
  }
  for (int64_t id : page_ids) {
    if (auto it = by_id.find(id); it != by_id.end()) {
      page.items.push_back(std::move(it->second));
    }
  }
  return page;
}

// ---- attachments
// ----------------------------------------------------------------------------------

Result<Attachment> AppealService::AddAttachment(const Caller& caller, int64_t id, std::string name,
                                                const std::string& content_type,
                                                std::string_view bytes) {
  if (bytes.empty()) {
    return base::InvalidArgument("body", "appeal.attachment_empty", "The file is empty",
                                 "文件为空");
  }
  if (static_cast<int64_t>(bytes.size()) > options_.max_attachment_bytes) {
    return Status(base::Code::kResourceExhausted, "appeal.attachment_too_large",
                  "The file is larger than the limit", "文件超过大小限制", "body");
  }
  if (name.empty() || name.size() > 200 || name.find('/') != std::string::npos ||
      name.find('\\') != std::string::npos || !base::IsValidUtf8(name)) {
    return base::InvalidArgument("name", "appeal.attachment_name",
                                 "A file name without slashes (1-200 bytes) is required",
                                 "须提供不含斜杠的文件名（1-200 字节）");
  }
  if (options_.data_dir.empty()) {
    return base::FailedPrecondition("appeal.no_data_dir", "No data directory for attachments",
                                    "未配置附件存储目录");
  }
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(Appeal a, LoadAppeal(*tx, id));
    if (!caller.system && !CanSee(caller, a)) {
      return AppealNotFound();
    }
  }
  const std::string sha = auth::Sha256Hex(bytes);
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(options_.data_dir) / "attachments";
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path file = dir / sha;
  if (!fs::exists(file)) {
    const fs::path tmp = dir / (sha + ".tmp");
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      out.flush();
      if (!out) {
        return base::Internal("appeal.attachment_write", "Cannot write the attachment");
      }
    }
    fs::rename(tmp, file, ec);
    if (ec) {
      return base::Internal("appeal.attachment_write", "Cannot store the attachment");
    }
  }
  Impl impl{*this};
  const Micros now = clock_.NowMicros();
  Attachment att{.appeal_id = id,
                 .name = name,
                 .size = static_cast<int64_t>(bytes.size()),
                 .sha256 = sha,
                 .content_type = content_type.empty() ? "application/octet-stream" : content_type,
                 .created_at = now};
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO appeal_attachments (appeal_id, name, size, sha256, content_type, "
                "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                {id, att.name, att.size, sha, att.content_type, caller.principal.user.value, now})
            .status());
    KECHAN_ASSIGN_OR_RETURN(auto r, tx.Query("SELECT MAX(id) FROM appeal_attachments WHERE "
                                             "appeal_id = ?",
                                             {id}));
    att.id = r.rows[0].Int(0);
    KECHAN_ASSIGN_OR_RETURN(Appeal a, LoadAppeal(tx, id));
    json::object f{{"attachment_id", std::to_string(att.id)}, {"name", name}, {"sha256", sha}};
    return impl
        .Record(tx, id, "appeal.attachment_added", "attach", caller.actor, a.state,
                json::serialize(f), std::nullopt, now)
        .status();
  }));
  return att;
}

Result<std::pair<Attachment, std::string>> AppealService::ReadAttachment(const Caller& caller,
                                                                         int64_t id, int64_t att) {
  Attachment a;
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(Appeal ap, LoadAppeal(*tx, id));
    if (!caller.system && !CanSee(caller, ap)) {
      return AppealNotFound();
    }
    KECHAN_ASSIGN_OR_RETURN(
        auto rows, tx->Query("SELECT id, name, size, sha256, content_type, created_at FROM "
                             "appeal_attachments WHERE id = ? AND appeal_id = ?",
                             {att, id}));
    if (rows.empty()) {
      return base::NotFound("appeal.attachment_not_found", "No such attachment", "附件不存在",
                            "att");
    }
    const auto& r = rows.rows[0];
    a = {.id = r.Int(0),
         .appeal_id = id,
         .name = r.Text(1),
         .size = r.Int(2),
         .sha256 = r.Text(3),
         .content_type = r.Text(4),
         .created_at = r.Int(5)};
  }
  std::ifstream in(std::filesystem::path(options_.data_dir) / "attachments" / a.sha256,
                   std::ios::binary);
  if (!in) {
    return base::Internal("appeal.attachment_missing", "The attachment file is missing");
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::make_pair(a, ss.str());
}

// ---- catalogue --------------------------------------------------------------------------------

Result<std::vector<CatalogueEntry>> AppealService::ListCatalogue(const Caller& caller) {
  if (!caller.IsLeader() && !caller.IsOfficer()) {
    return base::PermissionDenied("catalogue.forbidden", "Staff only", "仅限工作人员");
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(
      auto rows, tx->Query("SELECT id, type, chain_id, district, lead_unit, assisting_units, "
                           "updated_at FROM appeal_catalogue ORDER BY type, chain_id, district"));
  std::vector<CatalogueEntry> out;
  for (const auto& r : rows.rows) {
    out.push_back(Impl::ReadCatalogue(r));
  }
  return out;
}

Result<CatalogueEntry> AppealService::PutCatalogue(const Caller& caller, CatalogueEntry e) {
  if (!caller.IsOperator()) {
    return base::PermissionDenied("catalogue.forbidden", "Operators only", "仅限平台运营");
  }
  if (!FindAppealType(e.type)) {
    return base::InvalidArgument("type", "appeal.type", "Unknown appeal type", "未知的诉求类型");
  }
  Impl impl{*this};
  const Micros now = clock_.NowMicros();
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_RETURN_IF_ERROR(impl.CheckUnits(tx, {e.lead_unit}, "lead_unit"));
    KECHAN_RETURN_IF_ERROR(impl.CheckUnits(tx, e.assisting_units, "assisting_units"));
    const int64_t chain = e.chain_id.value_or(0);
    if (e.id == 0) {
      auto r = tx.Exec(
          "INSERT INTO appeal_catalogue (type, chain_id, district, lead_unit, "
          "assisting_units, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
          {e.type, chain, e.district, e.lead_unit, JoinIds(e.assisting_units), now});
      if (!r.ok() && r.status().code() == base::Code::kAlreadyExists) {
        return base::AlreadyExists("catalogue.duplicate",
                                   "An entry for this type, chain and district exists",
                                   "该类型、产业链和区县的派单目录项已存在", "type");
      }
      KECHAN_RETURN_IF_ERROR(r.status());
      KECHAN_ASSIGN_OR_RETURN(auto idr, tx.Query("SELECT id FROM appeal_catalogue WHERE type = ? "
                                                 "AND chain_id = ? AND district = ?",
                                                 {e.type, chain, e.district}));
      e.id = idr.rows[0].Int(0);
    } else {
      auto r = tx.Exec(
          "UPDATE appeal_catalogue SET type = ?, chain_id = ?, district = ?, "
          "lead_unit = ?, assisting_units = ?, updated_at = ? WHERE id = ?",
          {e.type, chain, e.district, e.lead_unit, JoinIds(e.assisting_units), now, e.id});
      if (!r.ok() && r.status().code() == base::Code::kAlreadyExists) {
        return base::AlreadyExists("catalogue.duplicate",
                                   "An entry for this type, chain and district exists",
                                   "该类型、产业链和区县的派单目录项已存在", "type");
      }
      KECHAN_ASSIGN_OR_RETURN(int64_t n, std::move(r));
      if (n == 0) {
        return base::NotFound("catalogue.not_found", "No such catalogue entry", "派单目录项不存在",
                              "id");
      }
    }
    e.updated_at = now;
    json::object f{{"type", e.type},
                   {"chain_id", std::to_string(chain)},
                   {"district", e.district},
                   {"lead_unit", std::to_string(e.lead_unit)}};
    return store::AppendEvent(tx,
                              {.kind = "appeal.catalogue.updated",
                               .entity = "appeal_catalogue",
                               .entity_id = std::to_string(e.id),
                               .actor = caller.actor,
                               .payload = json::serialize(f)},
                              clock_)
        .status();
  }));
  return e;
}

Status AppealService::DeleteCatalogue(const Caller& caller, int64_t id) {
  if (!caller.IsOperator()) {
    return base::PermissionDenied("catalogue.forbidden", "Operators only", "仅限平台运营");
  }
  return store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(int64_t n, tx.Exec("DELETE FROM appeal_catalogue WHERE id = ?", {id}));
    if (n == 0) {
      return base::NotFound("catalogue.not_found", "No such catalogue entry", "派单目录项不存在",
                            "id");
    }
    return store::AppendEvent(tx,
                              {.kind = "appeal.catalogue.deleted",
                               .entity = "appeal_catalogue",
                               .entity_id = std::to_string(id),
                               .actor = caller.actor,
                               .payload = "{}"},
                              clock_)
        .status();
  });
}

Result<std::optional<CatalogueEntry>> AppealService::Resolve(std::string_view type,
                                                             std::optional<int64_t> chain_id,
                                                             std::string_view district) {
  Impl impl{*this};
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  return impl.ResolveIn(*tx, type, chain_id, district);
}

// ---- rota and receptions
// ---------------------------------------------------------------------------

Result<std::vector<RotaDay>> AppealService::ListRota(base::Date from, base::Date to) {
  if (to < from || to.ToDays() - from.ToDays() > 366) {
    return base::InvalidArgument("to", "rota.range", "to must be within a year after from",
                                 "to 须在 from 之后一年内");
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(
      auto rows, tx->Query("SELECT r.day, r.user_id, COALESCE(u.display_name, '') FROM "
                           "appeal_duty_rota r LEFT JOIN users u ON u.id = r.user_id WHERE r.day "
                           ">= ? AND r.day <= ?",
                           {from.ToString(), to.ToString()}));
  std::map<std::string, std::pair<int64_t, std::string>> set;
  for (const auto& r : rows.rows) {
    set[r.Text(0)] = {r.Int(1), r.Text(2)};
  }
  auto cal = calendar_();
  std::vector<RotaDay> out;
  for (base::Date d = from; d <= to; d = d.AddDays(1)) {
    if (!cal->IsWorkingDay(d)) {
      continue;
    }
    RotaDay day{.date = d.ToString()};
    if (auto it = set.find(day.date); it != set.end()) {
      day.user_id = it->second.first;
      day.name = it->second.second;
    }
    out.push_back(day);
  }
  return out;
}

Result<RotaDay> AppealService::SetRota(const Caller& caller, base::Date date, int64_t user_id) {
  if (!caller.IsOperator()) {
    return base::PermissionDenied("rota.forbidden", "Operators only", "仅限平台运营");
  }
  if (!calendar_()->IsWorkingDay(date)) {
    return base::InvalidArgument("date", "rota.not_working_day", "Not a working day",
                                 "该日期不是工作日");
  }
  RotaDay day{.date = date.ToString(), .user_id = user_id};
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto u,
                            tx.Query("SELECT display_name FROM users WHERE id = ?", {user_id}));
    if (u.empty()) {
      return base::NotFound("rota.unknown_user", "No such user", "用户不存在", "user_id");
    }
    day.name = u.rows[0].Text(0);
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("DELETE FROM appeal_duty_rota WHERE day = ?", {day.date}).status());
    KECHAN_RETURN_IF_ERROR(tx.Exec("INSERT INTO appeal_duty_rota (day, user_id, updated_at) "
                                   "VALUES (?, ?, ?)",
                                   {day.date, user_id, clock_.NowMicros()})
                               .status());
    json::object f{{"date", day.date}, {"user_id", user_id}};
    return store::AppendEvent(tx,
                              {.kind = "appeal.rota.set",
                               .entity = "duty_rota",
                               .entity_id = day.date,
                               .actor = caller.actor,
                               .payload = json::serialize(f)},
                              clock_)
        .status();
  }));
  return day;
}

namespace {
Reception ReadReception(const store::Row& r) {
  Reception x;
  x.id = r.Int(0);
  x.kind = r.Text(1);
  x.chain_id = OptInt(r, 2);
  x.date = r.Text(3);
  x.start = r.Text(4);
  x.end = r.Text(5);
  x.host_user_id = r.Int(6);
  x.capacity = r.Int(7);
  x.booked = r.Int(8);
  x.location = r.Text(9);
  return x;
}
constexpr char kReceptionColumns[] =
    "id, kind, chain_id, day, start_time, end_time, host_user_id, capacity, booked, location";

bool IsHhMm(const std::string& s) {
  return s.size() == 5 && std::isdigit(static_cast<unsigned char>(s[0])) &&
         std::isdigit(static_cast<unsigned char>(s[1])) && s[2] == ':' &&
         std::isdigit(static_cast<unsigned char>(s[3])) &&
         std::isdigit(static_cast<unsigned char>(s[4])) && s.substr(0, 2) < "24" &&
         s.substr(3, 2) < "60";
}
}  // namespace

Result<Reception> AppealService::CreateReception(const Caller& caller, Reception r) {
  if (!caller.IsOperator()) {
    return base::PermissionDenied("reception.forbidden", "Operators only", "仅限平台运营");
  }
  if (r.kind != "duty" && r.kind != "chain") {
    return base::InvalidArgument("kind", "reception.kind", "kind must be duty or chain",
                                 "kind 须为 duty 或 chain");
  }
  if (r.kind == "chain" && !r.chain_id) {
    return base::InvalidArgument("chain_id", "flow.required", "A chain reception needs chain_id",
                                 "产业链接待须指定 chain_id");
  }
  KECHAN_RETURN_IF_ERROR(base::Date::Parse(r.date, "date").status());
  if (!IsHhMm(r.start) || !IsHhMm(r.end) || r.end <= r.start) {
    return base::InvalidArgument("end", "reception.times",
                                 "start and end must be HH:MM with end after start",
                                 "开始和结束时间须为 HH:MM，且结束晚于开始");
  }
  if (r.capacity < 1 || r.capacity > 100) {
    return base::InvalidArgument("capacity", "reception.capacity", "capacity must be 1-100",
                                 "容量须为 1-100");
  }
  r.booked = 0;
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto u, tx.Query("SELECT 1 FROM users WHERE id = ?", {r.host_user_id}));
    if (u.empty()) {
      return base::NotFound("reception.unknown_host", "No such user", "用户不存在", "host_user_id");
    }
    KECHAN_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO appeal_receptions (kind, chain_id, day, start_time, end_time, "
                "host_user_id, capacity, location, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {r.kind, V(r.chain_id), r.date, r.start, r.end, r.host_user_id, r.capacity,
                 r.location, clock_.NowMicros()})
            .status());
    KECHAN_ASSIGN_OR_RETURN(auto idr, tx.Query("SELECT MAX(id) FROM appeal_receptions"));
    r.id = idr.rows[0].Int(0);
    json::object f{{"kind", r.kind}, {"date", r.date}, {"capacity", r.capacity}};
    return store::AppendEvent(tx,
                              {.kind = "appeal.reception.created",
                               .entity = "reception",
                               .entity_id = std::to_string(r.id),
                               .actor = caller.actor,
                               .payload = json::serialize(f)},
                              clock_)
        .status();
  }));
  return r;
}

Result<std::vector<Reception>> AppealService::ListReceptions(base::Date from, base::Date to,
                                                             std::string_view kind,
                                                             std::optional<int64_t> chain_id) {
  std::string sql = std::string("SELECT ") + kReceptionColumns +
                    " FROM appeal_receptions WHERE day >= ? AND day <= ?";
  std::vector<Value> p{from.ToString(), to.ToString()};
  if (!kind.empty()) {
    sql += " AND kind = ?";
    p.emplace_back(std::string(kind));
  }
  if (chain_id) {
    sql += " AND chain_id = ?";
    p.emplace_back(*chain_id);
  }
  sql += " ORDER BY day, start_time, id";
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto rows, tx->Query(sql, std::span<const Value>(p)));
  std::vector<Reception> out;
  for (const auto& r : rows.rows) {
    out.push_back(ReadReception(r));
  }
  return out;
}

Result<std::pair<Reception, std::vector<Booking>>> AppealService::GetReception(const Caller& caller,
                                                                               int64_t id) {
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(auto rows, tx->Query(std::string("SELECT ") + kReceptionColumns +
                                                   " FROM appeal_receptions WHERE id = ?",
                                               {id}));
  if (rows.empty()) {
    return base::NotFound("reception.not_found", "No such reception slot", "接待时段不存在", "id");
  }
  std::pair<Reception, std::vector<Booking>> out{ReadReception(rows.rows[0]), {}};
  KECHAN_ASSIGN_OR_RETURN(
      auto bk,
      tx->Query("SELECT b.id, b.reception_id, b.appeal_id, b.org_id, b.auto, b.status, b.outcome, "
                "b.note, b.created_at, a.title, o.name, o.name_en FROM appeal_bookings b "
                "LEFT JOIN appeals a ON a.id = b.appeal_id LEFT JOIN orgs o ON o.id = b.org_id "
                "WHERE b.reception_id = ? ORDER BY b.id",
                {id}));
  const auto firms = caller.OrgsWith(auth::Role::kEnterprise);
  const bool staff = caller.IsLeader() || caller.IsOfficer();
  for (const auto& r : bk.rows) {
    if (!staff && !Contains(firms, r.Int(3))) {
      continue;
    }
    out.second.push_back({.id = r.Int(0),
                          .reception_id = r.Int(1),
                          .appeal_id = r.Int(2),
                          .org_id = r.Int(3),
                          .automatic = r.Int(4) != 0,
                          .status = r.Text(5),
                          .outcome = r.Text(6),
                          .note = r.Text(7),
                          .created_at = r.Int(8),
                          .appeal_title = r.IsNull(9) ? "" : r.Text(9),
                          .org_name = r.IsNull(10) ? "" : r.Text(10),
                          .org_name_en = r.IsNull(11) ? "" : r.Text(11)});
  }
  return out;
}

Result<Booking> AppealService::Book(const Caller& caller, int64_t reception_id, int64_t appeal_id,
                                    std::string note) {
  Impl impl{*this};
  const Micros now = clock_.NowMicros();
  Booking b;
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    auto a = LoadAppeal(tx, appeal_id);
    if (!a.ok() || (!caller.system && !CanSee(caller, *a))) {
      return base::NotFound("appeal.not_found", "No such appeal", "诉求不存在", "appeal_id");
    }
    const bool own = Contains(caller.OrgsWith(auth::Role::kEnterprise), a->org_id);
    if (!caller.IsLeader() && !own) {
      return base::PermissionDenied("reception.forbidden",
                                    "Only the enterprise or a leader can book",
                                    "只有诉求企业或领导可以预约");
    }
    if (IsTerminal(a->state)) {
      return base::FailedPrecondition("reception.appeal_closed", "The appeal is closed",
                                      "诉求已结束", "appeal_id");
    }
    KECHAN_ASSIGN_OR_RETURN(auto rr, tx.Query("SELECT day, host_user_id FROM appeal_receptions "
                                              "WHERE id = ?",
                                              {reception_id}));
    if (rr.empty()) {
      return base::NotFound("reception.not_found", "No such reception slot", "接待时段不存在",
                            "reception_id");
    }
    if (rr.rows[0].Text(0) < base::LocalDateOf(now).ToString()) {
      return base::InvalidArgument("date", "reception.past", "The reception is in the past",
                                   "该接待时段已过");
    }
    KECHAN_ASSIGN_OR_RETURN(int64_t bid,
                            impl.InsertBooking(tx, reception_id, *a, false, note, now));
    b = {.id = bid,
         .reception_id = reception_id,
         .appeal_id = appeal_id,
         .org_id = a->org_id,
         .status = "booked",
         .note = note,
         .created_at = now};
    json::object f{{"slot_id", std::to_string(reception_id)},
                   {"booking_id", std::to_string(bid)},
                   {"date", rr.rows[0].Text(0)}};
    return impl
        .Record(tx, appeal_id, "appeal.reception_booked", "book_reception", caller.actor, a->state,
                json::serialize(f),
                Notify({rr.rows[0].Int(1)}, {a->org_id}, {}, Text2("接待预约", "Reception booked"),
                       Text2("诉求《" + a->title + "》预约了 " + rr.rows[0].Text(0) + " 的接待",
                             "Appeal \"" + a->title + "\" booked the reception on " +
                                 rr.rows[0].Text(0)),
                       appeal_id, false),
                now)
        .status();
  }));
  return b;
}

Result<Booking> AppealService::RecordOutcome(const Caller& caller, int64_t reception_id,
                                             int64_t booking_id, std::string outcome) {
  if (outcome.empty()) {
    return base::InvalidArgument("outcome", "flow.required", "outcome is required",
                                 "须填写接待结果");
  }
  Impl impl{*this};
  const Micros now = clock_.NowMicros();
  Booking b;
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(
        auto rows, tx.Query("SELECT b.appeal_id, r.host_user_id FROM appeal_bookings b JOIN "
                            "appeal_receptions r ON r.id = b.reception_id WHERE b.id = ? AND "
                            "b.reception_id = ?",
                            {booking_id, reception_id}));
    if (rows.empty()) {
      return base::NotFound("booking.not_found", "No such booking", "预约不存在", "id");
    }
    const bool host = caller.principal.user.value == rows.rows[0].Int(1);
    if (!caller.IsOperator() && !host) {
      return base::PermissionDenied("reception.forbidden",
                                    "Only the host or an operator records the outcome",
                                    "只有接待领导或平台运营可以记录接待结果");
    }
    KECHAN_RETURN_IF_ERROR(tx.Exec("UPDATE appeal_bookings SET status = 'done', outcome = ? "
                                   "WHERE id = ?",
                                   {outcome, booking_id})
                               .status());
    const int64_t appeal_id = rows.rows[0].Int(0);
    KECHAN_ASSIGN_OR_RETURN(Appeal a, LoadAppeal(tx, appeal_id));
    b = {.id = booking_id,
         .reception_id = reception_id,
         .appeal_id = appeal_id,
         .org_id = a.org_id,
         .status = "done",
         .outcome = outcome};
    json::object f{{"outcome", outcome}, {"booking_id", std::to_string(booking_id)}};
    return impl
        .Record(tx, appeal_id, "appeal.reception_recorded", "record_reception", caller.actor,
                a.state, json::serialize(f), std::nullopt, now)
        .status();
  }));
  return b;
}

// ---- metrics: GroupLabel, Metrics and Hotspots are in metrics.cc --------------------------------

// ---- SLA replay and timers ---------------------------------------------------------------------

Result<ReplayReport> AppealService::ReplayClocks() { return ReplayClocks({}, "cli"); }

Result<ReplayReport> AppealService::ReplayClocks(
    const std::function<void(int64_t done, int64_t total)>& progress, const std::string& actor) {
  Impl impl{*this};
  const auto start = std::chrono::steady_clock::now();
  ReplayReport rep;
  std::vector<int64_t> ids;
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(
        auto rows, tx->Query("SELECT id FROM appeals WHERE state NOT IN ('closed', 'rejected', "
                             "'archived', 'merged') ORDER BY id"));
    for (const auto& r : rows.rows) {
      ids.push_back(r.Int(0));
    }
  }
  constexpr size_t kBatch = 500;
  for (size_t i = 0; i < ids.size(); i += kBatch) {
    KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
      const Micros now = clock_.NowMicros();
      for (size_t j = i; j < std::min(ids.size(), i + kBatch); ++j) {
        KECHAN_ASSIGN_OR_RETURN(Appeal a, LoadAppeal(tx, ids[j]));
        KECHAN_RETURN_IF_ERROR(impl.Refresh(tx, a, now));
        KECHAN_ASSIGN_OR_RETURN(Appeal b, LoadAppeal(tx, ids[j]));
        if (b.sla != a.sla || b.due_at != a.due_at) {
          ++rep.changed;
        }
        ++rep.appeals;
      }
      return Status();
    }));
    if (progress) {
      progress(rep.appeals, static_cast<int64_t>(ids.size()));
    }
  }
  {
    KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
    KECHAN_ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT COUNT(*) FROM flow_timers WHERE kind = ? "
                                                 "AND fired_at IS NULL",
                                                 {std::string(kTimerKind)}));
    rep.timers = rows.rows[0].Int(0);
  }
  if (rep.appeals > 0) {
    // One event for the whole replay, so the audit log shows when clocks were recomputed.
    KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
      json::object f{{"appeals", rep.appeals}, {"changed", rep.changed}};
      return store::AppendEvent(tx,
                                {.kind = "appeal.sla.replayed",
                                 .entity = "sla",
                                 .entity_id = "appeal",
                                 .actor = actor,
                                 .payload = json::serialize(f)},
                                clock_)
          .status();
    }));
  }
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  KECHAN_RETURN_IF_ERROR(RebuildStaleFacts(db_, *calendar_()).status());  // metrics facts rows
  return rep;
}

Result<flow::FireDecision> AppealService::Impl::Fire(Tx& tx, const flow::Timer& t, Micros now) {
  json::value p = json::parse(t.payload);
  const auto& o = p.as_object();
  const int64_t id = o.at("appeal_id").as_int64();
  const std::string clock = std::string(o.at("clock").as_string());
  const int64_t cycle = o.at("cycle").as_int64();
  const std::string what = std::string(o.at("what").as_string());
  auto loaded = LoadAppeal(tx, id);
  if (!loaded.ok() || IsTerminal(loaded->state)) {
    return flow::FireDecision{};  // stale: nothing to do
  }
  Appeal a = *loaded;
  KECHAN_ASSIGN_OR_RETURN(auto history, LoadHistory(tx, id));
  const auto clocks = Clocks(tx, a, history, now);
  const ClockView* c = nullptr;
  for (const auto& v : clocks) {
    if (v.spec.name == clock) {
      c = &v;
    }
  }
  if (!c || c->state.cycle != cycle || c->state.status != flow::ClockStatus::kRunning) {
    return flow::FireDecision{};
  }
  const bool due = what == "breach" ? c->state.breached : c->state.warned;
  if (!due) {
    std::optional<Micros> at = what == "breach" ? c->state.due_at : c->state.warn_at;
    if (at && *at > now) {
      return flow::FireDecision{.rearm_at = *at};
    }
    return flow::FireDecision{};
  }
  const std::string clock_zh = clock == "sign_for" ? "签收" : clock == "response" ? "响应" : "办理";
  std::vector<int64_t> orgs{a.lead_unit.value_or(0)};
  for (auto u : a.assisting_units) {
    orgs.push_back(u);
  }
  json::object f{{"clock", clock}, {"cycle", std::to_string(cycle)}};
  if (what == "warn") {
    KECHAN_RETURN_IF_ERROR(
        Record(tx, id, "appeal.sla_warning", "sla_warning", "system", a.state, json::serialize(f),
               Notify({}, orgs, {}, Text2("诉求即将超时", "Appeal due soon"),
                      Text2("诉求《" + a.title + "》的" + clock_zh + "时限即将到期",
                            "The " + clock + " goal of appeal \"" + a.title + "\" is due soon"),
                      id, false),
               t.due_at)
            .status());
  } else {
    KECHAN_RETURN_IF_ERROR(
        Record(tx, id, "appeal.sla_breached", "sla_breach", "system", a.state, json::serialize(f),
               Notify({}, orgs, {"duty_director"}, Text2("诉求已超时", "Appeal overdue"),
                      Text2("诉求《" + a.title + "》的" + clock_zh + "时限已超期",
                            "The " + clock + " goal of appeal \"" + a.title + "\" was breached"),
                      id, true),
               t.due_at)
            .status());
    if (clock == "resolution") {
      KECHAN_RETURN_IF_ERROR(Supervise(tx, a, "system", "overdue", now));
    }
  }
  KECHAN_RETURN_IF_ERROR(Refresh(tx, a, now));
  return flow::FireDecision{};
}

void AppealService::RegisterTimers(flow::Scheduler& scheduler) {
  scheduler.Handle(kTimerKind, [this](Tx& tx, const flow::Timer& t, Micros now) {
    Impl impl{*this};
    return impl.Fire(tx, t, now);
  });
}

// ---- webhooks -----------------------------------------------------------------------------------

std::string WecomSignature(std::string_view secret, std::string_view timestamp,
                           std::string_view nonce, std::string_view body) {
  std::string msg;
  msg.append(secret).append(timestamp).append(nonce).append(body);
  return auth::Sha256Hex(msg);
}

std::string DingtalkSignature(std::string_view secret, std::string_view timestamp) {
  std::string msg = std::string(timestamp) + "\n" + std::string(secret);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(msg.data()),
                                msg.size());
  crypto_auth_hmacsha256_final(&st, mac);
  char b64[sodium_base64_ENCODED_LEN(crypto_auth_hmacsha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(b64, sizeof b64, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
  return b64;
}

namespace {

Status Stale() {
  return base::Unauthenticated("webhook.stale",
                               "The timestamp is missing or outside the allowed window",
                               "时间戳缺失或超出允许范围");
}
Status BadSignature() {
  return base::Unauthenticated("webhook.signature", "The signature does not match", "签名不匹配");
}

std::optional<int64_t> ParseInt(std::string_view s) {
  if (s.empty() || s.size() > 18) {
    return std::nullopt;
  }
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + (c - '0');
  }
  return v;
}

struct GroupMessage {
  std::string platform;
  std::string msg_id;
  std::string sender;
  std::string content;
};

Result<GroupMessage> ParseGroupMessage(std::string_view platform, std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    return base::InvalidArgument("body", "json.malformed", "The body is not a JSON object",
                                 "请求体不是 JSON 对象");
  }
  const auto& o = v.as_object();
  GroupMessage m{.platform = std::string(platform)};
  auto str = [&](const json::object& obj, const char* k) -> std::string {
    auto it = obj.find(k);
    return it != obj.end() && it->value().is_string() ? std::string(it->value().as_string())
                                                      : std::string();
  };
  if (auto t = o.find("text"); t != o.end() && t->value().is_object()) {
    m.content = str(t->value().as_object(), "content");
  }
  if (platform == "wecom") {
    m.msg_id = str(o, "msgid");
    if (auto f = o.find("from"); f != o.end() && f->value().is_object()) {
      m.sender = str(f->value().as_object(), "userid");
    }
  } else {
    m.msg_id = str(o, "msgId");
    m.sender = str(o, "senderStaffId");
    if (m.sender.empty()) {
      m.sender = str(o, "senderId");
    }
  }
  if (m.msg_id.empty()) {
    return base::InvalidArgument(platform == "wecom" ? "msgid" : "msgId", "webhook.msg_id",
                                 "The message id is missing", "缺少消息编号");
  }
  if (m.sender.empty()) {
    return base::InvalidArgument("sender", "webhook.sender", "The sender is missing", "缺少发送人");
  }
  if (m.content.empty() || !base::IsValidUtf8(m.content)) {
    return base::InvalidArgument("text.content", "webhook.content", "The text content is missing",
                                 "缺少文本内容");
  }
  return m;
}

}  // namespace

namespace {
Result<WebhookResult> Intake(
    AppealService& svc, store::Database& db, const base::Clock& clock, const GroupMessage& m,
    int duplicate_days,
    const std::function<Result<int64_t>(Tx&, const Caller&, const NewAppeal&, Micros)>& create,
    const std::function<Status(Tx&, int64_t, const std::string&, Micros)>& append) {
  (void)svc;
  WebhookResult res;
  const Micros now = clock.NowMicros();
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(auto seen, tx.Query("SELECT appeal_id FROM appeal_webhook_messages "
                                                "WHERE platform = ? AND msg_id = ?",
                                                {m.platform, m.msg_id}));
    if (!seen.empty()) {
      res.duplicate = true;
      res.appeal_id = seen.rows[0].Int(0);
      return Status();
    }
    KECHAN_ASSIGN_OR_RETURN(auto snd, tx.Query("SELECT org_id FROM appeal_group_senders WHERE "
                                               "platform = ? AND sender = ?",
                                               {m.platform, m.sender}));
    if (snd.empty()) {
      res.unmapped = true;
      res.status = 202;
      KECHAN_RETURN_IF_ERROR(
          tx.Exec("INSERT INTO appeal_webhook_messages (platform, msg_id, sender, content, "
                  "status, received_at) VALUES (?, ?, ?, ?, 'unmapped', ?)",
                  {m.platform, m.msg_id, m.sender, m.content, now})
              .status());
      return store::AppendEvent(tx,
                                {.kind = "appeal.webhook.unmapped",
                                 .entity = "webhook",
                                 .entity_id = m.platform + ":" + m.msg_id,
                                 .actor = "webhook:" + m.platform,
                                 .payload = json::serialize(json::object{{"sender", m.sender}})},
                                clock)
          .status();
    }
    const int64_t org = snd.rows[0].Int(0);
    const std::string norm = NormalizeForDuplicates(m.content);
    KECHAN_ASSIGN_OR_RETURN(
        auto dup, tx.Query("SELECT id FROM appeals WHERE org_id = ? AND text_norm = ? AND "
                           "created_at >= ? AND state NOT IN ('closed', 'rejected', "
                           "'archived', 'merged') ORDER BY id LIMIT 1",
                           {org, norm, now - duplicate_days * 86'400'000'000LL}));
    if (!dup.empty()) {
      res.appeal_id = dup.rows[0].Int(0);
      res.appended = true;
      KECHAN_RETURN_IF_ERROR(append(tx, res.appeal_id, m.content, now));
    } else {
      Caller sys = Caller::System("webhook:" + m.platform);
      std::string title = m.content;
      if (base::CodePointCount(title) > 40) {
        size_t pos = 0;
        for (int i = 0; i < 40; ++i) {
          pos += base::Utf8SequenceLength(title, pos);
        }
        title = title.substr(0, pos) + "…";
      }
      KECHAN_ASSIGN_OR_RETURN(res.appeal_id, create(tx, sys,
                                                    {.title = title,
                                                     .body = m.content,
                                                     .type = "other",
                                                     .channel = "group",
                                                     .org_id = org,
                                                     .requester_name = m.sender},
                                                    now));
      // text_norm of a group appeal is the message alone, so a repeat matches it.
      KECHAN_RETURN_IF_ERROR(
          tx.Exec("UPDATE appeals SET text_norm = ? WHERE id = ?", {norm, res.appeal_id}).status());
    }
    return tx
        .Exec(
            "INSERT INTO appeal_webhook_messages (platform, msg_id, sender, content, status, "
            "appeal_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            {m.platform, m.msg_id, m.sender, m.content,
             std::string(res.appended ? "appended" : "created"), res.appeal_id, now})
        .status();
  }));
  return res;
}
}  // namespace

Result<WebhookResult> AppealService::IntakeWecom(const std::map<std::string, std::string>& query,
                                                 std::string_view body) {
  KECHAN_ASSIGN_OR_RETURN(std::string secret, CurrentWebhookSecret("wecom"));
  auto get = [&](const char* k) {
    auto it = query.find(k);
    return it == query.end() ? std::string() : it->second;
  };
  auto ts = ParseInt(get("timestamp"));
  const int64_t now_s = clock_.NowMicros() / 1'000'000;
  if (!ts || std::llabs(now_s - *ts) > options_.webhook_window_seconds) {
    return Stale();
  }
  if (secret.empty() ||
      !auth::ConstantTimeEquals(WecomSignature(secret, get("timestamp"), get("nonce"), body),
                                get("signature"))) {
    return BadSignature();
  }
  KECHAN_ASSIGN_OR_RETURN(GroupMessage m, ParseGroupMessage("wecom", body));
  Impl impl{*this};
  return Intake(
      *this, db_, clock_, m, options_.duplicate_days,
      [&](Tx& tx, const Caller& c, const NewAppeal& a, Micros now) {
        return impl.CreateIn(tx, c, a, now);
      },
      [&](Tx& tx, int64_t id, const std::string& text, Micros now) -> Status {
        KECHAN_ASSIGN_OR_RETURN(Appeal a, LoadAppeal(tx, id));
        return impl
            .Record(tx, id, "appeal.message_appended", "append_message", "webhook:wecom", a.state,
                    json::serialize(json::object{{"note", text}}), std::nullopt, now)
            .status();
      });
}

Result<WebhookResult> AppealService::IntakeDingtalk(std::string_view timestamp,
                                                    std::string_view sign, std::string_view body) {
  KECHAN_ASSIGN_OR_RETURN(std::string secret, CurrentWebhookSecret("dingtalk"));
  auto ts = ParseInt(timestamp);
  const int64_t now_ms = clock_.NowMicros() / 1000;
  if (!ts || std::llabs(now_ms - *ts) > options_.webhook_window_seconds * 1000) {
    return Stale();
  }
  if (secret.empty() || !auth::ConstantTimeEquals(DingtalkSignature(secret, timestamp), sign)) {
    return BadSignature();
  }
  KECHAN_ASSIGN_OR_RETURN(GroupMessage m, ParseGroupMessage("dingtalk", body));
  Impl impl{*this};
  return Intake(
      *this, db_, clock_, m, options_.duplicate_days,
      [&](Tx& tx, const Caller& c, const NewAppeal& a, Micros now) {
        return impl.CreateIn(tx, c, a, now);
      },
      [&](Tx& tx, int64_t id, const std::string& text, Micros now) -> Status {
        KECHAN_ASSIGN_OR_RETURN(Appeal a, LoadAppeal(tx, id));
        return impl
            .Record(tx, id, "appeal.message_appended", "append_message", "webhook:dingtalk",
                    a.state, json::serialize(json::object{{"note", text}}), std::nullopt, now)
            .status();
      });
}

Result<std::vector<GroupSender>> AppealService::ListSenders(const Caller& caller) {
  if (!caller.IsOperator()) {
    return base::PermissionDenied("senders.forbidden", "Operators only", "仅限平台运营");
  }
  KECHAN_ASSIGN_OR_RETURN(auto tx, db_.Begin(store::TxKind::kRead));
  KECHAN_ASSIGN_OR_RETURN(
      auto rows, tx->Query("SELECT s.id, s.platform, s.sender, s.org_id, COALESCE(o.name, '') "
                           "FROM appeal_group_senders s LEFT JOIN orgs o ON o.id = s.org_id "
                           "ORDER BY s.platform, s.sender"));
  std::vector<GroupSender> out;
  for (const auto& r : rows.rows) {
    out.push_back({.id = r.Int(0),
                   .platform = r.Text(1),
                   .sender = r.Text(2),
                   .org_id = r.Int(3),
                   .org_name = r.Text(4)});
  }
  return out;
}

Result<GroupSender> AppealService::AddSender(const Caller& caller, GroupSender s) {
  if (!caller.IsOperator()) {
    return base::PermissionDenied("senders.forbidden", "Operators only", "仅限平台运营");
  }
  if (s.platform != "wecom" && s.platform != "dingtalk") {
    return base::InvalidArgument("platform", "sender.platform",
                                 "platform must be wecom or dingtalk",
                                 "platform 须为 wecom 或 dingtalk");
  }
  if (s.sender.empty() || s.sender.size() > 200) {
    return base::InvalidArgument("sender", "sender.sender", "sender is required", "须填写发送人");
  }
  KECHAN_RETURN_IF_ERROR(store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(bool firm, IsOrgOfKind(tx, s.org_id, "enterprise"));
    if (!firm) {
      return base::InvalidArgument("org_id", "appeal.org_not_enterprise",
                                   "org_id must be an enterprise organisation",
                                   "org_id 须为企业组织");
    }
    auto r = tx.Exec(
        "INSERT INTO appeal_group_senders (platform, sender, org_id, created_at) "
        "VALUES (?, ?, ?, ?)",
        {s.platform, s.sender, s.org_id, clock_.NowMicros()});
    if (!r.ok() && r.status().code() == base::Code::kAlreadyExists) {
      return base::AlreadyExists("sender.duplicate", "This sender is already mapped",
                                 "该发送人已有对应企业", "sender");
    }
    KECHAN_RETURN_IF_ERROR(r.status());
    KECHAN_ASSIGN_OR_RETURN(auto idr, tx.Query("SELECT id FROM appeal_group_senders WHERE "
                                               "platform = ? AND sender = ?",
                                               {s.platform, s.sender}));
    s.id = idr.rows[0].Int(0);
    s.org_name = OrgName(tx, s.org_id);
    return store::AppendEvent(tx,
                              {.kind = "appeal.sender.mapped",
                               .entity = "group_sender",
                               .entity_id = std::to_string(s.id),
                               .actor = caller.actor,
                               .payload = json::serialize(
                                   json::object{{"platform", s.platform}, {"org_id", s.org_id}})},
                              clock_)
        .status();
  }));
  return s;
}

Status AppealService::DeleteSender(const Caller& caller, int64_t id) {
  if (!caller.IsOperator()) {
    return base::PermissionDenied("senders.forbidden", "Operators only", "仅限平台运营");
  }
  return store::WithWriteTx(db_, [&](Tx& tx) -> Status {
    KECHAN_ASSIGN_OR_RETURN(int64_t n,
                            tx.Exec("DELETE FROM appeal_group_senders WHERE id = ?", {id}));
    if (n == 0) {
      return base::NotFound("sender.not_found", "No such sender", "发送人不存在", "id");
    }
    return store::AppendEvent(tx,
                              {.kind = "appeal.sender.unmapped",
                               .entity = "group_sender",
                               .entity_id = std::to_string(id),
                               .actor = caller.actor,
                               .payload = "{}"},
                              clock_)
        .status();
  });
}

}  // namespace kechan::appeals
