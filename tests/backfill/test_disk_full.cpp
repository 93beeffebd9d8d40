// The backfill on SQLite when the disk fills and when writes fail: a VFS of the test's own, over
// SQLite's default one, refuses writes past a byte budget (SQLITE_FULL, as a full disk does) or
// fails them (SQLITE_IOERR_WRITE). The store opens the file through it by URI (?vfs=...).
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <uplift/rows/backfill.hpp>
#include <uplift/rows/read_repair.hpp>

#include "store_fixtures.hpp"
#include "user_uplift.hpp"

using store_test::ok;

namespace disk_full_test {

/// What the VFS does with writes: every byte written counts against `left`; past it, a write
/// fails with `failure` (SQLITE_FULL or SQLITE_IOERR_WRITE).
struct write_budget {
  std::atomic<long long> left{1LL << 40};
  std::atomic<int> failure{SQLITE_FULL};
  std::atomic<int> refused{0};
};
write_budget budget;

sqlite3_vfs* real_vfs = nullptr;

/// A file of the VFS: SQLite's own file behind it.
struct shim_file {
  sqlite3_file base;
  sqlite3_file* real;
};
sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<shim_file*>(f)->real; }

int shim_close(sqlite3_file* f) {
  const int rc = real(f)->pMethods->xClose(real(f));
  sqlite3_free(real(f));
  return rc;
}
int shim_read(sqlite3_file* f, void* p, int n, sqlite3_int64 off) {
  return real(f)->pMethods->xRead(real(f), p, n, off);
}
int shim_write(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
  if (budget.left.fetch_sub(n) < n) {
    budget.left.fetch_add(n);
    ++budget.refused;
    return budget.failure.load();
  }
  return real(f)->pMethods->xWrite(real(f), p, n, off);
}
int shim_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real(f)->pMethods->xTruncate(real(f), size);
}
int shim_sync(sqlite3_file* f, int flags) { return real(f)->pMethods->xSync(real(f), flags); }
int shim_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real(f)->pMethods->xFileSize(real(f), size);
}
int shim_lock(sqlite3_file* f, int l) { return real(f)->pMethods->xLock(real(f), l); }
int shim_unlock(sqlite3_file* f, int l) { return real(f)->pMethods->xUnlock(real(f), l); }
int shim_check_reserved(sqlite3_file* f, int* out) {
  return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int shim_file_control(sqlite3_file* f, int op, void* arg) {
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int shim_sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int shim_device(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }
int shim_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** p) {
  return real(f)->pMethods->xShmMap(real(f), region, size, extend, p);
}
int shim_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void shim_shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
int shim_shm_unmap(sqlite3_file* f, int del) { return real(f)->pMethods->xShmUnmap(real(f), del); }
int shim_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** p) {
  return real(f)->pMethods->xFetch(real(f), off, n, p);
}
int shim_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return real(f)->pMethods->xUnfetch(real(f), off, p);
}

const sqlite3_io_methods shim_methods = {
    3,           shim_close,         shim_read,      shim_write,        shim_truncate,
    shim_sync,   shim_file_size,     shim_lock,      shim_unlock,       shim_check_reserved,
    shim_file_control, shim_sector_size, shim_device, shim_shm_map,     shim_shm_lock,
    shim_shm_barrier,  shim_shm_unmap,   shim_fetch,  shim_unfetch};

int shim_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* s = reinterpret_cast<shim_file*>(f);
  s->base.pMethods = nullptr;
  s->real = static_cast<sqlite3_file*>(sqlite3_malloc(real_vfs->szOsFile));
  if (s->real == nullptr) return SQLITE_NOMEM;
  std::memset(s->real, 0, static_cast<std::size_t>(real_vfs->szOsFile));
  const int rc = real_vfs->xOpen(real_vfs, name, s->real, flags, out_flags);
  if (rc != SQLITE_OK || s->real->pMethods == nullptr) {
    sqlite3_free(s->real);
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  s->base.pMethods = &shim_methods;
  return SQLITE_OK;
}

/// Registers the VFS "uplift_disk_full" once (not as the default).
void register_vfs() {
  static sqlite3_vfs vfs = [] {
    real_vfs = sqlite3_vfs_find(nullptr);
    sqlite3_vfs v = *real_vfs;
    v.pNext = nullptr;
    v.zName = "uplift_disk_full";
    v.szOsFile = static_cast<int>(sizeof(shim_file));
    v.xOpen = shim_open;
    return v;
  }();
  static const int registered = sqlite3_vfs_register(&vfs, 0);
  REQUIRE(registered == SQLITE_OK);
}

using user_codec = uplift::codec<demo::User>;

/// The rows' versions, and PRAGMA integrity_check, read on a connection of SQLite's default VFS.
struct table_state {
  int v2 = 0, v3 = 0, unreadable = 0;
  std::string integrity;
};
table_state state_of(const std::string& path, const uplift::table_spec& spec) {
  table_state out;
  auto db = ok(uplift::sqlite_store::open(path, spec));
  const auto c = user_codec::make({}).value();
  for (const auto& r : ok(db.scan({}, 1000000))) {
    const auto v = c.read(r.value);
    if (!v) ++out.unreadable;
    else if (v->stored_version() == 3) ++out.v3;
    else ++out.v2;
  }
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW)
    out.integrity = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return out;
}

/// A database file in a folder of its own (removed at the end), reached through the VFS, with a
/// table of n users at v2; the VFS's budget unlimited.
struct full_disk_db {
  std::filesystem::path dir;
  std::string path, uri;
  uplift::table_spec spec{.table = "users"};
  std::vector<uplift::stored_row> rows;

  full_disk_db(const char* name, int n)
      : dir(std::filesystem::temp_directory_path() / store_test::unique_name(name)),
        path((dir / "app.db").string()),
        uri("file:" + path + "?vfs=uplift_disk_full") {
    register_vfs();
    std::filesystem::create_directories(dir);
    budget.left = 1LL << 40;
    budget.failure = SQLITE_FULL;
    auto db = ok(uplift::sqlite_store::open(uri, spec));
    ok(db.create_table());
    const auto v2 = user_codec::make({.write_version = 2}).value();
    for (int i = 1; i <= n; ++i) {
      user_codec::object_type u;
      u.id = static_cast<std::uint64_t>(i);
      u.given_name = "Grace";
      u.family_name = "Hopper";
      u.email = "user" + std::to_string(i) + "@example.com";
      rows.push_back({std::int64_t{i}, std::string(v2.write(u).value().as_string_view())});
    }
    ok(db.put_many(rows));
  }
  ~full_disk_db() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  full_disk_db(const full_disk_db&) = delete;
  full_disk_db& operator=(const full_disk_db&) = delete;

  /// A store on the table, through the VFS.
  uplift::sqlite_store open() const { return ok(uplift::sqlite_store::open(uri, spec)); }
  table_state state() const { return state_of(path, spec); }
};

}  // namespace disk_full_test

TEST_CASE("backfill faults: SQLite's disk fills, then writes fail: each batch fails whole, the database stays intact, and the job resumes to the end when space returns <sqlite>") {
  auto& budget = disk_full_test::budget;
  constexpr int n = 5000;
  const disk_full_test::full_disk_db db("uplift-disk-full", n);
  const auto c = disk_full_test::user_codec::make({}).value();
  uplift::backfill_options o;
  o.initial_batch = 200;
  o.max_batch = 200;
  o.max_retries = 2;

  for (const int failure : {SQLITE_FULL, SQLITE_IOERR_WRITE}) {
    CAPTURE(failure);
    // About a third of what the backfill writes fits.
    budget.failure = failure;
    budget.refused = 0;
    budget.left = 150 * 1024;
    auto job = ok(uplift::backfill::start(db.open(), c, o));
    auto st = job.wait();
    REQUIRE_FALSE(st);
    CHECK(budget.refused.load() > 0);
    const std::string words = st.error().message();
    CHECK(words.find(failure == SQLITE_FULL ? "database or disk is full" : "disk I/O error") !=
          std::string::npos);
    const auto p = job.progress();
    CHECK(p.status == uplift::job_status::failed);
    CHECK(p.store_retries >= 2);
    // Nothing half-written: every row reads, at v2 or v3, and the file is sound.
    budget.left = 1LL << 40;
    const auto now = db.state();
    CHECK(now.integrity == "ok");
    CHECK(now.unreadable == 0);
    CHECK(now.v2 + now.v3 == n);
    CHECK(now.v2 > 0);
    MESSAGE("after the failure: " << now.v3 << " rows at v3, " << now.v2 << " at v2");
  }

  // Space returns: the same job resumes where it stopped and finishes.
  budget.left = 1LL << 40;
  auto job = ok(uplift::backfill::start(db.open(), c, o));
  ok(job.wait());
  CHECK(job.progress().status == uplift::job_status::done);
  const auto end = db.state();
  CHECK(end.integrity == "ok");
  CHECK(end.v3 == n);
}

TEST_CASE("read-repair faults: SQLite's disk full: each repair fails with SQLite's words and leaves its row as it was; when space returns, repairs are written again <sqlite>") {
  auto& budget = disk_full_test::budget;
  constexpr int n = 200;
  const disk_full_test::full_disk_db db("uplift-repair-full", n);
  const auto c = disk_full_test::user_codec::make({}).value();
  auto repair = ok(uplift::read_repair::start(db.open(), c));

  budget.left = 0;  // the disk is full
  for (const auto& r : db.rows) CHECK(repair.offer(r.key, r.value));
  repair.flush();
  auto s = repair.stats();
  CHECK(s.failed == static_cast<std::uint64_t>(n));
  CHECK(s.written == 0);
  CHECK(s.last_error.find("database or disk is full") != std::string::npos);
  budget.left = 1LL << 40;
  auto now = db.state();
  CHECK(now.integrity == "ok");
  CHECK(now.v2 == n);

  // Space returns: the rows read again are repaired.
  for (const auto& r : db.rows) CHECK(repair.offer(r.key, r.value));
  repair.flush();
  s = repair.stats();
  CHECK(s.written == static_cast<std::uint64_t>(n));
  now = db.state();
  CHECK(now.v3 == n);
}
