// What only the SQLite store has to show: waiting for another connection's write, values stored
// as TEXT, and in-memory databases.

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "store_fixtures.hpp"

using namespace std::chrono_literals;
using store_test::ok;
using store_test::record;
using store_test::sqlite_int;

TEST_CASE("sqlite: a write waits for another connection's write transaction instead of failing") {
  STORE_TEST_FIXTURE(sqlite_int, fx);
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(fx.backend.path().c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  std::thread holder([other] {
    std::this_thread::sleep_for(300ms);
    sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  });
  const auto start = std::chrono::steady_clock::now();
  auto put = fx.s().put(std::int64_t{1}, record(1));  // waits for the COMMIT (busy timeout 5 s)
  const auto waited = std::chrono::steady_clock::now() - start;
  holder.join();
  sqlite3_close(other);
  ok(std::move(put));
  CHECK(waited >= 250ms);
  CHECK(ok(fx.s().get(std::int64_t{1})) == record(1));
}

TEST_CASE("sqlite: a write that waited longer than the busy timeout fails with SQLite's words") {
  STORE_TEST_FIXTURE(sqlite_int, fx);
  auto impatient =
      ok(uplift::sqlite_store::open(fx.backend.path(), fx.spec, {.busy_timeout = 50ms}));
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(fx.backend.path().c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  auto put = impatient.put(std::int64_t{1}, record(1));
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  REQUIRE_FALSE(put);
  CHECK(put.error().code == uplift::errc::store_error);
  CHECK(put.error().detail().find("database is locked") != std::string::npos);
  ok(impatient.put(std::int64_t{1}, record(1)));  // the lock is gone: it goes through
}

TEST_CASE("sqlite: a value the application stored as TEXT is read and compared as its bytes") {
  STORE_TEST_FIXTURE(sqlite_int, fx);
  fx.backend.run_sql("INSERT INTO \"" + fx.spec.table + "\" VALUES (1, '{\"_v\":1}')");
  CHECK(ok(fx.s().get(std::int64_t{1})) == "{\"_v\":1}");
  CHECK(ok(fx.s().write_if({std::int64_t{1}, "{\"_v\":1}", "{\"_v\":2}"})));
  CHECK(ok(fx.s().get(std::int64_t{1})) == "{\"_v\":2}");
}

TEST_CASE("sqlite: an in-memory database works on its one connection and refuses connect") {
  auto s = ok(uplift::sqlite_store::open(":memory:", {.table = "things"}));
  ok(s.create_table());
  ok(s.put(std::int64_t{1}, record(1)));
  CHECK(ok(s.get(std::int64_t{1})) == record(1));
  auto other = s.connect();
  REQUIRE_FALSE(other);
  CHECK(other.error().code == uplift::errc::store_error);
  CHECK(other.error().detail().find("in-memory") != std::string::npos);
}
