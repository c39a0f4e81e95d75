#include "http/static_files.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

namespace kechan::http {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("kechan_static_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_ / "dist" / "assets");
    fs::create_directories(base_ / "dist" / "docs");
    Write(base_ / "dist" / "index.html", "<!doctype html><div id=app></div>");
    Write(base_ / "dist" / "assets" / "app-3f2a.js", "console.log(1)");
    Write(base_ / "dist" / "assets" / "app-3f2a.css", "body{}");
    Write(base_ / "dist" / "docs" / "index.html", "docs");
    Write(base_ / "dist" / "favicon.svg", "<svg/>");
    Write(base_ / "secret.txt", "top secret");
    fs::create_symlink(base_ / "secret.txt", base_ / "dist" / "leak.txt");
    auto files = StaticFiles::Open((base_ / "dist").string());
    ASSERT_TRUE(files.ok()) << files.status();
    files_.emplace(std::move(files).value());
  }
  void TearDown() override { fs::remove_all(base_); }

  static void Write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }

  Response Get(const std::string& path, std::vector<std::pair<std::string, std::string>> h = {}) {
    Request req;
    req.path = path;
    req.headers = std::move(h);
    return files_->Serve(req);
  }
  static std::string HeaderOf(const Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) {
        return v;
      }
    }
    return "";
  }

  fs::path base_;
  std::optional<StaticFiles> files_;
};

TEST_F(StaticFilesTest, ServesFilesWithTypesAndCaching) {
  Response r = Get("/assets/app-3f2a.js");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "console.log(1)");
  EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_FALSE(HeaderOf(r, "ETag").empty());
  EXPECT_FALSE(HeaderOf(r, "Last-Modified").empty());
  EXPECT_EQ(Get("/assets/app-3f2a.css").content_type, "text/css; charset=utf-8");
  Response svg = Get("/favicon.svg");
  EXPECT_EQ(svg.content_type, "image/svg+xml");
  EXPECT_EQ(HeaderOf(svg, "Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, IfNoneMatchGives304) {
  Response first = Get("/assets/app-3f2a.js");
  std::string etag = HeaderOf(first, "ETag");
  Response again = Get("/assets/app-3f2a.js", {{"if-none-match", "\"x\", W/" + etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(Get("/assets/app-3f2a.js", {{"if-none-match", "\"other\""}}).status, 200);
}

TEST_F(StaticFilesTest, IndexAndSpaFallback) {
  Response root = Get("/");
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(root.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(root.body, "<!doctype html><div id=app></div>");
  EXPECT_EQ(Get("/docs/").body, "docs");
  EXPECT_EQ(Get("/docs").body, "docs");
  Response spa = Get("/appeals/12/edit");
  EXPECT_EQ(spa.status, 200);
  EXPECT_EQ(spa.body, root.body);
  EXPECT_EQ(HeaderOf(spa, "Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, MissingAssetIs404NotIndex) {
  Response r = Get("/assets/gone-1234.js");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/problem+json");
}

TEST_F(StaticFilesTest, TraversalIsRejected) {
  for (const char* path : {"/../secret.txt", "/assets/../../secret.txt", "/..", "/./index.html",
                           "/leak.txt", "relative"}) {
    Response r = Get(path);
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_EQ(r.body.find("top secret"), std::string::npos) << path;
    EXPECT_EQ(boost::json::parse(r.body).at("field"), "path") << path;
  }
  EXPECT_EQ(Get(std::string("/index.html\0x", 13)).status, 400);
}

TEST_F(StaticFilesTest, OpenRejectsMissingDirectory) {
  auto files = StaticFiles::Open((base_ / "nope").string());
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(files.status().field(), "static_dir");
}

TEST(StaticContentTypeTest, KnownAndUnknownExtensions) {
  EXPECT_STREQ(StaticFiles::ContentTypeFor("a.WOFF2"), "font/woff2");
  EXPECT_STREQ(StaticFiles::ContentTypeFor("a.mjs"), "text/javascript; charset=utf-8");
  EXPECT_STREQ(StaticFiles::ContentTypeFor("Makefile"), "application/octet-stream");
  EXPECT_STREQ(StaticFiles::ContentTypeFor("x.exe"), "application/octet-stream");
}

}  // namespace
}  // namespace kechan::http
