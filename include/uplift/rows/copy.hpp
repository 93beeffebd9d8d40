#pragma once
/// The copy-transform: the second way to change a data model without downtime. A copy job moves a
/// live table into a new table (in the same database or another one) through a pure function, the
/// chain to a target version (and the target column's form: binary or JSON), optionally followed
/// by a transform of your own, while the application keeps reading and writing the old table.
/// Compiled in the runtime (`uplift::runtime`); the record type comes in through its record
/// handle.
///
///     auto src = uplift::sqlite_store::open("app.db", {.table = "users"}).value();
///     auto dst = uplift::sqlite_store::open("app.db", {.table = "users_v3"}).value();
///     dst.create_table();
///     auto job = uplift::copy_job::open(std::move(src), std::move(dst), codec.handle()).value();
///     auto done = job.run();                  // capture, copy, catch up, verify, cut over
///     // the table "users" is now the copy; the old one is "users_uplift_old"
///
/// Its phases, each of which the caller may also drive on its own (`copy`, `catch_up`, `verify`,
/// `cut_over`), and `progress()` watches from any thread:
/// 1. capture (by `open`): triggers on the source table log the key of every row written, inserted or deleted
///    from now on, into the source database's `uplift_capture` table, in the writer's own
///    transaction. Installed before the copy reads a row, so nothing falls between.
/// 2. copy: the rows in key order, in chunks sized by a target chunk duration and throttled by a
///    rows/s limit; each chunk's rows and the job's cursor are committed in one transaction of the
///    target database, so a killed copier resumes where it stopped. A row the function cannot take
///    is quarantined (counted, listed in `uplift_quarantine` of the target database), never
///    dropped silently. The copier only inserts: it never overwrites a row in the target.
/// 3. catch up: the logged changes, applied by exact entry (never "every entry up to an id"): for
///    each changed key, the source row as it is now goes through the function into the target, or
///    the target row is deleted; then exactly those entries are deleted from the log. Applying an
///    entry twice does what applying it once does, so a kill between the two steps loses nothing.
/// 4. verify: per key range, a checksum of f(source) against the target; a range that differs is
///    compared row by row and its keys named (keys with changes still in the log are counted apart).
/// 5. cut over, in a bounded window: once the backlog and lag are under their limits, the source's
///    writers are blocked (SQLite `BEGIN IMMEDIATE`), the last entries are drained and the tables
///    swapped, then writers go on. A drain that would take longer than `max_window` rolls back:
///    nothing is swapped, writes go on, and the cut-over is tried again later. The swap is a
///    rename when both tables are in one database (the new table takes the old name, in the same
///    transaction), else a route: the old table refuses every write from then on with
///    errc::table_moved, and `uplift::moved_to` names where the table went. Or, with
///    cutover_mode::maintenance, only the keys with unapplied changes wait: they are put in
///    maintenance and the table routed in one short block, then applied one batch at a time
///    while the new table serves every other key.
/// 6. roll back (with copy_options::rollback_to): the new table's changes are captured from the
///    cut-over on, and sync_back() writes them into the old table through the downgrade steps,
///    until contract().
///
/// The job's state (phase, cursor, counters) lives in the target database (`uplift_copy`); the
/// capture log and the route in the source database. A run with the same job name resumes it.
/// Thread safety: `progress()` and `cancel()` may be called from any thread; the phases from one.

#include <chrono>
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
#include <vector>

#include "../error.hpp"
#include "../record_handle.hpp"
#include "../store/store.hpp"

namespace uplift {

/// How the new table takes the old one's place at the cut-over.
enum class swap_mode : std::uint8_t {
  automatic,  ///< rename when both tables are in one database, else route
  rename,     ///< the old table is renamed to copy_options::old_table, the new one takes its name
  route,      ///< the old table refuses writes (errc::table_moved); its route names the new place
};

/// What the cut-over holds back while the last changes are applied.
enum class cutover_mode : std::uint8_t {
  /// Every writer of the source waits (at most max_window) while the log is drained; then the
  /// tables swap. Nothing is refused but what meets the route afterwards.
  drain,
  /// Only the keys with unapplied changes wait: the writers are blocked just long enough to put
  /// those keys in maintenance and swap by route (the window does not grow with the backlog);
  /// then every other key is served by the new table at once, and each key in maintenance is
  /// refused (errc::key_in_maintenance, retryable) until its last change is applied.
  maintenance,
};

/// How a copy job runs. The defaults suit a live service on a small database.
struct copy_options {
  /// The job's name, unique per target table. Empty: "<record>@v<target>".
  std::string job{};
  /// The version rows are written at in the target. 0: the record handle's write version.
  std::uint16_t target_version = 0;
  /// Applied to each row after the chain (its key, the row at the target version in the target
  /// column's form): the row to write, or an error that quarantines the row. Must be a pure
  /// function of its arguments: the copy, the catch-up and the verification call it for the same
  /// row at different times and compare what it returns.
  std::function<result<std::string>(const row_key& key, std::string row)> transform{};

  /// The most rows per second the copy reads (0: no limit); a token bucket with bursts of up to
  /// `burst_seconds` of the rate.
  double rows_per_second = 0;
  double burst_seconds = 0.1;
  /// Each chunk of the copy is sized to take about this long (at most twice as large or half as
  /// small as the chunk before, within min_chunk..max_chunk).
  std::chrono::milliseconds target_chunk_duration{50};
  std::size_t initial_chunk = 500;
  std::size_t min_chunk = 20;
  std::size_t max_chunk = 10000;
  /// Log entries applied per catch-up batch.
  std::size_t apply_batch = 1000;
  /// Catch-up workers, each applying the changes of its share of the keys on connections of its
  /// own (PostgreSQL; a store with one writer at a time, SQLite, is caught up by one). The
  /// cut-over's drain is one, in its transaction.
  std::size_t catch_up_workers = 1;
  /// A chunk or catch-up batch that fails for a store error (the database busy or gone for a
  /// moment) is tried again this many times, after a wait doubling from retry_backoff, before the
  /// phase stops with the error (a new run resumes from what was committed).
  std::size_t max_retries = 5;
  std::chrono::milliseconds retry_backoff{20};

  /// The cut-over starts only when the log holds at most this many entries ...
  std::uint64_t max_backlog = 1000;
  /// ... and its oldest entry is at most this old.
  std::chrono::milliseconds max_lag{2000};
  /// The longest the source's writers may be blocked: a drain that would take longer rolls back
  /// (errc::cutover_aborted) and nothing is swapped.
  std::chrono::milliseconds max_window{250};
  /// run(): how many cut-overs it tries before it gives up, and how long it catches up between.
  std::size_t cutover_attempts = 10;
  std::chrono::milliseconds cutover_retry{200};
  /// Verify every range before the cut-over (run() only); a mismatch stops the run before it.
  bool verify_before_cutover = true;

  /// The roll-back: after the cut-over, the new table's changes are captured too, and
  /// sync_back() writes them into the old table at this version (through the downgrade steps, in
  /// the old table's form), so the release that reads the old table can be switched back to
  /// without losing a write made since; contract() ends it. 0: no roll-back (nothing is captured
  /// after the cut-over). Usually the version the old release writes.
  std::uint16_t rollback_to = 0;

  /// drain (the default), or maintenance: see cutover_mode. A maintenance cut-over swaps by
  /// route (swap_mode::automatic then means route); max_backlog bounds the keys it holds, and
  /// max_window the time the writers are blocked to put them in maintenance.
  cutover_mode cutover = cutover_mode::drain;
  swap_mode swap = swap_mode::automatic;
  /// rename: the name the old table gets. Empty: "<table>_uplift_old".
  std::string old_table{};
  /// route: the words the old table's refusal and route give for the new place. Empty: the
  /// target's table name.
  std::string moved_to{};

  /// Tests: called at named points of each phase ("copy: chunk committed", "catch-up: applied",
  /// "cut-over: drained" ...): a failpoint may kill the process or write a row there.
  std::function<void(std::string_view point)> failpoint{};
};

/// Where a copy job is.
enum class copy_phase : std::uint8_t {
  copying,      ///< capture installed; rows are being copied
  catching_up,  ///< every row copied; the log is being applied
  maintenance,  ///< swapped by a maintenance cut-over; the keys in maintenance are being applied
  cut_over,     ///< swapped: the new table is the table
  failed,       ///< this run stopped by an error (copy_progress::error); a new run resumes
};

/// The words stored in uplift_copy for each phase.
constexpr std::string_view to_string(copy_phase p) noexcept {
  switch (p) {
    case copy_phase::copying: return "copying";
    case copy_phase::catching_up: return "catching up";
    case copy_phase::maintenance: return "maintenance";
    case copy_phase::cut_over: return "cut over";
    case copy_phase::failed: return "failed";
  }
  return "unknown";
}

/// What a copy job has done, for a progress display.
struct copy_progress {
  copy_phase phase = copy_phase::copying;
  /// The phase's words as uplift_copy stores them are to_string(phase).
  std::uint64_t total_rows = 0;    ///< rows in the source when the copy started (an estimate)
  std::uint64_t copied = 0;        ///< rows written by the copy
  std::uint64_t quarantined = 0;   ///< rows the function could not take (copy and catch-up)
  std::uint64_t applied = 0;       ///< log entries applied
  std::uint64_t backlog = 0;       ///< log entries not applied yet, when last looked
  std::chrono::milliseconds lag{0};  ///< age of the oldest of them
  /// In a maintenance cut-over: the keys still in maintenance (refused until applied).
  std::uint64_t in_maintenance = 0;
  double rows_per_second = 0;      ///< the copy's recent rate
  /// After the cut-over, with copy_options::rollback_to: the new table's changes not synced back
  /// into the old table yet, and those synced so far.
  std::uint64_t rollback_backlog = 0;
  std::uint64_t synced_back = 0;
  bool contracted = false;         ///< contract() ended the roll-back
  std::string error{};
  /// The copy's share done, 0..1.
  double fraction() const noexcept {
    if (phase != copy_phase::copying) return 1.0;
    if (total_rows == 0) return 0.0;
    const double f = static_cast<double>(copied + quarantined) / static_cast<double>(total_rows);
    return f < 0.999 ? f : 0.999;
  }
};

/// What verify() found.
struct copy_verification {
  std::uint64_t ranges = 0;        ///< key ranges compared
  std::uint64_t rows = 0;          ///< source rows compared
  std::uint64_t mismatched_ranges = 0;
  /// Keys whose target row is not f(source row) (or exists on one side only), first ones only.
  std::vector<row_key> mismatched_keys{};
  std::uint64_t mismatched_rows = 0;
  /// Keys that differ but have changes in the log still: the catch-up will bring them level.
  std::uint64_t pending_rows = 0;
  std::uint64_t quarantined_rows = 0;  ///< source rows the function rejects (not in the target)
  /// True when nothing differs but what the log still holds.
  bool ok() const noexcept { return mismatched_rows == 0; }
};

/// What one cut-over did.
struct cutover_report {
  std::chrono::microseconds window{0};  ///< how long the source's writers were blocked
  std::uint64_t drained = 0;            ///< log entries applied inside the window
  swap_mode swap = swap_mode::rename;   ///< how the tables were swapped
  std::string old_table{};              ///< rename: the old table's new name
  /// A maintenance cut-over: the keys it put in maintenance (those with changes not applied
  /// when the writers were blocked), and how long after the window the last of them was
  /// refused: from the swap's commit until its change was applied.
  std::uint64_t maintenance_keys = 0;
  std::chrono::microseconds maintenance{0};
};

/// A copy-transform of one table into another. Made by `open`.
class copy_job {
 public:
  /// Opens (or resumes) the job `o.job` copying `source`'s table into `target`'s. A new job: checks
  /// that the source table exists, has its key as primary key and was not moved, that the target
  /// table exists and is empty, that the target version can be written, and fails with nothing
  /// changed when one does not hold; then installs the capture (first), and creates the job in
  /// the target database. A job that exists resumes from what it committed.
  static result<copy_job> open(std::unique_ptr<store> source, std::unique_ptr<store> target,
                               record_handle record, copy_options o = {});
  template <class S, class T>
    requires std::derived_from<std::remove_cvref_t<S>, store> &&
             std::derived_from<std::remove_cvref_t<T>, store>
  static result<copy_job> open(S&& source, T&& target, record_handle record, copy_options o = {}) {
    return open(detail::owned_store(std::forward<S>(source)),
                detail::owned_store(std::forward<T>(target)), std::move(record), std::move(o));
  }

  copy_job(copy_job&&) noexcept;
  copy_job& operator=(copy_job&&) noexcept;
  ~copy_job();

  /// Copies every row not copied yet, from the committed cursor; then the phase is catching_up.
  status copy();
  /// Applies the log's entries until it is empty or holds at most `until_backlog` entries
  /// (0: empty); returns how many it applied.
  result<std::uint64_t> catch_up(std::uint64_t until_backlog = 0);
  /// Compares every key range of f(source) with the target (`ranges` ranges: 0 for about one per
  /// 10,000 rows). Its counts are kept in the job's row (`uplift copy` shows them).
  result<copy_verification> verify(std::size_t ranges = 0);
  /// One cut-over attempt: errc::cutover_aborted when the backlog or lag is over its limit, or
  /// the drain would exceed max_window (nothing swapped: catch up and try again). A maintenance
  /// cut-over (copy_options::cutover) returns once every key in maintenance is applied; one a
  /// killed copier left in maintenance is finished by the next run's cut_over() (or run()).
  result<cutover_report> cut_over();
  /// After the cut-over (with copy_options::rollback_to): writes every change made to the new
  /// table since into the old table, at rollback_to, until the log is empty; returns how many log
  /// entries it applied. A row that cannot be written at rollback_to stops it with the error and
  /// its key (nothing of that batch is applied). Run it as often as the roll-back should stay
  /// close behind; the old table lags by what it has not synced yet.
  result<std::uint64_t> sync_back();
  /// Ends the roll-back: the new table's capture is removed (the old table stays, for you to drop
  /// when you will).
  status contract();
  /// Every phase in turn: copy, catch up (to half of max_backlog: the cut-over drains the rest,
  /// so a steady stream of writes cannot keep it from ending), verify, and cut-overs until one
  /// succeeds (catching up between them) or cutover_attempts is spent.
  result<cutover_report> run();

  /// What the job has done so far (its counters in the target database, and this run's view).
  copy_progress progress() const;
  /// Stops the phase in progress after its current chunk or batch (it returns errc::cancelled);
  /// a later run resumes from what was committed.
  void cancel();
  /// Up to n rows the function rejected (in the copy or the catch-up), oldest first: their keys,
  /// stored versions and errors (uplift_quarantine of the target database).
  result<std::vector<quarantined_row>> quarantine(std::size_t n = 100) const;
  /// The job's name.
  const std::string& job() const noexcept;
  /// The version rows are written at in the target.
  std::uint16_t target_version() const noexcept;

 private:
  struct state;  // the job, its stores and its bookkeeping (src/rows/copy.cpp)
  explicit copy_job(std::unique_ptr<state> s) noexcept;
  std::unique_ptr<state> s_;
};

/// Where a copy job moved `db`'s table (copy_options::moved_to) when it cut the table over with a
/// route; nullopt when it was not moved. A writer that got errc::table_moved asks this, then
/// writes there.
result<std::optional<std::string>> moved_to(store& db);

}  // namespace uplift
