#pragma once
// The stores under test: one fixture type per store and key type, each a fresh table (and fresh
// job tables) in a real database: memory, an SQLite file in a temporary folder, a PostgreSQL
// schema of the server tests/store/pg_cluster.sh started (with and without
// postgres_options::distributed).

#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <uplift/header.hpp>
#include <uplift/store/memory.hpp>
#include <uplift/store/postgres.hpp>
#include <uplift/store/sqlite.hpp>
#include <utility>
#include <vector>

namespace store_test {

using uplift::key_range;
using uplift::key_type;
using uplift::row_key;
using uplift::table_spec;

/// The value of a result, or the test fails with the error's message.
template <class T>
T ok(uplift::result<T> r) {
  if (!r) FAIL(r.error().message());
  return std::move(*r);
}
inline void ok(uplift::status st) {
  if (!st) FAIL(st.error().message());
}

/// A name no other test (in this process or another) uses.
inline std::string unique_name(std::string_view prefix) {
  static std::atomic<int> counter{0};
  return std::string(prefix) + "_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
}

/// A record's bytes: the 16-byte header of `version` (it holds NUL bytes), then `payload`.
inline std::string record(std::uint16_t version, std::string_view payload = "payload") {
  uplift::record_header h;
  h.type_id = uplift::type_id_of("test.Thing");
  h.version = version;
  h.min_reader_version = version;
  const auto bytes = uplift::encode_header(h);
  std::string out(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  out.append(payload);
  return out;
}

/// A job on the test record.
inline uplift::job_spec job(std::string name, std::uint16_t target = 2) {
  return {std::move(name), "test.Thing", uplift::type_id_of("test.Thing"), target};
}

// ---- memory ----------------------------------------------------------------------------------
struct memory_backend {
  using store_type = uplift::memory_store;
  static constexpr const char* refusal_words = "injected failure";

  bool available() const { return true; }
  uplift::result<store_type> open(const table_spec& spec) {
    // One memory "database" per fixture: a second table shares the first one's job tables.
    if (!first_) {
      first_.emplace(spec);
      return *first_;
    }
    return first_->with_table(spec);
  }
  void refuse_next_commit(store_type& s, const table_spec&, const row_key&) {
    s.fail_next_commits(1);
  }
  void break_table(store_type& s, const table_spec&) { s.fail_next_scans(1); }

 private:
  std::optional<store_type> first_;
};

// ---- SQLite ----------------------------------------------------------------------------------
struct sqlite_backend {
  using store_type = uplift::sqlite_store;
  static constexpr const char* refusal_words = "the test refuses this write";

  sqlite_backend() {
    std::string tpl =
        (std::filesystem::temp_directory_path() / "uplift-store-test.XXXXXX").string();
    REQUIRE(::mkdtemp(tpl.data()) != nullptr);
    dir_ = tpl;
  }
  ~sqlite_backend() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  sqlite_backend(const sqlite_backend&) = delete;
  sqlite_backend& operator=(const sqlite_backend&) = delete;

  bool available() const { return true; }
  std::string path() const { return (dir_ / "test.db").string(); }
  uplift::result<store_type> open(const table_spec& spec) { return store_type::open(path(), spec); }

  /// Runs SQL on a connection of its own.
  void run_sql(const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path().c_str(), &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    const std::string words = err != nullptr ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    if (rc != SQLITE_OK) FAIL(sql << ": " << words);
  }
  /// A trigger that fails any update of the row `k`: a real failure in the middle of a batch.
  void refuse_next_commit(store_type&, const table_spec& spec, const row_key& k) {
    run_sql("CREATE TRIGGER refuse BEFORE UPDATE ON \"" + spec.table + "\" WHEN NEW.\"" +
            spec.key_column + "\" = " + literal(k) +
            " BEGIN SELECT RAISE(ABORT, 'the test refuses this write'); END");
  }
  void break_table(store_type&, const table_spec& spec) {
    run_sql("DROP TABLE \"" + spec.table + "\"");
  }

  static std::string literal(const row_key& k) {
    return k.index() == 0 ? std::to_string(std::get<0>(k)) : "'" + std::get<1>(k) + "'";
  }

 private:
  std::filesystem::path dir_;
};

// ---- PostgreSQL ------------------------------------------------------------------------------
/// The server's connection string: $UPLIFT_TEST_POSTGRES, else the file $UPLIFT_TEST_POSTGRES_FILE
/// (CTest sets it), else the file pg_cluster.sh writes in this build. Empty when there is none.
inline std::string postgres_conninfo() {
  if (const char* c = std::getenv("UPLIFT_TEST_POSTGRES"); c != nullptr && *c != '\0') return c;
  const char* f = std::getenv("UPLIFT_TEST_POSTGRES_FILE");
  std::ifstream in(f != nullptr && *f != '\0' ? f : UPLIFT_TEST_POSTGRES_FILE_DEFAULT);
  std::string line;
  std::getline(in, line);
  return line;
}

/// True under CI, where a missing server is a failure.
inline bool under_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

/// Each fixture works in a schema of its own (search_path), dropped at its end.
struct postgres_backend {
  using store_type = uplift::postgres_store;
  static constexpr const char* refusal_words = "the test refuses this write";

  postgres_backend() : base_(postgres_conninfo()), schema_(unique_name("uplift_test")) {
    if (base_.empty()) {
      if (under_ci())
        FAIL(
            "no PostgreSQL server for the store tests under CI: run them through ctest (its "
            "fixture starts one with tests/store/pg_cluster.sh) or set UPLIFT_TEST_POSTGRES");
      std::printf(
          "uplift-store-tests: SKIPPED: no PostgreSQL server (run through ctest, or set "
          "UPLIFT_TEST_POSTGRES to a libpq connection string)\n");
      return;
    }
    admin_ = PQconnectdb(base_.c_str());
    if (PQstatus(admin_) != CONNECTION_OK)
      FAIL("cannot connect to the test server (" << base_ << "): " << PQerrorMessage(admin_));
    PQsetNoticeProcessor(
        admin_, [](void*, const char*) {}, nullptr);  // DROP ... CASCADE
    run_sql("CREATE SCHEMA " + schema_ + "; SET search_path = " + schema_);
  }
  ~postgres_backend() {
    if (admin_ == nullptr) return;
    PQclear(PQexec(admin_, ("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE").c_str()));
    PQfinish(admin_);
  }
  postgres_backend(const postgres_backend&) = delete;
  postgres_backend& operator=(const postgres_backend&) = delete;

  bool available() const { return !base_.empty(); }
  /// The connection string of this fixture's stores: the server's, in this fixture's schema.
  std::string conninfo() const { return base_ + " options='-c search_path=" + schema_ + "'"; }
  uplift::result<store_type> open(const table_spec& spec, uplift::postgres_options o = {}) {
    return store_type::open(conninfo(), spec, std::move(o));
  }

  /// Runs SQL (in this fixture's schema) on the fixture's own connection; returns the first
  /// column of the first row, if any.
  std::string run_sql(const std::string& sql) {
    PGresult* r = PQexec(admin_, sql.c_str());
    const ExecStatusType st = PQresultStatus(r);
    const std::string words = PQresultErrorMessage(r);
    std::string first;
    if (st == PGRES_TUPLES_OK && PQntuples(r) > 0) first = PQgetvalue(r, 0, 0);
    PQclear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) FAIL(sql << ": " << words);
    return first;
  }
  void refuse_next_commit(store_type&, const table_spec& spec, const row_key& k) {
    run_sql(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
        "$$BEGIN RAISE EXCEPTION 'the test refuses this write'; END$$");
    run_sql("CREATE TRIGGER refuse BEFORE UPDATE ON \"" + spec.table +
            "\" FOR EACH ROW WHEN (NEW.\"" + spec.key_column +
            "\" = " + sqlite_backend::literal(k) + ") EXECUTE FUNCTION refuse()");
  }
  void break_table(store_type&, const table_spec& spec) {
    run_sql("DROP TABLE \"" + spec.table + "\"");
  }

 private:
  std::string base_;
  std::string schema_;
  PGconn* admin_ = nullptr;
};

/// The PostgreSQL store with postgres_options::distributed: the statements it sends to a table
/// Citus distributes, run against a plain table (Citus is not installed for the tests).
struct postgres_distributed_backend : postgres_backend {
  uplift::result<store_type> open(const table_spec& spec, uplift::postgres_options o = {}) {
    o.distributed = true;
    return postgres_backend::open(spec, std::move(o));
  }
};

/// PostgreSQL with the tables' value column of type text: JSON rows kept verbatim (create_table
/// makes a JSON column jsonb). The table is made before the store opens it.
struct postgres_text_backend : postgres_backend {
  uplift::result<store_type> open(const table_spec& spec, uplift::postgres_options o = {}) {
    run_sql("CREATE TABLE IF NOT EXISTS \"" + spec.table + "\" (\"" + spec.key_column + "\" " +
            (spec.key == key_type::integer ? "bigint" : "text COLLATE \"C\"") +
            " PRIMARY KEY NOT NULL, \"" + spec.value_column + "\" text NOT NULL)");
    return postgres_backend::open(spec, std::move(o));
  }
};

// ---- fixtures --------------------------------------------------------------------------------
/// What the tables of the running test hold (its fixture sets it): the row helpers of the tests
/// write their rows in this form.
inline uplift::value_format current_format = uplift::value_format::binary;

/// A fresh table with keys of kind K in a store of Backend, its job tables created; its value
/// column holds rows of `Format`.
template <class Backend, key_type K, uplift::value_format Format = uplift::value_format::binary>
struct fixture {
  using backend_type = Backend;
  using store_type = typename Backend::store_type;
  static constexpr key_type kind = K;
  static constexpr uplift::value_format format = Format;

  Backend backend;
  table_spec spec{unique_name("things"), "id", "value", K, Format};
  std::optional<store_type> store;

  fixture() {
    current_format = Format;
    if (!backend.available()) return;
    store.emplace(open_table(spec));
  }

  bool available() const { return backend.available(); }
  store_type& s() { return *store; }

  /// Another connection to the same table.
  store_type connect() { return ok(s().connect()); }
  /// Another table in the same database (the same job tables), created.
  store_type open_table(const table_spec& t) {
    store_type st = ok(backend.open(t));
    ok(st.create_table());
    ok(st.ensure_job_tables());
    return st;
  }
  /// A table spec for another table of this fixture's kind.
  table_spec other_table() const { return {unique_name("others"), "id", "value", K, Format}; }

  /// The i-th key: keys order as their i (text keys are zero-padded).
  static row_key key(int i) {
    if constexpr (K == key_type::integer) {
      return std::int64_t{i};
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "key:%08d", i);
      return std::string(buf);
    }
  }
  /// A key of the other kind than the table's.
  static row_key wrong_key() {
    if constexpr (K == key_type::integer)
      return std::string("text");
    else
      return std::int64_t{7};
  }

  /// Puts rows first..last, each `value(i)`.
  template <class Value>
  void fill(int first, int last, Value&& value) {
    std::vector<uplift::stored_row> rows;
    for (int i = first; i <= last; ++i) rows.push_back({key(i), value(i)});
    ok(s().put_many(rows));
  }
  /// The keys of rows in r, in the order scan returns them.
  std::vector<row_key> keys(const key_range& r = {}, std::size_t n = 1000000) {
    std::vector<row_key> out;
    for (auto& row : ok(s().scan(r, n))) out.push_back(std::move(row.key));
    return out;
  }
};

using memory_int = fixture<memory_backend, key_type::integer>;
using memory_text = fixture<memory_backend, key_type::text>;
using sqlite_int = fixture<sqlite_backend, key_type::integer>;
using sqlite_text = fixture<sqlite_backend, key_type::text>;
using postgres_int = fixture<postgres_backend, key_type::integer>;
using postgres_text = fixture<postgres_backend, key_type::text>;
using postgres_distributed_int = fixture<postgres_distributed_backend, key_type::integer>;
using postgres_distributed_text = fixture<postgres_distributed_backend, key_type::text>;
/// JSON rows: SQLite TEXT, PostgreSQL jsonb and text; a column of both forms (SQLite, PostgreSQL
/// bytea), half its v1 rows written before versioning (the tests read them as v1).
using sqlite_json_rows = fixture<sqlite_backend, key_type::integer, uplift::value_format::json>;
using postgres_jsonb_rows = fixture<postgres_backend, key_type::integer, uplift::value_format::json>;
using postgres_text_rows = fixture<postgres_text_backend, key_type::integer, uplift::value_format::json>;
using sqlite_mixed_rows = fixture<sqlite_backend, key_type::integer, uplift::value_format::detect>;
using postgres_mixed_rows = fixture<postgres_backend, key_type::integer, uplift::value_format::detect>;

}  // namespace store_test

TYPE_TO_STRING_AS("memory, integer keys", store_test::memory_int);
TYPE_TO_STRING_AS("memory, text keys", store_test::memory_text);
TYPE_TO_STRING_AS("sqlite, integer keys", store_test::sqlite_int);
TYPE_TO_STRING_AS("sqlite, text keys", store_test::sqlite_text);
TYPE_TO_STRING_AS("postgres, integer keys", store_test::postgres_int);
TYPE_TO_STRING_AS("postgres, text keys", store_test::postgres_text);
TYPE_TO_STRING_AS("postgres distributed, integer keys", store_test::postgres_distributed_int);
TYPE_TO_STRING_AS("postgres distributed, text keys", store_test::postgres_distributed_text);
TYPE_TO_STRING_AS("sqlite, JSON rows in a TEXT column", store_test::sqlite_json_rows);
TYPE_TO_STRING_AS("postgres, JSON rows in a jsonb column", store_test::postgres_jsonb_rows);
TYPE_TO_STRING_AS("postgres, JSON rows in a text column", store_test::postgres_text_rows);
TYPE_TO_STRING_AS("sqlite, binary and JSON rows, some from before versioning, in one column", store_test::sqlite_mixed_rows);
TYPE_TO_STRING_AS("postgres, binary and JSON rows, some from before versioning, in one bytea column", store_test::postgres_mixed_rows);

/// Every store, with integer and text keys; PostgreSQL also with postgres_options::distributed.
#define STORE_TEST_ALL_STORES                                                                 \
  store_test::memory_int, store_test::memory_text, store_test::sqlite_int,                    \
      store_test::sqlite_text, store_test::postgres_int, store_test::postgres_text,           \
      store_test::postgres_distributed_int, store_test::postgres_distributed_text

/// The stores again with JSON rows (SQLite TEXT, PostgreSQL jsonb and text) and with a column of
/// both forms: the promises of the backfill that do not depend on a row's form.
#define STORE_TEST_JSON_ROWS                                                                  \
  store_test::sqlite_json_rows, store_test::postgres_jsonb_rows, store_test::postgres_text_rows, \
      store_test::sqlite_mixed_rows, store_test::postgres_mixed_rows

/// Declares the fixture `fx` of type F; ends the test when its store is not available (the
/// PostgreSQL server outside CI, reported as skipped).
#define STORE_TEST_FIXTURE(F, fx) \
  F fx;                           \
  if (!fx.available()) return
