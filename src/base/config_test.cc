#include "base/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace kechan::base {
namespace {

Config MakeConfig() {
  return Config({{"listen", "127.0.0.1:8080", "address"},
                 {"threads", "4", "threads"},
                 {"secure_cookies", "false", "https"}});
}

std::string WriteTemp(const std::string& text) {
  auto path = std::filesystem::temp_directory_path() /
              ("kechan_config_test_" + std::to_string(::getpid()) + ".conf");
  std::ofstream(path) << text;
  return path.string();
}

TEST(ConfigTest, FlagBeatsEnvBeatsFileBeatsDefault) {
  Config c = MakeConfig();
  EXPECT_EQ(c.Get("threads"), "4");
  EXPECT_EQ(c.Source("threads"), "default");
  ASSERT_TRUE(c.LoadFile(WriteTemp("# comment\nthreads = 6\nlisten = \"0.0.0.0:80\"\n")).ok());
  EXPECT_EQ(c.GetInt("threads").value(), 6);
  EXPECT_EQ(c.Get("listen"), "0.0.0.0:80");
  ::setenv("KECHAN_THREADS", "8", 1);
  c.LoadEnv();
  ::unsetenv("KECHAN_THREADS");
  EXPECT_EQ(c.GetInt("threads").value(), 8);
  EXPECT_EQ(c.Source("threads"), "env");
  ASSERT_TRUE(c.Set("threads", "2").ok());
  EXPECT_EQ(c.GetInt("threads").value(), 2);
  EXPECT_EQ(c.Source("threads"), "flag");
}

TEST(ConfigTest, UnknownKeysAndBadLinesNameTheLine) {
  Config c = MakeConfig();
  Status s = c.LoadFile(WriteTemp("threads = 2\nbogus = 1\n"));
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "config:2");
  s = c.LoadFile(WriteTemp("threads 2\n"));
  EXPECT_EQ(s.field(), "config:1");
  EXPECT_EQ(c.Set("nope", "1").field(), "--nope");
}

TEST(ConfigTest, TypedGettersRejectBadValues) {
  Config c = MakeConfig();
  ASSERT_TRUE(c.Set("threads", "four").ok());
  auto r = c.GetInt("threads");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "--threads");
  ASSERT_TRUE(c.Set("secure_cookies", "yes").ok());
  EXPECT_TRUE(c.GetBool("secure_cookies").value());
  ASSERT_TRUE(c.Set("secure_cookies", "maybe").ok());
  EXPECT_FALSE(c.GetBool("secure_cookies").ok());
}

}  // namespace
}  // namespace kechan::base
