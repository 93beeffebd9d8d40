// uplift-bench-copy: the copy-transform's figures on SQLite and PostgreSQL.
//
//   uplift-bench-copy [--sqlite DIR] [--postgres CONNINFO] [--rows N] [--changes N]
//                     [--cutovers N] [--cutover-rows N] [--writer-rate WRITES_PER_S]
//                     [--backlog-ms MS,MS...]
//
// - copy rows/s: copy_job::copy() of N demo.User rows (a third each at v1, v2 and v3, about 200
//   bytes; each row through the chain to v3) against the ceiling, the same store copying the same
//   rows with nothing in between: INSERT INTO ... SELECT within one database, and across databases
//   the rows scanned from the source and bulk-loaded into the target (put_many, 10,000 rows a
//   transaction). Each copy must leave its table equal to f(source) (checked after the clock).
// - catch-up entries/s: after the copy, N changes to the source (updates, logged by the capture)
//   applied by copy_job::catch_up(); where both stores take several writers (PostgreSQL), N more
//   applied by 4 catch-up workers (copy_options::catch_up_workers).
// - the cut-over window: over --cutovers cut-overs (each a fresh table of --cutover-rows rows,
//   copied into a new table of the same database) with a writer writing the source at
//   --writer-rate, the time the source's writers were blocked (cutover_report::window): p50, p99
//   and max, and the writer's own longest write among those that overlapped a cut-over. Each
//   cut-over first lets --backlog-ms of writes gather after the last catch-up (100 and 1000 ms by
//   default; the writer keeps a connection to the new table ready), and runs twice:
//   draining them with the writers blocked (cutover_mode::drain), and putting their keys in
//   maintenance (cutover_mode::maintenance): then also how many keys were held, and for how long
//   after the writers were let go (cutover_report::maintenance_keys, ::maintenance).
//
// Setups: one SQLite file (rename), one SQLite file to another (route), one PostgreSQL database
// (rename), SQLite to PostgreSQL (route). A PostgreSQL server for it: tests/store/pg_cluster.sh
// start DIR, then --postgres "$(cat DIR/conninfo)"; `make bench` does that (bench/run_copy.sh).

#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <uplift/rows/copy.hpp>
#include <uplift/store/postgres.hpp>
#include <uplift/store/sqlite.hpp>

#include "user_uplift.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
using User = demo::User;

struct options {
  std::string sqlite, postgres;
  std::int64_t rows = 200'000;
  std::int64_t changes = 50'000;
  int cutovers = 20;
  std::int64_t cutover_rows = 20'000;
  double writer_rate = 500;
  std::vector<int> backlogs_ms{100, 1000};
};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "uplift-bench-copy: %s\n", what.c_str());
  std::exit(1);
}
template <class T>
T ok(uplift::result<T> r, const char* what) {
  if (!r) fail(std::string(what) + ": " + r.error().message());
  return std::move(*r);
}
void ok(const uplift::status& st, const char* what) {
  if (!st) fail(std::string(what) + ": " + st.error().message());
}

std::string user(std::int64_t i, int version, const std::string& tag = "") {
  const std::string given = "Given" + std::to_string(i) + tag, family = "Family" + std::to_string(i);
  const std::string email = "user" + std::to_string(i) + "@example.com";
  if (version == 1) {
    demo::v1::UserT u;
    u.id = static_cast<std::uint64_t>(i);
    u.name = given + " " + family;
    u.email = email;
    u.age = static_cast<std::int16_t>(i % 90);
    return std::string(uplift::write<User>(u).as_string_view());
  }
  if (version == 2) {
    demo::v2::UserT u;
    u.id = static_cast<std::uint64_t>(i);
    u.full_name = given + " " + family;
    u.email = email;
    u.age = static_cast<std::int16_t>(i % 90);
    u.created_at = 1'700'000'000 + i;
    return std::string(uplift::write<User>(u).as_string_view());
  }
  demo::v3::UserT u;
  u.id = static_cast<std::uint64_t>(i);
  u.given_name = given;
  u.family_name = family;
  u.email = email;
  u.age = static_cast<std::int32_t>(i % 90);
  u.created_at = 1'700'000'000 + i;
  return std::string(uplift::write<User>(u).as_string_view());
}

uplift::record_handle handle() {
  static const uplift::codec<User> c;
  return c.handle();
}

/// A database: opens its tables, runs its SQL.
struct place {
  std::string name;  ///< for the tables
  std::function<std::unique_ptr<uplift::store>(const std::string& table)> open;
  std::function<void(const std::string& sql)> sql;
};

place sqlite_place(const std::string& file) {
  place p;
  p.name = "SQLite";
  p.open = [file](const std::string& table) -> std::unique_ptr<uplift::store> {
    return std::make_unique<uplift::sqlite_store>(
        ok(uplift::sqlite_store::open(file, {.table = table, .value_column = "record"}), "opening SQLite"));
  };
  p.sql = [file](const std::string& text) {
    sqlite3* db = nullptr;
    if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) fail("cannot open " + file);
    sqlite3_busy_timeout(db, 10000);
    char* err = nullptr;
    if (sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK)
      fail(text + ": " + (err ? err : ""));
    sqlite3_close(db);
  };
  return p;
}

place postgres_place(const std::string& conninfo) {
  place p;
  p.name = "PostgreSQL";
  p.open = [conninfo](const std::string& table) -> std::unique_ptr<uplift::store> {
    return std::make_unique<uplift::postgres_store>(
        ok(uplift::postgres_store::open(conninfo, {.table = table, .value_column = "record"}),
           "opening PostgreSQL"));
  };
  p.sql = [conninfo](const std::string& text) {
    PGconn* c = PQconnectdb(conninfo.c_str());
    if (PQstatus(c) != CONNECTION_OK) fail(std::string("cannot connect: ") + PQerrorMessage(c));
    PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
    PGresult* r = PQexec(c, text.c_str());
    const ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(text + ": " + PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
  };
  return p;
}

template <class F>
auto on_store(uplift::store& s, F&& f) {
  if (auto* q = dynamic_cast<uplift::sqlite_store*>(&s)) return f(*q);
  return f(dynamic_cast<uplift::postgres_store&>(s));
}

/// Drops and creates `table` with rows 1..n (versions 1, 2, 3 in turn).
void make_table(place& p, const std::string& table, std::int64_t n) {
  p.sql("DROP TABLE IF EXISTS " + table);
  auto s = p.open(table);
  on_store(*s, [&](auto& db) {
    ok(db.create_table(), "creating a table");
    std::vector<uplift::stored_row> rows;
    for (std::int64_t i = 1; i <= n; ++i) {
      rows.push_back({i, user(i, static_cast<int>(1 + i % 3))});
      if (rows.size() == 10000 || i == n) {
        ok(db.put_many(rows), "filling a table");
        rows.clear();
      }
    }
  });
}
void empty_table(place& p, const std::string& table) {
  p.sql("DROP TABLE IF EXISTS " + table);
  auto s = p.open(table);
  on_store(*s, [&](auto& db) { ok(db.create_table(), "creating a table"); });
}
void drop_copy_state(place& p) {
  for (const char* t : {"uplift_copy", "uplift_capture", "uplift_routes", "uplift_maintenance"})
    p.sql(std::string("DROP TABLE IF EXISTS ") + t);
}

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

/// Checks that `target` holds f(row) of every row of `source`.
void check_copied(uplift::store& source, uplift::store& target) {
  auto a = ok(source.scan({}, 100000000), "reading the source");
  auto b = ok(target.scan({}, 100000000), "reading the target");
  if (a.size() != b.size()) fail("the copy has " + std::to_string(b.size()) + " rows, not " + std::to_string(a.size()));
  for (std::size_t i = 0; i < a.size(); ++i) {
    std::string want;
    ok(handle().rewrite_as(uplift::as_bytes_view(a[i].value), uplift::value_format::binary, 3,
                           uplift::row_format::binary, want),
       "rewriting a row");
    if (!(a[i].key == b[i].key) || b[i].value != want) fail("row " + uplift::key_to_string(a[i].key) + " differs");
  }
}

struct copy_figures {
  double copy_rows_s = 0, ceiling_rows_s = 0, catch_up_entries_s = 0;
  double catch_up_4_entries_s = 0;  ///< with 4 catch-up workers (0: the store takes one)
};

/// `changes` updates of random rows of the source, in transactions of up to 1,000 rows.
void change_rows(place& from, std::int64_t rows, std::int64_t changes, std::uint64_t seed) {
  auto src = from.open("bench_source");
  std::map<std::int64_t, std::string> batch;  // put_many takes distinct keys
  std::mt19937_64 rng(seed);
  for (std::int64_t c = 0; c < changes; ++c) {
    const std::int64_t i = 1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(rows));
    batch[i] = user(i, 2, "-c" + std::to_string(seed) + "." + std::to_string(c));
    if (batch.size() == 1000 || c + 1 == changes) {
      std::vector<uplift::stored_row> out;
      for (auto& [k, v] : batch) out.push_back({k, std::move(v)});
      on_store(*src, [&](auto& db) { ok(db.put_many(out), "changing rows"); });
      batch.clear();
    }
  }
}

copy_figures measure_copy(const options& o, place& from, place& to, bool same) {
  copy_figures f;
  drop_copy_state(from);
  if (!same) drop_copy_state(to);
  make_table(from, "bench_source", o.rows);
  // The ceiling: the same rows copied with nothing in between.
  empty_table(to, "bench_ceiling");
  {
    auto t0 = clock_type::now();
    if (same) {
      from.sql("INSERT INTO bench_ceiling SELECT * FROM bench_source");
    } else {
      auto src = from.open("bench_source");
      auto dst = to.open("bench_ceiling");
      std::optional<uplift::row_key> after;
      for (;;) {
        auto rows = ok(src->scan({after, std::nullopt}, 10000), "scanning");
        if (rows.empty()) break;
        after = rows.back().key;
        on_store(*dst, [&](auto& db) { ok(db.put_many(rows), "bulk loading"); });
        if (rows.size() < 10000) break;
      }
    }
    f.ceiling_rows_s = static_cast<double>(o.rows) / seconds_since(t0);
  }
  empty_table(to, "bench_target");
  auto t0 = clock_type::now();
  auto job = ok(uplift::copy_job::open(from.open("bench_source"), to.open("bench_target"), handle(),
                                       {.job = "bench", .initial_chunk = 2000, .max_chunk = 20000}),
                "opening the copy job");
  ok(job.copy(), "copying");
  f.copy_rows_s = static_cast<double>(o.rows) / seconds_since(t0);
  check_copied(*from.open("bench_source"), *to.open("bench_target"));
  // The catch-up: changes logged by the capture, applied.
  change_rows(from, o.rows, o.changes, 7);
  t0 = clock_type::now();
  const std::uint64_t applied = ok(job.catch_up(), "catching up");
  f.catch_up_entries_s = static_cast<double>(applied) / seconds_since(t0);
  check_copied(*from.open("bench_source"), *to.open("bench_target"));
  // Again with 4 workers, where both stores take several writers at once.
  if (!from.open("bench_source")->single_writer() && !to.open("bench_target")->single_writer()) {
    change_rows(from, o.rows, o.changes, 8);
    auto four = ok(uplift::copy_job::open(from.open("bench_source"), to.open("bench_target"), handle(),
                                          {.job = "bench", .catch_up_workers = 4}),
                   "opening the copy job again");
    t0 = clock_type::now();
    const std::uint64_t n = ok(four.catch_up(), "catching up with 4 workers");
    f.catch_up_4_entries_s = static_cast<double>(n) / seconds_since(t0);
    check_copied(*from.open("bench_source"), *to.open("bench_target"));
  }
  return f;
}

/// After a maintenance cut-over: the new table holds f(row) of every row the old one held at
/// the swap, except the rows the writer wrote since (its own bytes, at v2).
void check_copied_by_route(place& p, const std::string& src, const std::string& dst) {
  auto a = ok(p.open(src)->scan({}, 100000000), "reading the old table");
  auto b = ok(p.open(dst)->scan({}, 100000000), "reading the new table");
  if (a.size() != b.size()) fail("the new table has " + std::to_string(b.size()) + " rows, not " + std::to_string(a.size()));
  for (std::size_t i = 0; i < a.size(); ++i) {
    std::string want;
    ok(handle().rewrite_as(uplift::as_bytes_view(a[i].value), uplift::value_format::binary, 3,
                           uplift::row_format::binary, want),
       "rewriting a row");
    if (b[i].key != a[i].key || (b[i].value != want && uplift::peek(uplift::as_bytes_view(b[i].value))->version != 2))
      fail("row " + uplift::key_to_string(a[i].key) + " of the new table is not f(old row) nor the writer's");
  }
}

struct window_figures {
  std::vector<double> windows_ms;
  std::vector<double> held_keys, held_ms;  // maintenance: keys held, and for how long, per cut-over
  double writer_max_ms = 0;
  std::uint64_t writes = 0, drained = 0, refused = 0;
};

/// --cutovers cut-overs of fresh tables with a writer at --writer-rate: each catches up, lets
/// --backlog-ms of writes gather (a copier that catches up now and then), then cuts over, by
/// draining (rename) or by putting the changed keys in maintenance (route).
window_figures measure_cutovers(const options& o, place& p, uplift::cutover_mode mode,
                                int backlog_ms) {
  const bool held = mode == uplift::cutover_mode::maintenance;
  window_figures w;
  drop_copy_state(p);
  for (int k = 0; k < o.cutovers; ++k) {
    const std::string src = "bench_cut_" + std::to_string(k), dst = src + "_new";
    make_table(p, src, o.cutover_rows);
    empty_table(p, dst);
    p.sql("DROP TABLE IF EXISTS " + src + "_uplift_old");
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> writes{0};
    // The writer's writes that took longer than 1 ms: when each began, and how long it took.
    std::vector<std::pair<clock_type::time_point, double>> slow;
    std::atomic<std::uint64_t> refused{0};
    std::thread writer([&] {
      auto db = p.open(src);
      // A service keeps a connection to the new place ready: its first write there is not a
      // connection's set-up.
      auto next_place = held ? p.open(dst) : nullptr;
      std::mt19937_64 rng(static_cast<std::uint64_t>(k));
      const auto gap = std::chrono::duration<double>(1.0 / o.writer_rate);
      auto next = clock_type::now();
      while (!stop.load()) {
        const std::int64_t i = 1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(o.cutover_rows));
        const auto t0 = clock_type::now();
        auto put = [&] { return on_store(*db, [&](auto& s) { return s.put(i, user(i, 2, "-w")); }); };
        auto st = put();
        // A route sends the writer to the new table; a key in maintenance is written again a
        // moment later. Both count in the write's time.
        if (!st && st.error().code == uplift::errc::table_moved && next_place) {
          db = std::move(next_place);
          st = put();
        }
        while (!st && st.error().code == uplift::errc::key_in_maintenance) {
          ++refused;
          std::this_thread::sleep_for(std::chrono::microseconds(200));
          st = put();
        }
        if (!st) fail("the writer's write failed: " + st.error().message());
        const double ms = seconds_since(t0) * 1000;
        if (ms > 1.0) slow.emplace_back(t0, ms);
        ++writes;
        next += std::chrono::duration_cast<clock_type::duration>(gap);
        std::this_thread::sleep_until(next);
      }
    });
    auto job = ok(uplift::copy_job::open(p.open(src), p.open(dst), handle(),
                                         {.job = "cut", .cutover = mode}),
                  "opening");
    ok(job.copy(), "copying");
    std::optional<uplift::cutover_report> r;
    clock_type::time_point cut_began, cut_ended;
    for (int attempt = 0; !r; ++attempt) {
      ok(job.catch_up(), "catching up");
      std::this_thread::sleep_for(std::chrono::milliseconds(backlog_ms));
      cut_began = clock_type::now();
      auto tried = job.cut_over();
      cut_ended = clock_type::now();
      if (tried) {
        r = std::move(*tried);
      } else if (tried.error().code != uplift::errc::cutover_aborted || attempt == 50) {
        fail("cut-over: " + tried.error().message());
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // writes after the swap
    stop = true;
    writer.join();
    w.windows_ms.push_back(static_cast<double>(r->window.count()) / 1000.0);
    w.held_keys.push_back(static_cast<double>(r->maintenance_keys));
    w.held_ms.push_back(static_cast<double>(r->maintenance.count()) / 1000.0);
    w.drained += r->drained;
    w.writes += writes.load();
    w.refused += refused.load();
    // The writer's longest write among those the cut-over could have held up: begun before it
    // ended and ended after it began.
    for (const auto& [began, ms] : slow)
      if (began < cut_ended && began + std::chrono::duration_cast<clock_type::duration>(
                                           std::chrono::duration<double, std::milli>(ms)) > cut_began)
        w.writer_max_ms = std::max(w.writer_max_ms, ms);
    if (held) check_copied_by_route(p, src, dst);
    p.sql("DROP TABLE IF EXISTS " + src);
    p.sql("DROP TABLE IF EXISTS " + src + "_uplift_old");
    p.sql("DROP TABLE IF EXISTS " + dst);
  }
  drop_copy_state(p);  // the routes of these tables, for the next run
  for (auto* v : {&w.windows_ms, &w.held_keys, &w.held_ms}) std::sort(v->begin(), v->end());
  return w;
}

double at(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const std::size_t i = std::min(sorted.size() - 1, static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5));
  return sorted[i];
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) fail(a + " needs a value");
      return argv[++i];
    };
    if (a == "--sqlite") o.sqlite = value();
    else if (a == "--postgres") o.postgres = value();
    else if (a == "--rows") o.rows = std::stoll(value());
    else if (a == "--changes") o.changes = std::stoll(value());
    else if (a == "--cutovers") o.cutovers = std::stoi(value());
    else if (a == "--cutover-rows") o.cutover_rows = std::stoll(value());
    else if (a == "--writer-rate") o.writer_rate = std::stod(value());
    else if (a == "--backlog-ms") {
      o.backlogs_ms.clear();
      std::string list = value();
      for (std::size_t at = 0; at <= list.size();) {
        const std::size_t comma = std::min(list.find(',', at), list.size());
        o.backlogs_ms.push_back(std::stoi(list.substr(at, comma - at)));
        at = comma + 1;
      }
    }
    else fail("unknown option " + a + " (see the top of bench/copy/main.cpp)");
  }
  if (o.sqlite.empty() && o.postgres.empty()) fail("give --sqlite DIR and/or --postgres CONNINFO");
  std::printf("copy-transform, %lld rows of demo.User (v1/v2/v3 -> v3), %lld changes caught up\n\n",
              static_cast<long long>(o.rows), static_cast<long long>(o.changes));
  std::printf("| setup | copy rows/s | ceiling rows/s | vs ceiling | catch-up entries/s | with 4 workers |\n");
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  std::vector<std::pair<std::string, std::pair<place, place>>> setups;
  if (!o.sqlite.empty()) {
    setups.push_back({"one SQLite file (ceiling: INSERT ... SELECT)",
                      {sqlite_place(o.sqlite + "/copy.db"), sqlite_place(o.sqlite + "/copy.db")}});
    setups.push_back({"SQLite file to another file (ceiling: scan + put_many)",
                      {sqlite_place(o.sqlite + "/copy.db"), sqlite_place(o.sqlite + "/copy-target.db")}});
  }
  if (!o.postgres.empty()) {
    setups.push_back({"one PostgreSQL database (ceiling: INSERT ... SELECT)",
                      {postgres_place(o.postgres), postgres_place(o.postgres)}});
    if (!o.sqlite.empty())
      setups.push_back({"SQLite to PostgreSQL (ceiling: scan + put_many)",
                        {sqlite_place(o.sqlite + "/copy.db"), postgres_place(o.postgres)}});
  }
  for (auto& [name, places] : setups) {
    const bool same = name.rfind("one ", 0) == 0;
    const copy_figures f = measure_copy(o, places.first, places.second, same);
    const std::string four = f.catch_up_4_entries_s > 0 ? std::to_string(static_cast<long long>(f.catch_up_4_entries_s)) : "(one writer)";
    std::printf("| %s | %.0f | %.0f | %.2f | %.0f | %s |\n", name.c_str(), f.copy_rows_s, f.ceiling_rows_s,
                f.copy_rows_s / f.ceiling_rows_s, f.catch_up_entries_s, four.c_str());
    std::fflush(stdout);
  }
  std::printf("\ncut-overs: %d of each kind, each of a table of %lld rows into a new table of the same "
              "database, a writer at %.0f writes/s; before each, the writer's writes of the given "
              "time gather in the log after the last catch-up\n\n",
              o.cutovers, static_cast<long long>(o.cutover_rows), o.writer_rate);
  std::printf("| store, cut-over | writers blocked p50 | p99 | max | keys held p50 | p99 | held for p50 | p99 | max | the writer's longest write during a cut-over |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  std::vector<std::pair<std::string, place>> stores;
  if (!o.sqlite.empty()) stores.push_back({"SQLite", sqlite_place(o.sqlite + "/cut.db")});
  if (!o.postgres.empty()) stores.push_back({"PostgreSQL", postgres_place(o.postgres)});
  for (auto& [name, p] : stores)
    for (const int backlog : o.backlogs_ms)
      for (auto mode : {uplift::cutover_mode::drain, uplift::cutover_mode::maintenance}) {
        const window_figures w = measure_cutovers(o, p, mode, backlog);
        const double max_window = w.windows_ms.empty() ? 0.0 : w.windows_ms.back();
        if (mode == uplift::cutover_mode::drain)
          std::printf("| %s, %d ms of writes, drain (%llu entries drained) | %.2f ms | %.2f ms | %.2f ms | - | - | - | - | - | %.2f ms |\n",
                      name.c_str(), backlog, static_cast<unsigned long long>(w.drained),
                      at(w.windows_ms, 0.5), at(w.windows_ms, 0.99), max_window, w.writer_max_ms);
        else
          std::printf("| %s, %d ms of writes, maintenance (%llu writes refused while held, retried) | %.2f ms | %.2f ms | %.2f ms | %.0f | %.0f | %.2f ms | %.2f ms | %.2f ms | %.2f ms |\n",
                      name.c_str(), backlog, static_cast<unsigned long long>(w.refused),
                      at(w.windows_ms, 0.5), at(w.windows_ms, 0.99), max_window,
                      at(w.held_keys, 0.5), at(w.held_keys, 0.99), at(w.held_ms, 0.5),
                      at(w.held_ms, 0.99), w.held_ms.empty() ? 0.0 : w.held_ms.back(), w.writer_max_ms);
        std::fflush(stdout);
      }
  return 0;
}
