// uplift-bench-backfill: the backfill's rows/s against the ceiling, the same store's plain batched
// UPDATE of the same rows, on SQLite and PostgreSQL, with and without a concurrent writer.
//
//   uplift-bench-backfill [--sqlite FILE] [--postgres CONNINFO] [--rows N] [--rounds N]
//                         [--writer-rate WRITES_PER_S]
//
// The rows are demo.User records at v2 of about 200 bytes. The backfill upgrades each to v3 (the
// v2 -> v3 step splits the name with a hook), reading the rows batch by batch, skipping none, and
// writing each conditionally, with its cursor and counters committed per batch. The ceiling writes
// the same rows' v3 bytes, computed before its clock starts, with the fastest plain statement the
// store has: per-row UPDATEs in one transaction per batch of 10,000 (SQLite), one
// UPDATE ... FROM unnest per batch (PostgreSQL). Each contender gets a table of its own, loaded
// with the same rows (copied inside the database from one table loaded once) before it is timed;
// the order alternates between rounds; medians are shown.
// The writer updates random rows of the table being rewritten at a fixed rate, on a connection of
// its own, at v3 (as a service does after the flip).
//
// A PostgreSQL server for it: tests/store/pg_cluster.sh start DIR, then --postgres "$(cat
// DIR/conninfo)"; `make bench` does that.

#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <unistd.h>

#include <uplift/rows/backfill.hpp>
#include <uplift/store/postgres.hpp>
#include <uplift/store/sqlite.hpp>

#include "store/postgres_binary.hpp"  // the PostgreSQL store's binary arrays

#include "user_uplift.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
using User = demo::User;

struct options {
  std::string sqlite, postgres;
  std::int64_t rows = 1'000'000;
  int rounds = 2;
  double writer_rate = 500;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "uplift-bench-backfill: %s\n", what.c_str());
  std::exit(1);
}
template <class T>
T ok(uplift::result<T> r, const char* what) {
  if (!r) die(std::string(what) + ": " + r.error().message());
  return std::move(*r);
}
void ok(const uplift::status& st, const char* what) {
  if (!st) die(std::string(what) + ": " + st.error().message());
}

/// User i at v2, about 200 bytes with its header.
demo::v2::UserT user_v2(std::int64_t i) {
  demo::v2::UserT u;
  u.id = static_cast<std::uint64_t>(i);
  u.full_name = "Given-name-" + std::to_string(i) + " Middle-name-of-user Family-name-" + std::to_string(i);
  u.email = "user-" + std::to_string(i) + ".with-a-longer-address@mail.example.com";
  u.age = static_cast<std::int16_t>(18 + i % 70);
  u.created_at = 1'600'000'000 + i;
  return u;
}

/// The rows (v2) and, for the ceiling, each row's v3 bytes as the upgrade makes them.
struct data {
  std::vector<uplift::stored_row> rows;
  std::vector<std::string> v3;
  double mean_size = 0;
};

data make_data(const options& o) {
  data d;
  double total = 0;
  for (std::int64_t i = 1; i <= o.rows; ++i) {
    const auto v2 = uplift::write<User>(user_v2(i));
    d.rows.push_back({i, std::string(v2.as_string_view())});
    auto up = ok(uplift::read<User>(v2), "upgrading");
    const auto b = up.bytes();
    d.v3.emplace_back(reinterpret_cast<const char*>(b.data()), b.size());
    total += static_cast<double>(d.rows.back().value.size());
  }
  d.mean_size = total / static_cast<double>(o.rows);
  return d;
}

/// A writer at a fixed rate on a connection of its own while it lives.
template <class S>
class writer {
 public:
  writer(S conn, std::int64_t rows, double rate) : db_(std::move(conn)) {
    if (rate <= 0) return;
    thread_ = std::thread([this, rows, rate] {
      std::mt19937_64 rng(42);
      const auto gap = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / rate));
      auto next = clock_type::now();
      while (!stop_) {
        const auto k = static_cast<std::int64_t>(1 + rng() % static_cast<std::uint64_t>(rows));
        demo::v3::UserT u;
        u.id = static_cast<std::uint64_t>(k);
        u.given_name = "Written";
        u.family_name = "Live";
        if (!db_.put(k, uplift::write<User>(u).as_string_view())) ++failed_;
        ++writes_;
        next += gap;
        std::this_thread::sleep_until(next);
      }
    });
  }
  ~writer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::uint64_t writes() const { return writes_; }

 private:
  S db_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> writes_{0}, failed_{0};
  std::thread thread_;
};

/// The backfill of table `t`: rows/s over the whole run, and its counters.
template <class S>
double run_backfill(S store, std::int64_t rows, double writer_rate, std::size_t workers,
                    uplift::backfill_counters& out) {
  static int runs = 0;
  writer<S> w(ok(store.connect(), "connecting the writer"), rows, writer_rate);
  uplift::backfill_options o;
  o.job = "bench " + std::to_string(::getpid()) + " " + std::to_string(++runs);
  o.workers = workers;
  // Transactions as large as the ceiling's: 10,000 rows (the default batches are smaller, to
  // keep an application's writers waiting less).
  o.initial_batch = 2000;
  o.max_batch = 10'000;
  o.target_batch_duration = std::chrono::milliseconds(200);
  const auto t0 = clock_type::now();
  auto job = ok(uplift::backfill::start(std::move(store), uplift::codec<User>(), o),
                "starting the backfill");
  ok(job.wait(), "the backfill");
  const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  out = job.progress().counters;
  if (out.scanned != static_cast<std::uint64_t>(rows)) die("the backfill did not scan every row");
  if (out.upgraded + out.conflicts + out.already_current != static_cast<std::uint64_t>(rows))
    die("rows were left behind");
  return static_cast<double>(rows) / secs;
}

struct figures {
  std::vector<double> ceiling;
  std::vector<double> backfill[2];  // 1 worker, 2 workers
  uplift::backfill_counters last;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void report(const char* store, const char* ceiling_name, const figures& quiet, const figures& busy,
            const options& o, const data& d) {
  std::printf("\n### %s: %s rows of %.0f bytes (demo.User v2 -> v3), median of %d rounds\n\n", store,
              std::to_string(o.rows).c_str(), d.mean_size, o.rounds);
  std::printf("| contender | no writer: rows/s | vs ceiling | writer at %.0f writes/s: rows/s | vs ceiling |\n",
              o.writer_rate);
  std::printf("|---|---:|---:|---:|---:|\n");
  const double qc = median(quiet.ceiling), bc = median(busy.ceiling);
  std::printf("| ceiling: %s | %.0f | 1.00 | %.0f | 1.00 |\n", ceiling_name, qc, bc);
  for (int w = 0; w < 2; ++w) {
    const double qb = median(quiet.backfill[w]), bb = median(busy.backfill[w]);
    std::printf("| uplift::backfill, %d worker%s | %.0f | %.2f | %.0f | %.2f |\n", w + 1, w == 0 ? "" : "s",
                qb, qb / qc, bb, bb / bc);
  }
  std::printf("\nconflicts with the writer in the last busy run: %llu of %llu rows\n",
              static_cast<unsigned long long>(busy.last.conflicts),
              static_cast<unsigned long long>(busy.last.scanned));
  std::fflush(stdout);
}

/// Loads the rows through the store into its table, created afresh.
template <class S>
void load_template(S s, const data& d) {
  ok(s.drop_table(), "dropping");
  ok(s.create_table(), "creating");
  for (std::size_t i = 0; i < d.rows.size(); i += 50'000) {
    std::vector<uplift::stored_row> chunk(d.rows.begin() + static_cast<std::ptrdiff_t>(i),
                                          d.rows.begin() + static_cast<std::ptrdiff_t>(std::min(d.rows.size(), i + 50'000)));
    ok(s.put_many(chunk), "loading");
  }
}

/// The rows, loaded once into this table, which every contender's table is copied from: a copy
/// inside the database takes a fraction of the time of loading a million rows again.
constexpr const char* template_table = "bench_rows";

// ---- SQLite ------------------------------------------------------------------------------------

void sqlite_exec(const options& o, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(o.sqlite.c_str(), &db) != SQLITE_OK) die("opening SQLite");
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK)
    die(sql + ": " + (err != nullptr ? err : "failed"));
  sqlite3_close(db);
}

/// A fresh table `name` holding the rows, as the store creates it.
uplift::sqlite_store sqlite_table(const options& o, const std::string& name) {
  auto s = ok(uplift::sqlite_store::open(o.sqlite, {.table = name}), "opening SQLite");
  ok(s.drop_table(), "dropping");
  ok(s.create_table(), "creating");
  sqlite_exec(o, "INSERT INTO \"" + name + "\" SELECT * FROM " + template_table +
                     " ORDER BY 1; PRAGMA wal_checkpoint(TRUNCATE)");
  return s;
}

double sqlite_ceiling(const options& o, const data& d, const std::string& name, double writer_rate) {
  auto s = sqlite_table(o, name);
  writer<uplift::sqlite_store> w(ok(s.connect(), "connecting the writer"), o.rows, writer_rate);
  sqlite3* db = nullptr;
  if (sqlite3_open(o.sqlite.c_str(), &db) != SQLITE_OK) die("opening SQLite");
  sqlite3_busy_timeout(db, 30000);  // the writer's transactions may hold the lock on a loaded machine
  sqlite3_stmt* st = nullptr;
  const std::string sql = "UPDATE \"" + name + "\" SET \"value\" = ?2 WHERE \"id\" = ?1";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) die(sqlite3_errmsg(db));
  const auto t0 = clock_type::now();
  for (std::size_t i = 0; i < d.rows.size(); i += 10'000) {
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) die(sqlite3_errmsg(db));
    for (std::size_t j = i; j < std::min(d.rows.size(), i + 10'000); ++j) {
      sqlite3_bind_int64(st, 1, std::get<0>(d.rows[j].key));
      sqlite3_bind_blob(st, 2, d.v3[j].data(), static_cast<int>(d.v3[j].size()), SQLITE_STATIC);
      if (sqlite3_step(st) != SQLITE_DONE) die(sqlite3_errmsg(db));
      sqlite3_reset(st);
    }
    if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) die(sqlite3_errmsg(db));
  }
  const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  sqlite3_finalize(st);
  sqlite3_close(db);
  return static_cast<double>(d.rows.size()) / secs;
}

void bench_sqlite(const options& o, const data& d) {
  load_template(ok(uplift::sqlite_store::open(o.sqlite, {.table = template_table}), "opening SQLite"), d);
  figures quiet, busy;
  for (int round = 0; round < o.rounds; ++round) {
    for (double rate : {0.0, o.writer_rate}) {
      figures& f = rate > 0 ? busy : quiet;
      auto backfill = [&] {
        for (std::size_t w = 1; w <= 2; ++w)
          f.backfill[w - 1].push_back(run_backfill(sqlite_table(o, "bench_backfill"), o.rows, rate, w, f.last));
      };
      auto ceiling = [&] { f.ceiling.push_back(sqlite_ceiling(o, d, "bench_ceiling", rate)); };
      if (round % 2 == 0) ceiling(), backfill();
      else backfill(), ceiling();
    }
  }
  report("SQLite", "per-row UPDATE, one transaction per 10,000 rows", quiet, busy, o, d);
}

// ---- PostgreSQL --------------------------------------------------------------------------------

void postgres_exec(const options& o, const std::string& sql) {
  PGconn* c = PQconnectdb(o.postgres.c_str());
  if (PQstatus(c) != CONNECTION_OK) die(PQerrorMessage(c));
  PGresult* r = PQexec(c, sql.c_str());
  if (PQresultStatus(r) != PGRES_COMMAND_OK) die(sql + ": " + PQresultErrorMessage(r));
  PQclear(r);
  PQfinish(c);
}

/// A fresh table `name` holding the rows, as the store creates it, vacuumed and analyzed.
uplift::postgres_store postgres_table(const options& o, const std::string& name) {
  auto s = ok(uplift::postgres_store::open(o.postgres, {.table = name}), "connecting");
  ok(s.drop_table(), "dropping");
  ok(s.create_table(), "creating");
  postgres_exec(o, "INSERT INTO \"" + name + "\" SELECT * FROM " + template_table + " ORDER BY 1");
  postgres_exec(o, "VACUUM ANALYZE \"" + name + "\"");
  return s;
}

double postgres_ceiling(const options& o, const data& d, const std::string& name, double writer_rate) {
  auto s = postgres_table(o, name);
  writer<uplift::postgres_store> w(ok(s.connect(), "connecting the writer"), o.rows, writer_rate);
  PGconn* c = PQconnectdb(o.postgres.c_str());
  if (PQstatus(c) != CONNECTION_OK) die(PQerrorMessage(c));
  const std::string sql = "UPDATE \"" + name +
                          "\" AS t SET value = d.nv FROM unnest($1::bigint[], $2::bytea[]) AS d(k, nv) "
                          "WHERE t.id = d.k";
  const Oid types[2] = {uplift::detail::pg_int8_array, uplift::detail::pg_bytea_array};
  PQclear(PQprepare(c, "ceiling", sql.c_str(), 2, types));
  const auto t0 = clock_type::now();
  for (std::size_t i = 0; i < d.rows.size(); i += 10'000) {
    const std::size_t end = std::min(d.rows.size(), i + 10'000);
    uplift::detail::pg_array k(uplift::detail::pg_int8, end - i);
    uplift::detail::pg_array v(uplift::detail::pg_bytea, end - i, 200);
    for (std::size_t j = i; j < end; ++j) {
      k.add(d.rows[j].key);
      v.add(std::string_view(d.v3[j]));
    }
    const std::string keys = k.take(), values = v.take();
    const char* vals[2] = {keys.data(), values.data()};
    const int lens[2] = {static_cast<int>(keys.size()), static_cast<int>(values.size())};
    const int fmts[2] = {1, 1};
    PGresult* r = PQexecPrepared(c, "ceiling", 2, vals, lens, fmts, 1);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) die(PQresultErrorMessage(r));
    PQclear(r);
  }
  const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
  PQfinish(c);
  return static_cast<double>(d.rows.size()) / secs;
}

void bench_postgres(const options& o, const data& d) {
  load_template(ok(uplift::postgres_store::open(o.postgres, {.table = template_table}), "connecting"), d);
  figures quiet, busy;
  for (int round = 0; round < o.rounds; ++round) {
    for (double rate : {0.0, o.writer_rate}) {
      figures& f = rate > 0 ? busy : quiet;
      auto backfill = [&] {
        for (std::size_t w = 1; w <= 2; ++w)
          f.backfill[w - 1].push_back(run_backfill(postgres_table(o, "bench_backfill"), o.rows, rate, w, f.last));
      };
      auto ceiling = [&] { f.ceiling.push_back(postgres_ceiling(o, d, "bench_ceiling", rate)); };
      if (round % 2 == 0) ceiling(), backfill();
      else backfill(), ceiling();
    }
  }
  report("PostgreSQL", "one UPDATE ... FROM unnest per 10,000 rows", quiet, busy, o, d);
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view a = argv[i];
    const char* v = argv[i + 1];
    if (a == "--sqlite") o.sqlite = v;
    else if (a == "--postgres") o.postgres = v;
    else if (a == "--rows") o.rows = std::atoll(v);
    else if (a == "--rounds") o.rounds = std::max(1, std::atoi(v));
    else if (a == "--writer-rate") o.writer_rate = std::atof(v);
    else die("unknown option " + std::string(a));
  }
  if (o.rows < 1000) die("--rows must be at least 1000");
  if (o.sqlite.empty() && o.postgres.empty()) die("give --sqlite FILE and/or --postgres CONNINFO");
  std::printf("## backfill: rows/s against the store's plain batched UPDATE of the same rows\n");
  const data d = make_data(o);
  if (!o.sqlite.empty()) bench_sqlite(o, d);
  if (!o.postgres.empty()) bench_postgres(o, d);
  return 0;
}
