#include "calendar/routes.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "store/migrations.h"

namespace kechan::calendar {
namespace {

namespace json = boost::json;

class CalendarRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Open({.url = "sqlite::memory:"});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    std::vector<store::Migration> all = store::StoreMigrations();
    for (auto& m : Migrations()) {
      all.push_back(m);
    }
    ASSERT_TRUE(store::Migrate(*db_, all).ok());
    auto service = CalendarService::Open(*db_, clock_);
    ASSERT_TRUE(service.ok()) << service.status();
    service_ = std::move(*service);
    RegisterRoutes(router_, *service_);
  }

  const http::Route* Find(http::Method method, const std::string& path) {
    std::map<std::string, std::string> params;
    return router_.Find(method, path, params).route;
  }

  base::Result<http::Response> Call(http::Method method, const std::string& path,
                                    std::map<std::string, std::string> query = {},
                                    std::string body = {}) {
    const http::Route* route = Find(method, path);
    EXPECT_NE(route, nullptr) << path;
    http::Request req;
    req.method = method;
    req.path = path;
    req.query = std::move(query);
    req.body = std::move(body);
    req.principal.user = base::UserId{5};
    req.principal.method = auth::AuthMethod::kSession;
    req.principal.memberships.push_back({base::OrgId{1}, auth::Role::kOperator});
    return route->handler(req);
  }

  static json::object Body(const http::Response& r) { return json::parse(r.body).as_object(); }

  base::FakeClock clock_{base::LocalInstant(base::Date::Parse("2026-11-15").value(), 600)};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<CalendarService> service_;
  http::Router router_;
};

TEST_F(CalendarRoutesTest, DeclaresAccessAndValidSchemas) {
  const http::Route* years = Find(http::Method::kGet, "/api/v1/calendar/years");
  const http::Route* days = Find(http::Method::kGet, "/api/v1/calendar/days");
  const http::Route* import = Find(http::Method::kPost, "/api/v1/calendar/years");
  ASSERT_NE(years, nullptr);
  ASSERT_NE(days, nullptr);
  ASSERT_NE(import, nullptr);
  EXPECT_EQ(years->spec.access, http::Access::kSignedIn);
  EXPECT_EQ(days->spec.access, http::Access::kSignedIn);
  EXPECT_EQ(import->spec.access, http::Access::kRoles);
  EXPECT_EQ(import->spec.roles, std::vector<auth::Role>{auth::Role::kOperator});
  EXPECT_EQ(import->spec.success_status, 201);
  for (const http::Route* r : {years, days, import}) {
    EXPECT_EQ(r->spec.tag, "calendar");
    EXPECT_FALSE(r->spec.summary_zh.empty());
    for (const std::string& schema : {r->spec.request_schema, r->spec.response_schema}) {
      if (!schema.empty()) {
        json::error_code ec;
        json::value v = json::parse(schema, ec);
        EXPECT_FALSE(ec) << r->pattern << ": " << schema;
        EXPECT_TRUE(v.is_object()) << r->pattern;
      }
    }
  }
}

TEST_F(CalendarRoutesTest, ListsDaysWithWorkingFlagsAndHolidayNames) {
  auto r = Call(http::Method::kGet, "/api/v1/calendar/days",
                {{"from", "2026-02-13"}, {"to", "2026-02-24"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  const json::object body = Body(*r);
  EXPECT_EQ(body.at("from").as_string(), "2026-02-13");
  EXPECT_EQ(body.at("working_days").as_int64(), 3);  // 13, make-up 14, 24
  EXPECT_TRUE(body.at("uncovered_years").as_array().empty());
  const json::array& days = body.at("days").as_array();
  ASSERT_EQ(days.size(), 12u);
  const json::object& sat = days[1].as_object();
  EXPECT_EQ(sat.at("date").as_string(), "2026-02-14");
  EXPECT_EQ(sat.at("weekday").as_int64(), 6);
  EXPECT_TRUE(sat.at("working").as_bool());
  EXPECT_EQ(sat.at("kind").as_string(), "makeup_workday");
  EXPECT_EQ(sat.at("name").at("zh-CN").as_string(), "春节调休");
  const json::object& mon = days[3].as_object();
  EXPECT_EQ(mon.at("date").as_string(), "2026-02-16");
  EXPECT_FALSE(mon.at("working").as_bool());
  EXPECT_EQ(mon.at("kind").as_string(), "holiday");
  EXPECT_EQ(mon.at("name").at("en").as_string(), "Spring Festival");
  EXPECT_TRUE(days[0].at("name").is_null());

  auto far = Call(http::Method::kGet, "/api/v1/calendar/days",
                  {{"from", "2030-01-01"}, {"to", "2030-01-01"}});
  ASSERT_TRUE(far.ok());
  EXPECT_EQ(Body(*far).at("uncovered_years").as_array().at(0).as_int64(), 2030);
}

TEST_F(CalendarRoutesTest, DayQueriesNameTheBadParameter) {
  struct Case {
    std::map<std::string, std::string> query;
    std::string field;
  };
  const std::vector<Case> cases = {
      {{{"to", "2026-02-01"}}, "from"},
      {{{"from", "2026-2-1"}, {"to", "2026-02-01"}}, "from"},
      {{{"from", "2026-02-01"}}, "to"},
      {{{"from", "2026-02-01"}, {"to", "2026-02-30"}}, "to"},
      {{{"from", "2026-02-10"}, {"to", "2026-02-01"}}, "to"},
      {{{"from", "2026-01-01"}, {"to", "2027-02-05"}}, "to"},  // 401 days
  };
  for (const auto& c : cases) {
    auto r = Call(http::Method::kGet, "/api/v1/calendar/days", c.query);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument);
    EXPECT_EQ(r.status().field(), c.field);
  }
  // Exactly 400 days is allowed.
  EXPECT_TRUE(Call(http::Method::kGet, "/api/v1/calendar/days",
                   {{"from", "2026-01-01"}, {"to", "2027-02-04"}})
                  .ok());
}

TEST_F(CalendarRoutesTest, OperatorImportsAYearAndItIsListed) {
  json::object req{{"text",
                    "# TEST DATA - not a real notice\n"
                    "year 2027 测试通知-TEST-2027\n"
                    "holiday 2027-01-01 2027-01-03 元旦 New Year's Day (test)\n"
                    "workday 2027-01-09 元旦调休\n"}};
  auto r = Call(http::Method::kPost, "/api/v1/calendar/years", {}, json::serialize(req));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 201);
  const json::object body = Body(*r);
  EXPECT_EQ(body.at("year").as_int64(), 2027);
  EXPECT_EQ(body.at("holidays").as_int64(), 3);
  EXPECT_EQ(body.at("replaced").as_string(), "none");

  auto years = Call(http::Method::kGet, "/api/v1/calendar/years");
  ASSERT_TRUE(years.ok());
  const json::object years_body = Body(*years);
  const json::array& list = years_body.at("years").as_array();
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0].at("source").as_string(), "shipped");
  EXPECT_TRUE(list[0].at("loaded_at").is_null());
  EXPECT_EQ(list[3].at("year").as_int64(), 2027);
  EXPECT_EQ(list[3].at("source").as_string(), "imported");
  EXPECT_EQ(list[3].at("loaded_by").as_string(), "user:5");
  EXPECT_EQ(years_body.at("time_zone").as_string(), "Asia/Shanghai");

  auto day = Call(http::Method::kGet, "/api/v1/calendar/days",
                  {{"from", "2027-01-09"}, {"to", "2027-01-09"}});
  ASSERT_TRUE(day.ok());
  EXPECT_TRUE(Body(*day).at("days").at(0).at("working").as_bool());
}

TEST_F(CalendarRoutesTest, ImportErrorsNameTheLineOrTheField) {
  auto bad_line = Call(http::Method::kPost, "/api/v1/calendar/years", {},
                       R"({"text":"year 2027 TEST\nholiday 2027-13-01 坏\n"})");
  ASSERT_FALSE(bad_line.ok());
  EXPECT_EQ(bad_line.status().field(), "line 2");
  auto unknown = Call(http::Method::kPost, "/api/v1/calendar/years", {},
                      R"({"text":"year 2027 TEST\nholiday 2027-01-01 元旦\n","force":true})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().field(), "force");
  auto missing = Call(http::Method::kPost, "/api/v1/calendar/years", {}, R"({})");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().field(), "text");
  EXPECT_FALSE(service_->Current()->IsCovered(2027));
}

}  // namespace
}  // namespace kechan::calendar
