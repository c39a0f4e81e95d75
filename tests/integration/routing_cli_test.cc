// Appeal routing through the real binary: `kechan eval routing --model` on the labelled fixtures
// (per-model floors), `kechan train-routing --data` from the appeals store, the server loading the
// trained model at start (and refusing a damaged one, naming the file), and bad input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "tests/support/test_support.h"

namespace kechan::testing {
namespace {

namespace json = boost::json;

const std::string kFix = "tests/fixtures/search/";

double Num(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v == nullptr ? -1 : v->to_number<double>();
}

TEST(RoutingCliTest, EvalRoutingReportsEveryModel) {
  auto r = RunCli({"eval", "routing", "--examples", kFix + "routing12/examples.jsonl", "--queries",
                   kFix + "routing12/queries.jsonl", "--model", "all", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json::object o = json::parse(r.out).as_object();
  EXPECT_EQ(Num(o, "examples"), 420);
  EXPECT_EQ(Num(o, "queries"), 96);
  const json::array& models = o.at("models").as_array();
  ASSERT_EQ(models.size(), 3u);
  std::vector<std::string> kinds;
  for (const auto& m : models) {
    const json::object& e = m.as_object();
    kinds.emplace_back(e.at("model").as_string());
    EXPECT_GT(Num(e, "accuracy"), 0.3) << r.out;
    EXPECT_GT(Num(e, "macro_f1"), 0.3) << r.out;
    EXPECT_EQ(e.at("f1_by_label").as_object().size(), 12u);
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"knn", "fasttext", "ensemble"}));
  auto one = RunCli({"eval", "routing", "--examples", kFix + "routing/examples.jsonl", "--queries",
                     kFix + "routing/queries.jsonl", "--model", "fasttext"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(json::parse(one.out).at("model").as_string(), "fasttext");
  auto bad = RunCli({"eval", "routing", "--examples", kFix + "routing/examples.jsonl", "--queries",
                     kFix + "routing/queries.jsonl", "--model", "bayes"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--model"), std::string::npos) << bad.err;
}

TEST(RoutingCliTest, TrainRoutingBadInputNamesTheFlag) {
  auto none = RunCli({"train-routing"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("--data"), std::string::npos) << none.err;
  TempDir dir;
  auto model = RunCli({"train-routing", "--examples", kFix + "routing/examples.jsonl", "--out",
                       dir.path() + "/m.fasttext", "--model", "bayes"});
  EXPECT_EQ(model.exit_code, 2);
  EXPECT_NE(model.err.find("--model"), std::string::npos) << model.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/m.fasttext"));
  auto label = RunCli({"train-routing", "--data", dir.path(), "--label", "colour"});
  EXPECT_EQ(label.exit_code, 2);
  EXPECT_NE(label.err.find("--label"), std::string::npos) << label.err;
  std::string ex = dir.path() + "/ex.jsonl";
  std::ofstream(ex) << "{\"_id\":\"1\",\"text\":\"发票\",\"label\":\"税务\"}\n"
                    << "{\"_id\":\"2\",\"text\":\"施工\",\"label\":\"\"}\n";
  auto empty = RunCli({"train-routing", "--examples", ex, "--out", dir.path() + "/m.fasttext"});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("examples[1].label"), std::string::npos) << empty.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/m.fasttext"));
  auto file = RunCli({"train-routing", "--examples", kFix + "routing/examples.jsonl", "--out",
                      dir.path() + "/m.fasttext"});
  ASSERT_EQ(file.exit_code, 0) << file.err;
  json::object o = json::parse(file.out).as_object();
  EXPECT_EQ(o.at("model").as_string(), "fasttext");
  EXPECT_EQ(Num(o, "examples"), 240);
  EXPECT_EQ(o.at("labels").as_array().size(), 8u);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/m.fasttext"));
}

// train-routing --data learns from the demo's dispatched appeals and writes
// DATA/routing/department.fasttext; the server loads it (route-appeal answers from the ensemble)
// and refuses to start when the file is damaged, naming it.
TEST(RoutingCliTest, TrainFromTheAppealsStoreAndServeWithTheModel) {
  TempDir data;
  auto demo = RunCli({"demo", "--data", data.path(), "--scale", "1"});
  ASSERT_EQ(demo.exit_code, 0) << demo.err;
  auto train = RunCli({"train-routing", "--data", data.path()});
  ASSERT_EQ(train.exit_code, 0) << train.err;
  json::object t = json::parse(train.out).as_object();
  std::string path = data.path() + "/routing/department.fasttext";
  EXPECT_EQ(t.at("out").as_string(), path);
  EXPECT_EQ(t.at("source").as_string(), "appeals");
  EXPECT_GT(Num(t, "examples"), 0) << train.out;
  ASSERT_TRUE(std::filesystem::exists(path));
  auto type = RunCli({"train-routing", "--data", data.path(), "--label", "type"});
  ASSERT_EQ(type.exit_code, 0) << type.err;
  EXPECT_TRUE(std::filesystem::exists(data.path() + "/routing/type.fasttext"));
  {
    ServerProcess server({"--data", data.path()});
    ASSERT_TRUE(server.started()) << server.Stderr();
    Session op(server.port());
    ASSERT_EQ(op.SignIn("demo-operator", "kechan-demo"), 200);
    std::string title;
    std::string dept;
    for (int i = 0; i < 900 && title.empty(); ++i) {  // wait for the indexer
      auto st = op.Call("GET", "/api/v1/search/status");
      if (st.status == 200 && json::parse(st.body).at("lag").as_int64() == 0) {
        auto hits = op.Call("GET", "/api/v1/search?type=appeal&page_size=100");
        if (hits.status == 200) {
          const json::value doc = json::parse(hits.body);
          for (const auto& h : doc.at("hits").as_array()) {
            const json::object& f = h.at("facets").as_object();
            if (f.contains("department") && !f.at("department").as_array().empty()) {
              title = std::string(h.at("title").as_string());
              dept = std::string(f.at("department").as_array()[0].as_string());
              break;
            }
          }
        }
      }
      if (title.empty()) {
        usleep(200 * 1000);
      }
    }
    ASSERT_FALSE(title.empty()) << "no dispatched appeal indexed";
    auto r = op.Call("POST", "/api/v1/search/route-appeal",
                     json::serialize(json::object{{"text", title}}));
    ASSERT_EQ(r.status, 200) << r.body;
    json::object o = json::parse(r.body).as_object();
    std::string source(o.at("source").as_string());
    EXPECT_TRUE(source == "ensemble" || source == "catalogue") << r.body;
    EXPECT_NE(source, "knn") << r.body;  // the model file is in use
    EXPECT_NE(server.Stderr().find("search.routing_model_loaded"), std::string::npos);
  }
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x10);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  ServerProcess damaged({"--data", data.path()});
  EXPECT_FALSE(damaged.started());
  EXPECT_NE(damaged.Stderr().find(path), std::string::npos) << damaged.Stderr();
}

}  // namespace
}  // namespace kechan::testing
