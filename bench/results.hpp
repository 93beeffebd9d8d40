#pragma once
// Where uplift-bench's measurements go: a markdown table per data set on stdout as they come, and
// one tab-separated file that uplift-bench-report turns into docs/bench/results.md and the plots.
//
// The file's lines, tab-separated:
//   info   KEY VALUE
//   table  ID TITLE NOTE
//   row    TABLE_ID CONTENDER_ID NAME INPUT BASELINE(0|1) RECORDS BYTES_PER_RECORD MEDIAN_NS
//          MIN_NS MAX_NS RECORDS_PER_SAMPLE SAMPLES
// A table id is its scenario and its parameters joined by '/', e.g. "read_latest/M/cache/all".

#include <cstddef>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "harness.hpp"

namespace uplift_bench {

class results {
 public:
  /// Writes to `path` (nothing when empty).
  explicit results(const std::string& path) {
    if (!path.empty()) {
      file_.open(path);
      if (!file_) die("cannot write " + path);
    }
  }

  void info(std::string_view key, std::string_view value) {
    std::printf("- %.*s: %.*s\n", static_cast<int>(key.size()), key.data(),
                static_cast<int>(value.size()), value.data());
    line({"info", std::string(key), std::string(value)});
  }

  /// A table of measurements over a set of `records` records.
  void table(std::string_view id, std::string_view title, std::string_view note, std::size_t records,
             const std::vector<measurement>& rows) {
    std::printf("\n### %.*s\n\n", static_cast<int>(title.size()), title.data());
    if (!note.empty()) std::printf("%.*s\n\n", static_cast<int>(note.size()), note.data());
    std::printf("| contender | input | B/record | ns/record | min .. max | records/s | GB/s | vs baseline |\n");
    std::printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
    const double base = rows.empty() ? 1 : rows.front().median_ns;
    for (const measurement& m : rows) {
      std::printf("| %s | %s | %.0f | %.1f | %.1f .. %.1f | %.2f M | %.2f | %.2fx |\n",
                  m.name.c_str(), m.input.c_str(), m.bytes_per_record, m.median_ns, m.min_ns,
                  m.max_ns, 1e3 / m.median_ns, m.bytes_per_record / m.median_ns,
                  m.median_ns / base);
    }
    std::fflush(stdout);
    line({"table", std::string(id), std::string(title), std::string(note)});
    for (const measurement& m : rows)
      line({"row", std::string(id), m.id, m.name, m.input, m.baseline ? "1" : "0",
            std::to_string(records), number(m.bytes_per_record), number(m.median_ns),
            number(m.min_ns), number(m.max_ns), std::to_string(m.records_per_sample),
            std::to_string(m.samples)});
  }

 private:
  static std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    return buf;
  }
  void line(const std::vector<std::string>& fields) {
    if (!file_.is_open()) return;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) file_ << '\t';
      for (char c : fields[i]) file_ << (c == '\t' || c == '\n' ? ' ' : c);
    }
    file_ << '\n';
    file_.flush();
  }

  std::ofstream file_;
};

}  // namespace uplift_bench
