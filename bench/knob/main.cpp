// uplift-bench-knob: the write-version knob's two figures.
//
//  1. Flip time: 8 processes of uplift-bench-knob-child (each attached to the knob of demo.User,
//     each writing a row every 5 ms) and F flips between v2 and v3; for each flip and process, the
//     time from the call of set_knob to the moment the process's codec writes the new version
//     (its FLIP line's clock, the same machine's). p50, p99 and max over all of them.
//  2. An attached codec's write against the same codec with a fixed version: ns per write of a
//     demo user at v3 (the same bytes), in alternating rounds, and the ratio.
//
//   uplift-bench-knob CHILD --sqlite PATH [--postgres CONNINFO] [--processes 8] [--flips 40]
//
// bench/run_knob.sh runs it with a throwaway PostgreSQL server; make bench does.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <uplift/fleet/knob.hpp>
#include <uplift/store/postgres.hpp>
#include <uplift/store/sqlite.hpp>

#include "knob_processes.hpp"
#include "user_uplift.hpp"

namespace {

using knob_test::child;
using knob_test::unix_us;
using namespace std::chrono_literals;

struct arguments {
  std::string child_exe, sqlite, postgres;
  int processes = 8;
  int flips = 40;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

/// The flips of part 1 on one store; false when a process or a flip failed.
template <class S>
bool flip_time(S& db, const std::string& store_arg, const std::string& name, const arguments& a) {
  std::vector<std::unique_ptr<child>> fleet;
  for (int i = 0; i < a.processes; ++i)
    fleet.push_back(std::make_unique<child>(std::vector<std::string>{
        a.child_exe, store_arg, db.spec().table, "bench-" + std::to_string(i),
        std::to_string(i * 100000000LL), "--write-version", "2", "--every-us", "5000"}));
  for (auto& c : fleet)
    if (c->line_starting("READY", 30s) != "READY 2") {
      std::fprintf(stderr, "bench-knob: a process did not attach\n");
      return false;
    }
  std::vector<double> lag_ms;
  std::uint16_t to = 3;
  for (int f = 0; f < a.flips; ++f, to = to == 3 ? 2 : 3) {
    std::this_thread::sleep_for(50ms);
    const long long called = unix_us();
    auto flip = uplift::set_knob(db, "demo.User", to, {.by = "bench"});
    if (!flip) {
      std::fprintf(stderr, "bench-knob: %s\n", flip.error().message().c_str());
      return false;
    }
    for (auto& c : fleet) {
      auto l = c->line_starting("FLIP", 10s);
      if (!l) {
        std::fprintf(stderr, "bench-knob: a process did not follow flip %d\n", f);
        return false;
      }
      std::istringstream in(l->substr(5));
      long long from = 0, got = 0, at = 0;
      in >> from >> got >> at;
      lag_ms.push_back(static_cast<double>(at - called) / 1000.0);
    }
  }
  for (auto& c : fleet) c->close_stdin();
  for (auto& c : fleet) c->wait();
  std::printf("%-10s flip to %d processes, %d flips: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              name.c_str(), a.processes, a.flips, percentile(lag_ms, 0.5),
              percentile(lag_ms, 0.99), percentile(lag_ms, 1.0));
  return true;
}

/// Part 2: ns per write, attached against fixed, on one store.
template <class S>
void write_overhead(S& db, const std::string& name) {
  using codec_type = uplift::codec<demo::User>;
  codec_type fixed = codec_type::make({}).value();
  codec_type attached = codec_type::make({}).value();
  uplift::knob_options o;
  o.node = "bench-writer";
  auto knob = uplift::attach_knob(attached, db.connect().value(), o);
  if (!knob) {
    std::fprintf(stderr, "bench-knob: %s\n", knob.error().message().c_str());
    return;
  }
  // The latest version both ways (a write after the rollout's flip): the same bytes.
  if (auto flip = uplift::set_knob(db, "demo.User", 3, {.by = "bench"}); !flip) {
    std::fprintf(stderr, "bench-knob: %s\n", flip.error().message().c_str());
    return;
  }
  while (attached.write_version() != 3) std::this_thread::sleep_for(1ms);
  if (auto st = fixed.set_write_version(attached.write_version()); !st) {
    std::fprintf(stderr, "bench-knob: %s\n", st.error().message().c_str());
    return;
  }
  codec_type::object_type u;
  u.id = 42;
  u.given_name = "Grace Brewster";
  u.family_name = "Hopper";
  u.email = "grace@example.com";
  u.age = 85;
  u.created_at = 1700000000;
  auto time_writes = [&](const codec_type& c) {
    constexpr int n = 200000;
    std::size_t bytes = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) bytes += c.write(u).value().size();
    const auto t1 = std::chrono::steady_clock::now();
    if (bytes == 0) std::abort();
    return std::chrono::duration<double, std::nano>(t1 - t0).count() / n;
  };
  std::vector<double> f, t;
  for (int round = 0; round < 7; ++round) {
    f.push_back(time_writes(fixed));
    t.push_back(time_writes(attached));
  }
  const double fm = percentile(f, 0.5), tm = percentile(t, 0.5);
  std::printf("%-10s write of a user at v%u: fixed codec %.1f ns, attached codec %.1f ns: "
              "%.3fx (%+.1f ns)\n",
              name.c_str(), unsigned{attached.write_version()}, fm, tm, tm / fm, tm - fm);
}

template <class S>
bool run(uplift::result<S> opened, const std::string& store_arg, const std::string& name,
         const arguments& a) {
  if (!opened) {
    std::fprintf(stderr, "bench-knob: %s\n", opened.error().message().c_str());
    return false;
  }
  S& db = *opened;
  (void)db.drop_table();
  if (auto st = db.create_table(); !st) {
    std::fprintf(stderr, "bench-knob: %s\n", st.error().message().c_str());
    return false;
  }
  const bool ok = flip_time(db, store_arg, name, a);
  write_overhead(db, name);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: uplift-bench-knob CHILD --sqlite PATH [--postgres CONNINFO] "
                         "[--processes N] [--flips N]\n");
    return 2;
  }
  arguments a;
  a.child_exe = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--sqlite") a.sqlite = argv[i + 1];
    else if (arg == "--postgres") a.postgres = argv[i + 1];
    else if (arg == "--processes") a.processes = std::atoi(argv[i + 1]);
    else if (arg == "--flips") a.flips = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "bench-knob: unknown option %s\n", arg.c_str());
      return 2;
    }
  }
  const uplift::table_spec spec{.table = "uplift_bench_knob"};
  bool ok = true;
  if (!a.sqlite.empty()) {
    std::filesystem::remove(a.sqlite);
    ok = run(uplift::sqlite_store::open(a.sqlite, spec), "sqlite:" + a.sqlite, "SQLite", a) && ok;
  }
  if (!a.postgres.empty())
    ok = run(uplift::postgres_store::open(a.postgres, spec), "pg:" + a.postgres, "PostgreSQL", a) &&
         ok;
  return ok ? 0 : 1;
}
