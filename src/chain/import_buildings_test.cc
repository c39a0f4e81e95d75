// The CSV import of buildings, units and unit observations: one transaction and one event, all
// or nothing, every bad row reported with row, column and reason.
#include "chain/import_buildings.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "auth/migrations.h"
#include "base/clock.h"
#include "chain/migrations.h"
#include "chain/repo.h"
#include "chain/service.h"
#include "store/database.h"
#include "store/migrations.h"

namespace kechan::chain {
namespace {

base::Date D(std::string_view text) { return base::Date::Parse(text).value(); }

class ImportBuildingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Open({.url = "sqlite::memory:"});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    std::vector<store::Migration> all = store::StoreMigrations();
    for (auto&& part : {auth::Migrations(), Migrations()}) {
      all.insert(all.end(), part.begin(), part.end());
    }
    auto migrated = store::Migrate(*db_, all);
    ASSERT_TRUE(migrated.ok()) << migrated.status();
    service_ = std::make_unique<ChainService>(*db_, clock_);
    Park p;
    p.name = "测试园区";
    auto park = service_->CreatePark(sys_, p);
    ASSERT_TRUE(park.ok()) << park.status();
    park_ = park->id;
  }
  // Rows of the three tables and of the event log: what "nothing changed" compares.
  std::string Fingerprint() {
    auto tx = db_->Begin(store::TxKind::kRead);
    EXPECT_TRUE(tx.ok());
    std::string out;
    for (const char* table :
         {"chain_buildings", "chain_units", "chain_unit_observations", "events"}) {
      auto rows = (*tx)->Query(std::string("SELECT COUNT(*) FROM ") + table, {});
      EXPECT_TRUE(rows.ok()) << rows.status();
      out += std::string(table) + "=" + std::to_string(rows.ok() ? rows->rows[0].Int(0) : -1) + ";";
    }
    return out;
  }
  // Imports `body` under the full header; expects exactly one error and nothing written.
  void ExpectRejected(const std::string& body, int64_t row, const std::string& column,
                      const std::string& reason) {
    const std::string before = Fingerprint();
    auto r = ImportBuildings(*service_, sys_, Header() + body, {});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_FALSE(r->committed);
    ASSERT_EQ(r->errors.size(), 1u) << r->ToJson();
    EXPECT_EQ(r->errors[0].row, row) << r->ToJson();
    EXPECT_EQ(r->errors[0].column, column) << r->ToJson();
    EXPECT_EQ(r->errors[0].reason, reason) << r->ToJson();
    EXPECT_FALSE(r->errors[0].message_zh.empty());
    EXPECT_EQ(Fingerprint(), before);
  }
  static std::string Header() {
    return "park,building,floors,floor_area_m2,unit,floor,area_m2,use,date,occupied,producing,"
           "uscc\n";
  }
  // With the buildings' validity and provenance columns.
  static std::string DatedHeader() {
    return "park,building,floors,floor_area_m2,unit,floor,area_m2,use,date,occupied,producing,"
           "uscc,valid_from,valid_to,source,source_date\n";
  }
  // Imports `body` under DatedHeader(); expects exactly one error and nothing written.
  void ExpectDatedRejected(const std::string& body, const std::string& column,
                           const std::string& reason) {
    const std::string before = Fingerprint();
    auto r = ImportBuildings(*service_, sys_, DatedHeader() + body, {});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_FALSE(r->committed);
    ASSERT_EQ(r->errors.size(), 1u) << r->ToJson();
    EXPECT_EQ(r->errors[0].row, 2) << r->ToJson();
    EXPECT_EQ(r->errors[0].column, column) << r->ToJson();
    EXPECT_EQ(r->errors[0].reason, reason) << r->ToJson();
    EXPECT_FALSE(r->errors[0].message_zh.empty());
    EXPECT_EQ(Fingerprint(), before);
  }

  base::FakeClock clock_{1'700'000'000'000'000};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<ChainService> service_;
  Caller sys_ = Caller::System("test");
  ParkId park_;
};

TEST_F(ImportBuildingsTest, ImportsBuildingsUnitsAndObservationsInOneEvent) {
  const std::string csv = Header() +
                          "测试园区,A1 栋,6,3000,1F-01,1,500,production,2026-01-31,1,0,\n"
                          "测试园区,A1 栋,,,1F-01,,,,2026-02-28,是,是,\n"
                          "测试园区,A1 栋,,,2F-01,2,800,office,2026-02-28,0,0,\n"
                          "测试园区,B1 栋,3,900,,,,,,,,\n";
  auto r = ImportBuildings(*service_, sys_, csv, {.source = "import:b.csv"});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->committed) << r->ToJson();
  EXPECT_EQ(r->rows, 4);
  EXPECT_EQ(r->buildings, 2);
  EXPECT_EQ(r->units, 2);
  EXPECT_EQ(r->observations, 3);
  EXPECT_GT(r->event_seq, 0);
  auto view = service_->ListBuildings(sys_, park_, base::Date::Parse("2026-03-01").value());
  ASSERT_TRUE(view.ok()) << view.status();
  ASSERT_EQ(view->buildings.size(), 2u);
  EXPECT_EQ(view->rates.units, 2);
  EXPECT_EQ(view->rates.occupied_units, 1);
  EXPECT_EQ(view->rates.producing_units, 1);
  ASSERT_TRUE(view->rates.floor_occupancy.has_value());
  EXPECT_NEAR(*view->rates.floor_occupancy, 500.0 / 1300.0, 1e-9);
  // Importing the same observations again: duplicates, nothing written.
  ExpectRejected("测试园区,A1 栋,,,1F-01,,,,2026-01-31,1,0,\n", 2, "date", "duplicate");
}

TEST_F(ImportBuildingsTest, RejectsUnitsAboveTheBuildingsFloorArea) {
  // 600 + 500 m² of units in a 1,000 m² building: occupancy would be above 100%.
  ExpectRejected(
      "测试园区,C1 栋,4,1000,1F-01,1,600,,,,,\n"
      "测试园区,C1 栋,,,1F-02,1,500,,,,,\n",
      3, "area_m2", "above_100");
}

TEST_F(ImportBuildingsTest, RejectsAnUnknownPark) {
  ExpectRejected("没有的园区,A1 栋,6,3000,,,,,,,,\n", 2, "park", "unknown_park");
}

TEST_F(ImportBuildingsTest, RejectsABadFloorCount) {
  ExpectRejected("测试园区,A1 栋,六,3000,,,,,,,,\n", 2, "floors", "bad_number");
}

TEST_F(ImportBuildingsTest, RejectsAFloorAboveTheBuilding) {
  ExpectRejected("测试园区,A1 栋,3,3000,9F-01,9,100,,,,,\n", 2, "floor", "out_of_range");
}

TEST_F(ImportBuildingsTest, RejectsANewBuildingWithoutFloorArea) {
  ExpectRejected("测试园区,A1 栋,3,,,,,,,,,\n", 2, "floor_area_m2", "required");
}

TEST_F(ImportBuildingsTest, RejectsProducingWithoutOccupied) {
  ExpectRejected("测试园区,A1 栋,3,3000,1F-01,1,100,,2026-01-31,0,1,\n", 2, "producing",
                 "bad_value");
}

TEST_F(ImportBuildingsTest, RejectsABadDateAndAnUnknownUse) {
  ExpectRejected("测试园区,A1 栋,3,3000,1F-01,1,100,,2026-02-30,1,0,\n", 2, "date", "bad_date");
  ExpectRejected("测试园区,A1 栋,3,3000,1F-01,1,100,canteen,,,,\n", 2, "use", "bad_value");
}

TEST_F(ImportBuildingsTest, RejectsAnUnknownOccupant) {
  ExpectRejected("测试园区,A1 栋,3,3000,1F-01,1,100,,2026-01-31,1,0,91510100MA0000001X\n", 2,
                 "uscc", "unknown_enterprise");
}

TEST_F(ImportBuildingsTest, RejectsAnObservationWithoutUnit) {
  ExpectRejected("测试园区,A1 栋,3,3000,,,,,2026-01-31,1,0,\n", 2, "unit", "unit_required");
}

TEST_F(ImportBuildingsTest, StoresTheBuildingsValidityAndProvenance) {
  const std::string csv = DatedHeader() +
                          "测试园区,A1 栋,6,3000,1F-01,1,500,,,,,,2024-01-01,2030-12-31,"
                          "园区楼宇台账,2026-01-15\n"
                          "测试园区,A1 栋,,,2F-01,2,500,,,,,,1999-01-01,1999-12-31,ignored,\n"
                          "测试园区,B1 栋,3,900,,,,,,,,,,,,\n";
  auto r = ImportBuildings(*service_, sys_, csv,
                           {.source = "import:b.csv", .source_date = D("2026-02-01")});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->committed) << r->ToJson();
  auto tx = db_->Begin(store::TxKind::kRead);
  ASSERT_TRUE(tx.ok());
  auto list = repo::ListBuildings(**tx, park_);
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 2u);
  const Building& a = (*list)[0].name == "A1 栋" ? (*list)[0] : (*list)[1];
  const Building& b = (*list)[0].name == "A1 栋" ? (*list)[1] : (*list)[0];
  // A1's cells on its first row; those of a row naming a stored / planned building are not read.
  EXPECT_EQ(a.validity.valid_from, D("2024-01-01"));
  ASSERT_TRUE(a.validity.valid_to.has_value());
  EXPECT_EQ(*a.validity.valid_to, D("2030-12-31"));
  EXPECT_EQ(a.provenance.source, "园区楼宇台账");
  ASSERT_TRUE(a.provenance.source_date.has_value());
  EXPECT_EQ(*a.provenance.source_date, D("2026-01-15"));
  // Empty cells: always valid, the import's source and source date.
  EXPECT_EQ(b.validity.valid_from, base::Date());
  EXPECT_FALSE(b.validity.valid_to.has_value());
  EXPECT_EQ(b.provenance.source, "import:b.csv");
  ASSERT_TRUE(b.provenance.source_date.has_value());
  EXPECT_EQ(*b.provenance.source_date, D("2026-02-01"));
}

TEST_F(ImportBuildingsTest, RejectsBuildingDatesOutOfOrder) {
  ExpectDatedRejected("测试园区,A1 栋,6,3000,,,,,,,,,2026-01-01,2025-12-31,台账,\n", "valid_to",
                      "dates_out_of_order");
}

TEST_F(ImportBuildingsTest, RejectsABadBuildingValidFrom) {
  ExpectDatedRejected("测试园区,A1 栋,6,3000,,,,,,,,,2026-13-01,,台账,\n", "valid_from",
                      "bad_date");
}

TEST_F(ImportBuildingsTest, RejectsABadBuildingValidTo) {
  ExpectDatedRejected("测试园区,A1 栋,6,3000,,,,,,,,,,31/12/2030,台账,\n", "valid_to", "bad_date");
}

TEST_F(ImportBuildingsTest, RejectsABadBuildingSourceDate) {
  ExpectDatedRejected("测试园区,A1 栋,6,3000,,,,,,,,,,,台账,2026-02-30\n", "source_date",
                      "bad_date");
}

TEST_F(ImportBuildingsTest, RefusesAnUnknownColumnAndNonOperators) {
  const std::string before = Fingerprint();
  auto r = ImportBuildings(*service_, sys_, "park,building,colour\n测试园区,A1,red\n", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "colour");
  Caller anonymous;
  anonymous.actor = "anonymous";
  auto denied = ImportBuildings(*service_, anonymous, Header(), {});
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), base::Code::kPermissionDenied);
  EXPECT_EQ(Fingerprint(), before);
}

TEST_F(ImportBuildingsTest, TemplateHasEveryColumnAndImports) {
  const std::string tpl = BuildingImportTemplate();
  for (const std::string& c : BuildingImportColumns()) {
    EXPECT_NE(tpl.find(c), std::string::npos) << c;
  }
  // The example row names a demo park; with that park it imports.
  Park p;
  p.name = "西部脑谷";
  ASSERT_TRUE(service_->CreatePark(sys_, p).ok());
  auto r = ImportBuildings(*service_, sys_, tpl, {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->committed) << r->ToJson();
  EXPECT_EQ(r->observations, 1);
}

// Row 3 has a good building but a unit on floor 9 of 3; row 4 observes that unit (an orphan);
// row 5 adds a building of its own. The same errors with and without skip_bad; with it only the
// good rows are written, and a bad row is not taken in part (its building is not created).
TEST_F(ImportBuildingsTest, SkipBadWritesTheGoodRowsWholeAndReportsTheSameErrors) {
  const std::string csv = Header() +
                          "测试园区,A1 栋,6,3000,1F-01,1,500,,2026-01-31,1,0,\n"
                          "测试园区,C1 栋,3,900,9F-01,9,100,,,,,\n"
                          "测试园区,C1 栋,,,9F-01,,,,2026-01-31,1,0,\n"
                          "测试园区,B1 栋,3,900,,,,,,,,\n";
  const std::string before = Fingerprint();
  auto strict = ImportBuildings(*service_, sys_, csv, {});
  ASSERT_TRUE(strict.ok()) << strict.status();
  EXPECT_FALSE(strict->committed);
  EXPECT_EQ(strict->skipped(), 0);
  EXPECT_EQ(Fingerprint(), before);
  auto lenient = ImportBuildings(*service_, sys_, csv, {.skip_bad = true});
  ASSERT_TRUE(lenient.ok()) << lenient.status();
  ASSERT_TRUE(lenient->committed) << lenient->ToJson();
  ASSERT_EQ(strict->errors.size(), 2u) << strict->ToJson();
  ASSERT_EQ(lenient->errors.size(), strict->errors.size());
  for (size_t i = 0; i < strict->errors.size(); ++i) {
    EXPECT_EQ(lenient->errors[i].ToJson(), strict->errors[i].ToJson());
  }
  EXPECT_EQ(strict->errors[0].row, 3);
  EXPECT_EQ(strict->errors[0].column, "floor");
  EXPECT_EQ(strict->errors[1].row, 4);
  EXPECT_EQ(strict->errors[1].column, "building");
  EXPECT_EQ(strict->errors[1].reason, "orphan");
  EXPECT_EQ(lenient->buildings, 2);  // A1 and B1, not C1
  EXPECT_EQ(lenient->units, 1);
  EXPECT_EQ(lenient->observations, 1);
  EXPECT_EQ(lenient->skipped(), 2);
  EXPECT_NE(lenient->ToJson().find("\"skipped\":2"), std::string::npos) << lenient->ToJson();
  auto view = service_->ListBuildings(sys_, park_, base::Date::Parse("2026-02-01").value());
  ASSERT_TRUE(view.ok()) << view.status();
  ASSERT_EQ(view->buildings.size(), 2u);
  for (const BuildingView& b : view->buildings) {
    EXPECT_NE(b.building.name, "C1 栋");
  }
}

// The same file through ChainService::Import (what the import jobs call) with kind buildings.
TEST_F(ImportBuildingsTest, ServiceImportOfKindBuildings) {
  EXPECT_EQ(ParseImportKind("buildings").value(), ImportKind::kBuildings);
  EXPECT_STREQ(ImportKindName(ImportKind::kBuildings), "buildings");
  EXPECT_EQ(ImportColumns(ImportKind::kBuildings), BuildingImportColumns());
  auto r = service_->Import(sys_, ImportKind::kBuildings,
                            Header() + "测试园区,A1 栋,6,3000,1F-01,1,500,,2026-01-31,1,0,\n", {});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->committed);
  EXPECT_EQ(r->buildings, 1);
  EXPECT_EQ(r->units, 1);
  EXPECT_EQ(r->observations, 1);
  EXPECT_EQ(r->imported, 3);
  const std::string json = ImportReportJson(ImportKind::kBuildings, *r);
  EXPECT_NE(json.find("\"kind\":\"buildings\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"observations\":1"), std::string::npos) << json;
}

}  // namespace
}  // namespace kechan::chain
