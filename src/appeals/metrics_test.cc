#include "appeals/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "appeals/migrations.h"
#include "appeals/service.h"
#include "auth/migrations.h"
#include "base/calendar.h"
#include "flow/scheduler.h"
#include "store/migrations.h"
#include "store/test_schema.h"

namespace kechan::appeals {
namespace {

using auth::Role;
constexpr base::Micros kHour = 3'600'000'000LL;
constexpr base::Micros kMinute = 60'000'000LL;

auth::Principal P(int64_t user, int64_t org, Role role) {
  auth::Principal p;
  p.user = base::UserId{user};
  p.username = "u" + std::to_string(user);
  p.display_name = "用户" + std::to_string(user);
  p.memberships = {{base::OrgId{org}, role}};
  p.method = auth::AuthMethod::kSession;
  return p;
}

using Backend = store::TestBackend;

// Runs on SQLite in memory (label unit) and, when KECHAN_TEST_PG names a server
// (scripts/pg-test-env), on PostgreSQL in a throwaway schema (label postgres).
class AppealMetricsTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto t = store::TestDatabase::Create(
        GetParam(), "kechan_appeals_metrics",
        {auth::Migrations(), flow::Migrations(), Migrations()},
        // Monday 2026-03-02 09:00 Asia/Shanghai.
        base::LocalInstant(base::Date::FromYmd(2026, 3, 2).value(), 9 * 60));
    ASSERT_TRUE(t.ok()) << t.status();
    if (t->skipped()) {
      GTEST_SKIP() << t->skip_reason();
    }
    test_db_ = std::move(*t);
    db_ = &test_db_.db();
    calendar_ = std::make_shared<base::BusinessCalendar>(base::BusinessCalendar::Shipped());
    scheduler_ = std::make_unique<flow::Scheduler>(*db_, clock());
    service_ = std::make_unique<AppealService>(
        *db_, clock(), [this] { return calendar_; }, scheduler_.get(), ServiceOptions{});
    Sql("INSERT INTO orgs (id, kind, name, created_at) VALUES (1, 'operator', '平台', 0)");
    Sql("INSERT INTO orgs (id, kind, name, created_at) VALUES (2, 'government', '经信局', 0)");
    Sql("INSERT INTO orgs (id, kind, name, created_at) VALUES (3, 'government', '科技局', 0)");
    Sql("INSERT INTO orgs (id, kind, name, created_at) VALUES (10, 'enterprise', '甲公司', 0)");
    Sql("INSERT INTO orgs (id, kind, name, created_at) VALUES (11, 'enterprise', '乙公司', 0)");
    op_ = Caller::Of(P(1, 1, Role::kOperator));
    officer_ = Caller::Of(P(2, 2, Role::kOfficer));
  }
  void TearDown() override {
    service_.reset();
    scheduler_.reset();
    base::Status closed = test_db_.Close();
    EXPECT_TRUE(closed.ok()) << closed;
  }

  void Sql(const std::string& sql) {
    auto s = store::WithWriteTx(*db_, [&](store::Tx& tx) { return tx.Exec(sql).status(); });
    ASSERT_TRUE(s.ok()) << s << " " << sql;
  }
  int64_t Count(const std::string& sql) {
    auto tx = db_->Begin(store::TxKind::kRead);
    auto rows = (*tx)->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status();
    return rows->rows[0].Int(0);
  }

  // Every figure of every row, with the hour samples sorted (their order is not part of the
  // result).
  static std::string Dump(const MetricsResult& m) {
    std::string out;
    auto hours = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      std::string s;
      for (double x : v) {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g,", x);
        s += buf;
      }
      return s;
    };
    std::vector<MetricRow> rows = m.rows;
    rows.push_back(m.total);
    for (const auto& r : rows) {
      out += r.key + "|" + r.label + "|" + std::to_string(r.appeals) + "|" +
             std::to_string(r.dispatched) + "|" + std::to_string(r.responded_on_time) + "|" +
             std::to_string(r.replied) + "|" + std::to_string(r.replied_on_time) + "|" +
             std::to_string(r.visits) + "|" + std::to_string(r.resolved_yes) + "|" +
             std::to_string(r.satisfied) + "|" + std::to_string(r.reworked) + "|" +
             std::to_string(r.urged) + "|" + std::to_string(r.closed) + "|" +
             hours(r.hours_to_sign_for) + "|" + hours(r.hours_to_contact) + "|" +
             hours(r.hours_to_resolution) + "\n";
    }
    return out;
  }

  // Drives random appeals (two firms, units 2 and 3, sometimes the other unit assisting) through
  // random actions for `steps` steps; returns the ids. Mostly forward along the main path (with
  // pauses), sometimes any available action.
  std::vector<int64_t> Drive(uint64_t seed, int steps, int* applied) {
    std::mt19937_64 rng(seed);
    auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
    const Caller sys = Caller::System("test");
    const std::vector<Caller> firms = {Caller::Of(P(4, 10, Role::kEnterprise)),
                                       Caller::Of(P(5, 11, Role::kEnterprise))};
    const std::vector<std::string> districts = {"高新区", "经开区", ""};
    std::vector<int64_t> ids;
    *applied = 0;
    for (int step = 0; step < steps; ++step) {
      clock().Advance(static_cast<base::Micros>(rng() % (20ULL * 60)) * kMinute);
      if (ids.size() < 60 && (ids.empty() || pick(4) == 0)) {
        const auto& type = AppealTypes()[pick(AppealTypes().size())];
        NewAppeal a{.title = "诉求" + std::to_string(step),
                    .body = "内容" + std::to_string(step),
                    .type = type.id,
                    .district = districts[pick(districts.size())]};
        if (pick(2) == 0) {
          a.chain_id = 1 + static_cast<int64_t>(pick(2));
        }
        auto d = service_->Create(firms[pick(2)], a);
        EXPECT_TRUE(d.ok()) << d.status();
        if (!d.ok()) {
          return ids;
        }
        ids.push_back(d->appeal.id);
        continue;
      }
      const int64_t id = ids[pick(ids.size())];
      auto d = service_->Get(sys, id);
      EXPECT_TRUE(d.ok()) << d.status();
      if (!d.ok() || d->actions.empty()) {
        continue;
      }
      static const std::set<std::string> kForward = {
          "dispatch", "sign_for",    "contact",    "wait_for_enterprise", "resume",
          "reply",    "begin_check", "pass_check", "record_visit",        "archive"};
      std::vector<std::string> forward, any;
      for (const auto& a : d->actions) {
        any.push_back(a.action);
        if (kForward.contains(a.action)) {
          forward.push_back(a.action);
        }
      }
      const std::string action =
          !forward.empty() && pick(10) < 8 ? forward[pick(forward.size())] : any[pick(any.size())];
      flow::Fields f;
      const bool ends = action == "reject" || action == "merge" || action == "answer_directly";
      if (action == "book_reception" || action == "record_reception" || (ends && pick(4) != 0)) {
        continue;
      } else if (action == "dispatch" || action == "redispatch") {
        const bool lead2 = pick(2) != 0;
        f = {{"lead_unit", lead2 ? "2" : "3"}};
        if (pick(3) == 0) {
          f["assisting_units"] = lead2 ? "3" : "2";
        }
      } else if (action == "answer_directly") {
        f = {{"answer", "已答复"}};
      } else if (action == "reject") {
        f = {{"reason_code", RejectReasons()[0].code}};
      } else if (action == "contact" || action == "add_progress") {
        f = {{"note", "进展"}};
      } else if (action == "wait_for_enterprise") {
        f = {{"reason", "补材料"},
             {"expected_date", base::LocalDateOf(clock().NowMicros()).AddDays(5).ToString()}};
      } else if (action == "request_extension") {
        f = {{"reason", "复杂"}, {"extra_days", "3"}};
      } else if (action == "reply") {
        f = {{"reply", "已办理"}};
      } else if (action == "record_visit" || action == "archive") {
        const char* sat[] = {"satisfied", "basically", "not"};
        f = {{"resolved", pick(3) ? "yes" : "no"}, {"satisfaction", sat[pick(3)]}};
      } else if (action == "merge") {
        f = {{"master_id", std::to_string(ids[pick(ids.size())])}};
      } else {
        f = {{"reason", "原因"}};
      }
      if (service_->Act(sys, id, action, f).ok()) {
        ++*applied;
      }
    }
    return ids;
  }

  // appeal_fact_sums as text, zero rows left out, in key order.
  std::string Sums() {
    auto tx = db_->Begin(store::TxKind::kRead);
    EXPECT_TRUE(tx.ok());
    auto rows = (*tx)->Query(
        "SELECT dim, created_day, group_key, appeals, dispatched, responded_on_time, reworked, "
        "urged, replied, replied_on_time, closed, visits, resolved_yes, satisfied FROM "
        "appeal_fact_sums WHERE appeals <> 0 ORDER BY dim, created_day, group_key");
    EXPECT_TRUE(rows.ok()) << rows.status();
    std::string out;
    for (const auto& r : rows->rows) {
      out += r.Text(0) + "|" + r.Text(1) + "|" + r.Text(2);
      for (size_t i = 3; i < 14; ++i) {
        out += "|" + std::to_string(r.Int(i));
      }
      out += "\n";
    }
    return out;
  }

  base::FakeClock& clock() { return test_db_.clock(); }

  store::TestDatabase test_db_;    // PostgreSQL: a throwaway schema, dropped in TearDown
  store::Database* db_ = nullptr;  // test_db_.db()
  std::shared_ptr<base::BusinessCalendar> calendar_;
  std::unique_ptr<flow::Scheduler> scheduler_;
  std::unique_ptr<AppealService> service_;
  Caller op_, officer_;
};

TEST_P(AppealMetricsTest, PausedTimeIsExcludedFromResolutionHours) {
  auto firm = Caller::Of(P(4, 10, Role::kEnterprise));
  auto d = service_->Create(firm, {.title = "融资对接", .body = "需要贷款", .type = "financing"});
  ASSERT_TRUE(d.ok()) << d.status();
  const int64_t id = d->appeal.id;
  auto act = [&](const Caller& c, const char* action, const flow::Fields& f = {}) {
    auto r = service_->Act(c, id, action, f);
    ASSERT_TRUE(r.ok()) << action << ": " << r.status();
  };
  act(op_, "dispatch", {{"lead_unit", "2"}});  // Monday 09:00
  clock().Advance(kHour);
  act(officer_, "sign_for");
  act(officer_, "contact", {{"note", "已联系"}});
  clock().Advance(kHour);  // 11:00
  act(officer_, "wait_for_enterprise", {{"reason", "补材料"}, {"expected_date", "2026-03-04"}});
  clock().Advance(3 * kHour + 30 * kMinute);  // 14:30: 1 h before lunch + 1 h after = 2 h paused
  act(officer_, "resume");
  clock().Advance(kHour);  // 15:30
  act(officer_, "reply", {{"reply", "已办结"}});
  auto m = service_->Metrics(op_, {.from = base::Date::FromYmd(2026, 3, 1).value(),
                                   .to = base::Date::FromYmd(2026, 3, 31).value(),
                                   .by = "department"});
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->rows.size(), 1u);
  // 09:00-15:30 is 5 working hours (lunch 12:00-13:30 excluded), 2 of them paused.
  ASSERT_EQ(m->rows[0].hours_to_resolution.size(), 1u);
  EXPECT_DOUBLE_EQ(m->rows[0].hours_to_resolution[0], 3.0);
  EXPECT_DOUBLE_EQ(m->rows[0].hours_to_contact[0], 1.0);
  EXPECT_EQ(Count("SELECT paused_us FROM appeal_facts WHERE appeal_id = " + std::to_string(id)),
            2 * kHour);
}

// Drives random appeals through random actions, then checks that the metrics read from the
// facts rows equal the metrics recomputed from the appeals and their history (every facts row
// marked stale), for every grouping, for a leader and an officer, and again after the stale rows
// are rewritten.
TEST_P(AppealMetricsTest, FactsPathEqualsRecomputationFromHistoryOnRandomData) {
  int applied = 0;
  const std::vector<int64_t> ids = Drive(20261129, 900, &applied);
  ASSERT_GT(applied, 150);
  // Enough variety to mean something.
  EXPECT_GT(Count("SELECT COUNT(*) FROM appeals WHERE replied_at IS NOT NULL"), 3);
  EXPECT_GT(Count("SELECT COUNT(*) FROM appeal_requesters WHERE visited = 1"), 2);
  EXPECT_GT(Count("SELECT COUNT(*) FROM appeal_history WHERE kind = 'appeal.resumed'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_facts"), static_cast<int64_t>(ids.size()));

  const base::Date from = base::Date::FromYmd(2026, 3, 1).value();
  const base::Date to = base::LocalDateOf(clock().NowMicros());
  struct Case {
    std::string by, period;
  };
  const std::vector<Case> cases = {
      {"department", "month"}, {"chain", "month"}, {"district", "month"}, {"type", "month"},
      {"period", "month"},     {"period", "week"}, {"none", "month"}};
  // hours = false: the counters from appeal_fact_sums; compared with the facts scan's result
  // without its hour samples.
  auto run = [&](const Caller& c, bool hours = true) {
    std::vector<std::string> out;
    for (const auto& k : cases) {
      auto m = service_->Metrics(
          c, {.from = from, .to = to, .by = k.by, .period = k.period, .hours = hours});
      EXPECT_TRUE(m.ok()) << m.status();
      out.push_back(m.ok() ? Dump(*m) : "");
    }
    return out;
  };
  auto without_hours = [&](const Caller& c) {
    std::vector<std::string> out;
    for (const auto& k : cases) {
      auto m = service_->Metrics(c, {.from = from, .to = to, .by = k.by, .period = k.period});
      EXPECT_TRUE(m.ok()) << m.status();
      if (!m.ok()) {
        out.push_back("");
        continue;
      }
      for (auto* r : {&m->total}) {
        r->hours_to_sign_for.clear();
        r->hours_to_contact.clear();
        r->hours_to_resolution.clear();
      }
      for (auto& r : m->rows) {
        r.hours_to_sign_for.clear();
        r.hours_to_contact.clear();
        r.hours_to_resolution.clear();
      }
      out.push_back(Dump(*m));
    }
    return out;
  };
  const auto fast = run(op_);
  const auto fast_officer = run(officer_);
  const auto counters = without_hours(op_);
  const auto counters_officer = without_hours(officer_);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_facts WHERE calendar_tag = ''"), 0);
  const int64_t counted =
      Count("SELECT COUNT(*) FROM appeals WHERE state NOT IN ('merged', 'rejected')");
  EXPECT_NE(fast[6].find("|" + std::to_string(counted) + "|"), std::string::npos) << fast[6];
  EXPECT_EQ(run(op_, false), counters);
  EXPECT_EQ(run(officer_, false), counters_officer);

  Sql("UPDATE appeal_facts SET calendar_tag = '', bits = -1, sign_us = NULL");
  // No row is computed now, so the sums must be empty (as the migration leaves them for rows it
  // cannot compute); the sums path then recomputes every appeal.
  ASSERT_TRUE(RebuildFactSums(*db_).ok());
  EXPECT_EQ(Sums(), "");
  const auto slow = run(op_);
  const auto slow_officer = run(officer_);
  EXPECT_EQ(run(op_, false), counters);
  EXPECT_EQ(run(officer_, false), counters_officer);
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(fast[i], slow[i]) << cases[i].by << " " << cases[i].period;
    EXPECT_EQ(fast_officer[i], slow_officer[i]) << "officer " << cases[i].by;
  }

  auto rebuilt = RebuildStaleFacts(*db_, *calendar_, 7);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_EQ(*rebuilt, static_cast<int64_t>(ids.size()));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_facts WHERE calendar_tag = ''"), 0);
  EXPECT_EQ(run(op_), fast);
  EXPECT_EQ(run(op_, false), counters);
  EXPECT_EQ(run(officer_, false), counters_officer);
}

// The per-day sums kept by every facts write (creation, each action, re-dispatch to another
// unit, merge, reject, rebuilds) equal the sums recomputed from the facts rows from scratch.
TEST_P(AppealMetricsTest, FactSumsKeptByWritesEqualARebuildFromTheFacts) {
  int applied = 0;
  const std::vector<int64_t> ids = Drive(7, 700, &applied);
  ASSERT_GT(applied, 100);
  EXPECT_GT(Count("SELECT COUNT(*) FROM appeal_history WHERE action = 'redispatch'") +
                Count("SELECT COUNT(*) FROM appeals WHERE state IN ('merged', 'rejected')"),
            0);
  const std::string kept = Sums();
  EXPECT_NE(kept, "");
  EXPECT_EQ(Count("SELECT COALESCE(SUM(appeals), 0) FROM appeal_fact_sums WHERE dim = 'type'"),
            Count("SELECT COUNT(*) FROM appeal_facts WHERE counted = 1"));
  ASSERT_TRUE(RebuildFactSums(*db_).ok());
  EXPECT_EQ(Sums(), kept);
  // A calendar change makes every facts row stale; rewriting them keeps the counters.
  Sql("UPDATE appeal_facts SET calendar_tag = 'old'");
  auto rebuilt = RebuildStaleFacts(*db_, *calendar_, 5);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
  EXPECT_EQ(*rebuilt, static_cast<int64_t>(ids.size()));
  EXPECT_EQ(Sums(), kept);
}

// The officer queue (AppealService::List as disjoint branches over covering index ranges,
// bounded per branch and split at due_at IS NULL, assisting units read through is_open for open
// states) returns what the former single query with the visibility rule as one OR returned: the
// same items in the same order on every page, the same total and colour counts, for leaders,
// officers (lead and assisting units), enterprises and a caller that is both, under filters
// (open states, terminal states, both) and every sort. appeal_units.is_open follows the
// appeal's state.
TEST_P(AppealMetricsTest, QueueUnionEqualsTheFormerOrQuery) {
  int applied = 0;
  Drive(11, 700, &applied);
  ASSERT_GT(applied, 100);
  ASSERT_GT(Count("SELECT COUNT(*) FROM appeal_units WHERE lead = 0"), 0);
  ASSERT_GT(Count("SELECT COUNT(DISTINCT sla) FROM appeals"), 1);
  const std::string terminal = "a.state IN ('closed', 'rejected', 'archived', 'merged')";
  ASSERT_GT(Count("SELECT COUNT(*) FROM appeal_units u JOIN appeals a ON a.id = u.appeal_id "
                  "WHERE u.lead = 0 AND " +
                  terminal),
            0);
  ASSERT_GT(Count("SELECT COUNT(*) FROM appeal_units u JOIN appeals a ON a.id = u.appeal_id "
                  "WHERE u.lead = 0 AND NOT " +
                  terminal),
            0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appeal_units u JOIN appeals a ON a.id = u.appeal_id "
                  "WHERE u.is_open <> CASE WHEN " +
                  terminal + " THEN 0 ELSE 1 END"),
            0);

  auth::Principal both = P(7, 10, Role::kEnterprise);
  both.memberships.push_back({base::OrgId{3}, Role::kOfficer});
  const std::vector<std::pair<std::string, Caller>> callers = {
      {"operator", op_},
      {"officer2", officer_},
      {"officer3", Caller::Of(P(3, 3, Role::kOfficer))},
      {"firm10", Caller::Of(P(4, 10, Role::kEnterprise))},
      {"firm11+officer3", Caller::Of(both)},
      {"nobody", Caller::Of(P(8, 1, Role::kEnterprise))}};
  struct Filter {
    std::vector<std::string> states;
    std::string type, sla, sort = "due";
    std::optional<int64_t> unit;
  };
  const std::vector<Filter> filters = {{.states = {"open"}},
                                       {.states = {"open"}, .sort = "-created"},
                                       {.states = {"open"}, .sort = "-updated"},
                                       {},
                                       {.states = {"received", "in_progress"}},
                                       {.states = {"open"}, .sla = "green"},
                                       {.states = {"open"}, .unit = 3},
                                       {.type = AppealTypes()[0].id, .sort = "-created"},
                                       {.states = {"received"}},
                                       {.states = {"in_progress", "closed", "archived"}},
                                       {.states = {"archived"}, .sort = "-updated"},
                                       {.states = {"open"}, .unit = 2}};
  // The former query, verbatim apart from paging.
  auto former = [&](const Caller& c, const Filter& f, int64_t page, int64_t size) {
    std::string where = " WHERE 1 = 1";
    if (!c.IsLeader()) {
      const auto firms = c.OrgsWith(Role::kEnterprise);
      const auto units = c.OrgsWith(Role::kOfficer);
      std::string vis = "(0 = 1";
      if (!firms.empty()) {
        vis += " OR org_id IN (" + JoinIds(firms) + ")";
      }
      if (!units.empty()) {
        vis +=
            " OR state = 'received' OR id IN (SELECT appeal_id FROM appeal_units WHERE org_id "
            "IN (" +
            JoinIds(units) + "))";
      }
      where += " AND " + vis + ")";
    }
    std::vector<std::string> states;
    for (const auto& st : f.states) {
      if (st == "open") {
        // "open" as the service expands it (OpenStates in service.cc).
        for (const char* o : {"received", "answered", "dispatched", "dispatch_review", "signed_for",
                              "in_progress", "waiting_for_enterprise", "extension_requested",
                              "replied", "platform_check", "follow_up"}) {
          states.emplace_back(o);
        }
      } else {
        states.push_back(st);
      }
    }
    if (!states.empty()) {
      where += " AND state IN (";
      for (size_t i = 0; i < states.size(); ++i) {
        where += (i ? ", '" : "'") + states[i] + "'";
      }
      where += ")";
    }
    if (!f.type.empty()) {
      where += " AND type = '" + f.type + "'";
    }
    if (!f.sla.empty()) {
      where += " AND sla = '" + f.sla + "'";
    }
    if (f.unit) {
      where += " AND id IN (SELECT appeal_id FROM appeal_units WHERE org_id = " +
               std::to_string(*f.unit) + ")";
    }
    const std::string order = f.sort == "due"        ? " ORDER BY (due_at IS NULL), due_at, id"
                              : f.sort == "-created" ? " ORDER BY created_at DESC, id DESC"
                                                     : " ORDER BY updated_at DESC, id DESC";
    auto tx = db_->Begin(store::TxKind::kRead);
    EXPECT_TRUE(tx.ok());
    std::string out;
    auto counts = (*tx)->Query("SELECT sla, COUNT(*) FROM appeals" + where + " GROUP BY sla");
    EXPECT_TRUE(counts.ok()) << counts.status();
    std::map<std::string, int64_t> by_sla;
    int64_t total = 0;
    for (const auto& r : counts->rows) {
      by_sla[r.Text(0)] = r.Int(1);
      total += r.Int(1);
    }
    out += "total " + std::to_string(total) + ";";
    for (const auto& [k, v] : by_sla) {
      out += k + "=" + std::to_string(v) + ";";
    }
    auto rows = (*tx)->Query("SELECT id FROM appeals" + where + order + " LIMIT " +
                             std::to_string(size) + " OFFSET " + std::to_string((page - 1) * size));
    EXPECT_TRUE(rows.ok()) << rows.status();
    out += " ids";
    for (const auto& r : rows->rows) {
      out += " " + std::to_string(r.Int(0));
    }
    return out;
  };
  auto now = [&](const Caller& c, const Filter& f, int64_t page, int64_t size) {
    ListFilter lf;
    lf.states = f.states;
    lf.type = f.type;
    lf.sla = f.sla;
    lf.unit = f.unit;
    lf.sort = f.sort;
    lf.page = page;
    lf.page_size = size;
    auto res = service_->List(c, lf);
    EXPECT_TRUE(res.ok()) << res.status();
    if (!res.ok()) {
      return std::string();
    }
    std::string out = "total " + std::to_string(res->total) + ";";
    for (const auto& [k, v] : res->counts) {
      out += k + "=" + std::to_string(v) + ";";
    }
    out += " ids";
    for (const auto& a : res->items) {
      out += " " + std::to_string(a.id);
    }
    return out;
  };
  int nonempty = 0;
  for (const auto& [name, c] : callers) {
    for (size_t fi = 0; fi < filters.size(); ++fi) {
      for (int64_t size : {1, 3, 7}) {
        for (int64_t page = 1; page <= 12; ++page) {
          const std::string want = former(c, filters[fi], page, size);
          EXPECT_EQ(now(c, filters[fi], page, size), want)
              << name << " filter " << fi << " page " << page << " size " << size;
          nonempty += want.find(" ids ") != std::string::npos ? 1 : 0;
        }
      }
    }
  }
  EXPECT_GT(nonempty, 300);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, AppealMetricsTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, AppealMetricsTest, ::testing::Values(Backend::kPostgres));

TEST(AppealFactsTest, BitsRoundTripAndCalendarTagFollowsTheCalendar) {
  AppealFacts f;
  f.dispatched = f.replied = f.closed = true;
  f.visits = 3;
  f.resolved_yes = 2;
  f.satisfied = 1;
  MetricRow g;
  AddFactBits(PackFactBits(f), g);
  EXPECT_EQ(g.appeals, 1);
  EXPECT_EQ(g.dispatched, 1);
  EXPECT_EQ(g.responded_on_time, 0);
  EXPECT_EQ(g.replied, 1);
  EXPECT_EQ(g.closed, 1);
  EXPECT_EQ(g.visits, 3);
  EXPECT_EQ(g.resolved_yes, 2);
  EXPECT_EQ(g.satisfied, 1);
  const auto shipped = base::BusinessCalendar::Shipped();
  EXPECT_EQ(CalendarTag(shipped), CalendarTag(base::BusinessCalendar::Shipped()));
  EXPECT_NE(CalendarTag(shipped), CalendarTag(base::BusinessCalendar()));
  auto hours = base::OfficeHours::Parse("09:00-17:00");
  ASSERT_TRUE(hours.ok());
  EXPECT_NE(CalendarTag(shipped), CalendarTag(base::BusinessCalendar::Shipped(*hours)));
}

}  // namespace
}  // namespace kechan::appeals
