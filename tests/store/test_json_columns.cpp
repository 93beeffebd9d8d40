// JSON rows in every store: one test body per property, run against each kind of column that
// holds JSON (memory; SQLite TEXT, a BLOB holding UTF-8, a detect column; PostgreSQL jsonb, json,
// text, and bytea holding JSON), then what only SQLite or PostgreSQL has to show.

#include <simdjson.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "store_fixtures.hpp"

using store_test::ok;
using store_test::record;
using uplift::json_version_count;
using uplift::row_format;
using uplift::value_format;

namespace {

/// What a conditional write compares: the bytes read, or (jsonb) the content.
enum class compares { bytes, content };

// ---- the columns -----------------------------------------------------------------------------
/// A kind of column: its backend, the table_spec::format it is opened with, what a conditional
/// write compares, whether the database counts its rows by version (count_by_json_version has a
/// value) and whether the column takes text that is not JSON. Each kind adds `sql_type`, the
/// type of its value column (made before the store opens it; none in memory).
template <class Backend, value_format Format, compares Condition, bool Counts, bool AnyText>
struct column {
  using backend_type = Backend;
  static constexpr value_format format = Format;
  static constexpr compares condition = Condition;
  static constexpr bool counts = Counts;
  static constexpr bool holds_any_text = AnyText;
};
using store_test::memory_backend;
using store_test::postgres_backend;
using store_test::postgres_distributed_backend;
using store_test::sqlite_backend;
constexpr value_format json = value_format::json;

struct memory_json : column<memory_backend, json, compares::bytes, false, true> {
  static constexpr const char* sql_type = nullptr;
};
struct sqlite_text_json : column<sqlite_backend, json, compares::bytes, true, true> {
  static constexpr const char* sql_type = "TEXT";
};
/// Rows of UTF-8 JSON stored as BLOBs (json_table::seal turns each into one).
struct sqlite_blob_json : column<sqlite_backend, json, compares::bytes, true, true> {
  static constexpr const char* sql_type = "BLOB";
};
struct sqlite_detect : column<sqlite_backend, value_format::detect, compares::bytes, true, true> {
  static constexpr const char* sql_type = "BLOB";
};
struct postgres_jsonb : column<postgres_backend, json, compares::content, true, false> {
  static constexpr const char* sql_type = "jsonb";
};
struct postgres_json : column<postgres_backend, json, compares::bytes, false, false> {
  static constexpr const char* sql_type = "json";
};
struct postgres_text_json : column<postgres_backend, json, compares::bytes, false, true> {
  static constexpr const char* sql_type = "text";
};
struct postgres_bytea_json : column<postgres_backend, json, compares::bytes, false, true> {
  static constexpr const char* sql_type = "bytea";
};
struct postgres_distributed_jsonb
    : column<postgres_distributed_backend, json, compares::content, true, false> {
  static constexpr const char* sql_type = "jsonb";
};

/// A fresh table with a JSON column of kind C, created (with SQL of its own type) before the
/// store opens it.
template <class C>
struct json_table {
  using column = C;
  using backend_type = typename C::backend_type;
  using store_type = typename backend_type::store_type;

  backend_type backend;
  uplift::table_spec spec{store_test::unique_name("docs"), "id", "value",
                          uplift::key_type::integer, C::format};
  std::optional<store_type> store;

  json_table() {
    if (!backend.available()) return;
    if constexpr (C::sql_type != nullptr)
      backend.run_sql("CREATE TABLE \"" + spec.table + "\" (id bigint PRIMARY KEY NOT NULL, " +
                      "value " + C::sql_type + " NOT NULL)");
    store.emplace(ok(backend.open(spec)));
  }
  bool available() const { return backend.available(); }
  store_type& s() { return *store; }

  /// Puts the rows (key i + 1 for rows[i]), as the column holds them.
  void fill(const std::vector<std::string>& rows) {
    std::vector<uplift::stored_row> out;
    for (std::size_t i = 0; i < rows.size(); ++i)
      out.push_back({std::int64_t(i + 1), rows[i]});
    ok(s().put_many(out));
    seal();
  }
  /// A SQLite BLOB column's rows are made BLOBs (put writes a JSON row as TEXT).
  void seal() {
    if constexpr (std::is_same_v<C, sqlite_blob_json>)
      backend.run_sql("UPDATE \"" + spec.table + "\" SET value = CAST(value AS BLOB)");
  }
  /// Puts the one row {"_v": 1, "name": "a"} at key 1 and reads it back.
  std::string first_read() {
    fill({R"({"_v": 1, "name": "a"})"});
    return ok(s().get(std::int64_t{1})).value();
  }
  /// Every row's value, in key order.
  std::vector<std::string> values() {
    std::vector<std::string> out;
    for (auto& row : ok(s().scan({}, 1000000))) out.push_back(std::move(row.value));
    return out;
  }
};

/// A JSON value written by a conditional write.
uplift::conditional_write json_write(std::int64_t key, std::string expected, std::string value) {
  return {key, std::move(expected), std::move(value), row_format::json};
}

// ---- the rule the counts follow --------------------------------------------------------------
/// What `row` is counted as, by the rule count_by_json_version follows, read with simdjson's
/// DOM parser: nullopt for a row that is not a JSON object (or that format_of calls binary).
std::optional<std::pair<json_version_count::kind, std::uint16_t>> classify(
    value_format column, std::string_view row, std::string_view key) {
  using kind = json_version_count::kind;
  if (uplift::format_of(column, uplift::as_bytes_view(row)) != row_format::json) return std::nullopt;
  simdjson::dom::parser parser;
  auto doc = parser.parse(simdjson::padded_string(row));
  if (doc.error() || !doc.value().is_object()) return std::nullopt;
  auto found = doc.value().get_object().value().at_key(key);  // the first of a key given twice
  if (found.error()) return std::pair{kind::untagged, std::uint16_t{0}};
  // An integer token (simdjson reads one with a fraction or exponent as a double) in range.
  const simdjson::dom::element v = found.value();
  if (v.is_uint64() && v.get_uint64().value() >= 1 && v.get_uint64().value() <= 65535)
    return std::pair{kind::version, static_cast<std::uint16_t>(v.get_uint64().value())};
  return std::pair{kind::bad_version, std::uint16_t{0}};
}

/// The counts of `rows` by classify, merged and ordered as count_by_json_version orders them.
std::vector<json_version_count> classify_all(value_format column,
                                             const std::vector<std::string>& rows,
                                             std::string_view key) {
  std::map<std::pair<json_version_count::kind, std::uint16_t>, std::uint64_t> groups;
  for (const std::string& row : rows)
    if (auto c = classify(column, row, key)) ++groups[*c];
  std::vector<json_version_count> out;
  for (const auto& [g, n] : groups) out.push_back({g.first, g.second, n});
  return out;
}

/// "version 3: 2 rows; untagged: 1 row ..." for a message.
std::string describe(const std::vector<json_version_count>& counts) {
  std::string out;
  for (const json_version_count& c : counts) {
    out += c.what == json_version_count::kind::version    ? "version " + std::to_string(c.version)
           : c.what == json_version_count::kind::untagged ? std::string("untagged")
                                                          : std::string("bad version");
    out += ": " + std::to_string(c.rows) + "; ";
  }
  return out;
}

/// The rows the counting tests hold: every case of the rule.
std::vector<std::string> rule_rows() {
  return {
      R"({"_v":1,"name":"a"})",
      R"({"_v":2})",
      R"( {"name":"b","_v":2} )",
      R"({"_v":3,"tags":[1,2]})",
      R"({"name":"untagged"})",
      R"({})",
      R"({"_v":"3"})",
      R"({"_v":0})",
      R"({"_v":3.5})",
      R"({"_v":3.0})",
      R"({"_v":1e2})",
      R"({"_v":-1})",
      R"({"_v":70000})",
      R"({"_v":65535})",
      R"({"_v":null})",
      R"({"_v":true})",
      R"({"_v":{"n":3}})",
      R"({"_v":2,"_v":"x"})",  // the first of a key given twice counts
      R"({"a":{"_v":9}})",     // only the top level counts: untagged
      R"({"schema":4,"_v":1})",
      R"({"schema":"4"})",
      R"({"my.key":5})",
  };
}

/// Rows that are not JSON objects: counted by no store.
std::vector<std::string> not_object_rows() {
  return {R"([{"_v":1}])", R"("text")", R"(42)", R"({"_v":1)", "not json at all", R"({"_v":1} x)"};
}

}  // namespace

TYPE_TO_STRING_AS("memory, JSON", json_table<memory_json>);
TYPE_TO_STRING_AS("sqlite, TEXT column", json_table<sqlite_text_json>);
TYPE_TO_STRING_AS("sqlite, BLOB column of UTF-8 JSON", json_table<sqlite_blob_json>);
TYPE_TO_STRING_AS("sqlite, detect column", json_table<sqlite_detect>);
TYPE_TO_STRING_AS("postgres, jsonb column", json_table<postgres_jsonb>);
TYPE_TO_STRING_AS("postgres, json column", json_table<postgres_json>);
TYPE_TO_STRING_AS("postgres, text column", json_table<postgres_text_json>);
TYPE_TO_STRING_AS("postgres, bytea column of JSON", json_table<postgres_bytea_json>);
TYPE_TO_STRING_AS("postgres distributed, jsonb column", json_table<postgres_distributed_jsonb>);

#define JSON_TEST_ALL_COLUMNS                                                                  \
  json_table<memory_json>, json_table<sqlite_text_json>, json_table<sqlite_blob_json>,         \
      json_table<sqlite_detect>, json_table<postgres_jsonb>, json_table<postgres_json>,        \
      json_table<postgres_text_json>, json_table<postgres_bytea_json>,                         \
      json_table<postgres_distributed_jsonb>

TEST_CASE_TEMPLATE("JSON rows round-trip through put, put_many, scan and get", F,
                   JSON_TEST_ALL_COLUMNS) {
  STORE_TEST_FIXTURE(F, fx);
  // Documents in jsonb's own form (keys by length, then bytewise; ", " and ": "), so that every
  // column gives back the very text written.
  const std::vector<std::string> docs{R"({"_v": 1, "name": "Zoë"})", R"({"_v": 2, "tags": [1, 2]})",
                                      R"({"note": "a \"quoted\" word"})"};
  ok(fx.s().put(std::int64_t{1}, docs[0]));
  fx.seal();
  ok(fx.s().put_many({{std::int64_t{2}, docs[1]}, {std::int64_t{3}, docs[2]}}));
  fx.seal();
  CHECK(ok(fx.s().get(std::int64_t{1})) == docs[0]);
  CHECK(ok(fx.s().get(std::int64_t{3})) == docs[2]);
  CHECK(fx.values() == docs);
}

TEST_CASE_TEMPLATE(
    "a conditional write on a JSON column applies when the row holds what was read, and not "
    "after another writer changed it",
    F, JSON_TEST_ALL_COLUMNS) {
  STORE_TEST_FIXTURE(F, fx);
  const std::string read = fx.first_read();
  CHECK(ok(fx.s().write_if(json_write(1, read, R"({"_v": 2, "name": "a"})"))));
  CHECK(ok(fx.s().get(std::int64_t{1})) == R"({"_v": 2, "name": "a"})");
  // Another writer changed the row since `read`: the write on that read misses.
  CHECK_FALSE(ok(fx.s().write_if(json_write(1, read, R"({"_v": 3, "name": "a"})"))));
  CHECK(ok(fx.s().get(std::int64_t{1})) == R"({"_v": 2, "name": "a"})");
  CHECK_FALSE(ok(fx.s().write_if(json_write(9, read, R"({"_v": 3})"))));  // never creates a row
}

TEST_CASE_TEMPLATE(
    "a row rewritten with the same content in another key order and spacing still holds what "
    "was read on a jsonb column only",
    F, JSON_TEST_ALL_COLUMNS) {
  STORE_TEST_FIXTURE(F, fx);
  const std::string read = fx.first_read();
  ok(fx.s().put(std::int64_t{1}, R"({ "name":"a",   "_v":1 })"));  // another writer, same content
  fx.seal();
  const bool applied = ok(fx.s().write_if(json_write(1, read, R"({"_v": 2, "name": "a"})")));
  CHECK(applied == (F::column::condition == compares::content));
}

TEST_CASE_TEMPLATE("a batch's conditional writes on a JSON column apply where the row holds what "
                   "was read",
                   F, JSON_TEST_ALL_COLUMNS) {
  STORE_TEST_FIXTURE(F, fx);
  fx.fill({R"({"_v": 1, "id": 1})", R"({"_v": 1, "id": 2})"});
  ok(fx.s().ensure_job_tables());
  const std::string name = fx.spec.table + "-job";
  ok(fx.s().open_job(store_test::job(name), {}, 2));
  REQUIRE(ok(fx.s().claim_range(name, "w", std::chrono::seconds(60))).has_value());
  ok(fx.s().put(std::int64_t{2}, R"({"_v": 1, "id": 22})"));  // changed since it was read
  fx.seal();
  uplift::batch_commit b;
  b.job = name;
  b.range_id = 1;
  b.owner = "w";
  b.writes = {json_write(1, R"({"_v": 1, "id": 1})", R"({"_v": 2, "id": 1})"),
              json_write(2, R"({"_v": 1, "id": 2})", R"({"_v": 2, "id": 2})")};
  b.cursor = std::int64_t{2};
  b.range_done = true;
  const auto done = ok(fx.s().commit_batch(b));
  CHECK(done.applied == std::vector<bool>{true, false});
  CHECK(fx.values() == std::vector<std::string>{R"({"_v": 2, "id": 1})", R"({"_v": 1, "id": 22})"});
}

TEST_CASE_TEMPLATE(
    "count_by_json_version counts JSON objects by their version key as the rule classifies "
    "every row, or is nullopt where the database has no JSON functions for the column",
    F, JSON_TEST_ALL_COLUMNS) {
  STORE_TEST_FIXTURE(F, fx);
  std::vector<std::string> rows = rule_rows();
  for (std::string& r : not_object_rows())
    if (F::column::holds_any_text || r.front() == '[' || r.front() == '"' || r == "42")
      rows.push_back(std::move(r));
  if constexpr (F::column::format == value_format::detect)
    for (int v : {1, 2, 2}) rows.push_back(record(static_cast<std::uint16_t>(v)));
  fx.fill(rows);
  // The rows as the column holds them (jsonb: normalised), classified one by one.
  const std::vector<std::string> stored = fx.values();
  for (std::string_view key : {"_v", "schema", "my.key"}) {
    CAPTURE(key);
    const auto counted = ok(fx.s().count_by_json_version(key));
    REQUIRE(counted.has_value() == F::column::counts);
    if (!counted) continue;
    const auto expected = classify_all(F::column::format, stored, key);
    INFO("counted: " << describe(*counted) << "\nexpected: " << describe(expected));
    REQUIRE(counted->size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      CHECK(counted->at(i).what == expected[i].what);
      CHECK(counted->at(i).version == expected[i].version);
      CHECK(counted->at(i).rows == expected[i].rows);
    }
  }
  // A key no record can have (json_version_key refuses quotes and backslashes): not counted.
  CHECK_FALSE(ok(fx.s().count_by_json_version("a\"b")).has_value());
}

TEST_CASE_TEMPLATE(
    "scan_skipping sends as keys alone exactly the rows the rule reads at the version asked "
    "for where the database tells them (jsonb), and every other row as scan does",
    F, JSON_TEST_ALL_COLUMNS) {
  STORE_TEST_FIXTURE(F, fx);
  std::vector<std::string> rows = rule_rows();
  if constexpr (F::column::holds_any_text) rows.push_back("not json at all");
  fx.fill(rows);
  const auto scanned = ok(fx.s().scan({}, 1000));
  const bool tells = F::column::condition == compares::content;  // the jsonb columns
  for (const uplift::key_range& range :
       {uplift::key_range{}, uplift::key_range{std::int64_t{2}, std::int64_t{14}}}) {
    for (const std::uint16_t version : {std::uint16_t{1}, std::uint16_t{2}, std::uint16_t{3}, std::uint16_t{65535}}) {
      CAPTURE(version);
      const auto skipping = ok(fx.s().scan_skipping(range, 1000, "_v", version));
      std::size_t expected_rows = 0, at_version = 0, expected_at = 0;
      for (const auto& row : scanned) {
        const auto k = std::get<std::int64_t>(row.key);
        if ((range.after && k <= std::get<std::int64_t>(*range.after)) ||
            (range.upto && k > std::get<std::int64_t>(*range.upto)))
          continue;
        const auto c = classify(F::column::format, row.value, "_v");
        const bool at = c && c->first == json_version_count::kind::version && c->second == version;
        REQUIRE(expected_rows < skipping.size());
        const auto& got = skipping[expected_rows++];
        CAPTURE(row.value);
        CHECK(got.key == row.key);
        CHECK(got.at_version == (tells && at));
        CHECK(got.value == (got.at_version ? std::string() : row.value));
        at_version += got.at_version ? 1 : 0;
        expected_at += at ? 1 : 0;
      }
      CHECK(skipping.size() == expected_rows);
      CHECK(at_version == (tells ? expected_at : 0));
    }
  }
}

TEST_CASE("sqlite: count_by_json_version takes the first of a key given twice") {
  STORE_TEST_FIXTURE(json_table<sqlite_text_json>, fx);
  fx.fill({R"({"_v":2,"_v":"x"})", R"({"_v":"x","_v":2})"});
  const auto counted = ok(fx.s().count_by_json_version("_v")).value();
  REQUIRE(counted.size() == 2);
  CHECK((counted[0].what == json_version_count::kind::version && counted[0].version == 2 &&
         counted[0].rows == 1));
  CHECK((counted[1].what == json_version_count::kind::bad_version && counted[1].rows == 1));
}

namespace {
/// The first column of the first row of `sql` on the fixture's SQLite file.
std::string sqlite_value(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  std::string out;
  if (sqlite3_step(st) == SQLITE_ROW)
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}
}  // namespace

TEST_CASE("sqlite: in a detect column a JSON row is stored as TEXT and a binary one as a BLOB") {
  STORE_TEST_FIXTURE(json_table<sqlite_detect>, fx);
  auto type_of = [&](int key) {
    return sqlite_value(fx.backend.path(), "SELECT typeof(value) FROM \"" + fx.spec.table +
                                               "\" WHERE id = " + std::to_string(key));
  };
  fx.fill({record(1), R"({"_v":1})"});  // put goes by format_of
  CHECK(type_of(1) == "blob");
  CHECK(type_of(2) == "text");
  // A conditional write stores its value by conditional_write::format.
  CHECK(ok(fx.s().write_if(json_write(1, record(1), R"({"_v":2})"))));
  CHECK(ok(fx.s().write_if({std::int64_t{2}, R"({"_v":1})", record(2), row_format::binary})));
  CHECK(type_of(1) == "text");
  CHECK(type_of(2) == "blob");
  CHECK(ok(fx.s().get(std::int64_t{1})) == R"({"_v":2})");
  CHECK(ok(fx.s().get(std::int64_t{2})) == record(2));
}

TEST_CASE("sqlite: create_table makes a TEXT column for JSON and a BLOB one otherwise") {
  store_test::sqlite_backend backend;
  for (auto [format, declared] : {std::pair{value_format::json, "TEXT"},
                                  std::pair{value_format::detect, "BLOB"},
                                  std::pair{value_format::binary, "BLOB"}}) {
    const uplift::table_spec spec{store_test::unique_name("made"), "id", "value",
                                  uplift::key_type::integer, format};
    auto s = ok(backend.open(spec));
    ok(s.create_table());
    CHECK(sqlite_value(backend.path(), "SELECT type FROM pragma_table_info('" + spec.table +
                                           "') WHERE name = 'value'") == declared);
  }
}

TEST_CASE("sqlite: count_by_json_version of a binary column counts no row") {
  store_test::sqlite_backend backend;
  const uplift::table_spec spec{store_test::unique_name("bin")};
  auto s = ok(backend.open(spec));
  ok(s.create_table());
  ok(s.put(std::int64_t{1}, record(1)));
  ok(s.put(std::int64_t{2}, R"({"_v":1})"));  // format_of(binary, ...) is binary
  const auto counted = ok(s.count_by_json_version("_v"));
  REQUIRE(counted.has_value());
  CHECK(counted->empty());
}

TEST_CASE("postgres: a jsonb row reads as PostgreSQL's normalised text") {
  STORE_TEST_FIXTURE(json_table<postgres_jsonb>, fx);
  fx.fill({R"({ "name":"a", "_v":1e2, "_v":3 })"});
  CHECK(ok(fx.s().get(std::int64_t{1})) == R"({"_v": 3, "name": "a"})");
}

TEST_CASE("postgres: create_table makes a jsonb column for JSON") {
  store_test::postgres_backend backend;
  if (!backend.available()) return;
  const uplift::table_spec spec{store_test::unique_name("made"), "id", "value",
                                uplift::key_type::integer, value_format::json};
  auto s = ok(backend.open(spec));
  ok(s.create_table());
  CHECK(backend.run_sql("SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = '" +
                        spec.table + "'::regclass AND attname = 'value'") == "jsonb");
  ok(s.put(std::int64_t{1}, R"({"_v":1})"));
  CHECK(ok(s.count_by_json_version("_v")).value().size() == 1);
}

TEST_CASE("postgres: a store that drops a bytea table and creates it again for JSON writes to the jsonb column") {
  store_test::postgres_backend backend;
  if (!backend.available()) return;
  const uplift::table_spec spec{store_test::unique_name("remade"), "id", "value",
                                uplift::key_type::integer, value_format::json};
  backend.run_sql("CREATE TABLE " + spec.table + " (id bigint PRIMARY KEY, value bytea NOT NULL)");
  auto s = ok(backend.open(spec));  // JSON rows in a bytea column
  ok(s.drop_table());
  ok(s.create_table());  // now jsonb: the store's statements follow the column
  ok(s.put(std::int64_t{1}, R"({"_v":1})"));
  ok(s.put_many({{std::int64_t{2}, R"({"_v":2})"}}));
  CHECK(ok(s.get(std::int64_t{2})) == R"({"_v": 2})");
  CHECK(ok(s.count_by_json_version("_v")).value().size() == 2);
}

TEST_CASE("postgres: a store whose format does not fit the value column's type is refused, "
          "saying what to set") {
  store_test::postgres_backend backend;
  if (!backend.available()) return;
  struct refusal {
    const char* type;
    value_format format;
    const char* words;
  };
  for (const refusal& r : {
           refusal{"jsonb", value_format::binary,
                   "the column value is jsonb: set table_spec::format = value_format::json"},
           refusal{"json", value_format::binary,
                   "the column value is json: set table_spec::format = value_format::json"},
           refusal{"text", value_format::binary,
                   "the column value is text: set table_spec::format = value_format::json"},
           refusal{"jsonb", value_format::detect,
                   "cannot hold binary rows: set table_spec::format = value_format::json"},
           refusal{"integer", value_format::json, "change the column's type"},
       }) {
    CAPTURE(r.type);
    const uplift::table_spec spec{store_test::unique_name("misfit"), "id", "value",
                                  uplift::key_type::integer, r.format};
    backend.run_sql("CREATE TABLE " + spec.table + " (id bigint PRIMARY KEY, value " + r.type +
                    ")");
    auto s = backend.open(spec);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == uplift::errc::store_error);
    CHECK(s.error().detail().find(r.words) != std::string::npos);
  }
}

TEST_CASE("postgres: a binary record written to a jsonb column is refused, saying what to do") {
  STORE_TEST_FIXTURE(json_table<postgres_jsonb>, fx);
  fx.fill({R"({"_v": 1})"});
  auto w = fx.s().write_if({std::int64_t{1}, R"({"_v": 1})", record(2), row_format::binary});
  REQUIRE_FALSE(w);
  CHECK(w.error().detail().find("write it as JSON (conditional_write::format = "
                                "row_format::json)") != std::string::npos);
  CHECK(ok(fx.s().get(std::int64_t{1})) == R"({"_v": 1})");
}
