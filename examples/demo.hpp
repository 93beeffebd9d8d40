#pragma once
// What the two strategies of uplift-demo share: its options, its output, the users the older
// releases wrote, and the service's read statistics. migration_demo.cpp holds main() and the
// backfill strategy, copy_demo.cpp the copy-transform.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <unistd.h>

#include <uplift/rows/histogram.hpp>
#include <uplift/uplift.hpp>

#include "user_uplift.hpp"

namespace uplift_demo {

using clock_type = std::chrono::steady_clock;
using User = demo::User;

// ---- options ------------------------------------------------------------------------------------

/// How the table's rows reach v3.
enum class strategy : std::uint8_t {
  backfill,  ///< rewritten in place, in the background, while the service runs
  copy,      ///< copied into a new table through the chain, which then takes the old one's name
};

struct options {
  uplift_demo::strategy strategy = uplift_demo::strategy::backfill;
  std::int64_t rows = 1'000'000;
  std::string db;        // SQLite file; default: uplift-demo.db next to the program
  std::string postgres;  // a PostgreSQL URL or conninfo instead of SQLite
  int processes = 2;  // service processes, each attached to the knob (backfill)
  int readers = 2;    // reader threads of each process (copy: of this process)
  int writers = -1;   // writer threads of each process (copy: of this process); -1: the default
  double rate = 100'000;      // backfill (or copy) rows/s
  double read_rate = 40'000;  // service reads/s, all readers together (0: as fast as they go)
  double write_rate = 500;    // service writes/s, all writers together
  double baseline_seconds = 3;
  bool maintenance = false;  // copy: cut over with the changed keys in maintenance (a route)
  bool json = false;         // rows as JSON documents, not binary records
  std::int64_t legacy = 0;   // JSON documents written before versioning, after the rows
  int serve = -1;            // --serve INDEX DIR: this process is service process INDEX
  std::string serve_dir;     // where service processes leave their read latencies
  /// The table's keys: 1..keys().
  std::int64_t keys() const { return rows + legacy; }
};

// ---- output -------------------------------------------------------------------------------------

inline const bool tty = isatty(STDOUT_FILENO) != 0;

inline void phase(int n, const char* title, const char* what) {
  std::printf("\n%s== %d. %s%s\n%s\n", tty ? "\x1b[1m" : "", n, title, tty ? "\x1b[0m" : "", what);
  std::fflush(stdout);
}

inline std::string thousands(std::uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

/// Rows per stored version, and (`untagged`) the rows written before versioning.
inline void print_histogram(const uplift::record_histogram& h, bool untagged) {
  const std::uint64_t total = std::max<std::uint64_t>(h.rows() + h.untagged, 1);
  auto line = [&](const std::string& label, std::uint64_t n, const char* note) {
    const double share = 100.0 * static_cast<double>(n) / static_cast<double>(total);
    std::printf("   %s  %12s rows  %5.1f%%  %s%s\n", label.c_str(), thousands(n).c_str(), share,
                std::string(static_cast<std::size_t>(share / 2.5 + 0.5), '#').c_str(), note);
  };
  for (std::uint16_t v = 1; v <= 3; ++v) line("v" + std::to_string(v), h.at(v), "");
  if (untagged) line("--", h.untagged, "  (written before versioning: no version key or header)");
  if (h.other_types + h.not_records != 0)
    std::printf("   (%s rows of other types or not records)\n", thousands(h.other_types + h.not_records).c_str());
}

// ---- the legacy data ----------------------------------------------------------------------------

inline const char* const given_names[] = {"Ada",   "Grace", "Alan",    "Edsger", "Barbara", "Donald",
                                          "Frances", "John", "Katherine", "Dennis", "Margaret", "Ken"};
inline const char* const family_names[] = {"Lovelace", "Hopper", "Turing",  "Dijkstra", "Liskov", "Knuth",
                                           "Allen",    "Backus", "Johnson", "Ritchie",  "Hamilton", "Thompson"};

/// User i as the latest release (v3) writes it.
inline demo::v3::UserT latest_user(std::int64_t i) {
  demo::v3::UserT u;
  u.id = static_cast<std::uint64_t>(i);
  u.given_name = given_names[i % 12];
  u.family_name = family_names[(i / 12) % 12];
  u.email = "user" + std::to_string(i) + "@example.com";
  u.age = 18 + static_cast<std::int32_t>(i % 70);
  u.created_at = 1'600'000'000 + i;
  return u;
}

/// User i as a release writing `version` wrote it, handed to `row` (the struct of that version).
template <class F>
std::string user_at(std::int64_t i, int version, F&& row) {
  const demo::v3::UserT latest = latest_user(i);
  if (version == 3) return row(latest);
  const std::string name = latest.given_name + " " + latest.family_name;
  const auto age = static_cast<std::int16_t>(latest.age);
  if (version == 1) {
    demo::v1::UserT u;
    u.id = latest.id;
    u.name = name;
    u.email = latest.email;
    u.age = age;
    return row(u);
  }
  demo::v2::UserT u;
  u.id = latest.id;
  u.full_name = name;
  u.email = latest.email;
  u.age = age;
  u.created_at = latest.created_at;
  return row(u);
}

/// The release that wrote user i of the table: half at v1, 30% at v2, 20% at v3.
inline int release_of(std::int64_t i) {
  const std::int64_t bucket = i % 10;
  return bucket < 5 ? 1 : bucket < 8 ? 2 : 3;
}

// ---- the service's statistics -------------------------------------------------------------------

/// Read latencies and counts of one phase, merged from the reader threads.
struct phase_stats {
  std::vector<std::uint32_t> latency_ns;  // one per read (capped per thread)
  std::uint64_t reads = 0, writes = 0;
  double seconds = 0;
  double percentile(double p) const {
    if (latency_ns.empty()) return 0;
    std::vector<std::uint32_t> v = latency_ns;
    const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k] / 1000.0;
  }
  double reads_per_second() const { return static_cast<double>(reads) / std::max(seconds, 1e-9); }
  double writes_per_second() const { return static_cast<double>(writes) / std::max(seconds, 1e-9); }
};

// ---- the strategies -----------------------------------------------------------------------------

/// The copy-transform (copy_demo.cpp), on the SQLite file `sqlite_path` or, with o.postgres, on
/// PostgreSQL: the program's exit status.
int run_copy(const options& o, const std::string& sqlite_path);

}  // namespace uplift_demo
