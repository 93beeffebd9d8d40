// The write-version knob under a server fault: a PostgreSQL server of the test's own (not the
// shared one the other tests use) killed with SIGKILL and started again while a codec is attached.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <uplift/fleet/knob.hpp>

#include "pg_own_cluster.hpp"
#include "store_fixtures.hpp"
#include "user_uplift.hpp"

using namespace std::chrono_literals;
using store_test::ok;

namespace knob_fault_test {

/// Waits up to `limit` for `done()`.
template <class Done>
bool eventually(Done&& done, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

}  // namespace knob_fault_test

TEST_CASE("knob faults: a server killed and started again: the flip in between fails cleanly, the attached process reports the outage, reconnects and follows the next flip <postgres>") {
  if (!store_test::own_cluster::wanted()) return;  // no PostgreSQL server on this machine
  store_test::own_cluster pg;
  REQUIRE(pg.ok());
  const uplift::table_spec spec{.table = "users"};
  auto admin = ok(uplift::postgres_store::open(pg.conninfo(), spec));
  ok(admin.create_table());

  auto c = uplift::codec<demo::User>::make({.write_version = 2}).value();
  std::atomic<int> errors{0};
  uplift::knob_options o;
  o.node = "app";
  o.poll = 200ms;
  o.heartbeat = 300ms;
  o.lease = 5000ms;
  o.on_error = [&](const uplift::error& e) {
    if (e.code == uplift::errc::store_error) ++errors;
  };
  auto attached = ok(uplift::attach_knob(c, ok(uplift::postgres_store::open(pg.conninfo(), spec)), o));
  ok(uplift::set_knob(admin, "demo.User", 2));
  REQUIRE(knob_fault_test::eventually([&] { return c.write_version() == 2; }, 5000ms));

  REQUIRE(pg.kill());
  // The backends go with their postmaster, not at the same instant: wait until this connection's
  // has gone too.
  REQUIRE(knob_fault_test::eventually([&] { return !admin.load_knob("demo.User"); }, 10000ms));
  // The outage: a flip cannot commit (a clear store error, nothing half-done), the attached
  // process reports it and keeps writing the version it had.
  auto during = uplift::set_knob(admin, "demo.User", 3);
  REQUIRE_FALSE(during);
  CHECK(during.error().code == uplift::errc::store_error);
  CHECK(knob_fault_test::eventually([&] { return errors.load() > 0; }, 5000ms));
  CHECK(c.write_version() == 2);

  REQUIRE(pg.restart());
  // The flip once the server is back (a connection that saw the crash fails its first call and
  // reconnects at the next: the application retries, as it would any database call).
  uplift::result<uplift::knob_flip> after = uplift::set_knob(admin, "demo.User", 3);
  for (int attempt = 0; !after && attempt < 20; ++attempt) {
    std::this_thread::sleep_for(100ms);
    after = uplift::set_knob(admin, "demo.User", 3);
  }
  REQUIRE(after);
  CHECK(after->kind == "set");
  CHECK(knob_fault_test::eventually([&] { return c.write_version() == 3; }, 5000ms));
  // Its node row is back too: it counts for the next flip.
  CHECK(knob_fault_test::eventually([&] {
    auto nodes = admin.list_knob_nodes("demo.User");
    return nodes && nodes->size() == 1 && (*nodes)[0].live && (*nodes)[0].writing == 3;
  }, 5000ms));
}
