// Buildings, units and unit observations through the HTTP routes, in-process: the import as a
// job of POST /api/v1/imports (kind=buildings, all or nothing or skip_bad), the CSV/.xlsx export
// that re-imports unchanged, and the monthly occupancy series (one read) against the per-date
// rates on the demo data; bad input is a 400 naming the field.
#include "chain/buildings.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "auth/migrations.h"
#include "auth/uscc.h"
#include "base/clock.h"
#include "chain/demo.h"
#include "chain/export.h"
#include "chain/import_buildings.h"
#include "chain/import_jobs.h"
#include "chain/migrations.h"
#include "chain/repo.h"
#include "chain/routes.h"
#include "chain/service.h"
#include "http/router.h"
#include "store/database.h"
#include "store/migrations.h"
#include "table/table.h"

namespace kechan::chain {
namespace {

namespace json = boost::json;

base::Date D(std::string_view text) { return base::Date::Parse(text).value(); }

// One database with the chain module, its service and routes.
struct Env {
  base::FakeClock clock{1'700'000'000'000'000};
  std::unique_ptr<store::Database> db;
  std::unique_ptr<ChainService> service;
  http::Router router;

  base::Status Open() {
    KECHAN_ASSIGN_OR_RETURN(db, store::Open({.url = "sqlite::memory:"}));
    std::vector<store::Migration> all = store::StoreMigrations();
    for (auto&& part : {auth::Migrations(), Migrations()}) {
      all.insert(all.end(), part.begin(), part.end());
    }
    KECHAN_RETURN_IF_ERROR(store::Migrate(*db, all).status());
    service = std::make_unique<ChainService>(*db, clock);
    RegisterRoutes(router, *service);
    return base::Status::Ok();
  }
};

class BuildingsRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.Open().ok());
    operator_.user = base::UserId{5};
    operator_.method = auth::AuthMethod::kSession;
    operator_.memberships = {{base::OrgId{1}, auth::Role::kOperator}};
    park_ = MakePark(env_, "测试园区（示例）");
    uscc_ = auth::MakeUscc('9', '1', "510100", "MA6CX401").value();
    Enterprise e;
    e.uscc = uscc_;
    e.name = "入驻企业（示例）";
    auto firm = env_.service->CreateEnterprise(sys_, e);
    ASSERT_TRUE(firm.ok()) << firm.status();
  }

  ParkId MakePark(Env& env, const std::string& name) {
    Park p;
    p.name = name;
    auto park = env.service->CreatePark(sys_, p);
    EXPECT_TRUE(park.ok()) << park.status();
    return park.ok() ? park->id : ParkId{};
  }

  base::Result<http::Response> Call(Env& env, http::Method method, const std::string& path,
                                    const auth::Principal& who,
                                    std::map<std::string, std::string> query = {},
                                    std::string body = {}, std::string type = {}) {
    http::Request req;
    req.method = method;
    req.path = path;
    req.query = std::move(query);
    req.body = std::move(body);
    if (!type.empty()) {
      req.headers = {{"content-type", std::move(type)}};
    }
    req.principal = who;
    return env.router.Invoke(std::move(req));
  }
  base::Result<http::Response> Get(const std::string& path,
                                   std::map<std::string, std::string> query = {}) {
    return Call(env_, http::Method::kGet, path, operator_, std::move(query));
  }

  // Uploads `csv` as kind=buildings and waits for the job; returns its final JSON.
  json::object RunImport(const std::string& csv, bool skip_bad) {
    auto started = Call(env_, http::Method::kPost, "/api/v1/imports", operator_,
                        {{"kind", "buildings"},
                         {"skip_bad", skip_bad ? "true" : "false"},
                         {"filename", "楼栋.csv"}},
                        csv, "text/csv; charset=utf-8");
    EXPECT_TRUE(started.ok()) << started.status();
    if (!started.ok()) {
      return {};
    }
    EXPECT_EQ(started->status, 202);
    const int64_t id = json::parse(started->body).at("id").as_int64();
    EXPECT_TRUE(env_.service->jobs().Wait(Caller::Of(operator_), id).ok());
    auto polled = Get("/api/v1/imports/" + std::to_string(id));
    EXPECT_TRUE(polled.ok()) << polled.status();
    return polled.ok() ? json::parse(polled->body).as_object() : json::object{};
  }

  std::vector<int64_t> Fingerprint(Env& env) {
    auto tx = env.db->Begin(store::TxKind::kRead);
    EXPECT_TRUE(tx.ok());
    std::vector<int64_t> out;
    for (const char* t : {"chain_buildings", "chain_units", "chain_unit_observations", "events"}) {
      auto n = repo::Count(**tx, t);
      EXPECT_TRUE(n.ok()) << n.status();
      out.push_back(n.ok() ? *n : -1);
    }
    return out;
  }

  static void ExpectBad(const base::Result<http::Response>& r, base::Code code,
                        const std::string& field, const std::string& reason = {}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), code) << r.status();
    EXPECT_EQ(r.status().field(), field) << r.status();
    if (!reason.empty()) {
      EXPECT_EQ(r.status().reason(), reason) << r.status();
    }
    EXPECT_FALSE(r.status().message_en().empty());
    EXPECT_FALSE(r.status().message_zh().empty());
    EXPECT_NE(r.status().message_zh(), r.status().message_en()) << r.status();
  }

  static std::string Header() {
    return "park,building,floors,floor_area_m2,unit,floor,area_m2,use,date,occupied,producing,"
           "uscc\n";
  }
  std::string ParkPath(ParkId park, const std::string& tail) const {
    return "/api/v1/parks/" + park.ToString() + tail;
  }

  Env env_;
  Caller sys_ = Caller::System("test");
  auth::Principal operator_;
  auth::Principal anonymous_;
  ParkId park_;
  std::string uscc_;
};

// Row 3 is bad (floor 9 of a 6-floor building) and defines unit 9F-01; row 4 observes that unit
// (an orphan); rows 2 and 5 are good.
std::string MixedFile(const std::string& park) {
  return "park,building,floors,floor_area_m2,unit,floor,area_m2,use,date,occupied,producing,"
         "uscc\n" +
         park + ",A1 栋,6,3000,1F-01,1,500,production,2026-01-31,1,1,\n" + park +
         ",A1 栋,,,9F-01,9,400,office,,,,\n" + park + ",A1 栋,,,9F-01,,,,2026-01-31,1,0,\n" + park +
         ",B1 栋,3,900.5,,,,,,,,\n";
}

TEST_F(BuildingsRoutesTest, ImportJobOfBuildingsIsAllOrNothingByDefault) {
  const auto before = Fingerprint(env_);
  json::object job = RunImport(MixedFile("测试园区（示例）"), /*skip_bad=*/false);
  EXPECT_EQ(job.at("kind").as_string(), "buildings");
  EXPECT_EQ(job.at("state").as_string(), "rejected");
  const json::object& report = job.at("report").as_object();
  EXPECT_FALSE(report.at("committed").as_bool());
  EXPECT_EQ(report.at("rows").as_int64(), 4);
  const json::array& errors = report.at("errors").as_array();
  ASSERT_EQ(errors.size(), 2u) << json::serialize(report);
  EXPECT_EQ(errors[0].at("row").as_int64(), 3);
  EXPECT_EQ(errors[0].at("column").as_string(), "floor");
  EXPECT_EQ(errors[0].at("reason").as_string(), "out_of_range");
  EXPECT_FALSE(errors[0].at("message_zh").as_string().empty());
  EXPECT_EQ(errors[1].at("row").as_int64(), 4);
  EXPECT_EQ(errors[1].at("column").as_string(), "unit");
  EXPECT_EQ(errors[1].at("reason").as_string(), "orphan");
  EXPECT_EQ(Fingerprint(env_), before);
}

TEST_F(BuildingsRoutesTest, ImportJobOfBuildingsWithSkipBadWritesTheGoodRows) {
  const auto before = Fingerprint(env_);
  json::object job = RunImport(MixedFile("测试园区（示例）"), /*skip_bad=*/true);
  EXPECT_EQ(job.at("state").as_string(), "done") << json::serialize(job);
  EXPECT_EQ(job.at("phase").as_string(), "writing");
  EXPECT_EQ(job.at("processed").as_int64(), job.at("total").as_int64());
  const json::object& report = job.at("report").as_object();
  EXPECT_TRUE(report.at("committed").as_bool());
  EXPECT_EQ(report.at("buildings").as_int64(), 2);
  EXPECT_EQ(report.at("units").as_int64(), 1);
  EXPECT_EQ(report.at("observations").as_int64(), 1);
  EXPECT_EQ(report.at("imported").as_int64(), 4);
  EXPECT_EQ(report.at("skipped").as_int64(), 2);
  EXPECT_EQ(report.at("errors").as_array().size(), 2u);  // the same errors as without skip_bad
  const auto after = Fingerprint(env_);
  EXPECT_EQ(after[0], before[0] + 2);
  EXPECT_EQ(after[1], before[1] + 1);
  EXPECT_EQ(after[2], before[2] + 1);
  EXPECT_EQ(after[3], before[3] + 1);  // one event for the file
  auto view = env_.service->ListBuildings(sys_, park_, D("2026-02-01"));
  ASSERT_TRUE(view.ok()) << view.status();
  ASSERT_EQ(view->buildings.size(), 2u);
  EXPECT_EQ(view->rates.units, 1);
  EXPECT_EQ(view->rates.producing_units, 1);
}

TEST_F(BuildingsRoutesTest, ImportTemplateOfBuildings) {
  auto tpl = Get("/api/v1/imports/template", {{"kind", "buildings"}});
  ASSERT_TRUE(tpl.ok()) << tpl.status();
  EXPECT_NE(tpl->body.find("park,building,floors,floor_area_m2,unit"), std::string::npos);
}

TEST_F(BuildingsRoutesTest, ExportReimportsUnchangedAsCsvAndXlsx) {
  // A1 with validity and provenance of its own, B1 from the import's source, valid until 2031.
  const std::string csv =
      "park,building,floors,floor_area_m2,unit,floor,area_m2,use,date,occupied,producing,uscc,"
      "valid_from,valid_to,source,source_date\n"
      "测试园区（示例）,A1 栋,6,3000.25,1F-01,1,500.5,production,2026-01-31,1,0," +
      uscc_ + ",2024-01-01,2030-12-31,园区楼宇台账,2026-01-15\n" +
      "测试园区（示例）,A1 栋,,,1F-01,,,,2026-02-28,1,1," + uscc_ + ",,,,\n" +
      "测试园区（示例）,A1 栋,,,2F-01,2,800,lab,,,,,,,,\n" +
      "测试园区（示例）,A1 栋,,,3F-01,3,120,warehouse,2026-02-28,0,0,,,,,\n" +
      "测试园区（示例）,B1 栋,3,900,,,,,,,,,,2031-06-30,,\n";
  auto imported = ImportBuildings(*env_.service, sys_, csv,
                                  {.source = "import:楼栋.csv", .source_date = D("2026-02-01")});
  ASSERT_TRUE(imported.ok()) << imported.status();
  ASSERT_TRUE(imported->committed) << imported->ToJson();

  auto exported = Get(ParkPath(park_, "/buildings"), {{"format", "csv"}});
  ASSERT_TRUE(exported.ok()) << exported.status();
  EXPECT_EQ(exported->content_type, "text/csv; charset=utf-8");
  auto read = table::ReadCsv(exported->body);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->header, BuildingImportColumns());
  ASSERT_EQ(read->rows.size(), 5u);  // 3 observations, 1 unit never observed, 1 bare building
  EXPECT_EQ(read->rows[0][3], "3000.25");
  EXPECT_EQ(read->rows[0][11], uscc_);
  EXPECT_EQ(read->rows[2][7], "lab");
  // The buildings' validity and provenance, on every row of the building.
  const std::vector<std::string> a1 = {"2024-01-01", "2030-12-31", "园区楼宇台账", "2026-01-15"};
  const std::vector<std::string> b1 = {"1970-01-01", "2031-06-30", "import:楼栋.csv", "2026-02-01"};
  for (const auto& line : read->rows) {
    ASSERT_EQ(line.size(), BuildingImportColumns().size());
    EXPECT_EQ(std::vector<std::string>(line.begin() + 12, line.end()), line[1] == "A1 栋" ? a1 : b1)
        << line[1];
  }

  auto xlsx = Get(ParkPath(park_, "/buildings"), {{"format", "xlsx"}});
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();
  EXPECT_TRUE(table::LooksLikeXlsx(xlsx->body));

  // Into fresh databases with the same park and firm: the export of each is the same file.
  for (const std::string* file : {&exported->body, &xlsx->body}) {
    Env other;
    ASSERT_TRUE(other.Open().ok());
    const ParkId park = MakePark(other, "测试园区（示例）");
    Enterprise e;
    e.uscc = uscc_;
    e.name = "入驻企业（示例）";
    ASSERT_TRUE(other.service->CreateEnterprise(sys_, e).ok());
    auto again = ImportBuildings(*other.service, sys_, *file, {});
    ASSERT_TRUE(again.ok()) << again.status();
    ASSERT_TRUE(again->committed) << again->ToJson();
    EXPECT_EQ(again->buildings, 2);
    EXPECT_EQ(again->units, 3);
    EXPECT_EQ(again->observations, 3);
    auto second = Call(other, http::Method::kGet, ParkPath(park, "/buildings"), operator_,
                       {{"format", "csv"}});
    ASSERT_TRUE(second.ok()) << second.status();
    EXPECT_EQ(second->body, exported->body);
    // The stored records, not only the file: A1's dates and source came through.
    auto tx = other.db->Begin(store::TxKind::kRead);
    ASSERT_TRUE(tx.ok());
    auto list = repo::ListBuildings(**tx, park);
    ASSERT_TRUE(list.ok()) << list.status();
    ASSERT_EQ(list->size(), 2u);
    for (const Building& b : *list) {
      if (b.name == "A1 栋") {
        EXPECT_EQ(b.validity.valid_from, D("2024-01-01"));
        EXPECT_EQ(b.validity.valid_to, std::optional<base::Date>(D("2030-12-31")));
        EXPECT_EQ(b.provenance.source, "园区楼宇台账");
        EXPECT_EQ(b.provenance.source_date, std::optional<base::Date>(D("2026-01-15")));
      } else {
        EXPECT_EQ(b.validity.valid_to, std::optional<base::Date>(D("2031-06-30")));
        EXPECT_EQ(b.provenance.source, "import:楼栋.csv");
      }
    }
  }
}

TEST_F(BuildingsRoutesTest, ExportHidesOccupantsFromThePublicAndRejectsABadFormat) {
  ASSERT_TRUE(
      ImportBuildings(
          *env_.service, sys_,
          Header() + "测试园区（示例）,A1 栋,6,3000,1F-01,1,500,,2026-01-31,1,0," + uscc_ + "\n",
          {})
          ->committed);
  auto pub = Call(env_, http::Method::kGet, ParkPath(park_, "/buildings"), anonymous_,
                  {{"format", "csv"}});
  ASSERT_TRUE(pub.ok()) << pub.status();
  EXPECT_EQ(pub->body.find(uscc_), std::string::npos);
  EXPECT_NE(pub->body.find("1F-01"), std::string::npos);
  auto bad = Get(ParkPath(park_, "/buildings"), {{"format", "pdf"}});
  ExpectBad(bad, base::Code::kInvalidArgument, "format", "export.format");
  auto missing = Get("/api/v1/parks/999/buildings", {{"format", "csv"}});
  ExpectBad(missing, base::Code::kNotFound, "id");
}

TEST_F(BuildingsRoutesTest, SeriesEqualsThePerDateRatesOnTheDemoData) {
  auto demo = LoadChainDemo(*env_.service, 1, D("2026-06-15"));
  ASSERT_TRUE(demo.ok()) << demo.status();
  ASSERT_GT(demo->unit_observations, 0);
  auto parks = env_.service->ListParks(sys_);
  ASSERT_TRUE(parks.ok());
  int compared = 0;
  for (const Park& park : *parks) {
    // From before the demo's observations to after them.
    auto r = Get(ParkPath(park.id, "/occupancy/series"), {{"from", "2024-03"}, {"to", "2026-08"}});
    ASSERT_TRUE(r.ok()) << r.status();
    json::object body = json::parse(r->body).as_object();
    EXPECT_EQ(body.at("from").as_string(), "2024-03");
    const json::array& months = body.at("months").as_array();
    const json::array& points = body.at("park").as_array();
    ASSERT_EQ(months.size(), 30u);
    ASSERT_EQ(points.size(), 30u);
    auto observations = [&] {
      auto tx = env_.db->Begin(store::TxKind::kRead);
      return repo::ListObservations(**tx, park.id).value();
    }();
    for (size_t i = 0; i < points.size(); ++i) {
      const base::Date date = D(std::string(points[i].at("date").as_string()));
      EXPECT_EQ(date, Month::Parse(std::string(months[i].as_string()), "m")->End());
      auto per_date = env_.service->ListBuildings(sys_, park.id, date);
      ASSERT_TRUE(per_date.ok()) << per_date.status();
      const UnitRates& want = per_date->rates;
      const json::object& got = points[i].as_object();
      EXPECT_EQ(got.at("units").as_int64(), want.units) << date.ToString();
      EXPECT_EQ(got.at("occupied_units").as_int64(), want.occupied_units) << date.ToString();
      EXPECT_EQ(got.at("producing_units").as_int64(), want.producing_units) << date.ToString();
      EXPECT_DOUBLE_EQ(got.at("occupied_area_m2").to_number<double>(), want.occupied_area_m2);
      if (want.floor_occupancy) {
        EXPECT_DOUBLE_EQ(got.at("floor_occupancy").to_number<double>(), *want.floor_occupancy);
      } else {
        EXPECT_TRUE(got.at("floor_occupancy").is_null());
      }
      if (want.production_rate) {
        EXPECT_DOUBLE_EQ(got.at("production_rate").to_number<double>(), *want.production_rate);
      } else {
        EXPECT_TRUE(got.at("production_rate").is_null());
      }
      auto land = LatestOccupancy(observations, park.id, date);
      if (land && land->land) {
        EXPECT_DOUBLE_EQ(got.at("land").to_number<double>(), *land->land) << date.ToString();
      } else {
        EXPECT_TRUE(got.at("land").is_null()) << date.ToString();
      }
      // Each building against the per-date view of its own units.
      for (const json::value& b : body.at("buildings").as_array()) {
        const int64_t id = b.at("id").as_int64();
        const json::object& point = b.at("series").as_array()[i].as_object();
        UnitRates one;
        for (const BuildingView& bv : per_date->buildings) {
          if (bv.building.id.value == id) {
            std::vector<Unit> units;
            std::vector<UnitObservation> latest;
            for (const UnitView& uv : bv.units) {
              units.push_back(uv.unit);
              if (uv.latest) {
                latest.push_back(*uv.latest);
              }
            }
            one = UnitRatesOf({bv.building}, units, latest, date);
          }
        }
        EXPECT_EQ(point.at("units").as_int64(), one.units) << id << " " << date.ToString();
        EXPECT_EQ(point.at("occupied_units").as_int64(), one.occupied_units);
        EXPECT_EQ(point.at("producing_units").as_int64(), one.producing_units);
        EXPECT_DOUBLE_EQ(point.at("producing_area_m2").to_number<double>(), one.producing_area_m2);
        ++compared;
      }
    }
  }
  EXPECT_GT(compared, 300);  // 11 demo buildings × 30 months
}

TEST_F(BuildingsRoutesTest, SeriesDefaultsToTheLast24Months) {
  auto r = Get(ParkPath(park_, "/occupancy/series"), {{"to", "2026-02"}});
  ASSERT_TRUE(r.ok()) << r.status();
  json::object body = json::parse(r->body).as_object();
  EXPECT_EQ(body.at("from").as_string(), "2024-03");
  EXPECT_EQ(body.at("park").as_array().size(), 24u);
  EXPECT_EQ(body.at("park").as_array()[23].at("date").as_string(), "2026-02-28");
  EXPECT_TRUE(body.at("park").as_array()[0].at("floor_occupancy").is_null());  // no units
}

TEST_F(BuildingsRoutesTest, SeriesFromAfterToIs400NamingTo) {
  auto r = Get(ParkPath(park_, "/occupancy/series"), {{"from", "2026-05"}, {"to", "2026-04"}});
  ExpectBad(r, base::Code::kInvalidArgument, "to", "chain.range_order");
}

TEST_F(BuildingsRoutesTest, SeriesBadMonthIs400NamingTheField) {
  ExpectBad(Get(ParkPath(park_, "/occupancy/series"), {{"from", "2026-13"}}),
            base::Code::kInvalidArgument, "from", "month.format");
  ExpectBad(Get(ParkPath(park_, "/occupancy/series"), {{"to", "2026-1"}}),
            base::Code::kInvalidArgument, "to", "month.format");
  ExpectBad(Get(ParkPath(park_, "/occupancy/series"), {{"to", "2026-01-31"}}),
            base::Code::kInvalidArgument, "to", "month.format");
}

TEST_F(BuildingsRoutesTest, SeriesOver120MonthsIs400NamingFrom) {
  ExpectBad(Get(ParkPath(park_, "/occupancy/series"), {{"from", "2016-01"}, {"to", "2026-01"}}),
            base::Code::kInvalidArgument, "from", "series.too_long");
  // 120 months exactly is fine.
  EXPECT_TRUE(
      Get(ParkPath(park_, "/occupancy/series"), {{"from", "2016-02"}, {"to", "2026-01"}}).ok());
}

TEST_F(BuildingsRoutesTest, SeriesOfAnUnknownParkIs404) {
  ExpectBad(Get("/api/v1/parks/999/occupancy/series"), base::Code::kNotFound, "id");
}

TEST_F(BuildingsRoutesTest, SeriesRouteIsPublic) {
  std::map<std::string, std::string> params;
  const http::Route* r =
      env_.router.Find(http::Method::kGet, "/api/v1/parks/1/occupancy/series", params).route;
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->spec.access, http::Access::kPublic);
  EXPECT_FALSE(r->spec.summary_zh.empty());
  auto anon = Call(env_, http::Method::kGet, ParkPath(park_, "/occupancy/series"), anonymous_);
  EXPECT_TRUE(anon.ok()) << anon.status();
}

}  // namespace
}  // namespace kechan::chain
