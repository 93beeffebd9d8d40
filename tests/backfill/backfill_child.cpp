// uplift-backfill-child: runs one backfill of demo.User to its end in a process of its own, for the
// tests that kill a backfill with SIGKILL and that share one job between processes.
//
//   uplift-backfill-child sqlite|postgres|postgres-distributed CONNECTION TABLE JOB [options]
//     --rate N        rows per second (default: no limit)
//     --batch N       initial and largest batch (default 50)
//     --ranges N      ranges of a new job (default 8)
//     --lease-ms N    the range lease (default 30000)
//     --owner NAME    the worker name (default: host:pid:random)
//     --format F      what the table's value column holds: binary (default), json or detect
//
// Exit status: 0 when the job is done, 1 when the backfill failed, 2 on a usage error.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <uplift/json.hpp>
#include <uplift/rows/backfill.hpp>
#include <uplift/store/postgres.hpp>
#include <uplift/store/sqlite.hpp>

#include "user_uplift.hpp"
#include "user_uplift_json.hpp"

namespace {

template <class S>
int run(uplift::result<S> db, uplift::backfill_options o) {
  if (!db) {
    std::fprintf(stderr, "backfill-child: %s\n", db.error().message().c_str());
    return 1;
  }
  // A column of both forms holds rows from before versioning too, written at v1 (as the tests'
  // own codec reads them).
  uplift::options ro;
  if (db->spec().format == uplift::value_format::detect) {
    ro.default_version = 1;
    ro.untagged = uplift::untagged_binary::as_version;
    ro.untagged_version = 1;
  }
  const auto codec = uplift::codec<demo::User>::make(ro).value();
  auto job = uplift::backfill::start(std::move(*db), codec.json_handle(),
                                     std::move(o));
  if (!job) {
    std::fprintf(stderr, "backfill-child: %s\n", job.error().message().c_str());
    return 1;
  }
  if (auto st = job->wait(); !st) {
    std::fprintf(stderr, "backfill-child: %s\n", st.error().message().c_str());
    return 1;
  }
  const auto p = job->progress();
  std::printf("done: scanned %llu upgraded %llu\n", static_cast<unsigned long long>(p.counters.scanned),
              static_cast<unsigned long long>(p.counters.upgraded));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s sqlite|postgres|postgres-distributed CONNECTION TABLE JOB [options]\n",
                 argv[0]);
    return 2;
  }
  const std::string kind = argv[1], conn = argv[2];
  uplift::table_spec spec{.table = argv[3]};
  uplift::backfill_options o;
  o.job = argv[4];
  o.initial_batch = o.max_batch = 50;
  o.ranges = 8;
  for (int i = 5; i + 1 < argc; i += 2) {
    const std::string_view opt = argv[i];
    const char* v = argv[i + 1];
    if (opt == "--rate") o.rows_per_second = std::atof(v);
    else if (opt == "--batch") o.initial_batch = o.max_batch = static_cast<std::size_t>(std::atol(v));
    else if (opt == "--ranges") o.ranges = static_cast<std::size_t>(std::atol(v));
    else if (opt == "--lease-ms") o.lease = std::chrono::milliseconds(std::atol(v));
    else if (opt == "--owner") o.owner = v;
    else if (opt == "--format") {
      const std::string_view f = v;
      spec.format = f == "json"     ? uplift::value_format::json
                    : f == "detect" ? uplift::value_format::detect
                                    : uplift::value_format::binary;
    }
    else {
      std::fprintf(stderr, "backfill-child: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  o.idle_poll = std::chrono::milliseconds(50);
  if (kind == "sqlite") return run(uplift::sqlite_store::open(conn, spec), std::move(o));
  if (kind == "postgres") return run(uplift::postgres_store::open(conn, spec), std::move(o));
  if (kind == "postgres-distributed")
    return run(uplift::postgres_store::open(conn, spec, {.distributed = true}), std::move(o));
  std::fprintf(stderr, "backfill-child: the store is sqlite, postgres or postgres-distributed, not %s\n",
               kind.c_str());
  return 2;
}
