// A service's translation unit that uses the row engine: the backfill, read-repair and the
// histograms, on SQLite or PostgreSQL. It sees the record only through its record handle, so it
// includes no generated header; and uplift's headers bring it neither a database client header
// nor a POSIX one (check_includes.cmake reads every #include this file reaches).
#include <string>
#include <utility>

#include <uplift/rows/backfill.hpp>
#include <uplift/rows/histogram.hpp>
#include <uplift/rows/read_repair.hpp>
#include <uplift/store/postgres.hpp>
#include <uplift/store/sqlite.hpp>

// Each client header defines these: one of them here means it reached this file.
#if defined(SQLITE_VERSION) || defined(SQLITE_OK)
#error "<sqlite3.h> reached a service's translation unit through uplift's headers"
#endif
#if defined(PG_DIAG_SEVERITY) || defined(LIBPQ_FE_H) || defined(InvalidOid)
#error "<libpq-fe.h> reached a service's translation unit through uplift's headers"
#endif
// POSIX headers that the C++ standard library does not bring in itself (with GCC's libstdc++,
// <memory> and <string> reach <unistd.h> and <sys/types.h>: check_includes.cmake checks that
// uplift's headers do not include those).
#if defined(_SIGNAL_H) || defined(_SYS_WAIT_H) || defined(_SPAWN_H) || defined(_FCNTL_H)
#error "a POSIX header reached a service's translation unit through uplift's headers"
#endif

/// Backfills the SQLite table `users` in `path` to the latest version, then checks
/// through the histogram that no row is left below it and repairs one row: 0 on success, else
/// the error's message in `why`.
int backfill_users(const uplift::record_handle& users, const std::string& path, std::string& why) {
  auto db = uplift::sqlite_store::open(path, {.table = "users"});
  if (!db) return why = db.error().message(), 1;
  auto conn = db->connect();
  if (!conn) return why = conn.error().message(), 1;
  auto job = uplift::backfill::start(std::move(*conn), users, {.rows_per_second = 100'000});
  if (!job) return why = job.error().message(), 1;
  if (auto st = job->wait(); !st) return why = st.error().message(), 1;
  auto h = uplift::histogram(*db, users);
  if (!h) return why = h.error().message(), 1;
  if (h->below(users.write_version()) != 0) return why = "rows are left below the target", 1;
  auto repair = uplift::read_repair::start(db->connect().value(), users);
  if (!repair) return why = repair.error().message(), 1;
  auto row = db->get(std::int64_t{1});
  if (!row || !*row) return why = "row 1 is gone", 1;
  (void)repair->offer(std::int64_t{1}, std::move(**row));  // current now: nothing to write
  repair->flush();
  if (repair->stats().current != 1) return why = "read-repair did not find row 1 current", 1;
  return 0;
}
