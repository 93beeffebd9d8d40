#pragma once
/// Stores: the tables that hold records, and the state of the backfill jobs that rewrite them,
/// behind one small interface, `uplift::store`. Adapters: `memory_store` (tests), `sqlite_store`
/// (the embedded default), `postgres_store` (the server that scales out), compiled in the runtime
/// libraries.
///
///     uplift::table_spec users{.table = "users", .key_column = "id", .value_column = "record"};
///     auto db = uplift::sqlite_store::open("app.db", users).value();
///     auto rows = db.scan({}, 1000);          // the first 1000 rows in key order
///
/// A store object is one connection: use it from one thread at a time, and `connect()` another
/// for another thread. Every call returns a result; a database failure is errc::store_error with
/// the database's own words in the detail.
///
/// The backfill never overwrites a row blindly: every write it makes is conditional on the row
/// still holding exactly the bytes it read (`conditional_write`), so a live write always wins.

#include <chrono>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "../error.hpp"
#include "../format.hpp"

namespace uplift {

/// A row's key: an integer or a text key column.
using row_key = std::variant<std::int64_t, std::string>;

/// The key column's type.
enum class key_type : std::uint8_t {
  integer,  ///< a 64-bit integer column (SQLite INTEGER, PostgreSQL bigint/int)
  text,     ///< a text column, ordered bytewise (SQLite's BINARY collation, PostgreSQL "C")
};

/// Which table holds the records, and in which columns. Names are quoted as identifiers by the
/// adapters; `table` may be schema-qualified on PostgreSQL (`app.users`).
struct table_spec {
  std::string table;                  ///< the table the application reads and writes
  std::string key_column = "id";      ///< its primary key (unique, ordered)
  /// The records: SQLite BLOB or TEXT; PostgreSQL bytea, jsonb, json or text (docs/STORES.md).
  std::string value_column = "value";
  key_type key = key_type::integer;
  value_format format = value_format::binary;  ///< what the value column holds
};

/// A row as read: its key and its stored bytes (a JSON row: its text as the database holds it).
struct stored_row {
  row_key key;
  std::string value;
  /// True when the store saw that the row's version key holds the version scan_skipping asked
  /// for, and sent the key alone: `value` is empty.
  bool at_version = false;
};

/// The keys k with after < k <= upto; an absent bound is open.
struct key_range {
  std::optional<row_key> after{};
  std::optional<row_key> upto{};
};

/// Writes `value` to the row `key` only if the row still holds exactly `expected` (a row that is
/// gone or holds other bytes is left alone; a PostgreSQL jsonb row compares by content instead:
/// docs/STORES.md, "JSON columns"). Never an upsert: it cannot create a row.
struct conditional_write {
  row_key key;
  std::string expected;
  std::string value;
  row_format format = row_format::binary;  ///< the form of `value`
};

/// The number of rows whose value starts with `prefix` (the first n bytes, fewer when the value is
/// shorter): the histogram's fast path reads only the record headers.
struct prefix_count {
  std::string prefix;
  std::uint64_t rows = 0;
};

// ---- backfill jobs ---------------------------------------------------------------------------
// A job's state lives in the database, next to the rows, in three tables the adapters create:
// uplift_backfill (one row per job), uplift_backfill_ranges (the key ranges the job's scope was
// split into, each with its cursor, counters and lease) and uplift_quarantine (rows that could
// not be upgraded). A batch's writes, its range's cursor and counters, and its quarantine rows are
// committed in one transaction.

/// Rows of a JSON column (or the JSON rows of a detect column) counted by their version key.
struct json_version_count {
  enum class kind : std::uint8_t {
    version,      ///< the key holds an integer 1..65535: `version`
    untagged,     ///< a JSON object without the key (a document written before versioning)
    bad_version,  ///< the key holds anything else (a string, 0, a fraction, too large ...)
  };
  kind what = kind::version;
  std::uint16_t version = 0;
  std::uint64_t rows = 0;
};

/// What a job is: its name, the record type and the version it brings rows to.
struct job_spec {
  std::string name;                 ///< unique per table, e.g. "demo.User@v3"
  std::string record;               ///< the record descriptor's name, e.g. "demo.User"
  std::uint32_t type_id = 0;        ///< the record type id (the header's bytes 8..11)
  std::uint16_t target_version = 0; ///< rows below it are rewritten at it
};

enum class job_status : std::uint8_t {
  running,    ///< started and not finished (a worker may be on it, or it was killed)
  paused,     ///< paused by its owner
  done,       ///< every range finished
  failed,     ///< stopped by an error (see job_record::error)
  cancelled,  ///< cancelled; a new run resumes it
};

/// The words stored in the job table for each status: "running", "paused", ...
constexpr std::string_view to_string(job_status s) noexcept {
  switch (s) {
    case job_status::running: return "running";
    case job_status::paused: return "paused";
    case job_status::done: return "done";
    case job_status::failed: return "failed";
    case job_status::cancelled: return "cancelled";
  }
  return "unknown";
}
/// The status named by `s`, or nullopt.
constexpr std::optional<job_status> job_status_from(std::string_view s) noexcept {
  for (auto st : {job_status::running, job_status::paused, job_status::done, job_status::failed,
                  job_status::cancelled})
    if (to_string(st) == s) return st;
  return std::nullopt;
}

/// What a job (or one of its ranges) has done so far.
struct backfill_counters {
  std::uint64_t scanned = 0;          ///< rows looked at
  std::uint64_t upgraded = 0;         ///< rows rewritten at the target version
  std::uint64_t already_current = 0;  ///< rows at the target version (or newer) already
  std::uint64_t conflicts = 0;        ///< rows changed by the application between read and write
  std::uint64_t quarantined = 0;      ///< rows that failed to upgrade, left as they were

  backfill_counters& operator+=(const backfill_counters& o) noexcept {
    scanned += o.scanned;
    upgraded += o.upgraded;
    already_current += o.already_current;
    conflicts += o.conflicts;
    quarantined += o.quarantined;
    return *this;
  }
  /// What was counted since `o` (o is an earlier reading of the same counters).
  backfill_counters& operator-=(const backfill_counters& o) noexcept {
    scanned -= o.scanned;
    upgraded -= o.upgraded;
    already_current -= o.already_current;
    conflicts -= o.conflicts;
    quarantined -= o.quarantined;
    return *this;
  }
  friend bool operator==(const backfill_counters&, const backfill_counters&) = default;
};

/// A row of uplift_backfill, with its ranges' counters summed.
struct job_record {
  job_spec spec;
  job_status status = job_status::running;
  std::uint64_t total_rows = 0;   ///< rows in scope when the job was created (an estimate for ETA)
  backfill_counters counters;     ///< the sum over its ranges
  std::size_t ranges = 0;         ///< how many ranges
  std::size_t ranges_done = 0;    ///< how many are finished
  std::string error;              ///< why it failed, when it did
  std::int64_t created_at = 0;    ///< unix seconds
  std::int64_t updated_at = 0;    ///< unix seconds
};

/// A row of uplift_backfill_ranges: a part of a job's scope, worked by one worker at a time.
struct range_record {
  std::int64_t id = 0;             ///< 1..ranges within the job, in key order
  key_range range;                 ///< the scope of this part, fixed when the job was created
  std::optional<row_key> cursor;   ///< the last key whose batch is committed
  bool done = false;
  std::string owner;               ///< the worker holding the lease ("" when none)
  std::int64_t lease_until_ms = 0; ///< unix milliseconds (database time) when the lease expires
  backfill_counters counters;
};

/// A row the backfill could not upgrade: it stays as it was, and is listed here.
struct quarantined_row {
  row_key key;
  std::uint16_t stored_version = 0;  ///< from its header (0: the header itself is bad)
  std::string error;                 ///< the error's message()
  std::int64_t at = 0;               ///< unix seconds (database time) when it was quarantined
};

/// One batch of a backfill worker: committed all together or not at all.
struct batch_commit {
  std::string job;
  std::int64_t range_id = 0;
  std::string owner;                         ///< must still hold the range's lease
  std::chrono::milliseconds lease{30000};    ///< the lease is renewed to now + lease
  std::vector<conditional_write> writes;     ///< the upgraded rows
  std::vector<quarantined_row> quarantine;   ///< rows that failed to upgrade (`at` is ignored)
  std::optional<row_key> cursor;             ///< the range's new cursor: the batch's last key
  bool range_done = false;                   ///< the range has no rows after `cursor`
  /// Counted by the worker: scanned, already_current, quarantined. `upgraded` and `conflicts`
  /// are counted by the commit from which writes applied.
  backfill_counters counted;
};

/// What a committed batch did.
struct batch_result {
  std::vector<bool> applied;  ///< per write: true when the row held the expected bytes
  bool job_done = false;      ///< this commit finished the job's last range
};

// ---- the write-version knob ------------------------------------------------------------------
// The fleet's write version of each record type lives in the database too (<uplift/knob.hpp>
// works on it), in three tables the adapters create: uplift_knob (one row per record type: the
// version every attached process writes), uplift_knob_nodes (the processes attached to it, each
// with what its binary reads and writes and a lease it renews) and uplift_knob_log (every flip).

/// A record type's row of uplift_knob.
struct knob_setting {
  std::string record;                  ///< the record descriptor's name, e.g. "demo.User"
  std::uint16_t write_version = 0;     ///< 0: never set (each process writes its codec's version)
  std::uint16_t previous_version = 0;  ///< the version before the last flip (0: none)
  std::int64_t revision = 0;           ///< how many flips it has seen
  std::int64_t changed_at_ms = 0;      ///< unix milliseconds (database time) of the last flip
};

/// A process attached to a record type's knob: a row of uplift_knob_nodes.
struct knob_node {
  std::string record;
  std::string node;                 ///< its name: knob_options::node, by default "host:pid"
  std::uint16_t reads_first = 0;    ///< the oldest version its binary reads
  std::uint16_t reads_latest = 0;   ///< the newest version its binary reads
  std::string writes;               ///< the versions its binary can write, e.g. "2,3"
  std::uint16_t writing = 0;        ///< the version it writes now
  std::string problem;              ///< why it does not follow the knob, when it does not
  std::int64_t seen_ms = 0;         ///< its last heartbeat, unix milliseconds (database time)
  std::int64_t lease_until_ms = 0;  ///< it counts as live until then
  bool live = false;                ///< its lease had not expired when it was read

  /// True when its binary reads version v.
  bool reads(std::uint16_t v) const noexcept { return v >= reads_first && v <= reads_latest; }
  /// True when `writes` lists version v.
  bool can_write(std::uint16_t v) const;
};

/// A row of uplift_knob_log: one flip of a knob.
struct knob_flip {
  std::string record;
  std::uint16_t from = 0;  ///< the write version before (0: never set)
  std::uint16_t to = 0;
  std::string kind;        ///< "set", "killswitch" (back to the previous version) or "forced"
  std::string by;          ///< who flipped it (knob_set_options::by)
  std::string detail;      ///< a forced flip: the live nodes it overrode, and why each refused
  std::int64_t at_ms = 0;  ///< unix milliseconds, database time
};

/// What store::flip_knob asks before it flips: given the knob as it is and every node (live or
/// not) as its transaction reads them, the flip to make, or the error that refuses it.
using knob_decision =
    std::function<result<knob_flip>(const knob_setting&, const std::vector<knob_node>&)>;

// ---- copy jobs -----------------------------------------------------------------------------
// A copy job (<uplift/rows/copy.hpp>) moves a table into another through a pure function. Its
// change capture lives in the source database: triggers on the table write the key of every row
// inserted, changed or deleted into uplift_capture, in the writer's own transaction; its route
// (where a table cut over by route went) in uplift_routes. Its state lives in the target
// database: uplift_copy (one row per job: phase, cursor, counters), and uplift_quarantine for the
// rows the function rejected (job "copy:<name>").

/// An entry of the capture log: the row `key` was inserted, changed or deleted.
struct capture_entry {
  std::int64_t id = 0;     ///< the entry's own id: entries are consumed by id, exactly
  row_key key;
  std::int64_t at_ms = 0;  ///< unix milliseconds, database time, when the change was logged
};

/// How far a job's capture log is behind.
struct capture_backlog {
  std::uint64_t entries = 0;   ///< entries not consumed yet
  std::int64_t oldest_ms = 0;  ///< the oldest one's at_ms (0: none)
  std::int64_t now_ms = 0;     ///< the database's clock when counted
};

/// A copy job's row of uplift_copy, in the target database.
struct copy_record {
  std::string name;                  ///< the job's name
  std::string table;                 ///< the target table, as the job was opened on it
  std::string source;                ///< the source table
  std::string source_database;       ///< the source's store::database_id()
  std::string record;                ///< the record descriptor's name
  std::uint16_t target_version = 0;
  std::string phase;                 ///< "copying", "catching up", "cut over", "failed"
  std::optional<row_key> cursor;     ///< the last source key the copy committed (none: from the start)
  std::uint64_t total_rows = 0;      ///< source rows when the job was created
  std::uint64_t copied = 0;
  std::uint64_t quarantined = 0;
  std::uint64_t applied = 0;         ///< capture entries applied
  std::string error;
  /// The last verification (copy_job::verify): when (unix seconds, database time; 0: never),
  /// the source rows compared, the rows that differed, the rows that differed with changes still
  /// in the log.
  std::int64_t verified_at = 0;
  std::uint64_t verified_rows = 0;
  std::uint64_t verified_mismatches = 0;
  std::uint64_t verified_pending = 0;
};

/// One chunk of a copy job, committed in one transaction of the target database: its rows
/// inserted where the key is absent (never overwriting a row), its quarantine rows, the cursor.
struct copy_chunk {
  std::string job;
  std::vector<stored_row> rows;
  std::vector<quarantined_row> quarantine;
  std::optional<row_key> cursor;  ///< the chunk's last source key
  bool last = false;              ///< no source rows after it: the phase becomes "catching up"
};

/// One batch of the catch-up, committed in one transaction of the target database.
struct copy_changes {
  std::string job;
  std::vector<stored_row> upserts;         ///< f(source row now), inserted or overwritten
  std::vector<row_key> deletes;            ///< rows gone from the source (or rejected now)
  std::vector<quarantined_row> quarantine; ///< source rows the function rejected
  std::uint64_t entries = 0;               ///< log entries this batch applies (counted)
  /// Counted in the job's row of uplift_copy in this database (false: the batch goes back into
  /// the old table, whose database may hold no job row).
  bool counted = true;
  /// The table was routed away (swap_by_route): this batch's writes pass its refusal, in their
  /// own transaction (the roll-back's sync into the old table).
  bool through_route = false;
  /// The batch's keys leave maintenance (begin_maintenance) in the transaction that writes them.
  bool leaves_maintenance = false;
};

/// What every store offers: the rows of one table, and the backfill job tables beside it. The row
/// engine (backfill, read-repair, histograms) works on this interface, so it is compiled once, in
/// the runtime library. Adapters: memory_store (tests, and the reference implementation),
/// sqlite_store, postgres_store.
///
/// A store object is one connection: use it from one thread at a time, and `connect()` another
/// for another thread. Every call returns a result; a database failure is errc::store_error with
/// the database's own words in the detail.
class store {
 public:
  virtual ~store() = default;

  /// The table this store reads and writes.
  virtual const table_spec& spec() const noexcept = 0;
  /// Another connection to the same database and table, for another thread. Each adapter also
  /// has a `connect()` of its own that returns its own type (`result<sqlite_store>`, ...).
  result<std::unique_ptr<store>> connect() const { return connect_store(); }
  /// True when the database takes one write transaction at a time (SQLite): the backfill's
  /// workers of one process then take turns to commit, and a job gets one range per worker.
  virtual bool single_writer() const noexcept { return false; }

  // ---- rows ----
  /// Up to n rows with keys in r, in key order.
  virtual result<std::vector<stored_row>> scan(const key_range& r, std::size_t n) = 0;
  /// Up to n rows with keys in r, in key order, like scan, except that a JSON object row whose
  /// top-level key `json_key` holds the integer `version` may come back without its value and
  /// with stored_row::at_version set: the backfill's rows already at its target. A store does
  /// this where the database tells it faster than it sends the row (a PostgreSQL jsonb column);
  /// by default it scans.
  virtual result<std::vector<stored_row>> scan_skipping(const key_range& r, std::size_t n,
                                                        std::string_view json_key,
                                                        std::uint16_t version) {
    (void)json_key;
    (void)version;
    return scan(r, n);
  }
  /// One row's bytes, or nullopt when there is no such row.
  virtual result<std::optional<std::string>> get(const row_key& k) = 0;
  /// The rows of `keys` that exist (any order; keys without a row are left out). By default one
  /// get() each; PostgreSQL reads them in one statement.
  virtual result<std::vector<stored_row>> get_many(const std::vector<row_key>& keys);
  /// The conditional write alone (read-repair): true when it applied.
  virtual result<bool> write_if(const conditional_write& w) = 0;
  /// Rows counted by the first n bytes of their value (the histogram's fast path).
  virtual result<std::vector<prefix_count>> count_by_prefix(std::size_t n) = 0;
  /// The rows of the table that are JSON objects (in a detect column: the rows `format_of` calls
  /// JSON), counted by what their top-level key `key` holds, by the database's own JSON functions
  /// (SQLite json_extract / json_type, PostgreSQL ->, ->>): no row leaves the database. Rows that
  /// are not JSON objects are not counted. nullopt when this column cannot be counted that way
  /// (the caller then reads every row).
  virtual result<std::optional<std::vector<json_version_count>>> count_by_json_version(
      std::string_view key) = 0;
  /// True when count_by_json_version is the faster way to count a JSON column than reading every
  /// row (what uplift::histogram does by default): a server counts without sending the rows.
  virtual bool counts_json_in_database() const noexcept { return true; }
  /// The number of rows in r.
  virtual result<std::uint64_t> count(const key_range& r) = 0;
  /// Splits the rows in r into at most n ranges of about equal row count, in key order, covering
  /// r exactly (the first range starts at r.after, the last ends at r.upto). Fewer ranges when
  /// there are fewer rows; one range (r itself) when there are none.
  virtual result<std::vector<key_range>> split(const key_range& r, std::size_t n) = 0;
  /// The largest key now, or nullopt for an empty table.
  virtual result<std::optional<row_key>> max_key() = 0;

  // ---- backfill jobs ----
  /// Creates the job tables when they are missing.
  virtual status ensure_job_tables() = 0;
  /// True when the job tables exist: false on a database no backfill has run on (and no
  /// ensure_job_tables), where the calls below that read them fail. What `uplift stats` asks to
  /// tell "no job yet" from a store it cannot read.
  virtual result<bool> has_job_tables() = 0;
  /// Loads the job `spec.name`; when there is none, creates it with `ranges` (its scope, fixed
  /// now) and `total_rows`, in one transaction. An existing job whose record or target version
  /// differs is errc::job_mismatch. Two workers creating the same job at once both get the one
  /// that was created first.
  virtual result<job_record> open_job(const job_spec& spec, const std::vector<key_range>& ranges,
                                      std::uint64_t total_rows) = 0;
  /// The job, or nullopt.
  virtual result<std::optional<job_record>> load_job(const std::string& name) = 0;
  /// Every job on this table, oldest first.
  virtual result<std::vector<job_record>> list_jobs() = 0;
  /// The job's ranges, by id.
  virtual result<std::vector<range_record>> list_ranges(const std::string& name) = 0;
  /// Sets the job's status (and error text, for failed), e.g. paused, running, cancelled.
  virtual status set_job_status(const std::string& name, job_status st,
                                const std::string& error_text) = 0;
  /// Claims a range of the job for `owner` until now + lease: one that is not done and has no
  /// owner, or whose lease expired, or that `owner` already holds. Skips ranges other workers
  /// hold. nullopt when none is free now.
  virtual result<std::optional<range_record>> claim_range(const std::string& name,
                                                          std::string_view owner,
                                                          std::chrono::milliseconds lease) = 0;
  /// As claim_range, passing over the ranges whose ids are in `skip` (ranges the backfill puts
  /// aside while a row in them is locked, to work the others first); nullopt when only those are
  /// free. By default it is claim_range, `skip` unheeded: the backfill then gives a range it
  /// put aside back and comes back to it later.
  virtual result<std::optional<range_record>> claim_range_except(
      const std::string& name, std::string_view owner, std::chrono::milliseconds lease,
      const std::vector<std::int64_t>& skip) {
    (void)skip;
    return claim_range(name, owner, lease);
  }
  /// Gives a held range back without finishing it (pause, cancel, shutdown).
  virtual status release_range(const std::string& name, std::int64_t range_id,
                               std::string_view owner) = 0;
  /// Commits one batch in one transaction: the conditional writes, the quarantine rows, the
  /// range's cursor, counters and lease, and marks the job done when its last range finished.
  /// errc::lease_lost (and nothing committed) when `owner` no longer holds the range.
  virtual result<batch_result> commit_batch(const batch_commit& batch) = 0;
  /// Up to n quarantined rows of the job (all jobs when name is empty), oldest first.
  virtual result<std::vector<quarantined_row>> list_quarantine(const std::string& name,
                                                               std::size_t n) = 0;
  /// Deletes the job and its ranges if it is done, in one transaction (its quarantine rows
  /// stay): the next open_job of that name creates it afresh (backfill_options::rerun). False
  /// when there is no such job or it is not done.
  virtual result<bool> drop_done_job(const std::string& name) = 0;

  // ---- the write-version knob ----
  /// Creates the knob tables when they are missing.
  virtual status ensure_knob_tables() = 0;
  /// True when the knob tables exist (false on a database no process has attached to).
  virtual result<bool> has_knob_tables() = 0;
  /// Every record type's knob row, by record name.
  virtual result<std::vector<knob_setting>> list_knobs() = 0;
  /// The knob of `record`; one with write_version 0 when it has no row.
  virtual result<knob_setting> load_knob(std::string_view record) = 0;
  /// The nodes attached to the knob of `record` (expired ones too: knob_node::live), by name.
  virtual result<std::vector<knob_node>> list_knob_nodes(std::string_view record) = 0;
  /// In one transaction that holds the knob row of `record` (creating it when missing) against
  /// every other flip and heartbeat: reads it and its nodes, asks `decide`, and when the answer
  /// is a flip to another version, writes it, logs it and wakes the nodes waiting in
  /// wait_for_knob. The answer's error rolls everything back and is returned as it is.
  virtual result<knob_flip> flip_knob(std::string_view record, const knob_decision& decide) = 0;
  /// Registers or renews the node `me` (record, node, reads, writes, writing, problem) until
  /// now + lease, and returns the knob as the same transaction reads it: a flip commits either
  /// before it (and is returned) or after it (and counts this node).
  virtual result<knob_setting> heartbeat_knob(const knob_node& me,
                                              std::chrono::milliseconds lease) = 0;
  /// Removes the node's row (a process detaching): it stops counting at once.
  virtual status leave_knob(std::string_view record, std::string_view node) = 0;
  /// The last n flips of `record`'s knob, newest first.
  virtual result<std::vector<knob_flip>> knob_log(std::string_view record, std::size_t n) = 0;
  /// Waits up to `timeout` for a sign that a knob may have flipped; true when there is one (or
  /// the store cannot tell: then it waits the whole timeout). PostgreSQL: a notification on the
  /// channel uplift_knob (this connection listens from its first call); SQLite: PRAGMA
  /// data_version, checked every few milliseconds; by default: it sleeps.
  virtual result<bool> wait_for_knob(std::chrono::milliseconds timeout);

  /// How long a statement of this connection waits for a row lock another transaction holds
  /// before it fails with errc::lock_timeout, applying nothing (0: the database's own setting).
  /// PostgreSQL: its lock_timeout, kept across reconnects. By default, nothing: SQLite has no row
  /// locks (a writer waits sqlite_options::busy_timeout for the database's one write lock), nor
  /// does the memory store.
  virtual status set_lock_timeout(std::chrono::milliseconds timeout) {
    (void)timeout;
    return {};
  }

  // ---- copy jobs: the source ----
  // A store that cannot run copy jobs (the memory store) answers each with errc::store_error.

  /// Checks that the table exists and that its key column is its primary key (a copy job goes
  /// by key, and a key that is not unique cannot be copied row for row); the error says which.
  virtual status check_copy_source();
  /// The database this store connects to, as a string that is equal for two stores exactly when
  /// they are one database (SQLite: the file's full path): a copy within one database swaps by
  /// rename.
  virtual std::string database_id() const { return {}; }
  /// Another table of this same connection (`table`'s columns): its statements run in this
  /// connection's transactions, so a cut-over within one database drains and swaps in one.
  virtual result<std::unique_ptr<store>> sibling(const table_spec& table) const;
  /// Creates uplift_capture when missing and the triggers that log job `job`'s changes (once).
  virtual status install_capture(std::string_view job);
  /// True when job `job`'s triggers are installed.
  virtual result<bool> has_capture(std::string_view job);
  /// Drops job `job`'s triggers and its log entries.
  virtual status remove_capture(std::string_view job);
  /// Up to n of job `job`'s log entries, oldest first; with parts > 1, only the entries of the
  /// keys in share `part` (0..parts-1) of a split of the keys by hash, so that several catch-up
  /// workers each apply the changes of their own keys (errc::store_error where the store cannot
  /// split: SQLite, one writer at a time, is caught up by one worker).
  virtual result<std::vector<capture_entry>> read_capture(std::string_view job, std::size_t n,
                                                          std::size_t part = 0,
                                                          std::size_t parts = 1);
  /// Deletes exactly these entries (ids read by read_capture); returns how many were deleted.
  virtual result<std::uint64_t> consume_capture(std::string_view job,
                                                const std::vector<std::int64_t>& ids);
  /// Job `job`'s log: its size and oldest entry.
  virtual result<capture_backlog> backlog(std::string_view job);
  /// Blocks every other writer of the database (readers go on) until end_exclusive: SQLite
  /// BEGIN IMMEDIATE, waiting at most `wait` for the write lock. Every call of this store (and
  /// its siblings) in between runs in that one transaction.
  virtual status begin_exclusive(std::chrono::milliseconds wait);
  /// Commits (true) or rolls back (false) what begin_exclusive began.
  virtual status end_exclusive(bool commit);
  /// In the exclusive transaction: drops job `job`'s capture, renames the table to `old_name`
  /// and the table `new_table` (of this database) to the table's name.
  virtual status swap_by_rename(std::string_view job, std::string_view new_table,
                                std::string_view old_name);
  /// In the exclusive transaction: drops job `job`'s capture, makes the table refuse every
  /// insert, update and delete with errc::table_moved naming `where`, and records the route.
  virtual status swap_by_route(std::string_view job, std::string_view where);
  /// Where the table was routed to (swap_by_route), or nullopt.
  virtual result<std::optional<std::string>> route();

  // ---- copy jobs: the target ----
  /// Creates uplift_copy (and uplift_quarantine) when missing.
  virtual status ensure_copy_tables();
  /// Job `name`'s row, or nullopt.
  virtual result<std::optional<copy_record>> load_copy(std::string_view name);
  /// Inserts `fresh` unless a job of its name exists; returns the job's row as it is then.
  virtual result<copy_record> open_copy(const copy_record& fresh);
  /// Commits one chunk of the copy (copy_chunk).
  virtual status commit_copy_chunk(const copy_chunk& chunk);
  /// Commits one batch of the catch-up (copy_changes).
  virtual status apply_copy_changes(const copy_changes& changes);
  /// Sets job `name`'s phase (and error, for "failed").
  virtual status set_copy_phase(std::string_view name, std::string_view phase,
                                std::string_view error_text);
  /// Records job `name`'s last verification (copy_record::verified_*; the time is now).
  virtual status set_copy_verification(std::string_view name, std::uint64_t rows,
                                       std::uint64_t mismatches, std::uint64_t pending);
  /// The maintenance cut-over (copy_options::cutover), before it blocks the writers: creates
  /// uplift_maintenance and the table's triggers that refuse a write of a key in it (none yet).
  virtual status prepare_maintenance();
  /// Then, in one transaction, puts `keys` of the
  /// table in maintenance (uplift_maintenance) and sets job `name`'s phase to "maintenance". From
  /// its commit until each key leaves maintenance (copy_changes::leaves_maintenance), a write of
  /// one of those keys fails with errc::key_in_maintenance (triggers: every writer), and so does
  /// a read of one through a store connection that reads the table (get, get_many, scan); every
  /// other key is read and written as usual.
  virtual status begin_maintenance(std::string_view name, const std::vector<row_key>& keys);
  /// Up to n keys of the table still in maintenance, the longest held first.
  virtual result<std::vector<row_key>> maintenance_keys(std::size_t n);
  /// In one transaction: removes the triggers and any key left in maintenance, and sets job
  /// `name`'s phase to `phase` ("cut over" when every key was applied, "catching up" when the
  /// swap did not commit).
  virtual status end_maintenance(std::string_view name, std::string_view phase);
  /// Every copy job whose target is in this database (whatever its table), oldest first.
  virtual result<std::vector<copy_record>> list_copy_jobs();
  /// Up to n rows copy job `name` quarantined, oldest first.
  virtual result<std::vector<quarantined_row>> list_copy_quarantine(std::string_view name,
                                                                    std::size_t n);

 protected:
  store() = default;
  store(const store&) = default;
  store(store&&) = default;
  store& operator=(const store&) = default;
  store& operator=(store&&) = default;

  /// What connect() returns: another connection, as its adapter's own type.
  virtual result<std::unique_ptr<store>> connect_store() const = 0;
};

namespace detail {
/// A store connection given by value to the row engine (`backfill::start`, `read_repair::start`),
/// moved into the std::unique_ptr<store> it keeps.
template <class S>
  requires std::derived_from<std::remove_cvref_t<S>, store>
std::unique_ptr<store> owned_store(S&& db) {
  using store_type = std::remove_cvref_t<S>;
  if constexpr (std::is_constructible_v<store_type, S&&>) {
    return std::make_unique<store_type>(std::forward<S>(db));
  } else {
    static_assert(std::is_constructible_v<store_type, S&&>,
                  "uplift: a store connection given by value cannot be copied; pass "
                  "std::move(db), or db.connect().value() for a connection of its own");
    return nullptr;
  }
}
}  // namespace detail

/// Orders keys as the stores do: integers numerically, text bytewise. Keys of different kinds
/// order integers first (a table has one kind).
inline std::strong_ordering compare_keys(const row_key& a, const row_key& b) noexcept {
  if (a.index() != b.index()) return a.index() <=> b.index();
  if (a.index() == 0) return std::get<0>(a) <=> std::get<0>(b);
  const int c = std::get<1>(a).compare(std::get<1>(b));
  return c < 0 ? std::strong_ordering::less
               : c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal;
}

/// True when k is in r.
inline bool in_range(const row_key& k, const key_range& r) noexcept {
  if (r.after && compare_keys(k, *r.after) <= 0) return false;
  if (r.upto && compare_keys(k, *r.upto) > 0) return false;
  return true;
}

/// A key as text, for messages and the job tables: an integer in decimal, text as it is.
inline std::string key_to_string(const row_key& k) {
  if (k.index() == 0) return std::to_string(std::get<0>(k));
  return std::get<1>(k);
}

/// A store error with the database's words (errc::lock_timeout when the database gave up
/// waiting for a lock, else errc::store_error).
inline error store_failure(std::string_view what, std::string_view db_words,
                           errc code = errc::store_error) {
  error e(code);
  std::string words(what);
  if (!db_words.empty()) words.append(": ").append(db_words);
  e.with_detail(words);
  return e;
}

}  // namespace uplift
