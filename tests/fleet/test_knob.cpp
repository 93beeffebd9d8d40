// The write-version knob in one process: the flip rule against node rows, attached codecs
// following flips, leases, the killswitch, the log, and bad input; on memory, SQLite and
// PostgreSQL. The tests with several processes are in test_knob_processes.cpp.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <uplift/fleet/knob.hpp>
#include <uplift/rows/backfill.hpp>

#include "store_fixtures.hpp"
#include "user_uplift.hpp"

using namespace std::chrono_literals;
using store_test::ok;
using uplift::errc;

namespace knob_test {

using user_codec = uplift::codec<demo::User>;

/// Quick knob options for tests: short lease and heartbeat, a named node.
inline uplift::knob_options quick(std::string node) {
  uplift::knob_options o;
  o.node = std::move(node);
  o.lease = 2000ms;
  o.heartbeat = 200ms;
  o.poll = 500ms;
  return o;
}

/// A node row as another process would register it: reads `first`..`latest`, writes `writes`.
inline uplift::knob_node node_row(std::string name, std::uint16_t first, std::uint16_t latest,
                                  std::string writes) {
  uplift::knob_node n;
  n.record = "demo.User";
  n.node = std::move(name);
  n.reads_first = first;
  n.reads_latest = latest;
  n.writes = std::move(writes);
  n.writing = latest;
  return n;
}

/// Waits up to `limit` for `done()`.
template <class Done>
bool eventually(Done&& done, std::chrono::milliseconds limit = 5000ms) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

/// The version a record's header names.
inline std::uint16_t version_of(const uplift::buffer& b) {
  return uplift::peek(uplift::as_bytes_view(b.as_string_view())).value().version;
}

/// Set options that force the flip.
inline uplift::knob_set_options forced(std::string by = "test") {
  uplift::knob_set_options o;
  o.by = std::move(by);
  o.force = true;
  return o;
}

inline user_codec::object_type grace() {
  user_codec::object_type u;
  u.id = 7;
  u.given_name = "Grace";
  u.family_name = "Hopper";
  u.email = "grace@example.com";
  u.age = 85;
  return u;
}

}  // namespace knob_test

using knob_test::eventually;
using knob_test::node_row;
using knob_test::quick;
using knob_test::user_codec;

#define KNOB_TEST_STORES store_test::memory_int, store_test::sqlite_int, store_test::postgres_int

TEST_CASE_TEMPLATE("knob: a flip reaches every attached codec, which writes the new version from then on", F,
                   KNOB_TEST_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  std::vector<user_codec> codecs(3, user_codec::make({.write_version = 2}).value());
  std::vector<uplift::knob_attachment> knobs;
  for (std::size_t i = 0; i < codecs.size(); ++i)
    knobs.push_back(ok(uplift::attach_knob(codecs[i], fx.connect(), quick("n" + std::to_string(i)))));
  for (const auto& c : codecs) CHECK(c.write_version() == 2);

  const auto flip = ok(uplift::set_knob(fx.s(), "demo.User", 3, {.by = "test"}));
  CHECK(flip.kind == "set");
  CHECK(flip.from == 0);
  CHECK(flip.to == 3);
  for (std::size_t i = 0; i < codecs.size(); ++i) {
    CHECK(eventually([&] { return codecs[i].write_version() == 3; }, 2000ms));
    CHECK(knobs[i].write_version() == 3);
    CHECK(knob_test::version_of(ok(codecs[i].write(knob_test::grace()))) == 3);
  }

  // The node rows say what each one writes now (after its next heartbeat).
  CHECK(eventually([&] {
    auto nodes = fx.s().list_knob_nodes("demo.User");
    if (!nodes || nodes->size() != 3) return false;
    for (const auto& n : *nodes)
      if (!n.live || n.writing != 3 || n.reads_first != 1 || n.reads_latest != 3 ||
          n.writes != "1,2,3" || !n.problem.empty())
        return false;
    return true;
  }));
  const auto shown = ok(uplift::show_knob(fx.s(), "demo.User"));
  CHECK(shown.setting.write_version == 3);
  CHECK(shown.setting.previous_version == 0);
  REQUIRE(shown.log.size() == 1);
  CHECK(shown.log[0].by == "test");
  CHECK(shown.log[0].kind == "set");

  // Detaching removes the node rows at once.
  for (auto& k : knobs) ok(k.detach());
  CHECK(ok(fx.s().list_knob_nodes("demo.User")).empty());
}

TEST_CASE_TEMPLATE("knob: a codec attached after a flip starts at the knob's version", F,
                   KNOB_TEST_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  user_codec first = user_codec::make({.write_version = 2}).value();
  auto k1 = ok(uplift::attach_knob(first, fx.connect(), quick("first")));
  ok(uplift::set_knob(fx.s(), "demo.User", 2));
  user_codec late = user_codec::make({}).value();  // writes v3 on its own
  CHECK(late.write_version() == 3);
  auto k2 = ok(uplift::attach_knob(late, fx.connect(), quick("late")));
  CHECK(late.write_version() == 2);
  CHECK(k2.write_version() == 2);
}

TEST_CASE_TEMPLATE("knob: set refuses a version a live node cannot read, naming it, until the node leaves", F,
                   KNOB_TEST_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  ok(fx.s().ensure_knob_tables());
  user_codec c = user_codec::make({.write_version = 2}).value();
  auto mine = ok(uplift::attach_knob(c, fx.connect(), quick("new-release")));
  ok(fx.s().heartbeat_knob(node_row("old-release", 1, 2, "1,2"), 60s));

  auto refused = uplift::set_knob(fx.s(), "demo.User", 3);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::knob_refused);
  const std::string words = refused.error().message();
  CHECK(words.find("node \"old-release\" reads v1..v2 and cannot read v3") != std::string::npos);
  CHECK(words.find("new-release") == std::string::npos);  // it can follow
  CHECK(ok(fx.s().load_knob("demo.User")).write_version == 0);
  CHECK(ok(fx.s().knob_log("demo.User", 10)).empty());

  ok(fx.s().leave_knob("demo.User", "old-release"));
  CHECK(ok(uplift::set_knob(fx.s(), "demo.User", 3)).kind == "set");
  CHECK(eventually([&] { return c.write_version() == 3; }));
}

TEST_CASE_TEMPLATE("knob: a node whose lease ran out stops counting", F, KNOB_TEST_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  ok(fx.s().ensure_knob_tables());
  user_codec c = user_codec::make({.write_version = 2}).value();
  auto mine = ok(uplift::attach_knob(c, fx.connect(), quick("alive")));
  ok(fx.s().heartbeat_knob(node_row("killed", 1, 2, "1,2"), 300ms));
  CHECK_FALSE(uplift::set_knob(fx.s(), "demo.User", 3));
  std::this_thread::sleep_for(400ms);
  const auto nodes = ok(fx.s().list_knob_nodes("demo.User"));
  REQUIRE(nodes.size() == 2);
  CHECK(nodes[0].node == "alive");
  CHECK(nodes[0].live);
  CHECK(nodes[1].node == "killed");
  CHECK_FALSE(nodes[1].live);
  CHECK(ok(uplift::set_knob(fx.s(), "demo.User", 3)).kind == "set");
}

TEST_CASE_TEMPLATE("knob: a live node that reads a version but cannot write it refuses the flip", F,
                   KNOB_TEST_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  ok(fx.s().ensure_knob_tables());
  ok(fx.s().heartbeat_knob(node_row("no-downgrades", 1, 3, "3"), 60s));
  ok(fx.s().heartbeat_knob(node_row("full", 1, 3, "2,3"), 60s));
  auto refused = uplift::set_knob(fx.s(), "demo.User", 2);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message().find("node \"no-downgrades\" cannot write v2 (it writes 3)") !=
        std::string::npos);
}

TEST_CASE_TEMPLATE("knob: a forced flip goes through and is logged with the nodes it overrode", F,
                   KNOB_TEST_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  ok(fx.s().ensure_knob_tables());
  ok(fx.s().heartbeat_knob(node_row("old-release", 1, 2, "1,2"), 60s));
  const auto flip = ok(uplift::set_knob(fx.s(), "demo.User", 3, knob_test::forced("oncall")));
  CHECK(flip.kind == "forced");
  const auto log = ok(fx.s().knob_log("demo.User", 10));
  REQUIRE(log.size() == 1);
  CHECK(log[0].kind == "forced");
  CHECK(log[0].by == "oncall");
  CHECK(log[0].from == 0);
  CHECK(log[0].to == 3);
  CHECK(log[0].detail == "overrode: node \"old-release\" reads v1..v2 and cannot read v3");
  CHECK(log[0].at_ms > 0);
}

TEST_CASE_TEMPLATE("knob: the killswitch goes back to the previous version, always, and every codec follows", F,
                   KNOB_TEST_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  user_codec c = user_codec::make({.write_version = 2}).value();
  auto mine = ok(uplift::attach_knob(c, fx.connect(), quick("app")));
  ok(uplift::set_knob(fx.s(), "demo.User", 2));
  ok(uplift::set_knob(fx.s(), "demo.User", 3));
  CHECK(eventually([&] { return c.write_version() == 3; }));
  // A node that joined since and cannot read v2 refuses a flip to an older version than the
  // previous one; not the killswitch, back to the previous.
  ok(fx.s().heartbeat_knob(node_row("v3-only", 3, 3, "3"), 60s));
  CHECK_FALSE(uplift::set_knob(fx.s(), "demo.User", 1));
  const auto back = ok(uplift::knob_killswitch(fx.s(), "demo.User", {.by = "oncall"}));
  CHECK(back.kind == "killswitch");
  CHECK(back.from == 3);
  CHECK(back.to == 2);
  CHECK(back.detail.find("v3-only") != std::string::npos);
  CHECK(eventually([&] { return c.write_version() == 2; }));
  const auto k = ok(fx.s().load_knob("demo.User"));
  CHECK(k.write_version == 2);
  CHECK(k.previous_version == 3);
  CHECK(k.revision == 3);
  ok(fx.s().leave_knob("demo.User", "v3-only"));
  // Forward again is a flip like any other, checked against the nodes: the killswitch only
  // goes back to an older version.
  auto forward = uplift::knob_killswitch(fx.s(), "demo.User");
  REQUIRE(forward);
  CHECK(forward->kind == "set");
  CHECK(forward->to == 3);
  CHECK(eventually([&] { return c.write_version() == 3; }));
  ok(uplift::set_knob(fx.s(), "demo.User", 2));  // back by hand: a killswitch too
  ok(fx.s().heartbeat_knob(node_row("v2-only", 2, 2, "2"), 60s));
  auto refused = uplift::knob_killswitch(fx.s(), "demo.User");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message().find("node \"v2-only\" reads v2 and cannot read v3") !=
        std::string::npos);
}

TEST_CASE_TEMPLATE("knob: bad input gets a clear error and changes nothing", F, KNOB_TEST_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  // Showing a knob on a database without the knob tables creates nothing.
  const auto none = ok(uplift::show_knob(fx.s(), "demo.User"));
  CHECK(none.setting.write_version == 0);
  CHECK(none.nodes.empty());
  CHECK_FALSE(ok(fx.s().has_knob_tables()));

  auto zero = uplift::set_knob(fx.s(), "demo.User", 0);
  REQUIRE_FALSE(zero);
  CHECK(zero.error().code == errc::invalid_option);
  CHECK(zero.error().message() ==
        "demo.User: invalid option: a codec option is out of range: the knob cannot be set to "
        "version 0: give the version to write, 1 or more");

  // A version no node can write, and a record no process has attached to.
  user_codec c = user_codec::make({}).value();
  auto mine = ok(uplift::attach_knob(c, fx.connect(), quick("app")));
  CHECK(ok(fx.s().has_knob_tables()));
  auto v9 = uplift::set_knob(fx.s(), "demo.User", 9);
  REQUIRE_FALSE(v9);
  CHECK(v9.error().code == errc::knob_refused);
  CHECK(v9.error().message().find("node \"app\" reads v1..v3 and cannot read v9") !=
        std::string::npos);
  auto unknown = uplift::set_knob(fx.s(), "demo.Usr", 3);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message().find(
            "no live process is attached to this knob, so none can be known to read and write v3") !=
        std::string::npos);

  auto no_previous = uplift::knob_killswitch(fx.s(), "demo.User");
  REQUIRE_FALSE(no_previous);
  CHECK(no_previous.error().code == errc::invalid_option);
  CHECK(no_previous.error().message().find("has no version to go back to (it was never set)") !=
        std::string::npos);
  CHECK(ok(fx.s().load_knob("demo.User")).revision == 0);

  // Setting the version it holds changes nothing and logs nothing.
  ok(uplift::set_knob(fx.s(), "demo.User", 3));
  CHECK(ok(uplift::set_knob(fx.s(), "demo.User", 3)).kind == "unchanged");
  CHECK(ok(fx.s().knob_log("demo.User", 10)).size() == 1);
}

TEST_CASE_TEMPLATE("knob: a process that cannot follow the knob's version is refused at attach and not registered", F,
                   KNOB_TEST_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  ok(uplift::set_knob(fx.s(), "demo.User", 4, knob_test::forced()));  // a newer release's version
  user_codec c = user_codec::make({.write_version = 2}).value();
  auto refused = uplift::attach_knob(c, fx.connect(), quick("old"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::knob_refused);
  CHECK(refused.error().message().find(
            "the knob of demo.User is at v4 and this process cannot follow it: node \"old\" reads "
            "v1..v3 and cannot read v4") != std::string::npos);
  CHECK(c.write_version() == 2);
  CHECK(ok(fx.s().list_knob_nodes("demo.User")).empty());

  uplift::knob_options o = quick("bad");
  o.heartbeat = o.lease;
  auto bad = uplift::attach_knob(c, fx.connect(), o);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::invalid_option);
}

TEST_CASE_TEMPLATE("knob: a flip the process cannot follow keeps its version and says why in its node row", F,
                   KNOB_TEST_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  user_codec c = user_codec::make({}).value();
  std::atomic<int> errors{0};
  uplift::knob_options o = quick("app");
  o.on_error = [&](const uplift::error& e) {
    if (e.code == errc::knob_refused) ++errors;
  };
  auto mine = ok(uplift::attach_knob(c, fx.connect(), o));
  ok(uplift::set_knob(fx.s(), "demo.User", 5, knob_test::forced()));
  CHECK(eventually([&] { return errors.load() > 0; }));
  CHECK(c.write_version() == 3);
  CHECK(eventually([&] {
    auto nodes = fx.s().list_knob_nodes("demo.User");
    return nodes && nodes->size() == 1 &&
           (*nodes)[0].problem == "does not follow v5: node \"app\" reads v1..v3 and cannot read v5";
  }));
}

TEST_CASE_TEMPLATE("knob: a killswitch during a backfill leaves the backfill's target as started while writes follow the knob", F,
                   store_test::sqlite_int, store_test::postgres_int) {
  STORE_TEST_FIXTURE(F, fx);
  user_codec c = user_codec::make({.write_version = 2}).value();
  auto mine = ok(uplift::attach_knob(c, fx.connect(), quick("app")));
  ok(uplift::set_knob(fx.s(), "demo.User", 2));
  // Rows at v2, as the fleet wrote them.
  std::vector<uplift::stored_row> rows;
  for (int i = 0; i < 3000; ++i) {
    auto u = knob_test::grace();
    u.id = static_cast<std::uint64_t>(i);
    rows.push_back({std::int64_t{i}, std::string(ok(c.write(u)).as_string_view())});
  }
  ok(fx.s().put_many(rows));
  ok(uplift::set_knob(fx.s(), "demo.User", 3));
  REQUIRE(eventually([&] { return c.write_version() == 3; }));

  uplift::backfill_options bo;
  bo.initial_batch = 50;
  bo.max_batch = 50;
  bo.rows_per_second = 3000;  // about a second: the killswitch lands in the middle
  auto job = ok(uplift::backfill::start(fx.connect(), c, bo));
  std::this_thread::sleep_for(300ms);
  ok(uplift::knob_killswitch(fx.s(), "demo.User"));
  CHECK(eventually([&] { return c.write_version() == 2; }));
  CHECK(knob_test::version_of(ok(c.write(knob_test::grace()))) == 2);
  ok(job.wait());
  const auto done = ok(fx.s().load_job("demo.User@v3"));
  REQUIRE(done.has_value());
  CHECK(done->spec.target_version == 3);
  CHECK(done->status == uplift::job_status::done);
  for (const auto& row : ok(fx.s().scan({}, 10000)))
    CHECK(uplift::peek(uplift::as_bytes_view(row.value)).value().version == 3);
}

TEST_CASE_TEMPLATE("knob: a database user who may not create the knob tables is told what to do, and gets on once they exist", F,
                   store_test::postgres_int) {
  STORE_TEST_FIXTURE(F, fx);
  const std::string schema = fx.backend.run_sql("SELECT current_schema()");
  const std::string role = store_test::unique_name("uplift_app");
  fx.backend.run_sql("CREATE ROLE " + role + " LOGIN");
  fx.backend.run_sql("GRANT USAGE ON SCHEMA " + schema + " TO " + role);
  auto as_app = ok(uplift::postgres_store::open(fx.backend.conninfo() + " user=" + role, fx.spec));
  user_codec c = user_codec::make({}).value();
  auto refused = uplift::attach_knob(c, std::move(as_app), quick("app"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::store_error);
  const std::string words = refused.error().message();
  CHECK(words.find("permission denied for schema") != std::string::npos);
  CHECK(words.find("the knob tables (uplift_knob, uplift_knob_nodes, uplift_knob_log) are created "
                   "on first use: run it once as a user who may create tables") != std::string::npos);

  ok(fx.s().ensure_knob_tables());  // the owner creates them
  fx.backend.run_sql("GRANT SELECT, INSERT, UPDATE, DELETE ON uplift_knob, uplift_knob_nodes, "
                     "uplift_knob_log TO " + role);
  auto again = ok(uplift::postgres_store::open(fx.backend.conninfo() + " user=" + role, fx.spec));
  auto attached = ok(uplift::attach_knob(c, std::move(again), quick("app")));
  CHECK(ok(fx.s().list_knob_nodes("demo.User")).size() == 1);
  ok(attached.detach());
  fx.backend.run_sql("DROP OWNED BY " + role + "; DROP ROLE " + role);
}

TEST_CASE_TEMPLATE("knob: a flip that sends no notification reaches an attached PostgreSQL process within its poll", F,
                   store_test::postgres_int) {
  STORE_TEST_FIXTURE(F, fx);
  user_codec c = user_codec::make({.write_version = 2}).value();
  uplift::knob_options o = quick("app");
  o.poll = 300ms;
  auto mine = ok(uplift::attach_knob(c, fx.connect(), o));
  ok(uplift::set_knob(fx.s(), "demo.User", 2));
  CHECK(eventually([&] { return c.write_version() == 2; }));
  // The row changed behind the knob's back: no pg_notify, so only the polling sees it.
  std::this_thread::sleep_for(50ms);
  const auto t0 = std::chrono::steady_clock::now();
  fx.backend.run_sql("UPDATE uplift_knob SET previous_version = write_version, write_version = 3, "
                     "revision = revision + 1 WHERE record = 'demo.User'");
  REQUIRE(eventually([&] { return c.write_version() == 3; }, 2000ms));
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took < 1000ms);  // the 300 ms poll, with slack for a loaded machine
  MESSAGE("followed an unannounced flip after "
          << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
}
