// The backfill against the PostgreSQL server's own faults: the server killed (SIGKILL of the
// postmaster) and started again, on a server of the test's own; and, on the shared test server but
// only on this test's connections (known by their application_name), a backend terminated by
// pg_terminate_backend in the middle of the backfill, a statement_timeout that fires while a
// row the backfill writes is locked by the application, and a row the application holds locked
// for seconds (the backfill's lock_timeout).
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <uplift/rows/backfill.hpp>

#include "pg_own_cluster.hpp"
#include "store_fixtures.hpp"
#include "user_uplift.hpp"

using namespace std::chrono_literals;
using store_test::ok;

namespace server_fault_test {

using user_codec = uplift::codec<demo::User>;

/// `n` users at v2 in the fixture's table.
template <class F>
void fill_v2(F& fx, int n) {
  const auto v2 = user_codec::make({.write_version = 2}).value();
  std::vector<uplift::stored_row> rows;
  for (int i = 1; i <= n; ++i) {
    user_codec::object_type u;
    u.id = static_cast<std::uint64_t>(i);
    u.given_name = "Grace";
    u.family_name = "Hopper " + std::to_string(i);
    u.email = "user" + std::to_string(i) + "@example.com";
    rows.push_back({std::int64_t{i}, std::string(v2.write(u).value().as_string_view())});
  }
  ok(fx.s().put_many(rows));
}

/// Every row at v3, read back as the users written.
template <class F>
void check_all_v3(F& fx, int n) {
  const auto c = user_codec::make({}).value();
  const auto rows = ok(fx.s().scan({}, 1000000));
  REQUIRE(rows.size() == static_cast<std::size_t>(n));
  for (const auto& r : rows) {
    const auto view = c.read(r.value);
    REQUIRE(view);
    CHECK(view->stored_version() == 3);
    // Written at v2 as "Grace Hopper <i>": the upgrade splits at the last space.
    CHECK((*view)->given_name()->str() == "Grace Hopper");
    CHECK((*view)->family_name()->str() == std::to_string(std::get<std::int64_t>(r.key)));
  }
}

/// Waits up to 10 s for `done()`.
template <class Done>
bool eventually_true(Done&& done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace server_fault_test

TEST_CASE_TEMPLATE("backfill faults: backends terminated by pg_terminate_backend in the middle of a backfill cost retries, not rows", F,
                   store_test::postgres_int) {
  STORE_TEST_FIXTURE(F, fx);
  constexpr int n = 6000;
  server_fault_test::fill_v2(fx, n);
  const std::string app = store_test::unique_name("uplift_fault");
  auto db = ok(uplift::postgres_store::open(fx.backend.conninfo() + " application_name=" + app, fx.spec));
  uplift::backfill_options o;
  o.initial_batch = 100;
  o.max_batch = 100;
  o.rows_per_second = 6000;  // about a second
  o.max_retries = 8;
  auto job = ok(uplift::backfill::start(std::move(db), server_fault_test::user_codec::make({}).value(), o));
  int terminated = 0;
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(250ms);
    terminated += std::stoi(fx.backend.run_sql(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '" +
        app + "'"));
  }
  CHECK(terminated > 0);
  ok(job.wait());
  const auto p = job.progress();
  CHECK(p.status == uplift::job_status::done);
  CHECK(p.counters.scanned == static_cast<std::uint64_t>(n));
  // Each row counted once: a batch whose commit was cut off counted nothing (or, when its COMMIT
  // went through and only the reply was lost, its rows count as current when seen again).
  CHECK(p.counters.upgraded + p.counters.already_current + p.counters.conflicts ==
        static_cast<std::uint64_t>(n));
  CHECK(p.counters.quarantined == 0);
  server_fault_test::check_all_v3(fx, n);
  MESSAGE("terminated " << terminated << " backends of the backfill; it ended done");
}

TEST_CASE_TEMPLATE("backfill faults: a statement_timeout that fires on a row the application holds locked commits nothing of the batch; the batch is retried, and the job goes on", F,
                   store_test::postgres_int) {
  STORE_TEST_FIXTURE(F, fx);
  constexpr int n = 1000;
  server_fault_test::fill_v2(fx, n);
  const auto c = server_fault_test::user_codec::make({}).value();
  const std::string with_timeout = fx.backend.conninfo() + " options='-c search_path=" +
                                   fx.backend.run_sql("SELECT current_schema()") +
                                   " -c statement_timeout=100'";
  // The application holds row 500 in a transaction of its own connection.
  PGconn* app = PQconnectdb(fx.backend.conninfo().c_str());
  REQUIRE(PQstatus(app) == CONNECTION_OK);
  auto hold_row = [&] {
    PQclear(PQexec(app, ("BEGIN; SELECT 1 FROM \"" + fx.spec.table + "\" WHERE id = 500 FOR UPDATE").c_str()));
  };
  uplift::backfill_options o;
  o.job = "timeout";
  o.initial_batch = 100;
  o.max_batch = 100;

  // Retries used up while the lock is held: the job stops with the server's words, and the batch
  // holding row 500 committed nothing (the batches before it did; after failures the backfill
  // tries smaller batches, so where its last one began is its own affair).
  hold_row();
  o.max_retries = 1;
  auto first = ok(uplift::backfill::start(ok(uplift::postgres_store::open(with_timeout, fx.spec)), c, o));
  auto failed = first.wait();
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message().find("statement timeout") != std::string::npos);
  std::int64_t upgraded = 0;
  for (const auto& r : ok(fx.s().scan({}, 1000000))) {
    const auto k = std::get<std::int64_t>(r.key);
    const auto version = c.read(r.value).value().stored_version();  // every row reads
    if (k >= 500) CHECK(version == 2);  // the locked row, and the rows after it
    upgraded += version == 3 ? 1 : 0;
  }
  CHECK(upgraded >= 100);  // the first batches went through
  CHECK(static_cast<std::uint64_t>(upgraded) == first.progress().counters.upgraded);
  PQclear(PQexec(app, "COMMIT"));

  // Held again for 600 ms, with retries enough to ride it out (backoff 20, 40, 80, 160, 320 ms
  // ...): the run resumes after the committed rows, waits the lock out and finishes.
  hold_row();
  o.max_retries = 10;
  const auto t0 = std::chrono::steady_clock::now();
  auto second = ok(uplift::backfill::start(ok(uplift::postgres_store::open(with_timeout, fx.spec)), c, o));
  std::this_thread::sleep_for(600ms);
  PQclear(PQexec(app, "COMMIT"));
  PQfinish(app);
  ok(second.wait());
  CHECK(std::chrono::steady_clock::now() - t0 >= 600ms);
  const auto p = second.progress();
  CHECK(p.status == uplift::job_status::done);
  CHECK(p.counters.scanned == static_cast<std::uint64_t>(n));
  CHECK(p.counters.upgraded == static_cast<std::uint64_t>(n));
  server_fault_test::check_all_v3(fx, n);
}

TEST_CASE("backfill faults: the PostgreSQL server killed and started again during a backfill with two workers and a writer: the backfill reports the outage, waits, resumes, and the table matches the writer's ledger <postgres>") {
  if (!store_test::own_cluster::wanted()) return;  // no PostgreSQL server on this machine
  store_test::own_cluster pg(/*durable=*/true);
  REQUIRE(pg.ok());
  using user_codec = server_fault_test::user_codec;
  const uplift::table_spec spec{.table = "users"};
  auto admin = ok(uplift::postgres_store::open(pg.conninfo(), spec));
  ok(admin.create_table());
  constexpr int n = 8000;
  const auto v2 = user_codec::make({.write_version = 2}).value();
  const auto c = user_codec::make({}).value();
  std::map<std::int64_t, std::vector<user_codec::object_type>> allowed;  // what each row may hold
  {
    std::vector<uplift::stored_row> rows;
    for (int i = 1; i <= n; ++i) {
      user_codec::object_type u;
      u.id = static_cast<std::uint64_t>(i);
      u.given_name = "Grace Hopper";
      u.family_name = std::to_string(i);
      u.email = "user" + std::to_string(i) + "@example.com";
      rows.push_back({std::int64_t{i}, std::string(v2.write(u).value().as_string_view())});
      allowed[i] = {u};  // as v3 reads it
    }
    ok(admin.put_many(rows));
  }

  // The writer: overwrites random rows at v3. A write that failed may have committed (its reply
  // lost with the server): the row may then hold either value, until a later write settles it.
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0}, failed_writes{0};
  std::mutex ledger_mutex;
  std::thread writer([&] {
    auto db = ok(uplift::postgres_store::open(pg.conninfo(), spec));
    std::mt19937 rng(7);
    for (int op = 0; !stop; ++op) {
      const std::int64_t k = 1 + static_cast<std::int64_t>(rng() % n);
      user_codec::object_type u;
      {
        std::lock_guard lock(ledger_mutex);
        u = allowed[k].front();
      }
      u.email = "write" + std::to_string(op) + "@example.com";
      if (auto st = db.put(k, c.write(u).value().as_string_view()); st) {
        std::lock_guard lock(ledger_mutex);
        allowed[k] = {u};
        ++writes;
      } else {
        std::lock_guard lock(ledger_mutex);
        allowed[k].push_back(u);
        ++failed_writes;
        std::this_thread::sleep_for(50ms);
      }
      std::this_thread::sleep_for(2ms);
    }
  });

  uplift::backfill_options o;
  o.workers = 2;
  o.rows_per_second = 4000;  // about 2 s without the outage
  o.initial_batch = 100;
  o.max_batch = 200;
  o.retry_backoff = 50ms;
  o.max_retries = 10;  // waits up to about 50 s for the server
  auto job = ok(uplift::backfill::start(ok(uplift::postgres_store::open(pg.conninfo(), spec)), c, o));
  std::this_thread::sleep_for(700ms);
  REQUIRE(pg.kill());
  // While the server is down, the backfill says so and waits.
  CHECK(server_fault_test::eventually_true([&] { return job.progress().store_retries > 0; }));
  const auto down = job.progress();
  CHECK(down.status == uplift::job_status::running);
  CHECK_FALSE(down.last_store_error.empty());
  MESSAGE("while the server was down: " << down.store_retries << " retries, the last: "
                                        << down.last_store_error);
  std::this_thread::sleep_for(1000ms);
  REQUIRE(pg.restart());
  const auto restarted = std::chrono::steady_clock::now();
  ok(job.wait());
  const auto done_after = std::chrono::steady_clock::now() - restarted;
  stop = true;
  writer.join();
  CHECK(job.progress().status == uplift::job_status::done);
  CHECK(writes.load() > 0);
  CHECK(failed_writes.load() > 0);  // the writer saw the outage too

  // Every row at v3, holding what the writer's ledger allows: no write lost, no range skipped
  // (read on a new connection: `admin` saw the crash and would fail its next call once).
  auto check = ok(uplift::postgres_store::open(pg.conninfo(), spec));
  const auto rows = ok(check.scan({}, 1000000));
  REQUIRE(rows.size() == static_cast<std::size_t>(n));
  int mismatches = 0;
  for (const auto& r : rows) {
    const auto k = std::get<std::int64_t>(r.key);
    const auto view = c.read(r.value);
    REQUIRE(view);
    CHECK(view->stored_version() == 3);
    const auto got = c.read_object(r.value).value();
    const auto& ok_values = allowed[k];
    if (std::find(ok_values.begin(), ok_values.end(), got) == ok_values.end()) ++mismatches;
  }
  CHECK(mismatches == 0);
  MESSAGE(n << " rows checked, all at v3; the writer's " << writes.load() << " writes (and "
            << failed_writes.load() << " that failed in the outage): " << mismatches
            << " lost; the job done "
            << std::chrono::duration_cast<std::chrono::milliseconds>(done_after).count()
            << " ms after the server was back");
}

TEST_CASE_TEMPLATE("backfill faults: a row the application holds locked for seconds: each batch waits at most its lock_timeout, the worker works its other ranges meanwhile and comes back, and the application's writes to the rows a waiting batch holds wait at most the lock_timeout", F,
                   store_test::postgres_int) {
  STORE_TEST_FIXTURE(F, fx);
  constexpr int n = 2000;
  server_fault_test::fill_v2(fx, n);
  const auto c = server_fault_test::user_codec::make({}).value();
  const std::string table = "\"" + fx.spec.table + "\"";
  // The application's two connections: one holds row 300 (in the first of four ranges) for
  // seconds; the other writes rows 251..299, which come before it in the same batches, and
  // times each write.
  PGconn* holder = PQconnectdb(fx.backend.conninfo().c_str());
  PGconn* app = PQconnectdb(fx.backend.conninfo().c_str());
  REQUIRE(PQstatus(holder) == CONNECTION_OK);
  REQUIRE(PQstatus(app) == CONNECTION_OK);
  PQclear(PQexec(holder, ("BEGIN; SELECT 1 FROM " + table + " WHERE id = 300 FOR UPDATE").c_str()));

  uplift::backfill_options o;
  o.job = "long-lock";
  o.workers = 1;
  o.ranges = 4;
  o.initial_batch = 100;
  o.max_batch = 100;
  o.lock_timeout = 300ms;
  const auto t0 = std::chrono::steady_clock::now();
  auto job = ok(uplift::backfill::start(ok(fx.backend.open(fx.spec)), c, o));

  std::atomic<bool> stop{false};
  std::map<std::int64_t, std::string> ledger;  // each row's last write, as v3 reads it
  std::chrono::steady_clock::duration longest{};
  int writes = 0, waited = 0;
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      const std::int64_t id = 251 + i % 49;
      server_fault_test::user_codec::object_type u;
      u.id = static_cast<std::uint64_t>(id);
      u.given_name = "Ada";
      u.family_name = "write " + std::to_string(i);
      u.email = "ada@example.com";
      const std::string bytes(c.write(u).value().as_string_view());
      const std::string key = std::to_string(id);
      const char* values[] = {key.c_str(), bytes.data()};
      const int lengths[] = {0, static_cast<int>(bytes.size())};
      const int formats[] = {0, 1};
      const auto start = std::chrono::steady_clock::now();
      PGresult* r = PQexecParams(app, ("UPDATE " + table + " SET value = $2 WHERE id = $1").c_str(),
                                 2, nullptr, values, lengths, formats, 0);
      const auto took = std::chrono::steady_clock::now() - start;
      const bool written = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
      if (!written) continue;
      ++writes;
      waited += took >= 50ms ? 1 : 0;
      longest = std::max(longest, took);
      ledger[id] = u.family_name;
      std::this_thread::sleep_for(5ms);
    }
  });

  // While row 300 is held, the worker finishes the three other ranges.
  const bool others_done = server_fault_test::eventually_true([&] {
    const auto ranges = ok(fx.s().list_ranges("long-lock"));
    return ranges.size() == 4 && !ranges[0].done && ranges[1].done && ranges[2].done && ranges[3].done;
  });
  CHECK(others_done);
  const auto others_took = std::chrono::steady_clock::now() - t0;
  std::this_thread::sleep_for(1500ms);  // and keeps coming back to the first
  const auto waits = job.progress().lock_waits;
  CHECK(waits >= 3);
  CHECK(job.progress().last_store_error.find("lock timeout") != std::string::npos);
  CHECK(job.progress().status == uplift::job_status::running);
  CHECK_FALSE(ok(fx.s().list_ranges("long-lock"))[0].done);

  PQclear(PQexec(holder, "COMMIT"));
  const auto released = std::chrono::steady_clock::now();
  ok(job.wait());
  const auto resumed_in = std::chrono::steady_clock::now() - released;
  stop = true;
  writer.join();
  PQfinish(holder);
  PQfinish(app);

  // The application waited for a batch (the test saw the lock wait it bounds), never much
  // longer than the lock_timeout: without it, the first such write waits out the whole hold.
  CHECK(waited >= 1);
  CHECK(longest < o.lock_timeout + 700ms);
  const auto p = job.progress();
  CHECK(p.status == uplift::job_status::done);
  CHECK(p.counters.scanned == p.counters.upgraded + p.counters.already_current +
                                  p.counters.conflicts + p.counters.quarantined);
  CHECK(p.counters.quarantined == 0);
  // Every row at v3: the writer's rows hold its last write, the others their own user.
  for (const auto& r : ok(fx.s().scan({}, 1000000))) {
    const auto k = std::get<std::int64_t>(r.key);
    const auto view = c.read(r.value);
    REQUIRE(view);
    CHECK(view->stored_version() == 3);
    if (ledger.count(k) != 0)
      CHECK((*view)->family_name()->str() == ledger[k]);
    else
      CHECK((*view)->family_name()->str() == std::to_string(k));
  }
  MESSAGE("row 300 held " << std::chrono::duration_cast<std::chrono::milliseconds>(released - t0).count()
          << " ms: the other three ranges done in "
          << std::chrono::duration_cast<std::chrono::milliseconds>(others_took).count() << " ms, "
          << waits << " lock waits of 300 ms; " << writes << " application writes, " << waited
          << " of them behind a waiting batch, the longest "
          << std::chrono::duration_cast<std::chrono::milliseconds>(longest).count()
          << " ms; done " << std::chrono::duration_cast<std::chrono::milliseconds>(resumed_in).count()
          << " ms after the lock was released");
}
