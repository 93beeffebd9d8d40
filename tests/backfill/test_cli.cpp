// The uplift command's stats on tables no backfill has touched: it says there is no job yet, and
// names record types from a --schemas folder; on SQLite and on PostgreSQL.
#include <doctest/doctest.h>

#include <cinttypes>
#include <cstdio>
#include <optional>
#include <string>

#include <uplift/header.hpp>

#include "cli.hpp"
#include "store_fixtures.hpp"
#include "user_uplift.hpp"

namespace {

using namespace store_test;
using cli_test::cli_store;
using cli_test::has;
using cli_test::run_cli;

/// A table of demo.User rows in a database of its own where no backfill has run: no job tables.
template <class F>
struct untouched {
  using backend_type = typename F::backend_type;
  backend_type backend;
  table_spec spec{unique_name("things"), "id", "value", F::kind};
  std::optional<typename F::store_type> store;

  untouched() {
    if (!backend.available()) return;
    store.emplace(ok(backend.open(spec)));
    ok(store->create_table());
    for (int i = 1; i <= 3; ++i) {
      demo::v1::UserT u;
      u.id = static_cast<std::uint64_t>(i);
      u.name = "Ada Lovelace";
      ok(store->put(F::key(i), uplift::write<demo::User>(u).as_string_view()));
    }
  }
  bool available() const { return backend.available(); }
  std::string stats(const std::string& more = "") const {
    return "stats " + cli_store(*this) + " --table " + spec.table + more;
  }
};

/// "record type 1a2b3c4d", as stats heads a record type's rows.
std::string record_type(std::string_view name) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "record type %08" PRIx32, uplift::type_id_of(name));
  return buf;
}

}  // namespace

TEST_CASE_TEMPLATE("uplift stats on a database no backfill has run on says no backfill jobs yet, and creates nothing",
                   F, sqlite_int, postgres_int) {
  STORE_TEST_FIXTURE(untouched<F>, fx);
  REQUIRE_FALSE(ok(fx.store->has_job_tables()));
  auto [out, code] = run_cli(fx.stats());
  INFO(out);
  CHECK(code == 0);
  CHECK(has(out, "table " + fx.spec.table + ": 3 rows"));
  CHECK(has(out, "\n v1 3 100.0%"));
  CHECK(has(out, "\nno backfill jobs yet\n"));
  CHECK_FALSE(has(out, "cannot read"));
  CHECK_FALSE(ok(fx.store->has_job_tables()));  // stats only looks
  // Job tables with no job of this table in them: the same words.
  ok(fx.store->ensure_job_tables());
  REQUIRE(ok(fx.store->has_job_tables()));
  auto [again, again_code] = run_cli(fx.stats());
  INFO(again);
  CHECK(again_code == 0);
  CHECK(has(again, "\nno backfill jobs yet\n"));
}

TEST_CASE_TEMPLATE("uplift stats names a record type from its --schemas folder before any job names it", F,
                   sqlite_int, postgres_int) {
  STORE_TEST_FIXTURE(untouched<F>, fx);
  const std::string user_folder = std::string(UPLIFT_TEST_SCHEMAS) + "/user";
  {
    auto [out, code] = run_cli(fx.stats());
    INFO(out);
    CHECK(code == 0);
    CHECK(has(out, record_type("demo.User") + " (name unknown: give --schemas its schema folder)"));
  }
  // The record's folder, or the folder of the project's record folders.
  for (const std::string& dir : {user_folder, std::string(UPLIFT_TEST_SCHEMAS)}) {
    auto [out, code] = run_cli(fx.stats(" --schemas " + dir));
    INFO(out);
    CHECK(code == 0);
    CHECK(has(out, record_type("demo.User") + " (demo.User)\n"));
  }
  // A folder it cannot read is an error that says what to give.
  auto [out, code] = run_cli(fx.stats(" --schemas " + user_folder + "/v1.fbs"));
  INFO(out);
  CHECK(code == 1);
  CHECK(has(out, "is not a folder; give --schemas a record's schema folder"));
}

TEST_CASE_TEMPLATE("uplift stats reports job tables it cannot read as an error, after the rows", F, sqlite_int,
                   postgres_int) {
  STORE_TEST_FIXTURE(untouched<F>, fx);
  fx.backend.run_sql("CREATE TABLE uplift_backfill (unrelated INTEGER)");  // not uplift's
  auto [out, code] = run_cli(fx.stats());
  INFO(out);
  CHECK(code == 1);
  CHECK(has(out, "\n v1 3 100.0%"));
  CHECK(has(out, "uplift: cannot read the job tables: store error"));
  CHECK_FALSE(has(out, "no backfill jobs yet"));
}
