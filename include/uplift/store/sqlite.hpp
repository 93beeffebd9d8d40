#pragma once
/// uplift::sqlite_store: a table in an SQLite database file, the embedded default store.
/// Link `uplift::sqlite` (a compiled library over libsqlite3, 3.35 or newer; this header does not
/// include <sqlite3.h>).
///
///     uplift::table_spec users{.table = "users", .key_column = "id", .value_column = "record"};
///     auto db = uplift::sqlite_store::open("app.db", users);
///     if (!db) return fail(db.error().message());
///     auto rows = db->scan({}, 1000);
///
/// The database runs in WAL mode, so readers never wait for the writer; every write that spans
/// statements is one `BEGIN IMMEDIATE` transaction, and a connection waits up to
/// `sqlite_options::busy_timeout` for another connection's write transaction. Values are read
/// as their bytes, TEXT or BLOB alike (they may hold NUL bytes), and compared as bytes; a JSON
/// value is written as TEXT, a binary one as a BLOB (conditional_write::format; `put` goes by
/// `format_of(spec.format, value)`), so a detect column keeps each row's form. Text keys are ordered with the BINARY collation (bytewise, as compare_keys).
/// Statements are prepared once per connection and kept.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store.hpp"

namespace uplift {

/// How sqlite_store opens its connections.
struct sqlite_options {
  /// How long a write waits for another connection's write transaction before it fails with
  /// "database is locked".
  std::chrono::milliseconds busy_timeout{5000};
  /// Creates the database file when it does not exist. Off: a missing file is an error (what a
  /// command that only looks, such as `uplift stats`, wants).
  bool create = true;
  /// The page cache of each connection, in KiB (PRAGMA cache_size). A backfill batch reads its
  /// rows and then writes them: with a cache that holds a whole batch (SQLite's default is
  /// 2 MiB), the write finds the pages the read brought in. 0: SQLite's default.
  std::size_t cache_kib = 16 * 1024;
};

/// A table in an SQLite database, and the backfill job tables next to it. One connection: use
/// it from one thread at a time and `connect()` another for another thread. A movable value; a
/// store moved from may only be assigned to or destroyed.
class sqlite_store final : public store {
 public:
  /// Opens (creating it when missing) the database at `path` in WAL mode, for the table `spec`.
  /// The table itself is not touched: see create_table.
  static result<sqlite_store> open(std::string path, table_spec spec, sqlite_options options = {});

  sqlite_store(sqlite_store&&) noexcept;
  sqlite_store& operator=(sqlite_store&&) noexcept;
  ~sqlite_store() override;

  /// The database file's path.
  const std::string& path() const noexcept;
  /// Another connection to the same file. An in-memory database (":memory:") is private to its
  /// connection and cannot be shared: open a file.
  result<sqlite_store> connect() const;

  const table_spec& spec() const noexcept override;
  /// One write transaction at a time per database: a backfill's workers in one process take
  /// turns at committing instead of waking late from SQLite's busy handler.
  bool single_writer() const noexcept override { return true; }

  // ---- rows ----
  result<std::vector<stored_row>> scan(const key_range& r, std::size_t n) override;
  result<std::optional<std::string>> get(const row_key& k) override;
  result<bool> write_if(const conditional_write& w) override;
  result<std::vector<prefix_count>> count_by_prefix(std::size_t n) override;
  /// json_valid, json_type and json_extract over the rows (see docs/STORES.md, "JSON columns",
  /// for the few documents SQLite reads more leniently than the rule); empty for a binary column.
  result<std::optional<std::vector<json_version_count>>> count_by_json_version(
      std::string_view key) override;
  /// False: SQLite's JSON functions parse every document in this process, where reading a row
  /// whose version key leads needs no parse at all (uplift::histogram reads the rows).
  bool counts_json_in_database() const noexcept override { return false; }
  result<std::uint64_t> count(const key_range& r) override;
  /// Counts the rows, then walks the key index with LIMIT 1 OFFSET steps from one part's last
  /// key to the next: one pass over the range's keys, no sort, no temporary table.
  result<std::vector<key_range>> split(const key_range& r, std::size_t n) override;
  result<std::optional<row_key>> max_key() override;

  // ---- backfill jobs ----
  status ensure_job_tables() override;
  result<bool> has_job_tables() override;
  result<job_record> open_job(const job_spec& spec, const std::vector<key_range>& ranges,
                              std::uint64_t total_rows) override;
  result<std::optional<job_record>> load_job(const std::string& name) override;
  result<std::vector<job_record>> list_jobs() override;
  result<std::vector<range_record>> list_ranges(const std::string& name) override;
  status set_job_status(const std::string& name, job_status st,
                        const std::string& error_text) override;
  result<std::optional<range_record>> claim_range(const std::string& name, std::string_view owner,
                                                  std::chrono::milliseconds lease) override;
  result<std::optional<range_record>> claim_range_except(
      const std::string& name, std::string_view owner, std::chrono::milliseconds lease,
      const std::vector<std::int64_t>& skip) override;
  status release_range(const std::string& name, std::int64_t range_id,
                       std::string_view owner) override;
  /// One BEGIN IMMEDIATE transaction: checks that `owner` holds the range, runs each conditional
  /// write, the quarantine rows, the range's progress and, for its last batch, the job's; any
  /// failure rolls all of it back.
  result<batch_result> commit_batch(const batch_commit& b) override;
  result<std::vector<quarantined_row>> list_quarantine(const std::string& name,
                                                       std::size_t n) override;
  result<bool> drop_done_job(const std::string& name) override;

  // ---- the write-version knob ----
  status ensure_knob_tables() override;
  result<bool> has_knob_tables() override;
  result<std::vector<knob_setting>> list_knobs() override;
  result<knob_setting> load_knob(std::string_view record) override;
  result<std::vector<knob_node>> list_knob_nodes(std::string_view record) override;
  result<knob_flip> flip_knob(std::string_view record, const knob_decision& decide) override;
  result<knob_setting> heartbeat_knob(const knob_node& me,
                                      std::chrono::milliseconds lease) override;
  status leave_knob(std::string_view record, std::string_view node) override;
  result<std::vector<knob_flip>> knob_log(std::string_view record, std::size_t n) override;
  /// Checks PRAGMA data_version every 5 ms: true once another connection committed to the
  /// database since this connection's last wait (a flip among them, or any other write).
  result<bool> wait_for_knob(std::chrono::milliseconds timeout) override;


  // ---- copy jobs ----
  /// pragma_table_info: the table exists and the key column is its one primary key column.
  status check_copy_source() override;
  /// The database file's full path.
  std::string database_id() const override;
  /// Another table on this connection (it shares this connection's transactions).
  result<std::unique_ptr<store>> sibling(const table_spec& table) const override;
  status install_capture(std::string_view job) override;
  result<bool> has_capture(std::string_view job) override;
  status remove_capture(std::string_view job) override;
  result<std::vector<capture_entry>> read_capture(std::string_view job, std::size_t n,
                                                  std::size_t part = 0,
                                                  std::size_t parts = 1) override;
  result<std::uint64_t> consume_capture(std::string_view job,
                                        const std::vector<std::int64_t>& ids) override;
  result<capture_backlog> backlog(std::string_view job) override;
  /// BEGIN IMMEDIATE: the database's one write lock, held until end_exclusive.
  status begin_exclusive(std::chrono::milliseconds wait) override;
  status end_exclusive(bool commit) override;
  status swap_by_rename(std::string_view job, std::string_view new_table,
                        std::string_view old_name) override;
  /// Triggers that RAISE(ABORT) on every insert, update and delete of the table: the writer's
  /// statement fails with errc::table_moved and writes nothing.
  status swap_by_route(std::string_view job, std::string_view where) override;
  result<std::optional<std::string>> route() override;
  status ensure_copy_tables() override;
  result<std::optional<copy_record>> load_copy(std::string_view name) override;
  result<copy_record> open_copy(const copy_record& fresh) override;
  status commit_copy_chunk(const copy_chunk& chunk) override;
  status apply_copy_changes(const copy_changes& changes) override;
  status set_copy_phase(std::string_view name, std::string_view phase,
                        std::string_view error_text) override;
  result<std::vector<quarantined_row>> list_copy_quarantine(std::string_view name,
                                                            std::size_t n) override;
  status prepare_maintenance() override;
  status begin_maintenance(std::string_view name, const std::vector<row_key>& keys) override;
  result<std::vector<row_key>> maintenance_keys(std::size_t n) override;
  status end_maintenance(std::string_view name, std::string_view phase) override;
  result<std::vector<copy_record>> list_copy_jobs() override;
  status set_copy_verification(std::string_view name, std::uint64_t rows, std::uint64_t mismatches,
                               std::uint64_t pending) override;

  // ---- the application's own writes (not part of the store interface) ----
  /// CREATE TABLE IF NOT EXISTS: the key column as primary key and the value column: TEXT for
  /// value_format::json, else BLOB (no affinity: a detect column keeps TEXT and BLOB rows apart).
  status create_table();
  /// DROP TABLE IF EXISTS: the table and every row in it, for demos and tests; and its route (a
  /// copy job's cut-over) and keys in maintenance, so that a table made again by that name is new.
  status drop_table();
  /// Inserts or overwrites a row: TEXT when `format_of(spec.format, value)` is JSON, else a BLOB.
  status put(const row_key& k, std::string_view value);
  /// Inserts or overwrites many rows (with distinct keys) in one transaction, each as `put` does.
  status put_many(const std::vector<stored_row>& rows);
  /// Deletes a row (nothing when there is none).
  status erase(const row_key& k);

 private:
  struct impl;  // the connection, its statements and the SQL (sqlite.cpp)
  explicit sqlite_store(std::unique_ptr<impl> i) noexcept;
  result<std::unique_ptr<store>> connect_store() const override;

  std::unique_ptr<impl> impl_;
};

}  // namespace uplift
