// uplift-bench-backfill: the backfill's rows/s against the ceiling, the same store's plain batched
// UPDATE of the same rows, on SQLite and PostgreSQL, for binary records and for JSON documents;
// and the histogram of a table of JSON documents counted by the database's JSON functions against
// the same histogram counted by reading every row.
//
//   uplift-bench-backfill [--sqlite FILE] [--postgres CONNINFO] [--rows N] [--rounds N]
//                         [--writer-rate WRITES_PER_S] [--only binary|json|histogram]
//
// Binary rows: demo.User records at v2 of about 200 bytes, in the store's binary column (SQLite
// BLOB, PostgreSQL bytea). The backfill upgrades each to v3 (the v2 -> v3 step splits the name with
// a hook), with and without a concurrent writer.
// JSON rows: the same users as JSON documents (write_json), a third each at v1, v2 and v3, in the
// store's JSON column (SQLite TEXT, PostgreSQL jsonb), backfilled through `codec.json_handle()`
// with no writer: the v1 and v2 documents are rewritten as v3 JSON, the v3 ones skipped from their
// leading version key (on PostgreSQL jsonb, told by the database and not sent: store::scan_skipping).
//
// The backfill reads the rows batch by batch, each worker reading its next batch while its current
// one commits (backfill_options::read_ahead, the default), and writes each old row
// conditionally, with its cursor and counters committed per batch. The ceiling writes the same
// rows' upgraded values (what the record handle's rewrite_row makes of each old row, computed
// before its clock starts and checked to mean what the old row means) with the fastest plain
// statement the store has: per-row UPDATEs in one transaction per batch of 10,000 (SQLite), one
// UPDATE ... FROM unnest per batch (PostgreSQL). Both are timed over the whole table: rows/s is
// the table's rows over the time taken. Each contender gets a table of its own, loaded with the
// same rows (copied inside the database from one table loaded once) before it is timed; the order
// alternates between rounds; medians are shown. Every run without a writer must leave its table
// equal, row for row, to a table the ceiling wrote before the timed runs.
// The writer updates random rows of the table being rewritten at a fixed rate, on a connection of
// its own, at v3 (as a service does after the flip).
//
// The histogram: uplift::histogram(db, {.by = counted_by::database}) of the JSON rows' table (the
// database's JSON functions: SQLite json_type/json_extract, PostgreSQL -> on jsonb) against
// {.by = counted_by::reading} (a scan, each row classified by its version key); both must give the
// histogram the rows were made with before either is timed. The table says which of the two
// uplift::histogram(db) takes on that store (store::counts_json_in_database).
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
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <unistd.h>

#include <uplift/json.hpp>
#include <uplift/rows/backfill.hpp>
#include <uplift/rows/histogram.hpp>
#include <uplift/store/postgres.hpp>
#include <uplift/store/sqlite.hpp>

#include "store/postgres_binary.hpp"  // the PostgreSQL store's binary arrays

#include "user_uplift.hpp"
#include "user_uplift_json.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
using User = demo::User;
using uplift::value_format;

struct options {
  std::string sqlite, postgres;
  std::int64_t rows = 1'000'000;
  int rounds = 2;
  double writer_rate = 500;
  std::string only;  ///< "binary", "json" or "histogram": that part alone (default: all three)
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

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// ---- the rows ----------------------------------------------------------------------------------

constexpr std::uint16_t target_version = 3;

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

/// A record in the form `f`: uplift::write or uplift::write_json of the struct's version.
template <class Object>
std::string encode(const Object& u, value_format f) {
  if (f == value_format::json) return ok(uplift::write_json<User>(u), "writing JSON");
  return std::string(uplift::write<User>(u).as_string_view());
}

/// What a row means, read as v3 whatever its version.
demo::v3::UserT meaning(const std::string& row, value_format f) {
  if (f == value_format::json) return ok(uplift::read_json<User>(row), "reading a JSON row");
  return ok(uplift::read_object<User>(uplift::as_bytes_view(row)), "reading a row");
}

/// User i as a release writing `version` stored it, in the form `f`: the same person at every
/// version (v3 is v2 upgraded, the name split by the step's hook).
std::string user_row(std::int64_t i, int version, value_format f) {
  const demo::v2::UserT v2 = user_v2(i);
  if (version == 1) {
    demo::v1::UserT v1;
    v1.id = v2.id;
    v1.name = v2.full_name;
    v1.email = v2.email;
    v1.age = v2.age;
    return encode(v1, f);
  }
  if (version == 2) return encode(v2, f);
  return encode(meaning(encode(v2, value_format::binary), value_format::binary), f);
}

/// One table's rows, what the backfill makes of them, and how it is run.
struct scenario {
  const char* what;      ///< the heading's description of the rows
  value_format format;   ///< the value column's
  uplift::record_handle handle;
  std::vector<double> writer_rates;  ///< the runs: 0 is no writer
  std::vector<uplift::stored_row> rows{};
  /// Each row as the backfill writes it (the handle's rewrite_row at the target); empty for a row
  /// at the target already, which the ceiling leaves alone too.
  std::vector<std::string> upgraded{};
  std::uint64_t old_rows = 0;
  std::vector<uplift::json_count> versions{};  ///< rows by stored version, ascending
  double mean_size = 0;

  /// The rows, loaded once into this table, which every contender's table is copied from: a copy
  /// inside the database takes a fraction of the time of loading a million rows again.
  std::string template_table() const {
    return format == value_format::json ? "bench_rows_json" : "bench_rows";
  }
  uplift::table_spec spec(const std::string& table) const { return {.table = table, .format = format}; }
};

/// The rows 1..o.rows, row i at version_of(i) in the scenario's form, and their upgrades, each
/// checked to be at the target and to mean what its row means.
void make_rows(scenario& sc, const options& o, const std::function<int(std::int64_t)>& version_of) {
  double total = 0;
  sc.rows.reserve(static_cast<std::size_t>(o.rows));
  sc.upgraded.reserve(static_cast<std::size_t>(o.rows));
  for (std::int64_t i = 1; i <= o.rows; ++i) {
    const int v = version_of(i);
    std::string row = user_row(i, v, sc.format);
    std::string up;
    const auto r = ok(sc.handle.rewrite_row(uplift::as_bytes_view(row), sc.format, target_version, up),
                      "upgrading a row");
    if ((r.outcome == uplift::rewrite_outcome::rewritten) != (v < target_version) ||
        r.stored.version != v)
      die("the record handle took a row at v" + std::to_string(v) + " for another version");
    if (!up.empty()) {
      const auto info = ok(sc.handle.inspect(uplift::as_bytes_view(up), sc.format), "inspecting a row");
      if (info.version != target_version || !(meaning(up, sc.format) == meaning(row, sc.format)))
        die("row " + std::to_string(i) + " upgraded is not the same user at v3");
      ++sc.old_rows;
    }
    if (sc.versions.size() < static_cast<std::size_t>(v)) sc.versions.resize(static_cast<std::size_t>(v));
    ++sc.versions[static_cast<std::size_t>(v - 1)].rows;
    total += static_cast<double>(row.size());
    sc.rows.push_back({i, std::move(row)});
    sc.upgraded.push_back(std::move(up));
  }
  for (std::size_t v = 0; v < sc.versions.size(); ++v) sc.versions[v].version = static_cast<std::uint16_t>(v + 1);
  std::erase_if(sc.versions, [](const uplift::json_count& c) { return c.rows == 0; });
  sc.mean_size = total / static_cast<double>(o.rows);
}

scenario binary_rows(const options& o) {
  scenario sc{.what = "demo.User v2 -> v3, binary records",
              .format = value_format::binary,
              .handle = uplift::codec<User>(),
              .writer_rates = {0, o.writer_rate}};
  make_rows(sc, o, [](std::int64_t) { return 2; });
  return sc;
}

scenario json_rows(const options& o) {
  scenario sc{.what = "demo.User JSON documents, a third each at v1, v2, v3 -> v3",
              .format = value_format::json,
              .handle = uplift::codec<User>().json_handle(),
              .writer_rates = {0}};
  make_rows(sc, o, [](std::int64_t i) { return static_cast<int>(1 + i % 3); });
  return sc;
}

/// The value the writer writes to row k: a v3 record in the column's form.
std::string written_row(std::int64_t k, value_format f) {
  demo::v3::UserT u;
  u.id = static_cast<std::uint64_t>(k);
  u.given_name = "Written";
  u.family_name = "Live";
  return encode(u, f);
}

// ---- the contenders ----------------------------------------------------------------------------

/// A writer at a fixed rate on a connection of its own while it lives.
template <class S>
class writer {
 public:
  writer(S conn, const scenario& sc, double rate) : db_(std::move(conn)) {
    if (rate <= 0) return;
    thread_ = std::thread([this, rows = static_cast<std::int64_t>(sc.rows.size()), f = sc.format, rate] {
      std::mt19937_64 rng(42);
      const auto gap = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / rate));
      auto next = clock_type::now();
      while (!stop_) {
        const auto k = static_cast<std::int64_t>(1 + rng() % static_cast<std::uint64_t>(rows));
        if (!db_.put(k, written_row(k, f))) ++failed_;
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

 private:
  S db_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> writes_{0}, failed_{0};
  std::thread thread_;
};

/// The backfill of the store's table: rows/s over the whole run, and its counters.
template <class S>
double run_backfill(S store, const scenario& sc, double writer_rate, std::size_t workers,
                    uplift::backfill_counters& out) {
  static int runs = 0;
  writer<S> w(ok(store.connect(), "connecting the writer"), sc, writer_rate);
  uplift::backfill_options o;
  o.job = "bench " + std::to_string(::getpid()) + " " + std::to_string(++runs);
  o.workers = workers;
  // Transactions as large as the ceiling's: 10,000 rows (the default batches are smaller, to
  // keep an application's writers waiting less).
  o.initial_batch = 2000;
  o.max_batch = 10'000;
  o.target_batch_duration = std::chrono::milliseconds(200);
  const auto t0 = clock_type::now();
  auto job = ok(uplift::backfill::start(std::move(store), sc.handle, o), "starting the backfill");
  ok(job.wait(), "the backfill");
  const double secs = seconds_since(t0);
  out = job.progress().counters;
  const auto rows = static_cast<std::uint64_t>(sc.rows.size());
  if (out.scanned != rows) die("the backfill did not scan every row");
  if (out.upgraded + out.conflicts + out.already_current != rows) die("rows were left behind");
  if (writer_rate <= 0 && out.upgraded != sc.old_rows) die("the backfill did not upgrade every old row");
  return static_cast<double>(rows) / secs;
}

struct figures {
  std::vector<double> ceiling;
  std::vector<double> backfill[2];  // 1 worker, 2 workers
  uplift::backfill_counters last;
};

void report(const char* store, const char* ceiling_name, const std::vector<figures>& runs,
            const options& o, const scenario& sc) {
  std::printf("\n### %s, %s: %s rows of %.0f bytes (%s), median of %d rounds\n\n", store,
              sc.format == value_format::json ? "JSON rows" : "binary rows",
              std::to_string(o.rows).c_str(), sc.mean_size, sc.what, o.rounds);
  std::string head = "| contender |", rule = "|---|";
  for (double rate : sc.writer_rates) {
    head += rate > 0 ? " writer at " + std::to_string(static_cast<long>(rate)) + " writes/s: rows/s |"
                     : std::string(" no writer: rows/s |");
    head += " vs ceiling |";
    rule += "---:|---:|";
  }
  std::printf("%s\n%s\n| ceiling: %s |", head.c_str(), rule.c_str(), ceiling_name);
  for (const figures& f : runs) std::printf(" %.0f | 1.00 |", median(f.ceiling));
  for (int w = 0; w < 2; ++w) {
    std::printf("\n| uplift::backfill, %d worker%s |", w + 1, w == 0 ? "" : "s");
    for (const figures& f : runs) {
      const double b = median(f.backfill[w]);
      std::printf(" %.0f | %.2f |", b, b / median(f.ceiling));
    }
  }
  std::printf("\n");
  for (std::size_t r = 0; r < runs.size(); ++r)
    if (sc.writer_rates[r] > 0)
      std::printf("\nconflicts with the writer in the last run with it: %llu of %llu rows\n",
                  static_cast<unsigned long long>(runs[r].last.conflicts),
                  static_cast<unsigned long long>(runs[r].last.scanned));
  std::fflush(stdout);
}

/// Loads the rows through the store into its table, created afresh.
template <class S>
void load_template(S s, const scenario& sc) {
  ok(s.drop_table(), "dropping");
  ok(s.create_table(), "creating");
  const auto& rows = sc.rows;
  for (std::size_t i = 0; i < rows.size(); i += 50'000) {
    std::vector<uplift::stored_row> chunk(rows.begin() + static_cast<std::ptrdiff_t>(i),
                                          rows.begin() + static_cast<std::ptrdiff_t>(std::min(rows.size(), i + 50'000)));
    ok(s.put_many(chunk), "loading");
  }
}

/// The store DB (sqlite_db, postgres_db) on table t.
template <class DB>
typename DB::store open_table(const options& o, const uplift::table_spec& t) {
  return ok(DB::store::open(DB::address(o), t), "opening the store");
}

/// A fresh table `name` of store DB holding the rows (copied from the scenario's template table),
/// as the store creates it; checkpointed (SQLite), vacuumed and analyzed (PostgreSQL).
template <class DB>
typename DB::store fresh_table(const options& o, const scenario& sc, const std::string& name) {
  auto s = open_table<DB>(o, sc.spec(name));
  ok(s.drop_table(), "dropping");
  ok(s.create_table(), "creating");
  DB::query(o, "INSERT INTO \"" + name + "\" SELECT * FROM " + sc.template_table() + " ORDER BY 1");
  DB::query(o, DB::settle(name));
  return s;
}

/// The table every run without a writer must leave its own table equal to: the ceiling's result.
constexpr const char* expected_table = "bench_expected";

/// Runs each contender o.rounds times per writer rate on store DB (sqlite_db, postgres_db) and
/// reports the medians.
template <class DB>
void bench_backfill(const options& o, const scenario& sc) {
  load_template(open_table<DB>(o, sc.spec(sc.template_table())), sc);
  DB::ceiling(o, sc, fresh_table<DB>(o, sc, expected_table));
  auto check = [&](const std::string& table) {
    const std::string equal = "SELECT count(*) FROM \"" + table + "\" AS a JOIN " + expected_table +
                              " AS e ON e.id = a.id WHERE e.value = a.value";
    if (DB::query(o, equal) != static_cast<std::int64_t>(sc.rows.size()) ||
        DB::query(o, "SELECT count(*) FROM \"" + table + "\"") != static_cast<std::int64_t>(sc.rows.size()))
      die(std::string(DB::name) + ": table " + table + " does not hold the upgraded rows");
  };
  std::vector<figures> runs(sc.writer_rates.size());
  for (int round = 0; round < o.rounds; ++round) {
    for (std::size_t r = 0; r < runs.size(); ++r) {
      const double rate = sc.writer_rates[r];
      figures& f = runs[r];
      auto backfill = [&] {
        for (std::size_t w = 1; w <= 2; ++w) {
          f.backfill[w - 1].push_back(run_backfill(fresh_table<DB>(o, sc, "bench_backfill"), sc, rate, w, f.last));
          if (rate <= 0) check("bench_backfill");
        }
      };
      auto ceiling = [&] {
        auto s = fresh_table<DB>(o, sc, "bench_ceiling");
        writer<typename DB::store> wr(ok(s.connect(), "connecting the writer"), sc, rate);
        f.ceiling.push_back(DB::ceiling(o, sc, s));
        if (rate <= 0) check("bench_ceiling");
      };
      if (round % 2 == 0) ceiling(), backfill();
      else backfill(), ceiling();
    }
  }
  report(DB::name, DB::ceiling_name, runs, o, sc);
}

/// uplift::histogram of the JSON rows' table by the database's counts and by reading every row,
/// each checked against the rows' versions before it is timed, then timed o.rounds times.
template <class DB>
void bench_histogram(const options& o, const scenario& sc) {
  auto s = open_table<DB>(o, sc.spec(sc.template_table()));
  uplift::table_histogram expected;
  expected.json = sc.versions;
  std::vector<double> secs[2];  // the database's counts, reading every row
  auto run = [&](bool every) {
    const auto t0 = clock_type::now();
    const auto by = every ? uplift::counted_by::reading : uplift::counted_by::database;
    const auto h = ok(uplift::histogram(s, {.by = by}), "the histogram");
    const double t = seconds_since(t0);
    if (!(h == expected)) die(std::string(DB::name) + ": the histogram does not count the rows' versions");
    return t;
  };
  run(false), run(true);
  for (int round = 0; round < o.rounds; ++round)
    for (int i = 0; i < 2; ++i) {
      const bool every = (i == 1) != (round % 2 == 1);
      secs[every ? 1 : 0].push_back(run(every));
    }
  const double db = median(secs[0]), every = median(secs[1]);
  std::printf("\n### %s, histogram of %s JSON rows (%s), median of %d rounds\n\n", DB::name,
              std::to_string(o.rows).c_str(), DB::json_column, o.rounds);
  std::printf("| uplift::histogram(db, ...) | seconds | rows/s | vs reading every row |\n");
  std::printf("|---|---:|---:|---:|\n");
  const bool fastest_reads = !s.counts_json_in_database();
  std::printf("| {.by = counted_by::reading}: a scan, each row classified%s | %.3f | %.0f | 1.00 |\n",
              fastest_reads ? " (the default here)" : "", every, static_cast<double>(o.rows) / every);
  std::printf("| {.by = counted_by::database}: the database's JSON functions (%s)%s | %.3f | %.0f | %.2f |\n",
              DB::json_functions, fastest_reads ? "" : " (the default here)", db,
              static_cast<double>(o.rows) / db, db / every);
  std::fflush(stdout);
}

// ---- SQLite ------------------------------------------------------------------------------------

struct sqlite_db {
  using store = uplift::sqlite_store;
  static constexpr const char* name = "SQLite";
  static constexpr const char* ceiling_name = "per-row UPDATE, one transaction per 10,000 rows";
  static constexpr const char* json_column = "TEXT";
  static constexpr const char* json_functions = "json_type, json_extract";

  static sqlite3* connect(const options& o) {
    sqlite3* db = nullptr;
    if (sqlite3_open(o.sqlite.c_str(), &db) != SQLITE_OK) die("opening SQLite");
    sqlite3_busy_timeout(db, 30000);  // the writer's transactions may hold the lock on a loaded machine
    return db;
  }
  /// Runs `sql` (statements separated by ;): the first value of the first row it returns, or 0.
  static std::int64_t query(const options& o, const std::string& sql) {
    sqlite3* db = connect(o);
    std::int64_t first = 0;
    auto keep_first = [](void* out, int, char** values, char**) {
      auto* n = static_cast<std::int64_t*>(out);
      if (*n == 0 && values[0] != nullptr) *n = std::atoll(values[0]);
      return 0;
    };
    char* err = nullptr;
    if (sqlite3_exec(db, sql.c_str(), keep_first, &first, &err) != SQLITE_OK)
      die(sql + ": " + (err != nullptr ? err : "failed"));
    sqlite3_close(db);
    return first;
  }
  static const std::string& address(const options& o) { return o.sqlite; }
  /// What runs after a table is filled.
  static std::string settle(const std::string&) { return "PRAGMA wal_checkpoint(TRUNCATE)"; }

  /// Writes each old row's upgrade into the store's table: rows/s over the table.
  static double ceiling(const options& o, const scenario& sc, const store& s) {
    sqlite3* db = connect(o);
    sqlite3_stmt* st = nullptr;
    const std::string sql = "UPDATE \"" + s.spec().table + "\" SET \"value\" = ?2 WHERE \"id\" = ?1";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) die(sqlite3_errmsg(db));
    const bool text = sc.format == value_format::json;  // TEXT, as the store writes JSON
    const auto& rows = sc.rows;
    const auto t0 = clock_type::now();
    for (std::size_t i = 0; i < rows.size(); i += 10'000) {
      if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) die(sqlite3_errmsg(db));
      for (std::size_t j = i; j < std::min(rows.size(), i + 10'000); ++j) {
        const std::string& v = sc.upgraded[j];
        if (v.empty()) continue;
        sqlite3_bind_int64(st, 1, std::get<0>(rows[j].key));
        if (text) sqlite3_bind_text(st, 2, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
        else sqlite3_bind_blob(st, 2, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) die(sqlite3_errmsg(db));
        sqlite3_reset(st);
      }
      if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) die(sqlite3_errmsg(db));
    }
    const double secs = seconds_since(t0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return static_cast<double>(rows.size()) / secs;
  }
};

// ---- PostgreSQL --------------------------------------------------------------------------------

struct postgres_db {
  using store = uplift::postgres_store;
  static constexpr const char* name = "PostgreSQL";
  static constexpr const char* ceiling_name = "one UPDATE ... FROM unnest per 10,000 rows";
  static constexpr const char* json_column = "jsonb";
  static constexpr const char* json_functions = "jsonb ->, jsonb_typeof";

  static PGconn* connect(const options& o) {
    PGconn* c = PQconnectdb(o.postgres.c_str());
    if (PQstatus(c) != CONNECTION_OK) die(PQerrorMessage(c));
    return c;
  }
  /// Runs `sql`: the first value of the first row it returns, or 0.
  static std::int64_t query(const options& o, const std::string& sql) {
    PGconn* c = connect(o);
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
      die(sql + ": " + PQresultErrorMessage(r));
    const std::int64_t n = PQntuples(r) > 0 ? std::atoll(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    PQfinish(c);
    return n;
  }
  static const std::string& address(const options& o) { return o.postgres; }
  /// What runs after a table is filled.
  static std::string settle(const std::string& table) { return "VACUUM ANALYZE \"" + table + "\""; }

  /// Writes each old row's upgrade into the store's table: rows/s over the table. JSON goes as
  /// text, cast to the column's jsonb, as the store sends it.
  static double ceiling(const options& o, const scenario& sc, const store& s) {
    PGconn* c = connect(o);
    const bool json = sc.format == value_format::json;
    const std::string sql = "UPDATE \"" + s.spec().table + "\" AS t SET value = " +
                            (json ? "CAST(d.nv AS jsonb)" : "d.nv") + " FROM unnest($1::bigint[], " +
                            (json ? "$2::text[]" : "$2::bytea[]") + ") AS d(k, nv) WHERE t.id = d.k";
    const Oid types[2] = {uplift::detail::pg_int8_array,
                          json ? uplift::detail::pg_text_array : uplift::detail::pg_bytea_array};
    PQclear(PQprepare(c, "ceiling", sql.c_str(), 2, types));
    const auto& rows = sc.rows;
    const auto t0 = clock_type::now();
    for (std::size_t i = 0; i < rows.size(); i += 10'000) {
      const std::size_t end = std::min(rows.size(), i + 10'000);
      std::size_t n = 0;
      for (std::size_t j = i; j < end; ++j) n += sc.upgraded[j].empty() ? 0 : 1;
      uplift::detail::pg_array k(uplift::detail::pg_int8, n);
      uplift::detail::pg_array v(json ? uplift::detail::pg_text : uplift::detail::pg_bytea, n, 256);
      for (std::size_t j = i; j < end; ++j) {
        if (sc.upgraded[j].empty()) continue;
        k.add(rows[j].key);
        v.add(std::string_view(sc.upgraded[j]));
      }
      const std::string keys = k.take(), values = v.take();
      const char* vals[2] = {keys.data(), values.data()};
      const int lens[2] = {static_cast<int>(keys.size()), static_cast<int>(values.size())};
      const int fmts[2] = {1, 1};
      PGresult* r = PQexecPrepared(c, "ceiling", 2, vals, lens, fmts, 1);
      if (PQresultStatus(r) != PGRES_COMMAND_OK) die(PQresultErrorMessage(r));
      PQclear(r);
    }
    const double secs = seconds_since(t0);
    PQfinish(c);
    return static_cast<double>(rows.size()) / secs;
  }
};

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
    else if (a == "--only" && (std::string_view(v) == "binary" || std::string_view(v) == "json" ||
                               std::string_view(v) == "histogram"))
      o.only = v;
    else die("unknown option " + std::string(a));
  }
  if (o.rows < 1000) die("--rows must be at least 1000");
  if (o.sqlite.empty() && o.postgres.empty()) die("give --sqlite FILE and/or --postgres CONNINFO");
  const auto part = [&](std::string_view p) { return o.only.empty() || o.only == p; };
  std::printf("## backfill: rows/s against the store's plain batched UPDATE of the same rows\n");
  if (part("binary")) {
    const scenario binary = binary_rows(o);
    if (!o.sqlite.empty()) bench_backfill<sqlite_db>(o, binary);
    if (!o.postgres.empty()) bench_backfill<postgres_db>(o, binary);
  }
  if (!part("json") && !part("histogram")) return 0;
  const scenario json = json_rows(o);
  if (part("json") && !o.sqlite.empty()) bench_backfill<sqlite_db>(o, json);
  if (part("json") && !o.postgres.empty()) bench_backfill<postgres_db>(o, json);
  if (!part("histogram")) return 0;
  std::printf("\n## histogram of JSON rows: the database's JSON functions against reading every row\n");
  if (!o.sqlite.empty()) bench_histogram<sqlite_db>(o, json);
  if (!o.postgres.empty()) bench_histogram<postgres_db>(o, json);
  return 0;
}
