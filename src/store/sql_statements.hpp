#pragma once
// What the SQL stores (SQLite and PostgreSQL) share: the text of every statement, written once
// as a template and rendered per dialect and table (sql_statements.cpp), and the readers of the
// job tables' rows.
//
// Templates name parameters ?1, ?2, ... (rendered as $1, $2, ... for PostgreSQL) and take
// {placeholders}: {t} the table, {k} its key column, {v} its value column, {ko} the key as it is
// ordered, {vr} the value as it is read, {vb} the value as bytes, {now_ms}/{now_s} the
// database's clock.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <uplift/store/store.hpp>

#include "rules.hpp"

namespace uplift::detail {

/// How the two databases spell what differs between them.
struct sql_dialect {
  char param;                      ///< parameter marker: '?' (SQLite ?N) or '$' (PostgreSQL $N)
  std::string_view now_ms;         ///< unix milliseconds now, database time
  std::string_view now_s;          ///< unix seconds now, database time
  std::string_view value_bytes;    ///< {vb}: the value column as bytes ({v} inside)
  std::string_view text_bytewise;  ///< the collation that orders text bytewise
  std::string_view for_update;     ///< locks the rows a SELECT reads until the transaction ends
  std::string_view for_share;      ///< as for_update, letting other for_share readers in
  std::string_view skip_locked;    ///< claim_range's row lock: other workers' ranges are skipped
  std::string_view serial_key;     ///< uplift_quarantine.id: a growing integer primary key
  std::string_view lock_tables;    ///< makes workers creating the job tables at once take turns
  std::string_view integer_key;    ///< create_table's key column, integer keys
  std::string_view text_key;       ///< create_table's key column, text keys
  std::string_view blob;           ///< create_table's value column
  std::string_view json_text;      ///< create_table's value column for value_format::json
  /// One row: how many columns uplift_backfill has (0: no such table) and whether job_key is one
  std::string_view job_table_layout;
};

inline constexpr sql_dialect sqlite_dialect{
    .param = '?',
    .now_ms = "CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER)",
    .now_s = "CAST(strftime('%s', 'now') AS INTEGER)",
    .value_bytes = "CAST({v} AS BLOB)",  // a value stored as TEXT compares as its bytes too
    .text_bytewise = "BINARY",
    .for_update = "",  // a write transaction locks the whole database
    .for_share = "",
    .skip_locked = "",
    .serial_key = "INTEGER PRIMARY KEY",
    .lock_tables = "",  // BEGIN IMMEDIATE already does
    .integer_key = "INTEGER",
    .text_key = "TEXT",
    .blob = "BLOB",  // no affinity: a detect column keeps each row's storage class
    .json_text = "TEXT",
    .job_table_layout =
        "SELECT count(*), coalesce(sum(name = 'job_key'), 0) FROM pragma_table_info('uplift_backfill')",
};

inline constexpr sql_dialect postgres_dialect{
    .param = '$',
    .now_ms = "CAST(extract(epoch FROM now()) * 1000 AS BIGINT)",
    .now_s = "CAST(extract(epoch FROM now()) AS BIGINT)",
    .value_bytes = "{v}",
    .text_bytewise = "\"C\"",
    .for_update = " FOR UPDATE",
    .for_share = " FOR SHARE",
    .skip_locked = " FOR UPDATE SKIP LOCKED",
    .serial_key = "BIGSERIAL PRIMARY KEY",
    // CREATE TABLE IF NOT EXISTS alone can fail when two sessions run it at once.
    .lock_tables = "SELECT pg_advisory_xact_lock(hashtext('uplift job tables'))",
    .integer_key = "bigint",
    .text_key = "text COLLATE \"C\"",
    .blob = "bytea",
    .json_text = "jsonb",
    .job_table_layout =
        "SELECT count(*), count(*) FILTER (WHERE attname = 'job_key') FROM pg_attribute "
        "WHERE attrelid = to_regclass('uplift_backfill') AND attnum > 0 AND NOT attisdropped",
};

/// A placeholder's value for render().
struct sql_var {
  std::string_view name;
  std::string_view value;
};

/// Renders a template: {name} becomes its value (values are rendered too, so they may hold
/// placeholders and parameters), ?N becomes the dialect's parameter N.
std::string render(std::string_view tpl, const sql_dialect& d,
                   std::initializer_list<sql_var> vars);

/// The index of a range's statement variant: which bounds it has.
inline std::size_t bounds_variant(bool after, bool upto) noexcept {
  return (after ? 1u : 0u) | (upto ? 2u : 0u);
}

/// What the SQL of a value column works on: bytes (SQLite, whatever each row's storage class;
/// PostgreSQL bytea), or one of PostgreSQL's text types, whose values travel as text.
enum class sql_value_type : std::uint8_t { bytes, jsonb, json, text };

/// The column's type as PostgreSQL's format_type() names it: "bytea", "jsonb", "json", "text".
constexpr std::string_view to_string(sql_value_type t) noexcept {
  switch (t) {
    case sql_value_type::bytes: return "bytea";
    case sql_value_type::jsonb: return "jsonb";
    case sql_value_type::json: return "json";
    case sql_value_type::text: return "text";
  }
  return "bytea";
}

/// The value column `v` as read (scan, get): its bytes; a jsonb or json value as its text.
std::string value_read(sql_value_type t, std::string_view v);
/// The condition "the value column `v` still holds `expected`" (a parameter or column holding
/// the value read): the same bytes; a jsonb value the same content (PostgreSQL's jsonb equality).
std::string value_holds(const sql_dialect& d, sql_value_type t, std::string_view v,
                        std::string_view expected);
/// `param` (bytes, or text for a text type) as a value of the column.
std::string value_of(sql_value_type t, std::string_view param);

/// The statements on the application's table.
struct table_statements {
  std::string scan[4];   ///< by bounds_variant: the range's bounds, then the row limit
  /// scan, then the version key and the version as text: a row whose key holds that integer
  /// has a NULL value (store::scan_skipping); "" when the column's SQL cannot tell cheaply.
  std::string scan_skipping[4];
  std::string count[4];  ///< by bounds_variant
  std::string step[4];   ///< by bounds_variant, then the offset: split's walk
  std::string get, write_if, put, erase, max_key, count_by_prefix, create_table, drop_table;
  /// ?1 the key, ?2 the value: inserted when no row has the key, else nothing (a copy's chunk).
  std::string insert_absent;
  /// ?1 the key: rows (kind, version, rows) of json_version_count's kind as a number; "" when
  /// the column cannot be counted by the database's JSON functions.
  std::string count_by_json_version;
};

/// Renders the table's statements. `key_order` is the collation the key is ordered by ("" for
/// the column's own, which must then order as compare_keys does); `value` what the value column
/// is.
table_statements make_table_statements(const table_spec& spec, const sql_dialect& d,
                                       std::string_view key_order,
                                       sql_value_type value = sql_value_type::bytes);

/// The columns of a range row, in the order read_range reads them.
inline constexpr std::string_view range_columns =
    "id, after_key, upto_key, cursor_key, done, owner, lease_until_ms, "
    "scanned, upgraded, already_current, conflicts, quarantined";

/// What a quarantine row does when the job quarantined its key before: it takes the new error.
inline constexpr std::string_view quarantine_on_conflict =
    "ON CONFLICT (job, \"key\") DO UPDATE SET stored_version = excluded.stored_version, "
    "error = excluded.error, at = excluded.at";

/// The statements on the job tables (the same for every table).
struct job_statements {
  std::string lock_tables;  ///< run before create_tables, in their transaction ("" for none)
  std::string create_tables[3];
  std::string layout;             ///< the dialect's job_table_layout
  std::string upgrade_layout[6];  ///< from the first edition's layout, after `layout` says so
  std::string load_job, list_jobs, insert_job, insert_range, list_ranges, set_status;
  std::string claim, release, held, quarantine, progress, finish_job;
  /// claim, passing over the range ids listed in ?4 ("3,7": ids joined by commas).
  std::string claim_except;
  std::string list_quarantine_of_job, list_quarantine_of_table, drop_done_job, drop_ranges;
};

/// Renders the job tables' statements. In `progress`, {applied} and {missed} are added to the
/// upgraded and conflicts counters and {held} to the condition: PostgreSQL counts the applied
/// writes of the same statement there.
job_statements make_job_statements(const sql_dialect& d, std::string_view applied = {},
                                   std::string_view missed = {}, std::string_view held = {});

/// The statements on the knob tables (uplift_knob, uplift_knob_nodes, uplift_knob_log).
struct knob_statements {
  std::string lock_tables;  ///< run before create_tables, in their transaction ("" for none)
  std::string create_tables[3];
  std::string add_row;      ///< ?1 record: its knob row, when it has none
  std::string lock_row;     ///< ?1 record: the knob row, held until the transaction ends
  std::string share_row;    ///< ?1 record: the knob row, held against flips until it ends
  std::string load, list, nodes, upsert_node, prune_nodes, leave, flip, log, list_log;
};

/// Renders the knob tables' statements. Knob rows read as (record, write_version,
/// previous_version, revision, changed_at_ms); nodes as knob_node's members in order, `live` last;
/// log rows as knob_flip's.
knob_statements make_knob_statements(const sql_dialect& d);

/// The statements of copy jobs: the capture on a source table (`job` is the job's key), its
/// route, and the copy job table of a target database.
struct copy_statements {
  std::vector<std::string> create_capture;  ///< uplift_capture and its index
  std::vector<std::string> install_capture; ///< the triggers (IF NOT EXISTS)
  std::vector<std::string> remove_capture;  ///< drops the triggers; then delete_capture
  std::string delete_capture;               ///< ?1 job: its log entries
  std::string has_capture;                  ///< one row: how many of the job's triggers exist
  std::string capture_table_lookup;         ///< one row when uplift_capture exists
  std::string read_capture;                 ///< ?1 job, ?2 n: (id, key, at_ms) oldest first
  /// read_capture, then ?3 parts and ?4 part: the entries of the keys whose hash falls in the
  /// part ("" where the store does not split its log: SQLite).
  std::string read_capture_part;
  /// ?1 job, ?2 .. the ids of consume_ids entries (0 for none: ids start at 1).
  std::string consume;
  static constexpr std::size_t consume_ids = 100;
  std::string backlog;                      ///< ?1 job: (entries, oldest at_ms, now_ms)
  std::vector<std::string> route;           ///< uplift_routes, the refusing triggers, then:
  std::string set_route;                    ///< ?1 table, ?2 moved_to, ?3 job
  std::string bypass_route;                 ///< ?1 table, ?2 1 or 0: the refusal passed or not
  std::string routes_table_lookup;          ///< one row when uplift_routes exists
  std::string get_route;                    ///< ?1 table: moved_to
  std::string rename_old, rename_new;       ///< the table to its old name; the new one to it
  std::string source_check;                 ///< (columns, the key column's pk, pk columns)
  std::string create_copy;                  ///< uplift_copy
  std::string insert_copy, load_copy, chunk_progress, changes_progress, set_phase;
  std::string list_copies;       ///< every job, oldest first (columns as load_copy's)
  std::string set_verification;  ///< ?1 job key, ?2 rows, ?3 mismatches, ?4 pending
  std::string copy_table_lookup; ///< one row when uplift_copy exists
  // The maintenance cut-over, in the target database: the keys whose last changes are still
  // being applied (uplift_maintenance), refused to writers by triggers and to readers by the
  // store's probes.
  std::string create_maintenance;  ///< uplift_maintenance
  std::string maintenance_lookup;  ///< one row when uplift_maintenance exists
  std::vector<std::string> refuse_maintenance;  ///< the refusing triggers
  std::vector<std::string> allow_maintenance;   ///< drops them
  std::string list_maintenance;    ///< ?1 table, ?2 n: keys
  std::string clear_maintenance;   ///< ?1 table
  /// ?1 table, ?2 key: (the key is in maintenance, a copy job into the table is not cut over yet)
  std::string probe_key;
  /// ?1 table: one row when a copy job into the table is not cut over yet
  std::string copy_active;
};

/// The text of the refusal of a key in maintenance, and what the stores look for in their error
/// messages to call a failure errc::key_in_maintenance.
inline constexpr std::string_view key_in_maintenance_words = "uplift: this key is in maintenance";

/// The text of the refusal of a routed table's triggers, and what the stores look for in their
/// error messages to call a failure errc::table_moved.
inline constexpr std::string_view table_moved_words = "uplift: this table was moved";

/// The statements (without parameters, one per 500 keys) that put `keys` of the table `spec` in
/// maintenance for copy job `job` (its key), or (empty job) take them out of it.
std::vector<std::string> maintenance_sql(const table_spec& spec, const sql_dialect& d,
                                         std::string_view job, const std::vector<row_key>& keys);

/// Renders the copy statements for the table `spec` (a source's or a target's), the job `job`
/// (its key, for the capture; empty for a target), and `moved_to` (the route's words) and
/// `new_table`/`old_table` (a rename).
copy_statements make_copy_statements(const table_spec& spec, const sql_dialect& d,
                                     std::string_view job, std::string_view moved_to = {},
                                     std::string_view new_table = {},
                                     std::string_view old_table = {});

/// A transaction on a SQL store: `begin` runs the store's BEGIN statement, `commit` COMMIT; it
/// is rolled back when it ends without commit (an early return on a failure). The store gives it
/// `exec_sql(sql, doing)`.
template <class Store>
class sql_transaction {
 public:
  sql_transaction(Store& s, std::string begin_sql) : s_(s), begin_(std::move(begin_sql)) {}
  sql_transaction(const sql_transaction&) = delete;
  sql_transaction& operator=(const sql_transaction&) = delete;
  ~sql_transaction() {
    if (open_) (void)s_.exec_sql(std::string("ROLLBACK"), "rolling back");
  }
  /// Inside a transaction the connection is in already (store::begin_exclusive), begin and
  /// commit do nothing: the statements run in that one, which commits or rolls back as a whole.
  status begin(std::string_view doing) {
    if (s_.in_transaction()) return {};
    auto st = s_.exec_sql(begin_, doing);
    open_ = bool(st);
    return st;
  }
  status commit(std::string_view doing) {
    if (!open_) return {};
    auto st = s_.exec_sql(std::string("COMMIT"), doing);
    open_ = !st;
    return st;
  }
  /// Marks the transaction begun by a BEGIN the store sent itself, with other statements in one
  /// round trip: it is rolled back at its end unless committed.
  void begun() noexcept { open_ = true; }
  /// Marks the transaction committed by a COMMIT the store sent itself.
  void committed() noexcept { open_ = false; }

 private:
  Store& s_;
  std::string begin_;
  bool open_ = false;
};

// ---- reading the job tables' rows --------------------------------------------------------------
// A Row has is_null(i), i64(i), text(i) (a string_view) and boolean(i) for column i.

template <class Row>
backfill_counters read_counters(const Row& row, int first) {
  auto u = [&](int i) { return static_cast<std::uint64_t>(row.i64(first + i)); };
  return {u(0), u(1), u(2), u(3), u(4)};
}

template <class Row>
std::optional<std::string_view> nullable_text(const Row& row, int i) {
  if (row.is_null(i)) return std::nullopt;
  return row.text(i);
}

/// A row of load_job / list_jobs.
template <class Row>
result<stored_job> read_job(const Row& row) {
  stored_job out;
  job_record& rec = out.record;
  rec.spec.name = std::string(row.text(0));
  rec.spec.record = std::string(row.text(1));
  rec.spec.type_id = static_cast<std::uint32_t>(row.i64(2));
  rec.spec.target_version = static_cast<std::uint16_t>(row.i64(3));
  out.table = std::string(row.text(4));
  out.key = row.text(5) == key_type_name(key_type::text) ? key_type::text : key_type::integer;
  const std::optional<job_status> st = job_status_from(row.text(6));
  if (!st)
    return store_failure("reading backfill job \"" + rec.spec.name + "\"",
                         "uplift_backfill.status holds \"" + std::string(row.text(6)) +
                             "\"; set it to one of running, paused, done, failed, cancelled");
  rec.status = *st;
  rec.total_rows = static_cast<std::uint64_t>(row.i64(7));
  rec.error = std::string(row.text(8));
  rec.created_at = row.i64(9);
  rec.updated_at = row.i64(10);
  rec.ranges = static_cast<std::size_t>(row.i64(11));
  rec.ranges_done = static_cast<std::size_t>(row.i64(12));
  rec.counters = read_counters(row, 13);
  return out;
}

/// A row of range_columns.
template <class Row>
result<range_record> read_range(const Row& row, key_type key) {
  range_record out;
  out.id = row.i64(0);
  auto after = optional_key_from_text(nullable_text(row, 1), key);
  auto upto = optional_key_from_text(nullable_text(row, 2), key);
  auto cursor = optional_key_from_text(nullable_text(row, 3), key);
  if (!after) return std::move(after).error();
  if (!upto) return std::move(upto).error();
  if (!cursor) return std::move(cursor).error();
  out.range = key_range{std::move(*after), std::move(*upto)};
  out.cursor = std::move(*cursor);
  out.done = row.boolean(4);
  out.owner = std::string(row.text(5));
  out.lease_until_ms = row.i64(6);
  out.counters = read_counters(row, 7);
  return out;
}

/// A row of the list_quarantine statements.
template <class Row>
result<quarantined_row> read_quarantined(const Row& row, key_type key) {
  auto k = key_from_text(row.text(0), key);
  if (!k) return std::move(k).error();
  return quarantined_row{std::move(*k), static_cast<std::uint16_t>(row.i64(1)),
                         std::string(row.text(2)), row.i64(3)};
}

/// A key bound as job-table text, or nothing.
inline std::optional<std::string> key_text(const std::optional<row_key>& k) {
  if (!k) return std::nullopt;
  return key_to_string(*k);
}

}  // namespace uplift::detail
