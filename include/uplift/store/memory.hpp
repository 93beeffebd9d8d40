#pragma once
/// uplift::memory_store: a table and its backfill jobs held in memory, behaving as the database
/// stores do. For tests and examples, and the reference of the store interface. Link
/// `uplift::runtime`.
///
///     uplift::memory_store users({.table = "users"});
///     (void)users.put(std::int64_t{1}, record_bytes);
///     auto worker = users.connect().value();  // the same table, for another thread

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

/// A store held in memory. Values are bytes, whatever their form (conditional_write::format and
/// table_spec::format change nothing here). Its "database" holds tables (each ordered by compare_keys) and the
/// job tables, with the databases' semantics (leases by the system clock). The database is
/// shared, behind one mutex, between a store and the stores `connect()` and `with_table()`
/// return (and copies), so several threads can work on one table; it ends with the last store
/// that shares it.
class memory_store final : public store {
 public:
  /// A new database with an empty table named by `spec` (and empty job tables, which
  /// ensure_job_tables "creates").
  explicit memory_store(table_spec spec = {.table = "memory"});

  const table_spec& spec() const noexcept override { return spec_; }
  /// Another store on the same rows and jobs.
  result<memory_store> connect() const { return memory_store(*this); }
  /// A store on another table of the same database (the same job tables).
  memory_store with_table(table_spec spec) const;

  // ---- rows ----
  result<std::vector<stored_row>> scan(const key_range& r, std::size_t n) override;
  result<std::optional<std::string>> get(const row_key& k) override;
  result<bool> write_if(const conditional_write& w) override;
  result<std::vector<prefix_count>> count_by_prefix(std::size_t n) override;
  /// nullopt: memory has no JSON functions (the caller reads every row).
  result<std::optional<std::vector<json_version_count>>> count_by_json_version(
      std::string_view key) override;
  result<std::uint64_t> count(const key_range& r) override;
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
  /// Waits for a flip through any store of this database since this store's last wait.
  result<bool> wait_for_knob(std::chrono::milliseconds timeout) override;

  // ---- the application's own writes (not part of the store interface) ----
  /// Creates the table: a no-op in memory, where the table exists from the start.
  status create_table() { return {}; }
  /// Empties the table (a memory table exists as long as its database).
  status drop_table();
  /// Inserts or overwrites a row.
  status put(const row_key& k, std::string_view value);
  /// Inserts or overwrites many rows at once.
  status put_many(const std::vector<stored_row>& rows);
  /// Deletes a row (nothing when there is none).
  status erase(const row_key& k);

  // ---- faults, for tests ----
  /// The next n commit_batch calls (through any connected store) fail with errc::store_error
  /// and apply nothing.
  void fail_next_commits(int n);
  /// The next n commit_batch calls apply, then fail with errc::store_error as if the reply had
  /// been lost on its way back (a connection that broke after the COMMIT).
  void lose_next_commit_replies(int n);
  /// The next n scan calls fail with errc::store_error.
  void fail_next_scans(int n);

 private:
  struct database;  // the tables, the job tables and the injected faults (memory.cpp)

  result<std::unique_ptr<store>> connect_store() const override {
    return std::unique_ptr<store>(new memory_store(*this));
  }
  std::string what(std::string_view doing) const;

  table_spec spec_;
  std::shared_ptr<database> db_;
  std::uint64_t flips_seen_ = 0;  ///< the database's flips at this store's last wait_for_knob
};

}  // namespace uplift
