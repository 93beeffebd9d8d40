// JSON rows: records stored as JSON documents in a table's value column (table_spec::format), and
// columns holding JSON and binary rows side by side (value_format::detect). The record handle of
// `codec.json_handle()` peeks and rewrites them; the backfill, read-repair and the histograms
// take them row by row, in each row's own form.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <uplift/json.hpp>
#include <uplift/rows/backfill.hpp>
#include <uplift/rows/histogram.hpp>

#include "backfill_test_support.hpp"
#include "store_fixtures.hpp"
#include "user_uplift.hpp"
#include "user_uplift_json.hpp"

namespace json_rows_test {  // named: the unity builds of the sanitizer runs put the test files together

using namespace store_test;
using namespace std::chrono_literals;
using User = demo::User;
using uplift::errc;
using uplift::rewrite_outcome;
using uplift::row_format;
using uplift::value_format;

/// User i as a release writing `version` stored it, in the form `f`; the same person at every
/// version (created_at is 0 below v2).
std::string json_user(int i, std::uint16_t version, row_format f = row_format::json) {
  demo::v3::UserT u;
  u.id = static_cast<std::uint64_t>(i);
  u.given_name = "Given" + std::to_string(i);
  u.family_name = "Family" + std::to_string(i);
  u.email = "user" + std::to_string(i) + "@example.com";
  u.age = i % 90;
  u.created_at = version >= 2 ? 1'700'000'000 + i : 0;
  auto c = uplift::codec<User>::make({.write_version = version}).value();
  if (f == row_format::json) return c.write_json(u).value();
  return std::string(c.write(u).value().as_string_view());
}

/// What a row means, read as the latest version whatever its form.
demo::v3::UserT meaning(const std::string& row) {
  if (uplift::format_of(value_format::detect, uplift::as_bytes_view(row)) == row_format::json) {
    auto o = uplift::read_json<User>(row);
    REQUIRE_MESSAGE(o, o.error().message());
    return *o;
  }
  auto o = uplift::read_object<User>(row);
  REQUIRE_MESSAGE(o, o.error().message());
  return *o;
}

const uplift::record_handle json_handle = uplift::codec<User>().json_handle();

std::string rewrite_ok(const std::string& row, std::uint16_t target, rewrite_outcome want,
                       value_format column = value_format::json) {
  std::string out;
  auto r = json_handle.rewrite_row(uplift::as_bytes_view(row), column, target, out);
  REQUIRE_MESSAGE(r, r.error().message());
  CHECK(r->outcome == want);
  return out;
}

/// PostgreSQL with JSON rows in a `text` column (create_table makes a JSON column jsonb).
struct postgres_text_column : postgres_int {
  static constexpr const char* column_type = "text";
};

/// A table of this fixture's store whose value column holds `format`.
template <class F>
auto json_table(F& fx, value_format format) {
  uplift::table_spec t = fx.other_table();
  t.format = format;
  if constexpr (requires { F::column_type; }) {
    fx.backend.run_sql("CREATE TABLE \"" + t.table + "\" (id bigint PRIMARY KEY NOT NULL, value " +
                       F::column_type + " NOT NULL)");
    auto s = ok(fx.backend.open(t));
    ok(s.ensure_job_tables());
    return s;
  } else {
    return fx.open_table(t);
  }
}

/// The version a row is stored at, in whichever form (jsonb hands its documents back as its own
/// normalised text: `{"_v": 3, ...}`).
std::uint16_t version_of(const std::string& row) {
  auto info = json_handle.inspect(uplift::as_bytes_view(row), value_format::detect);
  REQUIRE_MESSAGE(info, info.error().message());
  return info->version;
}

using backfill_test::quick;
using backfill_test::rows_of;

}  // namespace json_rows_test

TYPE_TO_STRING_AS("postgres, text column of JSON, integer keys", json_rows_test::postgres_text_column);

namespace json_rows_test {

// ---- the record handle ------------------------------------------------------------------------

TEST_CASE("json rows, record handle: a row at the target is current from its leading version key, the rest unread") {
  // Cut off after the key: not JSON at all, yet the key alone says it is at v3.
  const std::string cut = R"({"_v":3,"id":)";
  CHECK(rewrite_ok(cut, 3, rewrite_outcome::current).empty());
  CHECK(rewrite_ok(cut, 2, rewrite_outcome::current).empty());  // newer than the target
  auto info = json_handle.inspect(uplift::as_bytes_view(cut), value_format::json);
  REQUIRE(info);
  CHECK(info->format == row_format::json);
  CHECK(info->version == 3);
  CHECK_FALSE(info->untagged);
}

TEST_CASE("json rows, record handle: an old row is rewritten as JSON at the target, meaning the same") {
  for (std::uint16_t stored : {std::uint16_t{1}, std::uint16_t{2}}) {
    for (std::uint16_t target = stored; ++target <= 3;) {
      CAPTURE(stored);
      CAPTURE(target);
      const std::string row = json_user(7, stored);
      const std::string out = rewrite_ok(row, target, rewrite_outcome::rewritten);
      CHECK(out.rfind("{\"_v\":" + std::to_string(target) + ",", 0) == 0);
      CHECK(meaning(out) == meaning(row));
    }
  }
}

TEST_CASE("json rows, record handle: a row whose version key is not first is read up to its key") {
  const std::string row = R"({"id":7,"given_name":"Ada","family_name":"L","email":"a@b","age":36,"created_at":1,"_v":3})";
  CHECK(rewrite_ok(row, 3, rewrite_outcome::current).empty());
  const std::string old = R"({"id":7,"name":"Ada L","email":"a@b","age":36,"_v":1})";
  const std::string out = rewrite_ok(old, 3, rewrite_outcome::rewritten);
  CHECK(out.rfind("{\"_v\":3,", 0) == 0);
  CHECK(meaning(out) == meaning(old));
}

TEST_CASE("json rows, record handle: an untagged document is adopted, its version key stamped in even at the target") {
  const std::string legacy = R"({"id":7,"name":"Ada L","email":"a@b","age":36})";
  auto c = uplift::codec<User>::make({.default_version = 1}).value();
  const uplift::record_handle h = c.json_handle();
  auto info = h.inspect(uplift::as_bytes_view(legacy), value_format::json);
  REQUIRE(info);
  CHECK(info->version == 1);
  CHECK(info->untagged);
  std::string out;
  auto r = h.rewrite_row(uplift::as_bytes_view(legacy), value_format::json, 1, out);
  REQUIRE_MESSAGE(r, r.error().message());
  CHECK(r->outcome == rewrite_outcome::rewritten);
  CHECK(r->stored.untagged);
  CHECK(out.rfind("{\"_v\":1,", 0) == 0);
  // Without a rule it is an error that says what is missing.
  std::string none;
  auto refused = json_handle.rewrite_row(uplift::as_bytes_view(legacy), value_format::json, 3, none);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::missing_version);
  CHECK(none.empty());
}

TEST_CASE("json rows, record handle: a detect column takes each row in its own form") {
  const std::string bin = json_user(3, 1, row_format::binary);
  const std::string doc = json_user(3, 1, row_format::json);
  const std::string bin_out = rewrite_ok(bin, 3, rewrite_outcome::rewritten, value_format::detect);
  const std::string doc_out = rewrite_ok(doc, 3, rewrite_outcome::rewritten, value_format::detect);
  CHECK(uplift::peek(bin_out)->version == 3);
  CHECK(doc_out.rfind("{\"_v\":3,", 0) == 0);
  CHECK(meaning(bin_out) == meaning(doc_out));
  // A binary record never passes for JSON, nor JSON text with a NUL byte in it.
  CHECK(uplift::format_of(value_format::detect, uplift::as_bytes_view(bin)) == row_format::binary);
  CHECK(uplift::format_of(value_format::detect, uplift::as_bytes_view(std::string("{\0}", 3))) ==
        row_format::binary);
  CHECK(uplift::format_of(value_format::detect, uplift::as_bytes_view(std::string(" \n{}"))) ==
        row_format::json);
}

TEST_CASE("json rows, record handle: a handle that reads binary rows only refuses a JSON row, saying what to pass") {
  const uplift::record_handle binary_only = uplift::codec<User>().handle();
  CHECK_FALSE(binary_only.reads_json());
  CHECK(json_handle.reads_json());
  CHECK(json_handle.json_version_key() == "_v");
  std::string out;
  auto r = binary_only.rewrite_row(uplift::as_bytes_view(json_user(1, 1)), value_format::json, 3, out);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::invalid_option);
  CHECK(r.error().message().find("codec.json_handle()") != std::string::npos);
}

// ---- the backfill -------------------------------------------------------------------------------

TEST_CASE_TEMPLATE("json rows: the backfill rewrites old JSON rows as JSON at the target and skips current ones",
                   F, memory_int, sqlite_int, sqlite_text, postgres_int, postgres_text_column) {
  STORE_TEST_FIXTURE(F, fx);
  auto s = json_table(fx, value_format::json);
  std::vector<uplift::stored_row> rows;
  for (int i = 1; i <= 300; ++i)
    rows.push_back({F::key(i), json_user(i, static_cast<std::uint16_t>(1 + i % 3))});
  ok(s.put_many(rows));
  const auto before = rows_of(s);
  auto job = ok(uplift::backfill::start(s.connect().value(), uplift::codec<User>().json_handle(), quick()));
  ok(job.wait());
  const auto p = job.progress();
  CHECK(p.counters.scanned == 300);
  CHECK(p.counters.upgraded == 200);
  CHECK(p.counters.already_current == 100);
  CHECK(p.counters.quarantined == 0);
  const auto after = rows_of(s);
  REQUIRE(after.size() == before.size());
  for (const auto& [k, old] : before) {
    CAPTURE(k);
    const std::string& now = after.at(k);
    CHECK(version_of(now) == 3);
    CHECK(uplift::format_of(value_format::detect, uplift::as_bytes_view(now)) == row_format::json);
    if (version_of(old) == 3) CHECK(now == old);
    CHECK(meaning(now) == meaning(old));
  }
  auto h = ok(uplift::histogram(s, uplift::codec<User>().json_handle()));
  CHECK(h.at(3) == 300);
  CHECK(h.versions.size() == 1);
  CHECK(h.versions[0].json == 300);
}

TEST_CASE_TEMPLATE("json rows: bad JSON rows are quarantined with the read's exact error and left as they were",
                   F, memory_int, sqlite_int, postgres_text_column) {
  STORE_TEST_FIXTURE(F, fx);
  auto s = json_table(fx, value_format::json);
  const std::map<int, std::string> bad{
      {2, "this is not JSON"},
      {3, R"({"_v":1,"id":3,"_v":2,"name":"Two Keys"})"},
      {4, R"({"id":4,"name":"No Key"})"},
      {5, R"({"_v":1,"id":"five"})"},
  };
  std::vector<uplift::stored_row> rows;
  for (int i = 1; i <= 6; ++i)
    rows.push_back({F::key(i), bad.count(i) ? bad.at(i) : json_user(i, 1)});
  ok(s.put_many(rows));
  auto job = ok(uplift::backfill::start(s.connect().value(), uplift::codec<User>().json_handle(), quick()));
  ok(job.wait());
  CHECK(job.progress().counters.quarantined == 4);
  CHECK(job.progress().counters.upgraded == 2);
  auto q = ok(s.list_quarantine(job.job(), 100));
  REQUIRE(q.size() == 4);
  const auto after = rows_of(s);
  for (const auto& row : q) {
    const std::string k = uplift::key_to_string(row.key);
    CAPTURE(k);
    const std::string& text = bad.at(static_cast<int>(std::get<std::int64_t>(row.key)));
    CHECK(after.at(k) == text);  // untouched
    auto read = uplift::read_json<User>(text);
    REQUIRE_FALSE(read);
    CHECK(row.error == read.error().message());
  }
}

TEST_CASE_TEMPLATE("json rows: a detect column of binary and JSON rows is backfilled row by row, each in its form",
                   F, memory_int, sqlite_int, postgres_int) {
  STORE_TEST_FIXTURE(F, fx);
  auto s = json_table(fx, value_format::detect);
  std::vector<uplift::stored_row> rows;
  for (int i = 1; i <= 120; ++i)
    rows.push_back({F::key(i), json_user(i, static_cast<std::uint16_t>(1 + i % 3),
                                         i % 2 ? row_format::json : row_format::binary)});
  ok(s.put_many(rows));
  const auto before = rows_of(s);
  auto h0 = ok(uplift::histogram(s, uplift::codec<User>().json_handle()));
  CHECK(h0.rows() == 120);
  CHECK(h0.at(1) == 40);
  auto job = ok(uplift::backfill::start(s.connect().value(), uplift::codec<User>().json_handle(), quick()));
  ok(job.wait());
  CHECK(job.progress().counters.upgraded == 80);
  const auto after = rows_of(s);
  for (const auto& [k, old] : before) {
    CAPTURE(k);
    const std::string& now = after.at(k);
    const auto form = uplift::format_of(value_format::detect, uplift::as_bytes_view(old));
    CHECK(uplift::format_of(value_format::detect, uplift::as_bytes_view(now)) == form);
    CHECK(meaning(now) == meaning(old));
  }
  auto h = ok(uplift::histogram(s, uplift::codec<User>().json_handle()));
  CHECK(h.at(3) == 120);
  CHECK(h.versions.back().json == 60);
}

TEST_CASE_TEMPLATE("json rows: a backfill with a binary-only handle over a JSON column is refused at start",
                   F, memory_int) {
  STORE_TEST_FIXTURE(F, fx);
  auto s = json_table(fx, value_format::json);
  auto job = uplift::backfill::start(s.connect().value(), uplift::codec<User>(), quick());
  REQUIRE_FALSE(job);
  CHECK(job.error().code == errc::invalid_option);
  CHECK(job.error().message().find("codec.json_handle()") != std::string::npos);
}

// ---- the dry run --------------------------------------------------------------------------------

TEST_CASE_TEMPLATE("dry run: reports what the backfill would do and writes nothing, rows nor jobs", F,
                   memory_int, sqlite_int, postgres_int) {
  STORE_TEST_FIXTURE(F, fx);
  auto s = json_table(fx, value_format::detect);
  std::vector<uplift::stored_row> rows;
  for (int i = 1; i <= 90; ++i)
    rows.push_back({F::key(i), json_user(i, static_cast<std::uint16_t>(1 + i % 3),
                                         i % 2 ? row_format::json : row_format::binary)});
  rows.push_back({F::key(91), "not JSON, not a record"});
  rows.push_back({F::key(92), R"({"id":92,"name":"Untagged","email":"u@x","age":1})"});
  ok(s.put_many(rows));
  const auto before = rows_of(s);
  const auto jobs_before = ok(s.list_jobs()).size();

  auto c = uplift::codec<User>::make({.default_version = 1}).value();
  auto r = ok(uplift::backfill::dry_run(s, c.json_handle()));
  CHECK(r.target_version == 3);
  CHECK(r.scanned == 92);
  CHECK(r.rows_read == 92);
  CHECK(r.already_current == 30);
  CHECK(r.would_upgrade == 61);  // 60 below v3, and the untagged one adopted
  CHECK(r.would_adopt == 1);
  CHECK(r.would_quarantine == 1);
  REQUIRE(r.first_errors.size() == 1);
  CHECK(r.first_errors[0].key == F::key(91));
  CHECK(r.first_errors[0].error.find("not an uplift record") != std::string::npos);
  std::uint64_t json_rows = 0, binary_rows = 0;
  for (const auto& st : r.stored) (st.format == row_format::json ? json_rows : binary_rows) += st.rows;
  CHECK(json_rows == 46);
  CHECK(binary_rows == 45);
  CHECK(r.stored.front().format == row_format::binary);
  CHECK(r.rows_per_second() > 0);
  CHECK(rows_of(s) == before);
  CHECK(ok(s.list_jobs()).size() == jobs_before);

  // A sample: the first 30 rows, every 3rd of them.
  auto sample = ok(uplift::backfill::dry_run(s, c.json_handle(), {.first_rows = 30, .every = 3}));
  CHECK(sample.rows_read == 30);
  CHECK(sample.scanned == 10);
  CHECK(sample.would_upgrade + sample.already_current + sample.would_quarantine == 10);
  // A target it would refuse is refused as start refuses it.
  auto bad = uplift::backfill::dry_run(s, c.json_handle(), {.target_version = 9});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::invalid_option);
}

// ---- histograms and the condition ---------------------------------------------------------------

TEST_CASE_TEMPLATE("json rows: histograms by the database's JSON functions equal histograms by reading every row",
                   F, memory_int, sqlite_int, postgres_int, postgres_text_column) {
  STORE_TEST_FIXTURE(F, fx);
  for (value_format format : {value_format::json, value_format::detect}) {
    if constexpr (requires { F::column_type; }) {
      if (format == value_format::detect) continue;  // a text column holds no binary rows
    }
    CAPTURE(uplift::to_string(format));
    auto s = json_table(fx, format);
    std::vector<std::string> docs = {
        R"({"_v":1,"id":1,"name":"a"})", R"({"id":2,"_v":2})", R"({"_v":3})",  R"({"_v":3,"x":[1]})",
        R"({"name":"untagged"})",        R"({})",              R"({"_v":"3"})", R"({"_v":0})",
        R"({"_v":3.5})",                 R"({"_v":1e2})",      R"({"_v":-1})",  R"({"_v":70000})",
        R"({"a":{"_v":9}})",             R"({"_v":null})"};
    const bool jsonb = std::is_same_v<F, postgres_int> && format == value_format::json;
    if (!jsonb) {  // rows a jsonb column cannot hold
      docs.push_back("not JSON");
      docs.push_back(R"([{"_v":1}])");
      docs.push_back(R"({"_v":2,"_v":"x"})");
    }
    if (format == value_format::detect) {
      docs.push_back(json_user(1, 1, row_format::binary));
      docs.push_back(json_user(2, 3, row_format::binary));
      docs.push_back(json_user(3, 3, row_format::binary));
    }
    std::vector<uplift::stored_row> rows;
    for (std::size_t i = 0; i < docs.size(); ++i) rows.push_back({F::key(static_cast<int>(i) + 1), docs[i]});
    ok(s.put_many(rows));
    const auto by_database = ok(uplift::histogram(s, {.by = uplift::counted_by::database}));
    const auto by_reading = ok(uplift::histogram(s, {.by = uplift::counted_by::reading}));
    CHECK(by_database == by_reading);
    CHECK(ok(uplift::histogram(s)) == by_reading);  // the store's fastest way
    CHECK(by_database.total() == docs.size());
    CHECK(by_database.json_untagged == 3);
    std::uint64_t v3 = 0;
    for (const auto& c : by_database.json)
      if (c.version == 3) v3 = c.rows;
    CHECK(v3 == 2);
    const auto record = ok(uplift::histogram(s, json_handle));
    CHECK(record.untagged == 3);
    CHECK(record.at(3) == (format == value_format::detect ? 4u : 2u));
  }
}

TEST_CASE_TEMPLATE("json rows: a writer that rewrites a row with the same content in another key order wins where the column compares bytes",
                   F, memory_int, sqlite_int, postgres_int, postgres_text_column) {
  STORE_TEST_FIXTURE(F, fx);
  auto s = json_table(fx, value_format::json);
  const std::string doc = R"({"_v":1,"id":1,"name":"Ada L","email":"a@b","age":36})";
  const std::string reordered = R"({"age":36, "email":"a@b", "name":"Ada L", "id":1, "_v":1})";
  ok(s.put(F::key(1), doc));
  auto writer = ok(s.connect());
  auto o = quick();
  o.after_read = [&](std::span<const uplift::stored_row>) { ok(writer.put(F::key(1), reordered)); };
  auto job = ok(uplift::backfill::start(s.connect().value(), json_handle, o));
  ok(job.wait());
  const std::string now = ok(s.get(F::key(1))).value();
  const bool by_content = std::is_same_v<F, postgres_int>;  // jsonb compares documents
  CAPTURE(now);
  if (by_content) {
    // The row still holds what was read (the same document): the backfill's write applies.
    CHECK(job.progress().counters.upgraded == 1);
    CHECK(job.progress().counters.conflicts == 0);
    CHECK(version_of(now) == 3);
  } else {
    // Other bytes: the writer's row stays, counted as a conflict.
    CHECK(job.progress().counters.conflicts == 1);
    CHECK(now == reordered);
  }
  CHECK(meaning(now) == meaning(doc));
}

}  // namespace json_rows_test
