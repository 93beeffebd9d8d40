// The knob's bad values: what a knob row, a node row or a log row may hold when a database was
// edited by hand or by another tool, each case named with the exact error it gives. SQLite keeps
// text and out-of-range numbers in an integer column; PostgreSQL keeps out-of-range numbers. A
// value that is not a version is an error that names the row, the column and the value and says
// how to correct it; it is never read as some other version.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include <uplift/fleet/knob.hpp>

#include "store_fixtures.hpp"
#include "user_uplift.hpp"

using namespace std::chrono_literals;
using store_test::ok;
using uplift::errc;

namespace knob_values_test {

/// Which call reads the bad value.
enum class reader { knob, nodes, log };

struct bad_value {
  std::string name;
  std::string sql;             ///< corrupts one value of the rows the case starts from
  reader by = reader::knob;
  std::string says;            ///< words the error must contain
  bool sqlite_only = false;    ///< a value only SQLite stores in a BIGINT column
};

std::vector<bad_value> catalogue() {
  const std::string knob = "UPDATE uplift_knob SET ";
  const std::string node = "UPDATE uplift_knob_nodes SET ";
  const std::string log = "UPDATE uplift_knob_log SET ";
  return {
      {"write_version above 65535", knob + "write_version = 65539", reader::knob,
       "uplift_knob's row holds write_version 65539, which is not a version (an integer from 0 "
       "to 65535): correct it: UPDATE uplift_knob SET write_version = N WHERE record = "
       "'demo.User' (N: a version every live process reads and writes)"},
      {"a negative write_version", knob + "write_version = -1", reader::knob,
       "holds write_version -1, which is not a version"},
      {"write_version as text", knob + "write_version = 'three'", reader::knob,
       "holds write_version 'three', which is not a version", true},
      {"write_version as a real number", knob + "write_version = 3.5", reader::knob,
       "holds write_version '3.5', which is not a version", true},
      {"previous_version above 65535", knob + "previous_version = 4294967298", reader::knob,
       "holds previous_version 4294967298, which is not a version (an integer from 0 to 65535): "
       "correct it: UPDATE uplift_knob SET previous_version = 0 WHERE record = 'demo.User' (0: "
       "no version to go back to)"},
      {"a node's reads_first as text", node + "reads_first = 'v1'", reader::nodes,
       "uplift_knob_nodes' row of node \"peer\" holds reads_first 'v1', which is not a version "
       "(an integer from 0 to 65535): delete the row (DELETE FROM uplift_knob_nodes WHERE record "
       "= 'demo.User' AND node = 'peer'); a live process registers again at its next heartbeat",
       true},
      {"a node's reads_latest above 65535", node + "reads_latest = 65536", reader::nodes,
       "holds reads_latest 65536, which is not a version"},
      {"a node's writing below 0", node + "writing = -3", reader::nodes,
       "holds writing -3, which is not a version"},
      {"a log row's to_version above 65535", log + "to_version = 99999", reader::log,
       "a row of uplift_knob_log holds to_version 99999, which is not a version (an integer from "
       "0 to 65535): delete that row (the log is a record of flips only)"},
      {"a log row's from_version as text", log + "from_version = 'two'", reader::log,
       "holds from_version 'two', which is not a version", true},
  };
}

/// The rows each case starts from: the knob at v3 (set over v2), one live node, two flips.
template <class Fx>
void fresh_rows(Fx& fx) {
  ok(fx.s().ensure_knob_tables());
  fx.backend.run_sql("DELETE FROM uplift_knob; DELETE FROM uplift_knob_nodes; "
                     "DELETE FROM uplift_knob_log");
  uplift::knob_set_options forced;
  forced.force = true;
  ok(uplift::set_knob(fx.s(), "demo.User", 2, forced));
  ok(uplift::set_knob(fx.s(), "demo.User", 3, forced));
  uplift::knob_node peer;
  peer.record = "demo.User";
  peer.node = "peer";
  peer.reads_first = 1;
  peer.reads_latest = 3;
  peer.writes = "1,2,3";
  peer.writing = 3;
  ok(fx.s().heartbeat_knob(peer, 60000ms));
}

}  // namespace knob_values_test

TEST_CASE_TEMPLATE("knob values: every bad value a knob, node or log row can hold gives its exact error, and no call reads it as another version", F,
                   store_test::sqlite_int, store_test::postgres_int) {
  STORE_TEST_FIXTURE(F, fx);
  using namespace knob_values_test;
  const bool sqlite = fx.s().single_writer();
  std::size_t ran = 0;
  for (const bad_value& c : catalogue()) {
    if (c.sqlite_only && !sqlite) continue;
    INFO(c.name);
    fresh_rows(fx);
    fx.backend.run_sql(c.sql);
    ++ran;
    auto expect_error = [&](const uplift::error& e) {
      INFO("got: " << e.message());
      CHECK(e.code == errc::invalid_version);
      CHECK(e.record() == "demo.User");
      CHECK(e.message().find(c.says) != std::string::npos);
    };
    switch (c.by) {
      case reader::knob: {
        auto k = fx.s().load_knob("demo.User");
        REQUIRE_FALSE(k);
        expect_error(k.error());
        auto listed = fx.s().list_knobs();
        REQUIRE_FALSE(listed);
        expect_error(listed.error());
        break;
      }
      case reader::nodes: {
        auto n = fx.s().list_knob_nodes("demo.User");
        REQUIRE_FALSE(n);
        expect_error(n.error());
        break;
      }
      case reader::log: {
        auto l = fx.s().knob_log("demo.User", 10);
        REQUIRE_FALSE(l);
        expect_error(l.error());
        continue;  // the knob itself is sound: it still flips
      }
    }
    // What reads the knob or its nodes refuses, and changes nothing: showing, flipping, and
    // attaching a process to a knob whose own row is bad.
    auto shown = uplift::show_knob(fx.s(), "demo.User");
    REQUIRE_FALSE(shown);
    expect_error(shown.error());
    uplift::knob_set_options forced;
    forced.force = true;
    auto flipped = uplift::set_knob(fx.s(), "demo.User", 2, forced);
    REQUIRE_FALSE(flipped);
    expect_error(flipped.error());
    auto c3 = uplift::codec<demo::User>::make({}).value();
    uplift::knob_options quick;
    quick.node = "newcomer";
    auto attached = uplift::attach_knob(c3, fx.connect(), quick);
    if (c.by == reader::knob) {
      REQUIRE_FALSE(attached);
      expect_error(attached.error());
    } else {
      CHECK(attached.has_value());  // another node's row is not this process's concern
    }
    CHECK(c3.write_version() == 3);
  }
  MESSAGE("knob values: " << ran << " named cases");
  CHECK(ran >= (sqlite ? 10u : 6u));
}
