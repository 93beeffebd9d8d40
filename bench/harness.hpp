#pragma once
// A small timing harness: checks each contender's result against the baseline's, then times whole
// passes over a data set with std::chrono::steady_clock and reports the median per record.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace uplift_bench {

/// Every pass's result is stored here, so the optimizer cannot drop the work.
inline volatile std::uint64_t sink = 0;

/// Stops the compiler from carrying loads across passes: every pass reads memory afresh.
inline void compiler_barrier() { std::atomic_signal_fence(std::memory_order_seq_cst); }

/// How long to measure.
struct settings {
  std::size_t samples = 21;                            ///< timed samples per contender
  std::chrono::nanoseconds min_sample{10'000'000};     ///< a sample repeats passes this long
};

/// The timing of one contender.
struct measurement {
  std::string_view name;
  std::string_view input;
  double median_ns = 0;  ///< per record
  double min_ns = 0;
  double max_ns = 0;
  std::size_t passes_per_sample = 0;
};

[[noreturn]] inline void die(std::string_view what) {
  std::fprintf(stderr, "uplift-bench: %.*s\n", static_cast<int>(what.size()), what.data());
  std::exit(1);
}

/// A set of contenders over one data set. `add` checks a contender's result against the expected
/// one (aborting with a message when it differs) and calibrates how many whole passes one sample
/// takes; `run` then times the samples round-robin across contenders, so that a burst of load on
/// the machine hits every contender alike.
template <class Data>
class suite {
 public:
  suite(const Data& data, std::size_t records, std::uint64_t expected, settings s)
      : data_(data), records_(records), expected_(expected), settings_(s) {}

  template <class Contender>
  void add(Contender& c) {
    const std::uint64_t got = c.run(data_);
    if (got != expected_) {
      char msg[256];
      std::snprintf(msg, sizeof msg, "%.*s: checksum %016llx differs from the baseline's %016llx",
                    static_cast<int>(Contender::name.size()), Contender::name.data(),
                    static_cast<unsigned long long>(got),
                    static_cast<unsigned long long>(expected_));
      die(msg);
    }
    entry e{Contender::name, Contender::input, [&c, this] { return c.run(data_); }, 1, {}};
    // Double the passes until one sample lasts at least `min_sample` (this also warms the caches
    // and the allocator).
    while (time_passes(e) < settings_.min_sample) e.passes *= 2;
    entries_.push_back(std::move(e));
  }

  /// Times every contender and returns one measurement each, in the order they were added.
  std::vector<measurement> run() {
    for (std::size_t i = 0; i < settings_.samples; ++i)
      for (entry& e : entries_) {
        const double dt = std::chrono::duration<double, std::nano>(time_passes(e)).count();
        e.ns_per_record.push_back(dt / static_cast<double>(e.passes * records_));
      }
    std::vector<measurement> out;
    for (entry& e : entries_) {
      std::sort(e.ns_per_record.begin(), e.ns_per_record.end());
      measurement m;
      m.name = e.name;
      m.input = e.input;
      m.median_ns = e.ns_per_record[e.ns_per_record.size() / 2];
      m.min_ns = e.ns_per_record.front();
      m.max_ns = e.ns_per_record.back();
      m.passes_per_sample = e.passes;
      out.push_back(m);
    }
    return out;
  }

 private:
  using clock = std::chrono::steady_clock;
  struct entry {
    std::string_view name;
    std::string_view input;
    std::function<std::uint64_t()> pass;  // one whole pass over the data; returns the checksum
    std::size_t passes;
    std::vector<double> ns_per_record;
  };

  clock::duration time_passes(const entry& e) const {
    const auto t0 = clock::now();
    for (std::size_t p = 0; p < e.passes; ++p) {
      sink = e.pass();
      compiler_barrier();
    }
    return clock::now() - t0;
  }

  const Data& data_;
  std::size_t records_;
  std::uint64_t expected_;
  settings settings_;
  std::vector<entry> entries_;
};

/// The CPU model from /proc/cpuinfo, or "unknown".
inline std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        const auto start = line.find_first_not_of(' ', colon + 1);
        if (start != std::string::npos) return line.substr(start);
      }
    }
  }
  return "unknown";
}

/// Prints the measurements as a markdown table; the first row is the baseline.
inline void print_table(const std::vector<measurement>& rows) {
  std::printf("| contender | input | ns/record (median) | min .. max | records/s | time vs baseline |\n");
  std::printf("|---|---|---:|---:|---:|---:|\n");
  const double base = rows.front().median_ns;
  for (const measurement& m : rows) {
    std::printf("| %.*s | %.*s | %.1f | %.1f .. %.1f | %.2f M | %.2fx |\n",
                static_cast<int>(m.name.size()), m.name.data(), static_cast<int>(m.input.size()),
                m.input.data(), m.median_ns, m.min_ns, m.max_ns, 1e3 / m.median_ns,
                m.median_ns / base);
  }
}

}  // namespace uplift_bench
