// The backfill against the PostgreSQL server's own faults, on the shared test server but only on
// this test's connections (known by their application_name): a backend terminated by
// pg_terminate_backend in the middle of the backfill, and a statement_timeout that fires while a
// row the backfill writes is locked by the application.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <uplift/rows/backfill.hpp>

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
