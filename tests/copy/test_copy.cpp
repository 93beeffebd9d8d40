// The copy-transform's promises (uplift::copy_job) against real databases, with the demo record
// demo.User (v1 -> v2 wire-compatible, v2 -> v3 transforming): into a new table of the same
// database (swapped by rename) and into another database (swapped by route), for each of the
// setups the copy serves: one SQLite file, one SQLite file to another, SQLite to PostgreSQL, one
// PostgreSQL database, one PostgreSQL database to another (the server tests/store/pg_cluster.sh
// starts); under a live workload, killed with SIGKILL in every phase; and its refusals of bad
// input.
#include <doctest/doctest.h>

#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <uplift/json.hpp>
#include <uplift/rows/copy.hpp>
#include <uplift/store/postgres.hpp>
#include <uplift/store/sqlite.hpp>

#include "../backfill/cli.hpp"
#include "pg_own_cluster.hpp"
#include "store_fixtures.hpp"
#include "user_uplift.hpp"
#include "user_uplift_json.hpp"

namespace {

using namespace std::chrono_literals;
using User = demo::User;
using store_test::ok;
using uplift::errc;
using uplift::row_key;

/// User i at `version`, binary (or JSON): the same person at every version.
std::string user(int i, std::uint16_t version, std::string_view tag = "", bool json = false) {
  const std::string given = "Given" + std::to_string(i) + std::string(tag);
  const std::string family = "Family" + std::to_string(i);
  const std::string email = "user" + std::to_string(i) + "@example.com";
  auto encode = [&](const auto& u) {
    if (json) return uplift::write_json<User>(u).value();
    return std::string(uplift::write<User>(u).as_string_view());
  };
  if (version == 1) {
    demo::v1::UserT u;
    u.id = static_cast<std::uint64_t>(i);
    u.name = given + " " + family;
    u.email = email;
    u.age = static_cast<std::int16_t>(i % 90);
    return encode(u);
  }
  if (version == 2) {
    demo::v2::UserT u;
    u.id = static_cast<std::uint64_t>(i);
    u.full_name = given + " " + family;
    u.email = email;
    u.age = static_cast<std::int16_t>(i % 90);
    u.created_at = 1'700'000'000 + i;
    return encode(u);
  }
  demo::v3::UserT u;
  u.id = static_cast<std::uint64_t>(i);
  u.given_name = given;
  u.family_name = family;
  u.email = email;
  u.age = i % 90;
  u.created_at = 1'700'000'000 + i;
  return encode(u);
}

uplift::record_handle handle() {
  static const uplift::codec<User> c;
  return c.json_handle();
}

/// A temporary folder with SQLite database files in it.
struct sqlite_dir {
  std::filesystem::path dir;
  sqlite_dir() {
    std::string tpl = (std::filesystem::temp_directory_path() / "uplift-copy-test.XXXXXX").string();
    REQUIRE(::mkdtemp(tpl.data()) != nullptr);
    dir = tpl;
  }
  ~sqlite_dir() {
    std::error_code ec;
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(dir, ec);
  }
  sqlite_dir(const sqlite_dir&) = delete;
  sqlite_dir& operator=(const sqlite_dir&) = delete;
  std::string path(std::string_view file) const { return (dir / std::string(file)).string(); }

  uplift::sqlite_store open(std::string_view file, std::string table,
                            uplift::value_format f = uplift::value_format::binary) const {
    return ok(uplift::sqlite_store::open(path(file), {.table = std::move(table), .key_column = "id",
                                                      .value_column = "record", .format = f}));
  }
  void run_sql(std::string_view file, const std::string& sql) const {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path(file).c_str(), &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    const std::string words = err != nullptr ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    if (rc != SQLITE_OK) FAIL(sql << ": " << words);
  }
  /// The names of the tables of a database file.
  std::vector<std::string> tables(std::string_view file) const {
    std::vector<std::string> out;
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path(file).c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
                               -1, &st, nullptr) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }
};

/// Every row of a store's table, by key.
std::map<std::string, std::string> rows_of(uplift::store& s) {
  std::map<std::string, std::string> out;
  for (auto& row : ok(s.scan({}, 100000000))) out[uplift::key_to_string(row.key)] = row.value;
  return out;
}

/// f(row) for each row: what the target must hold (rows the function rejects are left out).
std::map<std::string, std::string> expected_of(const std::map<std::string, std::string>& source,
                                               uplift::value_format from = uplift::value_format::binary,
                                               uplift::row_format to = uplift::row_format::binary) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : source) {
    std::string bytes;
    if (handle().rewrite_as(uplift::as_bytes_view(v), from, 3, to, bytes)) out[k] = bytes;
  }
  return out;
}

/// Rows 1..n of `s`, versions 1, 2, 3 in turn.
void fill(uplift::sqlite_store& s, int n, bool json = false) {
  ok(s.create_table());
  std::vector<uplift::stored_row> rows;
  for (int i = 1; i <= n; ++i)
    rows.push_back({std::int64_t{i}, user(i, static_cast<std::uint16_t>(1 + i % 3), "", json)});
  ok(s.put_many(rows));
}

uplift::copy_options quick(std::string job = "move") {
  uplift::copy_options o;
  o.job = std::move(job);
  o.initial_chunk = 50;
  o.min_chunk = 10;
  o.max_chunk = 200;
  o.apply_batch = 100;
  o.cutover_retry = 20ms;
  return o;
}

// ---- where the tables are -------------------------------------------------------------------

/// Runs `f` on the concrete store behind `s` (the application's own writes are theirs).
template <class F>
auto on_store(uplift::store& s, F&& f) {
  if (auto* q = dynamic_cast<uplift::sqlite_store*>(&s)) return f(*q);
  return f(dynamic_cast<uplift::postgres_store&>(s));
}
uplift::status put(uplift::store& s, const row_key& k, const std::string& v) {
  return on_store(s, [&](auto& c) { return c.put(k, v); });
}
uplift::status erase(uplift::store& s, const row_key& k) {
  return on_store(s, [&](auto& c) { return c.erase(k); });
}

/// A database the tests put tables in.
struct place {
  virtual ~place() = default;
  /// A table of it, as `spec` says (its table, key column and key type, value column).
  virtual std::unique_ptr<uplift::store> open_spec(const uplift::table_spec& spec) = 0;
  /// The table `table`: key "id" (an integer), value "record".
  std::unique_ptr<uplift::store> open(const std::string& table) {
    return open_spec({.table = table, .key_column = "id", .value_column = "record"});
  }
  /// The names of its tables, sorted.
  virtual std::vector<std::string> tables() = 0;
  /// Words for where a table of it is (copy_options::moved_to).
  virtual std::string where(const std::string& table) const = 0;
};

struct sqlite_place final : place {
  const sqlite_dir& d;
  std::string file;
  sqlite_place(const sqlite_dir& dir, std::string f) : d(dir), file(std::move(f)) {}
  std::unique_ptr<uplift::store> open_spec(const uplift::table_spec& spec) override {
    return std::make_unique<uplift::sqlite_store>(ok(uplift::sqlite_store::open(d.path(file), spec)));
  }
  std::vector<std::string> tables() override { return d.tables(file); }
  std::string where(const std::string& table) const override {
    return d.path(file) + ", table " + table;
  }
};

/// A PostgreSQL database of the test server: a schema of its own in the server's database, or
/// (own_database) a database of its own; dropped at its end.
struct postgres_place final : place {
  std::string conninfo;
  std::string name;
  std::string base;
  bool own_database;
  PGconn* admin = nullptr;  // to the server's database, which creates and drops ours
  PGconn* inside = nullptr; // in ours, for tables()

  postgres_place(const std::string& server, bool own)
      : name(store_test::unique_name("uplift_copy")), base(server), own_database(own) {
    admin = PQconnectdb(server.c_str());
    REQUIRE(PQstatus(admin) == CONNECTION_OK);
    PQsetNoticeProcessor(admin, [](void*, const char*) {}, nullptr);
    if (own_database) {
      sql(admin, "CREATE DATABASE " + name);
      conninfo = server + " dbname=" + name;
    } else {
      sql(admin, "CREATE SCHEMA " + name);
      conninfo = server + " options='-c search_path=" + name + "'";
    }
    inside = PQconnectdb(conninfo.c_str());
    REQUIRE(PQstatus(inside) == CONNECTION_OK);
  }
  ~postgres_place() override {
    PQfinish(inside);
    sql(admin, own_database ? "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"
                            : "DROP SCHEMA IF EXISTS " + name + " CASCADE");
    PQfinish(admin);
  }
  postgres_place(const postgres_place&) = delete;
  postgres_place& operator=(const postgres_place&) = delete;

  static std::vector<std::string> sql(PGconn* c, const std::string& text) {
    PGresult* r = PQexec(c, text.c_str());
    const ExecStatusType st = PQresultStatus(r);
    std::vector<std::string> out;
    if (st == PGRES_TUPLES_OK)
      for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetvalue(r, i, 0));
    const std::string words = PQresultErrorMessage(r);
    PQclear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) FAIL(text << ": " << words);
    return out;
  }
  std::unique_ptr<uplift::store> open_spec(const uplift::table_spec& spec) override {
    return std::make_unique<uplift::postgres_store>(ok(uplift::postgres_store::open(conninfo, spec)));
  }
  std::vector<std::string> tables() override {
    return sql(inside, "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() "
                       "ORDER BY tablename COLLATE \"C\"");
  }
  std::string where(const std::string& table) const override {
    return "PostgreSQL database " + (own_database ? name : "of the server, schema " + name) +
           ", table " + table;
  }
};

/// Where a test copies from and to: the source table "users" in `from`, the target in `to`
/// (named "users_v3" in the same database, else "users").
struct setup {
  sqlite_dir dir;
  std::shared_ptr<place> from, to;  // one place for a copy within one database
  bool same_database = false;
  std::string target_table = "users";
  /// False when the setup needs the PostgreSQL server and there is none (the test is skipped).
  bool available = true;

  std::unique_ptr<uplift::store> source() { return from->open("users"); }
  std::unique_ptr<uplift::store> target() { return to->open(target_table); }
  /// The table the application uses after the cut-over.
  std::unique_ptr<uplift::store> after_cutover() {
    return same_database ? from->open("users") : to->open(target_table);
  }
  /// The old table after the cut-over.
  std::unique_ptr<uplift::store> old_table() {
    return from->open(same_database ? "users_uplift_old" : "users");
  }
  uplift::copy_options options(std::string job = "move") {
    auto o = quick(std::move(job));
    if (!same_database) o.moved_to = to->where(target_table);
    return o;
  }
  /// Rows 1..n in the source, versions 1, 2, 3 in turn; the target table created, empty.
  void fill(int n) {
    auto s = source();
    on_store(*s, [&](auto& c) {
      ok(c.create_table());
      std::vector<uplift::stored_row> rows;
      for (int i = 1; i <= n; ++i)
        rows.push_back({std::int64_t{i}, user(i, static_cast<std::uint16_t>(1 + i % 3))});
      ok(c.put_many(rows));
    });
    auto t = target();
    on_store(*t, [&](auto& c) { ok(c.create_table()); });
  }

 protected:
  /// The server, or "" (and the test skipped; a failure under CI, where the server must run).
  std::string server() {
    const std::string c = store_test::postgres_conninfo();
    if (c.empty()) {
      if (store_test::under_ci()) FAIL("no PostgreSQL server for the copy tests under CI: run them through ctest");
      std::printf("uplift-copy-tests: SKIPPED: no PostgreSQL server\n");
      available = false;
    }
    return c;
  }
};

struct one_sqlite_file : setup {
  one_sqlite_file() {
    from = std::make_shared<sqlite_place>(dir, "app.db");
    to = from;
    same_database = true;
    target_table = "users_v3";
  }
};
struct sqlite_to_sqlite : setup {
  sqlite_to_sqlite() {
    from = std::make_shared<sqlite_place>(dir, "app.db");
    to = std::make_shared<sqlite_place>(dir, "new.db");
  }
};
struct sqlite_to_postgres : setup {
  sqlite_to_postgres() {
    from = std::make_shared<sqlite_place>(dir, "app.db");
    if (const std::string s = server(); !s.empty()) to = std::make_shared<postgres_place>(s, false);
  }
};
struct one_postgres_database : setup {
  one_postgres_database() {
    if (const std::string s = server(); !s.empty()) {
      from = std::make_shared<postgres_place>(s, false);
      to = from;
    }
    same_database = true;
    target_table = "users_v3";
  }
};
struct postgres_to_postgres : setup {
  postgres_to_postgres() {
    if (const std::string s = server(); !s.empty()) {
      from = std::make_shared<postgres_place>(s, false);
      to = std::make_shared<postgres_place>(s, true);
    }
  }
};

/// Writers that insert, update and delete rows of the table through their own connections while
/// the copy runs, keeping a ledger of what each key must hold at the end. A write refused with
/// errc::table_moved is written again at the table's new place (`open_moved`), as a service does;
/// one refused with errc::key_in_maintenance is tried again a moment later.
struct workload {
  static constexpr int writers = 3;
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, refused{0}, written{0}, held{0};
  std::mutex m;
  std::string first_failure;
  std::vector<std::map<std::string, std::optional<std::string>>> ledgers{writers};
  std::vector<std::thread> threads;

  template <class Open, class OpenMoved>
  void start(int rows, Open open, OpenMoved open_moved) {
    for (int w = 0; w < writers; ++w)
      threads.emplace_back([this, w, rows, open, open_moved] {
        std::mt19937 rng(static_cast<unsigned>(w + 7));
        std::unique_ptr<uplift::store> db = open();
        std::unique_ptr<uplift::store> moved;
        auto& ledger = ledgers[static_cast<std::size_t>(w)];
        int inserted = 0;
        for (int op = 0; !stop.load() || op < 100; ++op) {
          const int pick = static_cast<int>(rng() % 3);
          int i = 0;
          if (pick == 2) {
            i = 100000 * (w + 1) + inserted++;
          } else {
            // Writer w owns the keys i with i % (2 * writers) == w: half the rows are never
            // written, and must come through the copy alone.
            i = 1 + static_cast<int>(rng() % static_cast<unsigned>(rows));
            i -= i % (2 * writers);
            i += w;
            if (i < 1 || i > rows) continue;
          }
          const row_key k = std::int64_t{i};
          const bool erasing = pick == 1;
          const std::string v = user(i, static_cast<std::uint16_t>(1 + op % 3), "-w" + std::to_string(op));
          auto write = [&](uplift::store& s) { return erasing ? erase(s, k) : put(s, k, v); };
          uplift::status st = write(moved ? *moved : *db);
          if (!st && st.error().code == errc::table_moved) {
            ++refused;
            moved = open_moved();
            st = write(*moved);
          }
          for (int retry = 0; !st && st.error().code == errc::key_in_maintenance && retry < 2000; ++retry) {
            ++held;
            std::this_thread::sleep_for(1ms);
            st = write(moved ? *moved : *db);
          }
          if (st) {
            ++written;
            ledger[uplift::key_to_string(k)] = erasing ? std::nullopt : std::optional<std::string>(v);
          } else {
            ++failures;
            std::lock_guard lock(m);
            if (first_failure.empty()) first_failure = st.error().message();
          }
          std::this_thread::sleep_for(1ms);  // a busy service, not a flood
        }
      });
  }
  void finish() {
    stop = true;
    for (auto& t : threads) t.join();
  }
  std::map<std::string, std::optional<std::string>> ledger() const {
    std::map<std::string, std::optional<std::string>> all;
    for (const auto& l : ledgers) all.insert(l.begin(), l.end());
    return all;
  }
};

/// Checks that `after` (the table after the cut-over) holds f(row) of every row written before
/// the copy that no writer touched, f(the writer's last write) of every key a writer wrote, and
/// nothing else: no write lost, none applied twice over a later one, none resurrected.
void check_against_ledger(const std::map<std::string, std::string>& before,
                          const std::map<std::string, std::optional<std::string>>& ledger,
                          const std::map<std::string, std::string>& after) {
  std::size_t from_ledger = 0, untouched = 0;
  for (const auto& [k, want] : ledger) {
    CAPTURE(k);
    auto it = after.find(k);
    if (!want) {
      CHECK(it == after.end());
      continue;
    }
    REQUIRE(it != after.end());
    // A row written after the swap is the writer's bytes as written; one copied is f(bytes).
    auto f = expected_of({{k, *want}});
    CHECK((it->second == *want || it->second == f.at(k)));
    ++from_ledger;
  }
  for (const auto& [k, v] : before) {
    if (ledger.count(k) != 0) continue;
    CAPTURE(k);
    auto it = after.find(k);
    REQUIRE(it != after.end());
    CHECK(it->second == expected_of({{k, v}}).at(k));
    ++untouched;
  }
  for (const auto& [k, v] : after) {
    CAPTURE(k);
    CHECK((ledger.count(k) != 0 || before.count(k) != 0));
  }
  CHECK(from_ledger > 0);
  CHECK(untouched > 0);
}

/// 15 writes (updates, and every fifth a delete) to rows 1..rows of `db`, counted in `writes`.
void write_between_runs(uplift::store& db, int rows, int& writes) {
  for (int j = 0; j < 15; ++j, ++writes) {
    const int i = 1 + (writes * 37) % rows;
    if (writes % 5 == 4) ok(erase(db, std::int64_t{i}));
    else ok(put(db, std::int64_t{i}, user(i, 2, "-k" + std::to_string(writes))));
  }
}

/// Runs the copy job of `o` (run()) in a child process killed with SIGKILL at the nth pass of
/// `point`: true when it was killed there, false when it ran to its end (which must succeed).
template <class S>
bool run_killed(S& setup, uplift::copy_options o, const std::string& point, int nth) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int seen = 0;
    o.failpoint = [&](std::string_view at) {
      if (at == point && ++seen == nth) ::raise(SIGKILL);
    };
    auto job = uplift::copy_job::open(setup.source(), setup.target(), handle(), o);
    if (!job) ::_exit(4);
    auto r = job->run();
    ::_exit(r ? 0 : 5);
  }
  int wstatus = 0;
  REQUIRE(::waitpid(pid, &wstatus, 0) == pid);
  if (WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) return true;
  CHECK((WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0));
  return false;
}

}  // namespace

TYPE_TO_STRING_AS("one SQLite file", one_sqlite_file);
TYPE_TO_STRING_AS("SQLite file to SQLite file", sqlite_to_sqlite);
TYPE_TO_STRING_AS("SQLite file to postgres", sqlite_to_postgres);
TYPE_TO_STRING_AS("one postgres database", one_postgres_database);
TYPE_TO_STRING_AS("postgres to another postgres database", postgres_to_postgres);
#define COPY_SETUPS one_sqlite_file, sqlite_to_sqlite, sqlite_to_postgres, one_postgres_database, postgres_to_postgres
#define COPY_ACROSS_DATABASES sqlite_to_sqlite, sqlite_to_postgres, postgres_to_postgres

TEST_CASE_TEMPLATE("copy: the new table equals f(source) and takes the old one's place, by rename in one database, else by a route", S, COPY_SETUPS) {
  S setup;
  if (!setup.available) return;
  setup.fill(1000);
  const auto before = rows_of(*setup.source());
  auto job = ok(uplift::copy_job::open(setup.source(), setup.target(), handle(), setup.options()));
  auto report = ok(job.run());
  const auto p = job.progress();
  CHECK(p.phase == uplift::copy_phase::cut_over);
  CHECK(p.copied == 1000);
  CHECK(p.quarantined == 0);
  CHECK(p.total_rows == 1000);
  auto now = setup.after_cutover();
  CHECK(rows_of(*now) == expected_of(before));  // every row at v3, meaning what it meant
  auto old = setup.old_table();
  CHECK(rows_of(*old) == before);  // the old table as it was, kept aside
  if (setup.same_database) {
    CHECK(report.swap == uplift::swap_mode::rename);
    CHECK(report.old_table == "users_uplift_old");
    const auto tables = setup.from->tables();
    CHECK(std::find(tables.begin(), tables.end(), "users_v3") == tables.end());
    // The capture went with the swap: a write to the table logs nothing.
    ok(put(*now, std::int64_t{5000}, user(5000, 3)));
    CHECK(ok(old->backlog("move")).entries == 0);
  } else {
    CHECK(report.swap == uplift::swap_mode::route);
    // The old table takes no more writes: each says where the table went, and writes nothing.
    for (auto st : {put(*old, std::int64_t{1}, user(1, 3)), put(*old, std::int64_t{99999}, user(9, 3)),
                    erase(*old, std::int64_t{2})}) {
      REQUIRE(!st);
      CHECK(st.error().code == errc::table_moved);
      CHECK(st.error().message().find(setup.to->where(setup.target_table)) != std::string::npos);
    }
    CHECK(rows_of(*old) == before);
    CHECK(ok(uplift::moved_to(*old)) == std::optional<std::string>(setup.to->where(setup.target_table)));
    CHECK(ok(uplift::moved_to(*now)) == std::nullopt);
  }
}

TEST_CASE("copy: the phases driven one by one report progress, backlog and lag, and verify finds the table level<SQLite>") {
  sqlite_dir d;
  auto src = d.open("app.db", "users");
  fill(src, 500);
  auto dst = d.open("app.db", "users_v3");
  ok(dst.create_table());
  auto job = ok(uplift::copy_job::open(d.open("app.db", "users"), std::move(dst), handle(), quick()));
  CHECK(job.progress().phase == uplift::copy_phase::copying);
  CHECK(job.target_version() == 3);
  // Writes between the capture and the copy's end are logged, and the catch-up applies them.
  ok(src.put(std::int64_t{10}, user(10, 1, "-changed")));
  ok(src.erase(std::int64_t{11}));
  ok(src.put(std::int64_t{9000}, user(9000, 2)));
  ok(job.copy());
  ok(src.put(std::int64_t{12}, user(12, 2, "-after")));
  auto p = job.progress();
  CHECK(p.phase == uplift::copy_phase::catching_up);
  CHECK(p.fraction() == 1.0);
  auto early = ok(job.verify(4));
  CHECK(early.ranges == 4);
  CHECK(early.mismatched_rows == 0);  // row 12 differs, and is in the log
  CHECK(early.pending_rows >= 1);
  CHECK(ok(job.catch_up()) == 4);
  p = job.progress();
  CHECK(p.applied == 4);
  CHECK(p.backlog == 0);
  auto v = ok(job.verify());
  CHECK(v.ok());
  CHECK(v.rows == 500);  // 500 + 9000 - 11
  CHECK(v.pending_rows == 0);
  auto target = d.open("app.db", "users_v3");
  CHECK(rows_of(target) == expected_of(rows_of(src)));
  auto r = ok(job.cut_over());
  CHECK(r.drained == 0);
  CHECK(r.window < 5s);
}

TEST_CASE("copy: verify names the keys of target rows changed behind the job's back<SQLite>") {
  sqlite_dir d;
  auto src = d.open("app.db", "users");
  fill(src, 300);
  auto dst = d.open("app.db", "users_v3");
  ok(dst.create_table());
  auto job = ok(uplift::copy_job::open(d.open("app.db", "users"), std::move(dst), handle(), quick()));
  ok(job.copy());
  d.run_sql("app.db", "UPDATE users_v3 SET record = X'00' WHERE id = 77; DELETE FROM users_v3 WHERE id = 200");
  auto v = ok(job.verify(3));
  CHECK(!v.ok());
  CHECK(v.mismatched_rows == 2);
  CHECK(v.mismatched_ranges == 2);
  REQUIRE(v.mismatched_keys.size() == 2);
  CHECK(v.mismatched_keys[0] == row_key{std::int64_t{77}});
  CHECK(v.mismatched_keys[1] == row_key{std::int64_t{200}});
  // run() refuses the cut-over with the keys named.
  auto r = job.run();
  REQUIRE(!r);
  CHECK(r.error().message().find("keys 77, 200") != std::string::npos);
  const auto tables = d.tables("app.db");
  CHECK(std::find(tables.begin(), tables.end(), "users_v3") != tables.end());
}

TEST_CASE("copy: JSON rows are copied into a binary column as binary records at the target version<SQLite>") {
  sqlite_dir d;
  auto src = d.open("app.db", "users", uplift::value_format::json);
  fill(src, 200, /*json=*/true);
  const auto before = rows_of(src);
  auto dst = d.open("app.db", "users_bin");
  ok(dst.create_table());
  auto job = ok(uplift::copy_job::open(d.open("app.db", "users", uplift::value_format::json),
                                       std::move(dst), handle(), quick()));
  ok(job.run());
  auto now = d.open("app.db", "users");
  const auto after = rows_of(now);
  CHECK(after == expected_of(before, uplift::value_format::json, uplift::row_format::binary));
  const uplift::codec<User> c;
  for (const auto& [k, v] : after) {
    auto h = uplift::peek(uplift::as_bytes_view(v));
    REQUIRE(h);
    CHECK(h->version == 3);
    CHECK(c.read_object(v).value().email == c.read_json(before.at(k)).value().email);
  }
}

TEST_CASE("copy: rows the function rejects are quarantined and counted, and the rest are copied<SQLite>") {
  sqlite_dir d;
  auto src = d.open("app.db", "users");
  fill(src, 300);
  ok(src.put(std::int64_t{50}, "not a record"));
  auto o = quick();
  o.transform = [](const row_key& k, std::string row) -> uplift::result<std::string> {
    if (std::get<std::int64_t>(k) % 100 == 7)
      return uplift::error(errc::step_failed).with_detail("the transform refuses row " + uplift::key_to_string(k));
    return row;
  };
  auto dst = d.open("app.db", "users_v3");
  ok(dst.create_table());
  auto job = ok(uplift::copy_job::open(d.open("app.db", "users"), std::move(dst), handle(), o));
  ok(job.copy());
  const auto p = job.progress();
  CHECK(p.quarantined == 4);  // 50, 7, 107, 207
  CHECK(p.copied == 296);
  auto target = d.open("app.db", "users_v3");
  auto q = ok(job.quarantine());
  std::vector<std::string> keys;
  for (const auto& row : q) keys.push_back(uplift::key_to_string(row.key));
  std::sort(keys.begin(), keys.end());
  CHECK(keys == std::vector<std::string>{"107", "207", "50", "7"});
  auto v = ok(job.verify());
  CHECK(v.ok());
  CHECK(v.quarantined_rows == 4);
  CHECK(rows_of(target).size() == 296);
}

TEST_CASE("copy: a source table without a primary key is refused before anything is changed<SQLite>") {
  sqlite_dir d;
  d.run_sql("app.db", "CREATE TABLE users (id INTEGER, record BLOB)");
  auto dst = d.open("app.db", "users_v3");
  ok(dst.create_table());
  const auto tables = d.tables("app.db");
  auto job = uplift::copy_job::open(d.open("app.db", "users"), std::move(dst), handle(), quick());
  REQUIRE(!job);
  CHECK(job.error().message().find("is not the table's primary key") != std::string::npos);
  CHECK(d.tables("app.db") == tables);  // no capture log, no job table
  auto missing = uplift::copy_job::open(d.open("app.db", "nobody"), d.open("app.db", "users_v3"), handle(), quick());
  REQUIRE(!missing);
  CHECK(missing.error().message().find("there is no such table") != std::string::npos);
}

TEST_CASE("copy: a target that already has rows is refused before anything is changed<SQLite>") {
  sqlite_dir d;
  auto src = d.open("app.db", "users");
  fill(src, 10);
  auto dst = d.open("app.db", "users_v3");
  ok(dst.create_table());
  ok(dst.put(std::int64_t{1}, user(1, 3)));
  const auto tables = d.tables("app.db");
  auto job = uplift::copy_job::open(d.open("app.db", "users"), std::move(dst), handle(), quick());
  REQUIRE(!job);
  CHECK(job.error().message().find("has 1 rows already") != std::string::npos);
  CHECK(d.tables("app.db") == tables);
  auto absent = uplift::copy_job::open(d.open("app.db", "users"), d.open("app.db", "nowhere"), handle(), quick());
  REQUIRE(!absent);
  CHECK(absent.error().message().find("create it first") != std::string::npos);
  CHECK(d.tables("app.db") == tables);
}

TEST_CASE("copy: a capture that cannot be installed (a read-only source database) is refused before anything is changed<SQLite>") {
  sqlite_dir d;
  {
    auto src = d.open("old.db", "users");
    fill(src, 10);
  }
  auto dst = d.open("new.db", "users");
  ok(dst.create_table());
  auto ro = ok(uplift::sqlite_store::open("file:" + d.path("old.db") + "?mode=ro",
                                          {.table = "users", .key_column = "id", .value_column = "record"}));
  const auto old_tables = d.tables("old.db");
  const auto new_tables = d.tables("new.db");
  auto job = uplift::copy_job::open(std::move(ro), std::move(dst), handle(), quick());
  REQUIRE(!job);
  CHECK(job.error().code == errc::store_error);
  CHECK(job.error().message().find("installing the capture") != std::string::npos);
  CHECK(job.error().message().find("readonly") != std::string::npos);
  CHECK(d.tables("old.db") == old_tables);
  CHECK(d.tables("new.db") == new_tables);
}

TEST_CASE("copy: a cut-over over its backlog limit is refused, and one whose drain outlasts the window rolls back with nothing swapped<SQLite>") {
  sqlite_dir d;
  auto src = d.open("app.db", "users");
  fill(src, 200);
  auto dst = d.open("app.db", "users_v3");
  ok(dst.create_table());
  auto o = quick();
  o.max_backlog = 5;
  o.max_window = 50ms;
  o.failpoint = [](std::string_view point) {
    if (point == "catch-up: applied") std::this_thread::sleep_for(30ms);  // a slow drain
  };
  auto job = ok(uplift::copy_job::open(d.open("app.db", "users"), std::move(dst), handle(), o));
  ok(job.copy());
  for (int i = 1; i <= 20; ++i) ok(src.put(std::int64_t{i}, user(i, 2, "-x")));
  auto over = job.cut_over();
  REQUIRE(!over);
  CHECK(over.error().code == errc::cutover_aborted);
  CHECK(over.error().message().find("the log holds 20 entries (limit 5)") != std::string::npos);
  // Under the limit, but each drained batch takes 30 ms: the window of 50 ms cannot hold two.
  ok(job.catch_up());
  for (int i = 21; i <= 23; ++i) ok(src.put(std::int64_t{i}, user(i, 2, "-x")));
  auto o2 = o;  // one entry per batch: three batches of 30 ms
  o2.apply_batch = 1;
  auto slow = ok(uplift::copy_job::open(d.open("app.db", "users"), d.open("app.db", "users_v3"), handle(), o2));
  auto aborted = slow.cut_over();
  REQUIRE(!aborted);
  CHECK(aborted.error().code == errc::cutover_aborted);
  CHECK(aborted.error().message().find("nothing was swapped") != std::string::npos);
  const auto tables = d.tables("app.db");
  CHECK(std::find(tables.begin(), tables.end(), "users_v3") != tables.end());
  ok(src.put(std::int64_t{24}, user(24, 3)));  // writes go on
  // With room enough it goes through.
  ok(slow.catch_up());
  auto fast = ok(uplift::copy_job::open(d.open("app.db", "users"), d.open("app.db", "users_v3"), handle(), quick()));
  auto done = ok(fast.cut_over());
  CHECK(done.swap == uplift::swap_mode::rename);
  CHECK(rows_of(src).size() == 200);  // "users" is the copy now, with every row of the old one
}

TEST_CASE_TEMPLATE("copy: under a live workload of inserts, updates and deletes in every phase, the new table matches the writers' ledger", S, COPY_SETUPS) {
  S setup;
  if (!setup.available) return;
  constexpr int rows = 3000;
  setup.fill(rows);
  const auto before = rows_of(*setup.source());
  workload w;
  w.start(rows, [&] { return setup.source(); }, [&] { return setup.after_cutover(); });
  std::this_thread::sleep_for(20ms);
  auto o = setup.options();
  o.rows_per_second = 10000;  // the copy takes a while: writes land in every phase
  o.catch_up_workers = 3;     // PostgreSQL: three shares of the keys at once (SQLite: one)
  o.apply_batch = 200;
  auto job = ok(uplift::copy_job::open(setup.source(), setup.target(), handle(), o));
  auto report = ok(job.run());
  std::this_thread::sleep_for(30ms);  // writes after the swap, to the new table
  w.finish();
  INFO("first failed write: ", w.first_failure);
  CHECK(w.failures.load() == 0);
  if (setup.same_database) CHECK(w.refused.load() == 0);  // a rename refuses nothing: writers wait
  else CHECK(w.refused.load() > 0);  // each writer met the route once
  check_against_ledger(before, w.ledger(), rows_of(*setup.after_cutover()));
  MESSAGE("cut-over window " << report.window.count() << " us, " << report.drained
                             << " entries drained in it, " << job.progress().applied
                             << " applied in all; " << w.written.load() << " writes");
}

TEST_CASE_TEMPLATE("copy: the last rows written while the cut-over drains are not lost (Spirit's last rows)", S, COPY_SETUPS) {
  // A write that reaches the source while the cut-over holds it waits, then lands in the new table
  // under the old name (rename), or is refused with table_moved and written at the new place.
  S setup;
  if (!setup.available) return;
  setup.fill(100);
  std::thread late;
  uplift::status late_write;
  auto o = setup.options();
  o.failpoint = [&](std::string_view point) {
    if (point != "cut-over: drained") return;
    late = std::thread([&] {
      auto db = setup.source();
      late_write = put(*db, std::int64_t{42}, user(42, 3, "-late"));
      if (!late_write && late_write.error().code == errc::table_moved)
        late_write = put(*setup.after_cutover(), std::int64_t{42}, user(42, 3, "-late"));
    });
    std::this_thread::sleep_for(50ms);  // the write is waiting for the lock now
  };
  auto job = ok(uplift::copy_job::open(setup.source(), setup.target(), handle(), o));
  ok(job.run());
  late.join();
  ok(late_write);
  CHECK(ok(setup.after_cutover()->get(std::int64_t{42})) == std::optional<std::string>(user(42, 3, "-late")));
}

TEST_CASE_TEMPLATE("copy: a write racing the swap is applied before it or refused with a retryable error, never lost (pg-osc's replay/swap race)", S, COPY_ACROSS_DATABASES) {
  S setup;
  if (!setup.available) return;
  setup.fill(100);
  std::thread racer;
  uplift::status first_try;
  auto o = setup.options();
  o.failpoint = [&](std::string_view point) {
    if (point != "cut-over: swapped, not committed") return;
    racer = std::thread([&] { first_try = put(*setup.source(), std::int64_t{43}, user(43, 3, "-race")); });
    std::this_thread::sleep_for(50ms);
  };
  auto job = ok(uplift::copy_job::open(setup.source(), setup.target(), handle(), o));
  ok(job.run());
  racer.join();
  REQUIRE(!first_try);  // it waited for the swap's commit, then met the route
  CHECK(first_try.error().code == errc::table_moved);
  ok(put(*setup.after_cutover(), std::int64_t{43}, user(43, 3, "-race")));
  CHECK(ok(setup.after_cutover()->get(std::int64_t{43})) == std::optional<std::string>(user(43, 3, "-race")));
  CHECK(ok(setup.old_table()->get(std::int64_t{43})) == std::optional<std::string>(user(43, 2)));
}

TEST_CASE_TEMPLATE("copy: a copier killed with SIGKILL in every phase resumes and ends as an uninterrupted run", S, COPY_SETUPS) {
  S setup;
  if (!setup.available) return;
  constexpr int rows = 2000;
  setup.fill(rows);
  // Each run is a child process killed at the nth pass of one point of one phase.
  const std::vector<std::pair<std::string, int>> kills = {
      {"copy: chunk committed", 3}, {"copy: chunk committed", 7}, {"catch-up: applied", 1},
      {"catch-up: applied", 2},     {"cut-over: drained", 1},     {"cut-over: swapped, not committed", 1}};
  int killed = 0, writes = 0;
  auto o = setup.options("killed");
  o.initial_chunk = o.max_chunk = 100;
  o.apply_batch = 5;
  for (const auto& [point, nth] : kills) {
    CAPTURE(point);
    CAPTURE(nth);
    write_between_runs(*setup.source(), rows, writes);  // for the catch-up and the drain to apply
    if (run_killed(setup, o, point, nth)) ++killed;
  }
  CHECK(killed == static_cast<int>(kills.size()));
  // The source as it is now (the last kill rolled the swap back), and the run that ends it.
  const auto source_now = rows_of(*setup.source());
  auto job = ok(uplift::copy_job::open(setup.source(), setup.target(), handle(), setup.options("killed")));
  ok(job.run());
  CHECK(rows_of(*setup.after_cutover()) == expected_of(source_now));
  const auto p = job.progress();
  CHECK(p.copied + p.quarantined <= static_cast<std::uint64_t>(rows));  // no chunk counted twice
}

TEST_CASE_TEMPLATE("copy: after the cut-over, writes to the new table reach the old one through the downgrade chain until contract", S, COPY_SETUPS) {
  S setup;
  if (!setup.available) return;
  setup.fill(300);
  const auto before = rows_of(*setup.source());
  auto o = setup.options();
  o.rollback_to = 2;  // what the old release writes
  auto job = ok(uplift::copy_job::open(setup.source(), setup.target(), handle(), o));
  ok(job.run());
  auto now = setup.after_cutover();
  for (int i = 1; i <= 20; ++i) ok(put(*now, std::int64_t{i}, user(i, 3, "-after")));
  for (int i = 21; i <= 25; ++i) ok(erase(*now, std::int64_t{i}));
  ok(put(*now, std::int64_t{9001}, user(9001, 3)));
  CHECK(ok(job.sync_back()) == 26);
  CHECK(job.progress().synced_back == 26);
  CHECK(job.progress().rollback_backlog == 0);

  const auto old_rows = rows_of(*setup.old_table());
  auto written_back = [](const std::string& row) {
    std::string out;
    ok(handle().rewrite_as(uplift::as_bytes_view(row), uplift::value_format::binary, 2,
                           uplift::row_format::binary, out));
    return out;
  };
  for (int i = 1; i <= 20; ++i) {
    CAPTURE(i);
    const std::string k = std::to_string(i);
    REQUIRE(old_rows.count(k) == 1);
    CHECK(old_rows.at(k) == written_back(user(i, 3, "-after")));  // v2, through the downgrade
    CHECK(uplift::peek(uplift::as_bytes_view(old_rows.at(k)))->version == 2);
    const uplift::codec<User> c;
    CHECK(c.read_object(old_rows.at(k)).value().given_name == "Given" + k + "-after");
  }
  for (int i = 21; i <= 25; ++i) CHECK(old_rows.count(std::to_string(i)) == 0);
  CHECK(old_rows.at("9001") == written_back(user(9001, 3)));
  CHECK(old_rows.at("100") == before.at("100"));  // a row nobody wrote is as it was
  CHECK(old_rows.size() == before.size() - 5 + 1);
  if (!setup.same_database) {
    // The sync passed the route; the application still cannot write there.
    auto st = put(*setup.old_table(), std::int64_t{1}, user(1, 2));
    REQUIRE(!st);
    CHECK(st.error().code == errc::table_moved);
  }
  // Nothing new: nothing to sync. Then the roll-back ends.
  CHECK(ok(job.sync_back()) == 0);
  ok(job.contract());
  CHECK(job.progress().contracted);
  ok(put(*now, std::int64_t{1}, user(1, 3, "-contracted")));
  auto after = job.sync_back();
  REQUIRE(!after);
  CHECK(after.error().message().find("contracted") != std::string::npos);
  CHECK(rows_of(*setup.old_table()).at("1") == written_back(user(1, 3, "-after")));
}

// ---- the maintenance cut-over ------------------------------------------------------------

/// The options of a maintenance cut-over in `setup` (a route, also within one database).
template <class S>
uplift::copy_options maintenance_options(S& setup, std::string job = "move") {
  auto o = setup.options(std::move(job));
  o.cutover = uplift::cutover_mode::maintenance;
  o.moved_to = setup.to->where(setup.target_table);
  return o;
}

TEST_CASE_TEMPLATE("copy: a maintenance cut-over refuses only the keys with unapplied changes, serves every other key at once, then applies them", S, COPY_SETUPS) {
  S setup;
  if (!setup.available) return;
  setup.fill(200);
  auto o = maintenance_options(setup);
  bool looked = false;
  o.failpoint = [&](std::string_view point) {
    if (point != "cut-over: keys in maintenance") return;
    looked = true;
    // The swap committed; the three keys changed since the catch-up are not applied yet.
    auto now = setup.to->open(setup.target_table);
    for (std::int64_t k : {5, 6, 1000}) {
      CAPTURE(k);
      auto read = now->get(k);
      REQUIRE(!read);
      CHECK(read.error().code == errc::key_in_maintenance);
      auto st = put(*now, k, user(static_cast<int>(k), 3, "-early"));
      REQUIRE(!st);
      CHECK(st.error().code == errc::key_in_maintenance);
      auto gone = erase(*now, k);
      REQUIRE(!gone);
      CHECK(gone.error().code == errc::key_in_maintenance);
    }
    auto many = now->get_many({std::int64_t{4}, std::int64_t{5}});
    REQUIRE(!many);
    CHECK(many.error().code == errc::key_in_maintenance);
    auto all = now->scan({}, 1000);
    REQUIRE(!all);
    CHECK(all.error().code == errc::key_in_maintenance);
    // Every other key: read and written as usual, right away.
    CHECK(ok(now->get(std::int64_t{50})) == expected_of({{"50", user(50, static_cast<std::uint16_t>(1 + 50 % 3))}}).at("50"));
    ok(put(*now, std::int64_t{51}, user(51, 3, "-now")));
    ok(now->scan({std::int64_t{6}, std::int64_t{100}}, 1000));  // keys 7..100: none held
    // The source is routed away.
    auto st = put(*setup.source(), std::int64_t{52}, user(52, 2));
    REQUIRE(!st);
    CHECK(st.error().code == errc::table_moved);
  };
  auto job = ok(uplift::copy_job::open(setup.source(), setup.target(), handle(), o));
  ok(job.copy());
  ok(job.catch_up());
  {
    auto src = setup.source();
    ok(put(*src, std::int64_t{5}, user(5, 2, "-changed")));
    ok(erase(*src, std::int64_t{6}));
    ok(put(*src, std::int64_t{1000}, user(1000, 1)));
    ok(put(*src, std::int64_t{5}, user(5, 2, "-changed twice")));
  }
  const auto source_then = rows_of(*setup.source());
  auto report = ok(job.cut_over());
  CHECK(looked);
  CHECK(report.swap == uplift::swap_mode::route);
  CHECK(report.maintenance_keys == 3);
  CHECK(report.maintenance.count() > 0);
  CHECK(job.progress().phase == uplift::copy_phase::cut_over);
  CHECK(job.progress().in_maintenance == 0);
  auto now = setup.to->open(setup.target_table);
  auto want = expected_of(source_then);
  want["51"] = user(51, 3, "-now");
  CHECK(rows_of(*now) == want);
  // Nothing is held any more: the keys are written as any other.
  ok(put(*now, std::int64_t{5}, user(5, 3, "-after")));
  ok(erase(*now, std::int64_t{1000}));
  CHECK(ok(uplift::moved_to(*setup.source())) == std::optional<std::string>(o.moved_to));
}

TEST_CASE_TEMPLATE("copy: a maintenance cut-over holds and releases text keys with quotes, backslashes, commas and braces", S, one_sqlite_file, sqlite_to_postgres) {
  S setup;
  if (!setup.available) return;
  auto text_table = [](place& p, const std::string& table) {
    return p.open_spec({.table = table, .key_column = "id", .value_column = "record",
                        .key = uplift::key_type::text});
  };
  const std::vector<std::string> odd = {"plain", "it's", "say \"hi\"", "back\\slash", "a,b",
                                        "{braces}", "\\\"", "ünïcode", "NULL", ""};
  {
    auto src = text_table(*setup.from, "users");
    on_store(*src, [&](auto& c) { ok(c.create_table()); });
    for (int i = 0; i < 50; ++i) ok(put(*src, "key " + std::to_string(i), user(i, 2)));
    for (std::size_t i = 0; i + 1 < odd.size(); ++i) ok(put(*src, odd[i], user(static_cast<int>(100 + i), 1)));
    auto dst = text_table(*setup.to, setup.target_table);
    on_store(*dst, [&](auto& c) { ok(c.create_table()); });
  }
  auto o = maintenance_options(setup);
  bool looked = false;
  o.failpoint = [&](std::string_view point) {
    if (point != "cut-over: keys in maintenance") return;
    looked = true;
    auto now = text_table(*setup.to, setup.target_table);
    for (const std::string& k : odd) {
      CAPTURE(k);
      auto read = now->get(k);
      REQUIRE(!read);
      CHECK(read.error().code == errc::key_in_maintenance);
      auto st = put(*now, k, user(1, 3));
      REQUIRE(!st);
      CHECK(st.error().code == errc::key_in_maintenance);
    }
    CHECK(ok(now->get(std::string("key 7"))).has_value());  // not held
  };
  auto job = ok(uplift::copy_job::open(text_table(*setup.from, "users"),
                                       text_table(*setup.to, setup.target_table), handle(), o));
  ok(job.copy());
  ok(job.catch_up());
  {
    // Every odd key changed after the catch-up (and "" inserted): all of them held at the cut-over.
    auto src = text_table(*setup.from, "users");
    for (std::size_t i = 0; i < odd.size(); ++i)
      ok(put(*src, odd[i], user(static_cast<int>(200 + i), 2, "-late")));
  }
  const auto source_then = rows_of(*text_table(*setup.from, "users"));
  auto report = ok(job.cut_over());
  CHECK(looked);
  CHECK(report.maintenance_keys == odd.size());
  auto now = text_table(*setup.to, setup.target_table);
  CHECK(rows_of(*now) == expected_of(source_then));
  for (const std::string& k : odd) ok(put(*now, k, user(1, 3)));  // released
}

TEST_CASE_TEMPLATE("copy: under a live workload, a maintenance cut-over loses no write: writers of held keys retry, the new table matches the ledger", S, COPY_SETUPS) {
  S setup;
  if (!setup.available) return;
  constexpr int rows = 3000;
  setup.fill(rows);
  const auto before = rows_of(*setup.source());
  workload w;
  w.start(rows, [&] { return setup.source(); }, [&] { return setup.to->open(setup.target_table); });
  std::this_thread::sleep_for(20ms);
  auto o = maintenance_options(setup);
  o.rows_per_second = 10000;
  o.apply_batch = 200;
  o.failpoint = [&](std::string_view point) {
    // Changes pile up before the block: the cut-over holds their keys, not every writer.
    if (point == "cut-over: keys in maintenance") std::this_thread::sleep_for(20ms);
  };
  auto job = ok(uplift::copy_job::open(setup.source(), setup.target(), handle(), o));
  auto report = ok(job.run());
  std::this_thread::sleep_for(30ms);
  w.finish();
  INFO("first failed write: ", w.first_failure);
  CHECK(w.failures.load() == 0);
  CHECK(w.refused.load() > 0);
  check_against_ledger(before, w.ledger(), rows_of(*setup.to->open(setup.target_table)));
  MESSAGE("maintenance cut-over: writers blocked " << report.window.count() << " us; "
          << report.maintenance_keys << " keys in maintenance for " << report.maintenance.count()
          << " us; writes refused while held: " << w.held.load() << " of " << w.written.load());
}

TEST_CASE_TEMPLATE("copy: a copier killed with SIGKILL in every step of a maintenance cut-over resumes: the keys held are applied, or nothing was swapped", S, COPY_SETUPS) {
  S setup;
  if (!setup.available) return;
  constexpr int rows = 500;
  setup.fill(rows);
  const std::vector<std::pair<std::string, int>> kills = {
      {"cut-over: in maintenance, not swapped", 1},
      {"cut-over: swapped, not committed", 1},
      {"maintenance: applied", 1}};
  int killed = 0, writes = 0;
  auto killed_options = maintenance_options(setup, "killed");
  killed_options.apply_batch = 5;
  for (const auto& [point, nth] : kills) {
    CAPTURE(point);
    // Writes before each run (the last kill leaves the table routed: none after it).
    write_between_runs(*setup.source(), rows, writes);
    if (run_killed(setup, killed_options, point, nth)) ++killed;
    // Until the swap commits, the source takes writes; after, it is routed.
    CHECK(ok(uplift::moved_to(*setup.source())).has_value() == (point == "maintenance: applied"));
  }
  CHECK(killed == static_cast<int>(kills.size()));
  if constexpr (std::is_same_v<S, one_sqlite_file> || std::is_same_v<S, sqlite_to_sqlite>) {
    // uplift copy shows the phase and the keys still held.
    const std::string store =
        "sqlite:" + setup.dir.path(std::is_same_v<S, one_sqlite_file> ? "app.db" : "new.db");
    auto [out, code] = cli_test::run_cli("copy " + store);
    INFO(out);
    CHECK(code == 0);
    CHECK(out.find("killed  demo.User at v3, users -> " + setup.target_table + ", maintenance") != std::string::npos);
    CHECK(out.find("keys in maintenance: ") != std::string::npos);
  }
  const auto source_now = rows_of(*setup.source());
  auto o = maintenance_options(setup, "killed");
  auto job = ok(uplift::copy_job::open(setup.source(), setup.target(), handle(), o));
  CHECK(job.progress().phase == uplift::copy_phase::maintenance);
  auto report = ok(job.run());
  CHECK(report.maintenance_keys > 0);  // what the killed run left held
  CHECK(job.progress().phase == uplift::copy_phase::cut_over);
  CHECK(rows_of(*setup.to->open(setup.target_table)) == expected_of(source_now));
}

using cli_test::run_cli;

TEST_CASE("copy: uplift copy shows each job's phase, progress, backlog and lag, and its roll-back's backlog<SQLite>") {
  one_sqlite_file setup;
  const std::string store = "sqlite:" + setup.dir.path("app.db");
  setup.fill(200);
  {
    auto [out, code] = run_cli("copy " + store);
    CHECK(code == 0);
    CHECK(out == "no copy jobs in " + store + "\n");
  }
  auto o = setup.options();
  o.rollback_to = 2;
  auto job = ok(uplift::copy_job::open(setup.source(), setup.target(), handle(), o));
  ok(job.copy());
  auto src = setup.source();
  for (int i = 1; i <= 3; ++i) ok(put(*src, std::int64_t{i}, user(i, 2, "-x")));
  {
    auto [out, code] = run_cli("copy " + store);
    INFO(out);
    CHECK(code == 0);
    CHECK(out.find("move  demo.User at v3, users -> users_v3, catching up") != std::string::npos);
    CHECK(out.find("copied 200 of 200 rows (100.0%), quarantined 0, changes applied 0") != std::string::npos);
    CHECK(out.find("backlog 3 entries, lag ") != std::string::npos);
    CHECK(out.find("not verified yet") != std::string::npos);
  }
  ok(job.verify());
  {
    auto [out, code] = run_cli("copy " + store);
    INFO(out);
    CHECK(out.find("verified 200 rows ") != std::string::npos);
    CHECK(out.find(": 0 differed, 3 more with changes still in the log") != std::string::npos);
  }
  ok(job.run());
  auto now = setup.after_cutover();
  for (int i = 1; i <= 2; ++i) ok(put(*now, std::int64_t{i}, user(i, 3, "-y")));
  {
    auto [out, code] = run_cli("copy " + store);
    INFO(out);
    CHECK(code == 0);
    CHECK(out.find("users -> users_v3, cut over") != std::string::npos);
    CHECK(out.find("changes applied 3") != std::string::npos);
    CHECK(out.find("roll-back: 2 entries, lag ") != std::string::npos);
  }
  ok(job.contract());
  CHECK(run_cli("copy " + store).first.find("roll-back: contracted") != std::string::npos);
  CHECK(run_cli("copy " + store + " --table users").second == 2);
}

TEST_CASE("copy: uplift copy reads the backlog of a copy from another database with --source<SQLite>") {
  sqlite_to_sqlite setup;
  setup.fill(50);
  auto job = ok(uplift::copy_job::open(setup.source(), setup.target(), handle(), setup.options()));
  ok(job.copy());
  ok(put(*setup.source(), std::int64_t{7}, user(7, 1, "-z")));
  const std::string store = "sqlite:" + setup.dir.path("new.db");
  auto [out, code] = run_cli("copy " + store);
  INFO(out);
  CHECK(code == 0);
  CHECK(out.find("backlog: in the source database (" + setup.dir.path("app.db") + "): give --source STORE") != std::string::npos);
  auto [with, code2] = run_cli("copy " + store + " --source sqlite:" + setup.dir.path("app.db"));
  INFO(with);
  CHECK(code2 == 0);
  CHECK(with.find("backlog 1 entries, lag ") != std::string::npos);
}

TEST_CASE("copy faults: the PostgreSQL server killed and started again during a copy: the copy retries, resumes, and the new table equals f(source) with every write made around the outage <postgres>") {
  if (!store_test::own_cluster::wanted()) return;  // no PostgreSQL server on this machine
  store_test::own_cluster pg(/*durable=*/true);
  REQUIRE(pg.ok());
  auto open_table = [&](const std::string& table) {
    return std::make_unique<uplift::postgres_store>(ok(uplift::postgres_store::open(
        pg.conninfo(), {.table = table, .key_column = "id", .value_column = "record"})));
  };
  constexpr int rows = 8000;
  {
    auto src = open_table("users");
    ok(src->create_table());
    std::vector<uplift::stored_row> all;
    for (int i = 1; i <= rows; ++i)
      all.push_back({std::int64_t{i}, user(i, static_cast<std::uint16_t>(1 + i % 3))});
    ok(src->put_many(all));
    ok(open_table("users_v3")->create_table());
  }
  auto o = quick();
  o.rows_per_second = 4000;  // about 2 s without the outage
  o.retry_backoff = 50ms;
  o.max_retries = 10;  // waits up to about 50 s for the server
  auto job = ok(uplift::copy_job::open(open_table("users"), open_table("users_v3"), handle(), o));
  // Writes before the outage, logged by the capture.
  {
    auto db = open_table("users");
    for (int i = 1; i <= 20; ++i) ok(put(*db, std::int64_t{i}, user(i, 2, "-before")));
  }
  uplift::result<uplift::cutover_report> done = uplift::error(errc::cancelled);
  std::thread copier([&] { done = job.run(); });
  std::this_thread::sleep_for(700ms);
  REQUIRE(pg.kill());
  std::this_thread::sleep_for(1000ms);
  CHECK(job.progress().phase == uplift::copy_phase::copying);  // still at it, waiting
  REQUIRE(pg.restart());
  {
    // Writes after the outage, while the copy goes on (a new connection: the old ones broke).
    auto db = open_table("users");
    for (int i = 21; i <= 40; ++i) ok(put(*db, std::int64_t{i}, user(i, 2, "-after")));
    ok(erase(*db, std::int64_t{41}));
  }
  copier.join();
  REQUIRE(done);
  CHECK(job.progress().phase == uplift::copy_phase::cut_over);
  // "users" is the copy now; the old table holds the source as it was at the swap.
  const auto old_rows = rows_of(*open_table("users_uplift_old"));
  CHECK(old_rows.size() == static_cast<std::size_t>(rows - 1));
  CHECK(old_rows.at("5") == user(5, 2, "-before"));
  CHECK(old_rows.at("25") == user(25, 2, "-after"));
  CHECK(rows_of(*open_table("users")) == expected_of(old_rows));
  MESSAGE("copied " << job.progress().copied << " rows, " << job.progress().applied
                    << " changes applied, across a server restart");
}
