// Runs the service unit (service.cpp) on a SQLite table of demo.User rows at v1 and v2: this
// file knows the record type and hands the service its record handle.
#include <cstdio>
#include <filesystem>
#include <string>

#include <uplift/store/sqlite.hpp>
#include <uplift/uplift.hpp>

#include "user_uplift.hpp"

int backfill_users(const uplift::record_handle& users, const std::string& path, std::string& why);

int main() {
  const auto path = std::filesystem::temp_directory_path() / "uplift-runtime-service.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  auto db = uplift::sqlite_store::open(path.string(), {.table = "users"}).value();
  if (!db.create_table()) return 1;
  for (std::int64_t id = 1; id <= 100; ++id) {  // odd rows at v1, even rows at v2
    demo::v1::UserT v1;
    v1.id = static_cast<std::uint64_t>(id);
    v1.name = "Ada Lovelace";
    demo::v2::UserT v2;
    v2.id = v1.id;
    v2.full_name = v1.name;
    const uplift::buffer rec = id % 2 == 0 ? uplift::write<demo::User>(v2) : uplift::write<demo::User>(v1);
    if (!db.put(id, rec.as_string_view())) return 1;
  }
  std::string why;
  const int rc = backfill_users(uplift::codec<demo::User>(), path.string(), why);
  if (rc != 0) std::fprintf(stderr, "uplift-tests-runtime-service: %s\n", why.c_str());
  else std::printf("100 rows backfilled to v3 by a unit that includes no database header\n");
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return rc;
}
