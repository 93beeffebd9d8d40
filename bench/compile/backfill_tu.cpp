// A service's translation unit that starts a backfill of the demo record on SQLite and waits for
// it: what the row engine costs a program that uses it. uplift-bench-compile times it (built as
// uplift_generate builds a unit of the record: with UPLIFT_SEPARATE_INSTANTIATION).
//
// Before the compiled runtime (a template engine in <uplift/backfill.hpp>), three lines differ;
// each says how it read then, after "old:".
#include <cstdint>
#include <string>
#include <utility>

#include <uplift/rows/backfill.hpp>  // old: #include <uplift/backfill.hpp>
#include <uplift/store/sqlite.hpp>

#include "user_uplift.hpp"

std::uint64_t bench_backfill(const std::string& path) {
  auto db = uplift::sqlite_store::open(path, {.table = "users"});
  if (!db) return 0;
  uplift::backfill_options o;  // old: uplift::backfill_options<demo::User> o;
  o.rows_per_second = 10'000;
  auto job = uplift::backfill::start(  // old: uplift::backfill<demo::User, uplift::sqlite_store>::start(
      std::move(*db), uplift::codec<demo::User>(), o);
  if (!job || !job->wait()) return 0;
  return job->progress().counters.upgraded;
}
