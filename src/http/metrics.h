// Metrics: counters, gauges and histograms rendered in the Prometheus text exposition format 0.0.4
// (served at GET /metrics). Any module may register its own series in a registry.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kechan::http {

// Label name/value pairs of one series, e.g. {{"method", "GET"}, {"route", "/healthz"}}.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// A monotonically increasing count. Thread-safe.
class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down. Thread-safe.
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted in fixed buckets (upper bounds, ascending). Thread-safe.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Returns cumulative counts per bound, then the total count last (the "+Inf" bucket).
  std::vector<uint64_t> CumulativeCounts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket, not cumulative; +1 for +Inf
  std::atomic<double> sum_{0};
};

// A registry of metric families. Get* returns the series for (name, labels), creating it on first
// use; the reference stays valid for the registry's lifetime, so callers keep it and update it
// without further lookups. Using one name with two types, or an invalid name, is a programmer
// error (asserts). Thread-safe.
class Metrics {
 public:
  // Returns the process-wide registry (what the server exposes unless given another one).
  static Metrics& Default();
  // Returns buckets from 0.5 ms to 10 s, suited to request latencies in seconds.
  static std::vector<double> DefaultLatencyBuckets();

  Counter& GetCounter(std::string_view name, std::string_view help,
                      const MetricLabels& labels = {});
  Gauge& GetGauge(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Histogram& GetHistogram(std::string_view name, std::string_view help,
                          const MetricLabels& labels = {},
                          const std::vector<double>& bounds = DefaultLatencyBuckets());
  // Registers a gauge computed at scrape time; replaces an earlier function for the same series.
  // `fn` must be thread-safe and fast.
  void SetGaugeFunction(std::string_view name, std::string_view help, std::function<double()> fn,
                        const MetricLabels& labels = {});

  // Renders every family in the text exposition format 0.0.4, families sorted by name.
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series {
    MetricLabels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> fn;
  };
  struct Family {
    Type type = Type::kCounter;
    std::string help;
    std::map<std::string, Series, std::less<>> series;  // by canonical label text
  };
  Series& GetSeries(std::string_view name, std::string_view help, Type type,
                    const MetricLabels& labels, const std::vector<double>* bounds);

  mutable std::shared_mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
};

// Registers process_resident_memory_bytes (from /proc/self/statm) and process_start_time_seconds
// in `metrics`.
void RegisterProcessMetrics(Metrics& metrics);

}  // namespace kechan::http
