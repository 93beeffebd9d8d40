// A measurement, not a test (doctest::skip: neither ctest nor a plain run of the binary runs it):
// count_by_json_version against a scan of every row, on 1,000,000 JSON rows in an SQLite TEXT
// column and a PostgreSQL jsonb column. Run it with
//   UPLIFT_TEST_POSTGRES='host=... dbname=...' uplift-store-tests -tc='measure:*' --no-skip
// (UPLIFT_MEASURE_ROWS sets another number of rows).

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "store_fixtures.hpp"

namespace {

std::size_t measured_rows() {
  const char* n = std::getenv("UPLIFT_MEASURE_ROWS");
  return n != nullptr ? std::strtoull(n, nullptr, 10) : 1000000;
}

/// Fills the store with `rows` JSON documents (versions 1..3, a few untagged), then times a
/// count_by_json_version and a scan of every row in batches of 10,000 (no parsing).
template <class Store>
void measure(const char* name, Store& s, std::size_t rows) {
  using clock = std::chrono::steady_clock;
  const auto fill_start = clock::now();
  std::vector<uplift::stored_row> batch;
  for (std::size_t i = 1; i <= rows; ++i) {
    std::string doc = "{\"_v\": " + std::to_string(i % 3 + 1) + ", \"name\": \"user " +
                      std::to_string(i) + "\", \"email\": \"user" + std::to_string(i) +
                      "@example.com\", \"tags\": [\"a\", \"b\"], \"score\": " +
                      std::to_string(i % 1000) + "}";
    if (i % 100 == 0) doc = "{\"name\": \"before versions\", \"id\": " + std::to_string(i) + "}";
    batch.push_back({static_cast<std::int64_t>(i), std::move(doc)});
    if (batch.size() == 10000 || i == rows) {
      store_test::ok(s.put_many(batch));
      batch.clear();
    }
  }
  const auto count_start = clock::now();
  const auto counted = store_test::ok(s.count_by_json_version("_v"));
  const auto scan_start = clock::now();
  std::size_t scanned = 0;
  std::optional<uplift::row_key> after;
  for (;;) {
    auto part = store_test::ok(s.scan({after, std::nullopt}, 10000));
    if (part.empty()) break;
    scanned += part.size();
    after = part.back().key;
  }
  const auto end = clock::now();
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  REQUIRE(counted.has_value());
  std::uint64_t total = 0;
  for (const auto& c : *counted) total += c.rows;
  CHECK(total == rows);
  CHECK(scanned == rows);
  std::printf("%s, %zu rows (filled in %.0f ms): count_by_json_version %.0f ms, scan %.0f ms\n",
              name, rows, ms(count_start - fill_start), ms(scan_start - count_start),
              ms(end - scan_start));
}

}  // namespace

TEST_CASE("measure: count_by_json_version against a scan, SQLite TEXT" * doctest::skip()) {
  store_test::sqlite_backend backend;
  auto s = store_test::ok(
      backend.open({store_test::unique_name("measure"), "id", "value", uplift::key_type::integer,
                    uplift::value_format::json}));
  store_test::ok(s.create_table());
  measure("sqlite TEXT", s, measured_rows());
}

TEST_CASE("measure: count_by_json_version against a scan, PostgreSQL jsonb" * doctest::skip()) {
  store_test::postgres_backend backend;
  if (!backend.available()) return;
  auto s = store_test::ok(
      backend.open({store_test::unique_name("measure"), "id", "value", uplift::key_type::integer,
                    uplift::value_format::json}));
  store_test::ok(s.create_table());
  measure("postgres jsonb", s, measured_rows());
}
