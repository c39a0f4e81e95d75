#include "http/metrics.h"

#include <gtest/gtest.h>

#include <thread>

namespace kechan::http {
namespace {

bool Contains(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

TEST(MetricsTest, CounterSeriesAreSharedAndRendered) {
  Metrics m;
  Counter& a = m.GetCounter("jobs_total", "Jobs done.", {{"kind", "mail"}, {"app", "k"}});
  Counter& b = m.GetCounter("jobs_total", "Jobs done.", {{"app", "k"}, {"kind", "mail"}});
  EXPECT_EQ(&a, &b);  // label order does not matter
  a.Inc();
  b.Inc(2);
  m.GetCounter("jobs_total", "Jobs done.", {{"app", "k"}, {"kind", "hook"}}).Inc();
  std::string text = m.Render();
  EXPECT_TRUE(Contains(text, "# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\n"));
  EXPECT_TRUE(Contains(text, "jobs_total{app=\"k\",kind=\"mail\"} 3\n")) << text;
  EXPECT_TRUE(Contains(text, "jobs_total{app=\"k\",kind=\"hook\"} 1\n")) << text;
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  Metrics m;
  m.GetCounter("x_total", "a\\b\nc", {{"v", "q\"\\\n"}}).Inc();
  std::string text = m.Render();
  EXPECT_TRUE(Contains(text, "# HELP x_total a\\\\b\\nc\n")) << text;
  EXPECT_TRUE(Contains(text, "x_total{v=\"q\\\"\\\\\\n\"} 1\n")) << text;
}

TEST(MetricsTest, GaugesAndGaugeFunctions) {
  Metrics m;
  Gauge& g = m.GetGauge("queue_depth", "Items queued.");
  g.Set(5);
  g.Add(-2);
  m.SetGaugeFunction("answer", "Computed.", [] { return 42.5; });
  std::string text = m.Render();
  EXPECT_TRUE(Contains(text, "# TYPE queue_depth gauge\nqueue_depth 3\n")) << text;
  EXPECT_TRUE(Contains(text, "answer 42.5\n")) << text;
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Metrics m;
  Histogram& h = m.GetHistogram("lat_seconds", "Latency.", {{"route", "/a/{id}"}}, {0.1, 1});
  h.Observe(0.05);
  h.Observe(0.1);  // "le" is inclusive
  h.Observe(0.5);
  h.Observe(3);
  std::string text = m.Render();
  EXPECT_TRUE(Contains(text, "# TYPE lat_seconds histogram\n"));
  EXPECT_TRUE(Contains(text, "lat_seconds_bucket{route=\"/a/{id}\",le=\"0.1\"} 2\n")) << text;
  EXPECT_TRUE(Contains(text, "lat_seconds_bucket{route=\"/a/{id}\",le=\"1\"} 3\n")) << text;
  EXPECT_TRUE(Contains(text, "lat_seconds_bucket{route=\"/a/{id}\",le=\"+Inf\"} 4\n")) << text;
  EXPECT_TRUE(Contains(text, "lat_seconds_sum{route=\"/a/{id}\"} 3.65\n")) << text;
  EXPECT_TRUE(Contains(text, "lat_seconds_count{route=\"/a/{id}\"} 4\n")) << text;
}

TEST(MetricsTest, ConcurrentIncrementsAreNotLost) {
  Metrics m;
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < 1000; ++i) {
        m.GetCounter("c_total", "c", {{"t", std::to_string(t % 2)}}).Inc();
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(m.GetCounter("c_total", "c", {{"t", "0"}}).value(), 2000u);
  EXPECT_EQ(m.GetCounter("c_total", "c", {{"t", "1"}}).value(), 2000u);
}

TEST(MetricsTest, ProcessMetricsReadProc) {
  Metrics m;
  RegisterProcessMetrics(m);
  std::string text = m.Render();
  EXPECT_TRUE(Contains(text, "# TYPE process_resident_memory_bytes gauge\n"));
  EXPECT_TRUE(Contains(text, "# TYPE process_start_time_seconds gauge\n"));
  EXPECT_FALSE(Contains(text, "process_resident_memory_bytes 0\n")) << text;
  size_t pos = text.find("\nprocess_start_time_seconds ");  // the sample, not HELP/TYPE
  ASSERT_NE(pos, std::string::npos);
  double start = std::stod(text.substr(pos + 28));
  EXPECT_GT(start, 1.6e9);  // after 2020
}

}  // namespace
}  // namespace kechan::http
