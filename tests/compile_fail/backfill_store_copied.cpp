// Compile-failure case: uplift::backfill::start given a SQLite connection it would have to copy.
// With -DUPLIFT_TWIN the connection is moved in and it compiles.
#include <utility>

#include <uplift/rows/backfill.hpp>
#include <uplift/store/sqlite.hpp>

uplift::result<uplift::backfill> start_job(uplift::sqlite_store& db,
                                           const uplift::record_handle& record) {
#ifdef UPLIFT_TWIN
  return uplift::backfill::start(std::move(db), record);
#else
  return uplift::backfill::start(db, record);
#endif
}
