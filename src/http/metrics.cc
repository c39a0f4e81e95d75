#include "http/metrics.h"

#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

namespace kechan::http {
namespace {

[[maybe_unused]] bool ValidName(std::string_view name, bool label) {
  if (name.empty()) {
    return false;
  }
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (!label && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) {
      return false;
    }
  }
  return true;
}

void AppendEscaped(std::string& out, std::string_view s, bool quote) {
  if (s.find_first_of(quote ? std::string_view("\\\n\"") : std::string_view("\\\n")) ==
      std::string_view::npos) {
    out += s;  // the common case: nothing to escape
    return;
  }
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// Returns `name="value",...` with labels sorted by name (the series key and its rendering).
std::string LabelText(const MetricLabels& labels) {
  if (!std::is_sorted(labels.begin(), labels.end())) {
    MetricLabels sorted = labels;
    std::sort(sorted.begin(), sorted.end());
    return LabelText(sorted);
  }
  std::string out;
  out.reserve(64);
  for (const auto& [k, v] : labels) {
    assert(ValidName(k, true) && k != "le");
    if (!out.empty()) {
      out += ',';
    }
    out += k;
    out += "=\"";
    AppendEscaped(out, v, true);
    out += '"';
  }
  return out;
}

void AppendNumber(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof(buf), v);
    out.append(buf, res.ptr);
  }
}

void AppendSample(std::string& out, std::string_view name, std::string_view suffix,
                  std::string_view labels, std::string_view extra_label, double value) {
  out += name;
  out += suffix;
  if (!labels.empty() || !extra_label.empty()) {
    out += '{';
    out += labels;
    if (!labels.empty() && !extra_label.empty()) {
      out += ',';
    }
    out += extra_label;
    out += '}';
  }
  out += ' ';
  AppendNumber(out, value);
  out += '\n';
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  assert(std::is_sorted(bounds_.begin(), bounds_.end()));
}

void Histogram::Observe(double v) {
  size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                 bounds_.begin());  // first bound >= v ("le")
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    out[i] = total;
  }
  return out;
}

Metrics& Metrics::Default() {
  static Metrics* metrics = new Metrics();  // never destroyed: used until exit
  return *metrics;
}

std::vector<double> Metrics::DefaultLatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Metrics::Series& Metrics::GetSeries(std::string_view name, std::string_view help, Type type,
                                    const MetricLabels& labels, const std::vector<double>* bounds) {
  std::string key = LabelText(labels);
  {
    std::shared_lock lock(mu_);
    auto fam = families_.find(name);
    if (fam != families_.end()) {
      assert(fam->second.type == type && "one metric name used with two types");
      auto s = fam->second.series.find(key);
      if (s != fam->second.series.end()) {
        return s->second;
      }
    }
  }
  assert(ValidName(name, false) && "invalid metric name");
  std::unique_lock lock(mu_);
  auto fam = families_.find(name);
  if (fam == families_.end()) {
    fam =
        families_.emplace(std::string(name), Family{.type = type, .help = std::string(help)}).first;
  }
  if (fam->second.type != type) {
    assert(false && "one metric name used with two types");
    std::abort();
  }
  auto [it, inserted] = fam->second.series.try_emplace(std::move(key));
  Series& s = it->second;
  if (inserted) {
    s.labels = labels;
    if (type == Type::kCounter) {
      s.counter = std::make_unique<Counter>();
    } else if (type == Type::kHistogram) {
      s.histogram =
          std::make_unique<Histogram>(bounds != nullptr ? *bounds : DefaultLatencyBuckets());
    } else {
      s.gauge = std::make_unique<Gauge>();
    }
  }
  return s;
}

Counter& Metrics::GetCounter(std::string_view name, std::string_view help,
                             const MetricLabels& labels) {
  return *GetSeries(name, help, Type::kCounter, labels, nullptr).counter;
}

Gauge& Metrics::GetGauge(std::string_view name, std::string_view help, const MetricLabels& labels) {
  return *GetSeries(name, help, Type::kGauge, labels, nullptr).gauge;
}

Histogram& Metrics::GetHistogram(std::string_view name, std::string_view help,
                                 const MetricLabels& labels, const std::vector<double>& bounds) {
  return *GetSeries(name, help, Type::kHistogram, labels, &bounds).histogram;
}

void Metrics::SetGaugeFunction(std::string_view name, std::string_view help,
                               std::function<double()> fn, const MetricLabels& labels) {
  Series& s = GetSeries(name, help, Type::kGauge, labels, nullptr);
  std::unique_lock lock(mu_);
  s.fn = std::move(fn);
}

std::string Metrics::Render() const {
  std::string out;
  std::shared_lock lock(mu_);
  for (const auto& [name, fam] : families_) {
    out += "# HELP ";
    out += name;
    out += ' ';
    AppendEscaped(out, fam.help, false);
    out += "\n# TYPE ";
    out += name;
    switch (fam.type) {
      case Type::kCounter:
        out += " counter\n";
        break;
      case Type::kGauge:
        out += " gauge\n";
        break;
      case Type::kHistogram:
        out += " histogram\n";
        break;
    }
    for (const auto& [labels, s] : fam.series) {
      if (s.counter) {
        AppendSample(out, name, "", labels, "", static_cast<double>(s.counter->value()));
      } else if (s.gauge) {
        AppendSample(out, name, "", labels, "", s.fn ? s.fn() : s.gauge->value());
      } else if (s.histogram) {
        const auto& bounds = s.histogram->bounds();
        std::vector<uint64_t> counts = s.histogram->CumulativeCounts();
        for (size_t i = 0; i < bounds.size(); ++i) {
          std::string le = "le=\"";
          AppendNumber(le, bounds[i]);
          le += '"';
          AppendSample(out, name, "_bucket", labels, le, static_cast<double>(counts[i]));
        }
        AppendSample(out, name, "_bucket", labels, "le=\"+Inf\"",
                     static_cast<double>(counts.back()));
        AppendSample(out, name, "_sum", labels, "", s.histogram->sum());
        AppendSample(out, name, "_count", labels, "", static_cast<double>(counts.back()));
      }
    }
  }
  return out;
}

namespace {

double ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0;
  long pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) {
    return 0;
  }
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

// Process start from /proc/self/stat (field 22, clock ticks after boot) and btime in /proc/stat.
double ComputeStartTimeSeconds() {
  std::ifstream stat("/proc/self/stat");
  std::string line;
  std::getline(stat, line);
  size_t close = line.rfind(')');  // the command name may contain spaces
  std::ifstream proc_stat("/proc/stat");
  std::string key;
  double btime = -1;
  while (proc_stat >> key) {
    if (key == "btime") {
      proc_stat >> btime;
      break;
    }
  }
  if (close != std::string::npos && btime >= 0) {
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && (fields >> field); ++i) {
      if (i == 22) {
        return btime +
               std::strtod(field.c_str(), nullptr) / static_cast<double>(sysconf(_SC_CLK_TCK));
      }
    }
  }
  return static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count());
}

}  // namespace

void RegisterProcessMetrics(Metrics& metrics) {
  static const double start = ComputeStartTimeSeconds();
  metrics.SetGaugeFunction("process_resident_memory_bytes", "Resident memory size in bytes.",
                           &ResidentBytes);
  metrics.SetGaugeFunction("process_start_time_seconds",
                           "Start time of the process since unix epoch in seconds.",
                           [] { return start; });
}

}  // namespace kechan::http
