#pragma once
// The timing harness every scenario of uplift-bench uses. A table (a `suite`) holds contenders
// reading one data set; each contender is checked against the table's reference result before it
// is timed, then the samples are taken round-robin across the contenders, so that a burst of load
// on the machine hits every contender alike. A sample reads a calibrated number of records in the
// data set's shuffled order, carrying on where the contender's previous sample stopped: for a set
// that fits in cache that is whole passes, for a set larger than the last-level cache every read
// is a cold one. The result is the median ns per record.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace uplift_bench {

/// Every sample's result is stored here, so the optimizer cannot drop the work.
inline volatile std::uint64_t sink = 0;

/// Stops the compiler from carrying loads across samples.
inline void compiler_barrier() { std::atomic_signal_fence(std::memory_order_seq_cst); }

[[noreturn]] inline void die(std::string_view what) {
  std::fprintf(stderr, "uplift-bench: %.*s\n", static_cast<int>(what.size()), what.data());
  std::exit(1);
}

/// How long to measure.
struct settings {
  std::size_t samples = 11;                         ///< timed samples per contender
  std::chrono::nanoseconds min_sample{10'000'000};  ///< a sample reads records this long at least
  bool smoke = false;  ///< tiny data sets, one short sample: checks that everything runs and agrees
};

/// The timing of one contender in one table.
struct measurement {
  std::string id;     ///< short stable name of the contender, used by the report
  std::string name;   ///< what the table prints
  std::string input;  ///< what it reads
  bool baseline = false;
  double bytes_per_record = 0;  ///< mean size of the input it reads
  double median_ns = 0;         ///< per record
  double min_ns = 0;
  double max_ns = 0;
  std::size_t records_per_sample = 0;
  std::size_t samples = 0;
};

/// One table: contenders over one data set `Data`, which has `order` (the shuffled read order, a
/// vector of record indices). A contender `C` has `static constexpr std::string_view id, name,
/// input`, `std::uint64_t read(const Data&, std::uint32_t index, std::uint64_t h)` folding one
/// record into the running checksum `h`, and `std::size_t input_bytes(const Data&) const`, the
/// total size of what it reads.
template <class Data>
class suite {
 public:
  suite(const Data& data, std::uint64_t seed, settings s) : data_(data), seed_(seed), settings_(s) {}

  /// Checks `c` against `expected`, the checksum of reading every record of the set once in
  /// order (starting from `seed`), aborting with a message when it differs; then calibrates its
  /// sample. The first contender added is the table's baseline.
  template <class C>
  void add(C& c, std::uint64_t expected) {
    const std::size_t n = data_.order.size();
    if (n == 0) die("a data set without records");
    const std::uint64_t got = read_records(c, 0, n);
    if (got != expected) {
      char msg[512];
      std::snprintf(msg, sizeof msg, "%.*s: checksum %016llx differs from the reference %016llx",
                    static_cast<int>(C::name.size()), C::name.data(),
                    static_cast<unsigned long long>(got),
                    static_cast<unsigned long long>(expected));
      die(msg);
    }
    entry e;
    e.m.id = C::id;
    e.m.name = C::name;
    e.m.input = C::input;
    e.m.baseline = entries_.empty();
    e.m.bytes_per_record = static_cast<double>(c.input_bytes(data_)) / static_cast<double>(n);
    e.read = [&c, this](std::size_t first, std::size_t count) {
      return read_records(c, first, count);
    };
    if (settings_.smoke) {
      e.count = n;
    } else {
      // Double the records per sample until one sample lasts `min_sample` (this also warms the
      // caches and the allocator).
      e.count = std::min<std::size_t>(n, 256);
      while (time_sample(e) < settings_.min_sample) e.count *= 2;
    }
    entries_.push_back(std::move(e));
  }

  /// Times every contender; one measurement each, in the order they were added.
  std::vector<measurement> run() {
    const std::size_t samples = settings_.smoke ? 1 : settings_.samples;
    for (std::size_t i = 0; i < samples; ++i)
      for (entry& e : entries_) {
        const double dt = std::chrono::duration<double, std::nano>(time_sample(e)).count();
        e.ns_per_record.push_back(dt / static_cast<double>(e.count));
      }
    std::vector<measurement> out;
    for (entry& e : entries_) {
      std::sort(e.ns_per_record.begin(), e.ns_per_record.end());
      measurement m = e.m;
      m.median_ns = e.ns_per_record[e.ns_per_record.size() / 2];
      m.min_ns = e.ns_per_record.front();
      m.max_ns = e.ns_per_record.back();
      m.records_per_sample = e.count;
      m.samples = e.ns_per_record.size();
      out.push_back(std::move(m));
    }
    return out;
  }

 private:
  using clock = std::chrono::steady_clock;
  struct entry {
    measurement m;
    std::function<std::uint64_t(std::size_t, std::size_t)> read;  // (first, count) -> checksum
    std::size_t count = 0;  // records per sample
    std::size_t next = 0;   // where the next sample starts in the read order
    std::vector<double> ns_per_record;
  };

  /// Reads `count` records in the read order from position `first`, wrapping around.
  template <class C>
  std::uint64_t read_records(C& c, std::size_t first, std::size_t count) const {
    const std::vector<std::uint32_t>& order = data_.order;
    const std::size_t n = order.size();
    std::uint64_t h = seed_;
    std::size_t pos = first % n;
    while (count > 0) {
      const std::size_t end = std::min(n, pos + count);
      for (std::size_t k = pos; k < end; ++k) h = c.read(data_, order[k], h);
      count -= end - pos;
      pos = 0;
    }
    return h;
  }

  clock::duration time_sample(entry& e) const {
    const auto t0 = clock::now();
    sink = e.read(e.next, e.count);
    compiler_barrier();
    const auto dt = clock::now() - t0;
    e.next = (e.next + e.count) % data_.order.size();
    return dt;
  }

  const Data& data_;
  std::uint64_t seed_;
  settings settings_;
  std::vector<entry> entries_;
};

}  // namespace uplift_bench
