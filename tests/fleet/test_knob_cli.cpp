// `uplift knob`: shows a knob with its nodes and flips, flips it with the library's refusal, and
// answers bad input with a clear error; on SQLite and PostgreSQL.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include <uplift/fleet/knob.hpp>

#include "cli.hpp"
#include "store_fixtures.hpp"
#include "user_uplift.hpp"

using namespace std::chrono_literals;
using cli_test::cli_store;
using cli_test::has;
using cli_test::run_cli;
using store_test::ok;

#define KNOB_CLI_STORES store_test::sqlite_int, store_test::postgres_int

TEST_CASE_TEMPLATE("uplift knob shows the version, every node and the last flips, and --set flips it or says who refuses", F,
                   KNOB_CLI_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  const std::string store = cli_store(fx);
  auto c = uplift::codec<demo::User>::make({.write_version = 2}).value();
  uplift::knob_options o;
  o.node = "web-1";
  auto attached = ok(uplift::attach_knob(c, fx.connect(), o));
  uplift::knob_node old;
  old.record = "demo.User";
  old.node = "batch-7";
  old.reads_first = 1;
  old.reads_latest = 2;
  old.writes = "2";
  old.writing = 2;
  ok(fx.s().heartbeat_knob(old, 60s));

  auto [never, never_status] = run_cli("knob " + store + " --record demo.User");
  CHECK(never_status == 0);
  CHECK(has(never, "knob of demo.User: never set (each process writes its own codec's version)"));
  CHECK(has(never, "nodes: 2 live, 0 expired"));
  CHECK(has(never, "batch-7 live reads v1..v2 writes v2 writing v2 seen"));
  CHECK(has(never, "web-1 live reads v1..v3 writes v1,v2,v3 writing v2 seen"));

  auto [two, two_status] = run_cli("knob " + store + " --record demo.User --set 2 --by alice");
  CHECK(two_status == 0);
  CHECK(has(two, "knob of demo.User: unset -> v2 (set)"));

  auto [refused, refused_status] = run_cli("knob " + store + " --record demo.User --set 3");
  CHECK(refused_status == 1);
  CHECK(has(refused, "demo.User: knob refused"));
  CHECK(has(refused, "node \"batch-7\" reads v1..v2 and cannot read v3"));
  CHECK(ok(fx.s().load_knob("demo.User")).write_version == 2);

  auto [forced, forced_status] =
      run_cli("knob " + store + " --record demo.User --set 3 --force --by bob");
  CHECK(forced_status == 0);
  CHECK(has(forced, "knob of demo.User: v2 -> v3 (forced)"));
  CHECK(has(forced, "overrode: node \"batch-7\" reads v1..v2 and cannot read v3"));

  auto [back, back_status] = run_cli("knob " + store + " --record demo.User --killswitch --by carol");
  CHECK(back_status == 0);
  CHECK(has(back, "knob of demo.User: v3 -> v2 (killswitch)"));

  auto [shown, shown_status] = run_cli("knob " + store + " --record demo.User");
  CHECK(shown_status == 0);
  CHECK(has(shown, "knob of demo.User: writes v2 since"));
  CHECK(has(shown, "back from v3 (killswitch)"));
  CHECK(has(shown, "v3 -> v2 killswitch by carol"));
  CHECK(has(shown, "v2 -> v3 forced by bob"));
  CHECK(has(shown, "unset -> v2 set by alice"));
  CHECK(shown.find("killswitch by carol") < shown.find("forced by bob"));  // newest first
}

TEST_CASE_TEMPLATE("uplift knob answers an unknown record, a store without the knob tables and bad options with a clear error", F,
                   KNOB_CLI_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  const std::string store = cli_store(fx);
  auto [empty, empty_status] = run_cli("knob " + store + " --record demo.User");
  CHECK(empty_status == 1);
  CHECK(has(empty, "uplift: no knob of demo.User here: it was never set and no process is attached "
                   "to it (check the record's name; no process has attached to a knob in this "
                   "database yet)"));
  CHECK_FALSE(ok(fx.s().has_knob_tables()));  // looking creates nothing

  auto c = uplift::codec<demo::User>::make({}).value();
  auto attached = ok(uplift::attach_knob(c, fx.connect()));
  auto [typo, typo_status] = run_cli("knob " + store + " --record demo.Usr");
  CHECK(typo_status == 1);
  CHECK(has(typo, "knobs here: demo.User (never set)"));

  auto [nobody, nobody_status] = run_cli("knob " + store + " --record demo.Usr --set 3");
  CHECK(nobody_status == 1);
  CHECK(has(nobody, "no live process is attached to this knob, so none can be known to read and "
                    "write v3"));

  auto [no_record, no_record_status] = run_cli("knob " + store);
  CHECK(no_record_status == 2);
  CHECK(has(no_record, "uplift: knob needs --record NAME"));
  auto [zero, zero_status] = run_cli("knob " + store + " --record demo.User --set 0");
  CHECK(zero_status == 2);
  CHECK(has(zero, "uplift: --set is a version, 1 to 65535, not 0"));
  auto [both, both_status] =
      run_cli("knob " + store + " --record demo.User --set 2 --killswitch");
  CHECK(both_status == 2);
  auto [stray, stray_status] = run_cli("stats " + store + " --table t --set 2");
  CHECK(stray_status == 2);
  CHECK(has(stray, "are options of knob"));
}
