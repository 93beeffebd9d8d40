#pragma once
/// uplift::postgres_store: a table on a PostgreSQL server, through libpq. Link `uplift::postgres`
/// (a compiled library over libpq; this header does not include <libpq-fe.h>).
///
///     uplift::table_spec users{.table = "app.users", .value_column = "record"};
///     auto db = uplift::postgres_store::open("postgresql://app@db.internal/app", users);
///     if (!db) return fail(db.error().message());
///     auto rows = db->scan({}, 1000);
///
/// Parameters and results travel in binary format (bytea values are never hex-escaped; a jsonb,
/// json or text value travels as its text, a jsonb one read as `v::text`) through
/// statements prepared once per connection. A batch of the backfill is one statement and one
/// round trip: its conditional writes are one `UPDATE ... FROM unnest(keys, old values, new
/// values)` joined on the key and filtered on the old value, in the same statement as the
/// quarantine rows and the range's progress; the range's last batch adds two statements in the
/// same transaction to finish the job. Workers on several machines share a job by claiming ranges
/// with `FOR UPDATE SKIP LOCKED`; leases are in database time (`now()`).
///
/// Text keys are ordered bytewise (`COLLATE "C"`), as compare_keys orders them. A key column
/// whose own collation is bytewise ("C" or "POSIX", or the default in a database created with
/// that locale) is used as it is; any other is ordered with COLLATE "C", which its primary-key
/// index cannot serve: give such a table `CREATE INDEX ON t (k COLLATE "C")`, or scans sort.
///
/// With postgres_options::distributed, for a table Citus distributes by its key column, no
/// statement joins the table with arrays or writes it in the same statement as the job tables:
/// commit_batch runs each conditional write as its own `UPDATE ... WHERE k = $1`, which Citus
/// routes to the shard of that key, in one transaction with the range's lock and progress, all
/// sent in libpq's pipeline mode (two round trips a batch); put_many inserts row by row the same
/// way. docs/STORES.md ("Citus") says where each statement runs and where the job tables go.

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

/// How postgres_store opens its connections.
struct postgres_options {
  /// The application_name the server shows for uplift's connections (pg_stat_activity), unless
  /// the connection string sets one.
  std::string application_name = "uplift";
  /// The table is distributed (Citus, by its key column): every statement on it is then one
  /// that Citus routes to the shard of one key (`WHERE k = $1`) or runs as a plain query over
  /// all shards (the range scans and counts), and none writes the job tables with it.
  /// commit_batch sends each conditional write as its own UPDATE and put_many each row as its own
  /// INSERT, pipelined, each in one transaction: the same results, at 59-67% of the rows/s of a
  /// plain batched UPDATE on one server (docs/STORES.md, "Citus").
  bool distributed = false;
};

/// A table on a PostgreSQL server, and the backfill job tables next to it (in the connection's
/// search_path). One connection: use it from one thread at a time and `connect()` another for
/// another thread or process. A movable value; a store moved from may only be assigned to or
/// destroyed.
class postgres_store final : public store {
 public:
  /// Connects with `conninfo` (a libpq connection string, "host=... dbname=...", or a URL,
  /// "postgresql://user@host/db") for the table `spec`, and reads the value column's type:
  /// bytea holds any `spec.format`; jsonb, json and text hold value_format::json only (another
  /// format is refused, saying what to set). A table that does not exist yet is taken as
  /// create_table makes it. The table itself is not touched: see create_table.
  static result<postgres_store> open(std::string conninfo, table_spec spec,
                                     postgres_options options = {});

  postgres_store(postgres_store&&) noexcept;
  postgres_store& operator=(postgres_store&&) noexcept;
  ~postgres_store() override;

  /// Another connection to the same server and table.
  result<postgres_store> connect() const;

  const table_spec& spec() const noexcept override;

  // ---- rows ----
  result<std::vector<stored_row>> scan(const key_range& r, std::size_t n) override;
  /// On a jsonb column, the rows whose `json_key` holds `version` come back as keys alone.
  result<std::vector<stored_row>> scan_skipping(const key_range& r, std::size_t n,
                                                std::string_view json_key,
                                                std::uint16_t version) override;
  result<std::optional<std::string>> get(const row_key& k) override;
  result<bool> write_if(const conditional_write& w) override;
  result<std::vector<prefix_count>> count_by_prefix(std::size_t n) override;
  /// A jsonb column: counted with ->, jsonb_typeof and ->>. nullopt for a json, text or bytea
  /// column holding JSON (docs/STORES.md, "JSON columns", says why); empty for a binary column.
  result<std::optional<std::vector<json_version_count>>> count_by_json_version(
      std::string_view key) override;
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
  /// One statement for the writes, the quarantine rows and the range's progress (see the top of
  /// this file); the range's last batch runs it in a transaction that then locks the job row and,
  /// in a statement that sees every commit before it, marks the job done when no range is left.
  /// With postgres_options::distributed, a transaction of statements Citus routes instead.
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
  /// LISTEN uplift_knob on this connection (at its first call), then waits on its socket: true
  /// when a notification came (a flip of any record's knob committed since the last wait).
  /// SET lock_timeout on this connection, and again after each reconnect.
  status set_lock_timeout(std::chrono::milliseconds timeout) override;
  result<bool> wait_for_knob(std::chrono::milliseconds timeout) override;


  /// One SELECT ... WHERE key = ANY($1).
  result<std::vector<stored_row>> get_many(const std::vector<row_key>& keys) override;

  // ---- copy jobs ----
  /// pg_index: the table exists and the key column is its one primary key column.
  status check_copy_source() override;
  /// host:port/database of the session.
  std::string database_id() const override;
  /// Another table on this connection (it shares this connection's transactions).
  result<std::unique_ptr<store>> sibling(const table_spec& table) const override;
  /// A trigger function per job (AFTER INSERT OR UPDATE OR DELETE, FOR EACH ROW) logging the key.
  status install_capture(std::string_view job) override;
  result<bool> has_capture(std::string_view job) override;
  status remove_capture(std::string_view job) override;
  result<std::vector<capture_entry>> read_capture(std::string_view job, std::size_t n,
                                                  std::size_t part = 0,
                                                  std::size_t parts = 1) override;
  result<std::uint64_t> consume_capture(std::string_view job,
                                        const std::vector<std::int64_t>& ids) override;
  result<capture_backlog> backlog(std::string_view job) override;
  /// LOCK TABLE ... IN EXCLUSIVE MODE with lock_timeout `wait`: writers wait, readers go on.
  status begin_exclusive(std::chrono::milliseconds wait) override;
  status end_exclusive(bool commit) override;
  status swap_by_rename(std::string_view job, std::string_view new_table,
                        std::string_view old_name) override;
  /// A BEFORE trigger that raises on every insert, update and delete of the table: the writer's
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
  /// CREATE TABLE IF NOT EXISTS: the key column (text keys COLLATE "C") as primary key and the
  /// value column: jsonb for value_format::json, else bytea. (A json or text column: create the
  /// table yourself, then open the store.)
  status create_table();
  /// DROP TABLE IF EXISTS: the table and every row in it, for demos and tests; and its route (a
  /// copy job's cut-over) and keys in maintenance, so that a table made again by that name is new.
  status drop_table();
  /// Inserts or overwrites a row.
  status put(const row_key& k, std::string_view value);
  /// Inserts or overwrites many rows (with distinct keys) in one transaction: 10000 rows to an
  /// INSERT ... SELECT FROM unnest; on a distributed table, an INSERT per row, pipelined.
  status put_many(const std::vector<stored_row>& rows);
  /// Deletes a row (nothing when there is none).
  status erase(const row_key& k);

 private:
  struct impl;  // the connection, its prepared statements and the SQL (postgres.cpp)
  explicit postgres_store(std::unique_ptr<impl> i) noexcept;
  result<std::unique_ptr<store>> connect_store() const override;

  std::unique_ptr<impl> impl_;
};

}  // namespace uplift
