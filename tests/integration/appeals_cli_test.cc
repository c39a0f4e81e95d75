// `kechan appeals metrics` and `kechan sla replay` through the real binary on demo data.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "tests/support/test_support.h"

namespace kechan::testing {
namespace {

namespace json = boost::json;

class AppealsCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    auto r = RunCli({"demo", "--data", dir_->path()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static TempDir* dir_;
};
TempDir* AppealsCliTest::dir_ = nullptr;

TEST_F(AppealsCliTest, MetricsByDepartmentPrintsRowsWithRatesInRange) {
  auto r = RunCli({"appeals", "metrics", "--data", dir_->path(), "--from", "2000-01-01", "--to",
                   "2100-12-31", "--by", "department", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::object o = json::parse(r.out).as_object();
  const json::array& rows = o.at("rows").as_array();
  ASSERT_FALSE(rows.empty());
  int64_t sum = 0;
  for (const auto& v : rows) {
    const json::object& row = v.as_object();
    ASSERT_TRUE(row.contains("key"));
    sum += row.at("appeals").as_int64();
    for (const char* k : {"response_rate", "resolution_rate", "satisfaction_rate", "composite"}) {
      ASSERT_TRUE(row.contains(k)) << k;
      if (!row.at(k).is_null()) {
        const double x = row.at(k).as_double();
        EXPECT_GE(x, 0.0) << k;
        EXPECT_LE(x, 1.0) << k;
      }
    }
  }
  EXPECT_EQ(sum, o.at("total").as_object().at("appeals").as_int64());
  EXPECT_GT(sum, 100);  // the demo files a few hundred appeals
  // Ranked by composite, best first.
  double prev = 2.0;
  for (const auto& v : rows) {
    const json::value& c = v.as_object().at("composite");
    if (c.is_null()) break;
    EXPECT_LE(c.as_double(), prev);
    prev = c.as_double();
  }
}

// --rates-only reads the per-day sums instead of every facts row: the same rows and rates.
TEST_F(AppealsCliTest, RatesOnlyGivesTheSameRatesAsTheFullReport) {
  auto full = RunCli({"appeals", "metrics", "--data", dir_->path(), "--from", "2000-01-01", "--to",
                      "2100-12-31", "--by", "department", "--json"});
  auto fast = RunCli({"appeals", "metrics", "--data", dir_->path(), "--from", "2000-01-01", "--to",
                      "2100-12-31", "--by", "department", "--json", "--rates-only"});
  ASSERT_EQ(full.exit_code, 0) << full.err;
  ASSERT_EQ(fast.exit_code, 0) << fast.err;
  const json::value full_doc = json::parse(full.out);
  const json::value fast_doc = json::parse(fast.out);
  const json::array& a = full_doc.at("rows").as_array();
  const json::array& b = fast_doc.at("rows").as_array();
  ASSERT_EQ(a.size(), b.size());
  ASSERT_FALSE(a.empty());
  for (size_t i = 0; i < a.size(); ++i) {
    const json::object& x = a[i].as_object();
    const json::object& y = b[i].as_object();
    EXPECT_EQ(x.at("key"), y.at("key"));
    for (const char* k :
         {"appeals", "response_rate", "resolution_rate", "satisfaction_rate", "composite"}) {
      EXPECT_EQ(x.at(k), y.at(k)) << k << " row " << i;
    }
  }
}

TEST_F(AppealsCliTest, MetricsRejectsBadInputWithExitTwoNamingTheFlag) {
  auto r = RunCli({"appeals", "metrics", "--data", dir_->path(), "--from", "2026-01-01", "--to",
                   "2026-12-31", "--by", "colour", "--json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--by"), std::string::npos) << r.err;
  r = RunCli({"appeals", "metrics", "--data", dir_->path(), "--to", "2026-12-31"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--from"), std::string::npos) << r.err;
  r = RunCli({"appeals", "metrics", "--data", dir_->path(), "--from", "2026-01-01", "--to",
              "2026-12-31", "--weights", "1,2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--weights"), std::string::npos) << r.err;
}

TEST_F(AppealsCliTest, SlaReplayReportsCountAndRate) {
  auto r = RunCli({"sla", "replay", "--data", dir_->path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::object o = json::parse(r.out).as_object();
  EXPECT_GT(o.at("appeals").as_int64(), 0);
  EXPECT_TRUE(o.contains("rate_per_second"));
  // The log still verifies after the replay wrote its event.
  auto v = RunCli({"verify-log", "--data", dir_->path()});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

}  // namespace
}  // namespace kechan::testing
