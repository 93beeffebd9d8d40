#pragma once
/// The background backfill: rewrites the old rows of a live table at a target version, lazily and
/// safely, while the application keeps reading and writing them. Compiled in the runtime
/// (`uplift::runtime`); the record type comes in through its record handle.
///
///     auto db = uplift::sqlite_store::open("app.db", {.table = "users"}).value();
///     auto job = uplift::backfill::start(std::move(db), codec, {.rows_per_second = 5000}).value();
///     while (!job.finished()) show(job.progress());   // scanned, upgraded, rows/s, ETA ...
///     if (auto st = job.wait(); !st) log(st.error().message());
///
/// Its promises:
/// - a live write always wins: every write is conditional on the row still holding the bytes the
///   backfill read; a row changed in between is left alone and counted as a conflict;
/// - its scope is the key range at the time the job was created (rows inserted later are written
///   at the new version by the application), so it finishes under any write load;
/// - its state (cursor, counters, quarantine) is committed with each batch in the same
///   transaction as the batch's writes: after a crash or kill -9 the next run resumes from there;
/// - rows already at the target version are skipped from their header alone;
/// - a row that fails to upgrade is quarantined (uplift_quarantine) and left as it was;
/// - a batch that fails for a store error is retried a bounded number of times, then the job
///   stops with the error: no row is ever skipped silently;
/// - a rows/s limit (token bucket) and a target batch duration bound its load; pause, resume,
///   cancel; several workers (threads, processes, machines) share one job by claiming key ranges.
///
/// Thread safety: the handle's member functions may be called from any thread.

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "../record_handle.hpp"
#include "../store/store.hpp"
#include "histogram.hpp"

namespace uplift {

/// Time as the backfill sees it; replaceable for tests (a fake clock whose sleep advances it).
struct backfill_clock {
  std::function<std::chrono::steady_clock::time_point()> now{};
  /// Sleeps for the duration. When empty, the backfill sleeps on its own condition variable, so
  /// that cancel() and pause() wake it.
  std::function<void(std::chrono::nanoseconds)> sleep{};
};

/// How a backfill runs. The defaults suit a live service on a small database.
struct backfill_options {
  /// The job's name. A job is known by its table and its name: jobs of different tables never
  /// collide. A run with an existing job's name on the same table resumes it. Empty:
  /// "<record>@v<target>".
  std::string job{};
  /// Rows below it are rewritten at it. 0: the latest version, when the record handle writes
  /// the latest version; while it writes an older one (mid-rollout, readers that cannot read
  /// the latest yet) the backfill refuses to start and asks for an explicit target.
  std::uint16_t target_version = 0;
  /// When the job of this name is done: true starts it again over a fresh scope (the keys up to
  /// the largest one now, counters from zero; the earlier run's quarantine rows stay), for the
  /// old rows a writer that had not flipped yet wrote after it finished. False: a done job
  /// starts no worker. A job that is not done resumes either way.
  bool rerun = false;
  /// Worker threads in this process. Several processes may run the same job too.
  std::size_t workers = 1;
  /// Each worker reads and rewrites its next batch while its current batch commits, on a second
  /// connection of its own (two connections per worker). False: one connection per worker, and
  /// each batch is read, rewritten and committed in turn.
  bool read_ahead = true;
  /// Key ranges the job's scope is split into when the job is created (0: 4 per worker, or one
  /// per worker on a store with one writer at a time, SQLite). More ranges let more workers, here
  /// and in other processes, share the job; each range is worked by one worker at a time.
  std::size_t ranges = 0;
  /// The most rows per second this process scans (0: no limit). A token bucket: short bursts up
  /// to `burst_seconds` of the rate.
  double rows_per_second = 0;
  double burst_seconds = 0.1;
  /// The batch size is tuned so that one batch takes about this long (bounded growth per step:
  /// at most `max_batch_growth` times larger or smaller than the batch before).
  std::chrono::milliseconds target_batch_duration{20};
  std::size_t initial_batch = 200;
  std::size_t min_batch = 10;
  std::size_t max_batch = 2000;
  double max_batch_growth = 2.0;
  /// A batch that fails for a store error is retried this many times (backoff doubling from
  /// `retry_backoff`) before the job stops with the error.
  std::size_t max_retries = 5;
  std::chrono::milliseconds retry_backoff{20};
  /// How long a batch waits for a row the application holds locked (0: as long as the
  /// database's own setting lets it). A batch holds the rows it has rewritten while it waits, so
  /// this bounds how long the application's own writes to those rows can wait for the backfill:
  /// this long plus one batch. When it runs out the batch applies nothing
  /// (errc::lock_timeout, counted in `backfill_progress::lock_waits`, not in max_retries); the
  /// worker puts that range aside, works the job's other ranges, and comes back to it after a
  /// wait that doubles from `retry_backoff` up to `lock_timeout`, in batches half as large each
  /// time. PostgreSQL: its lock_timeout, on the worker's connections. SQLite has no row locks:
  /// a writer waits sqlite_options::busy_timeout for the one write lock, and a batch is one
  /// short write transaction.
  std::chrono::milliseconds lock_timeout{1000};
  /// A worker holds a range for this long past its last commit; a worker that dies loses it
  /// then, and another worker takes the range over from its committed cursor.
  std::chrono::milliseconds lease{30000};
  /// How long a worker with no range to claim waits before looking again (ranges held by
  /// workers elsewhere may free up when their leases expire).
  std::chrono::milliseconds idle_poll{200};
  /// This process's worker name prefix in the ranges table. Empty: "<hostname>:<pid>:<random>".
  std::string owner{};
  /// Replaceable time, for tests.
  backfill_clock clock{};
  /// Called with each batch between reading its rows and writing them (tests use it as a
  /// failpoint: a write the application makes here must win). With read_ahead it runs on the
  /// thread that reads a worker's next batch, while the batch before commits; for each worker,
  /// one batch at a time, and in the order of its batches.
  std::function<void(std::span<const stored_row>)> after_read{};
};

/// What a backfill has done, for a progress bar.
///
/// Every row the job scans is counted once more, as exactly one of upgraded, already current,
/// conflicts (the application changed or deleted it between read and write) or quarantined
/// (it could not be upgraded: not an uplift record, another record type, corrupt, a hook's
/// error), so `counters.scanned == upgraded + already_current + conflicts + quarantined` always
/// holds. `counters` is the job's when this run started plus what this process's workers have
/// committed since: once wait() returns it equals the job's row in the store (`load_job`,
/// `uplift stats`), unless workers elsewhere shared the job (the store counts theirs too).
struct backfill_progress {
  job_status status = job_status::running;
  backfill_counters counters;       ///< since the job was created (earlier runs included)
  std::uint64_t total_rows = 0;     ///< rows in scope when the job was created
  double rows_per_second = 0;       ///< rows scanned per second lately, by this process
  /// Time left at the recent rate, when there is one.
  std::optional<std::chrono::seconds> eta{};
  std::string error{};              ///< why it failed, when it did
  /// Store calls this run retried after a store error (backfill_options::max_retries): a
  /// database that went away shows here while the backfill waits for it, with its words.
  std::uint64_t store_retries = 0;
  std::string last_store_error{};   ///< the last retried error's message ("" when none)
  /// Batches this run that gave up waiting for a row lock (backfill_options::lock_timeout) and
  /// put their range aside; the error's message is in last_store_error.
  std::uint64_t lock_waits = 0;

  /// Done so far, 0..1; exactly 1 once the job is done.
  double fraction() const noexcept {
    if (status == job_status::done) return 1.0;
    if (total_rows == 0) return 0.0;
    return std::min(0.999, static_cast<double>(counters.scanned) / static_cast<double>(total_rows));
  }
};

/// What a dry run looks at: every row of the table, or a sample.
struct dry_run_options {
  /// As backfill_options::target_version (0: the latest; refused the same way mid-rollout).
  std::uint16_t target_version = 0;
  /// Only the first n rows in key order (0: every row).
  std::uint64_t first_rows = 0;
  /// Only every kth of those rows (1: each one): a sample spread over the table.
  std::uint64_t every = 1;
  /// How many of the rows that would be quarantined are listed, with their errors.
  std::size_t max_errors = 10;
  /// Rows read per scan.
  std::size_t batch = 1000;
};

/// What a backfill would do, found by a dry run: nothing was written.
struct dry_run_report {
  /// Rows of one form at one stored version (`untagged`: JSON documents without the version key,
  /// at the version the options' rule gives them).
  struct stored_rows {
    row_format format = row_format::binary;
    std::uint16_t version = 0;
    bool untagged = false;
    std::uint64_t rows = 0;
  };
  /// A row the backfill would quarantine, and why.
  struct failure {
    row_key key;
    std::uint16_t stored_version = 0;
    std::string error;
  };
  std::uint16_t target_version = 0;
  std::vector<stored_rows> stored;   ///< the rows looked at, by form, version (ascending)
  /// The rows looked at: would_upgrade + already_current + would_quarantine.
  std::uint64_t scanned = 0;
  std::uint64_t would_upgrade = 0;    ///< rewritten at the target (untagged ones adopted)
  std::uint64_t would_adopt = 0;      ///< of which untagged rows, given their version key
  std::uint64_t already_current = 0;
  std::uint64_t would_quarantine = 0;
  std::vector<failure> first_errors;  ///< the first max_errors of them, in key order
  std::uint64_t rows_read = 0;        ///< rows read from the store (every row up to the sample's end)
  std::chrono::nanoseconds elapsed{0};
  /// Rows looked at (read, rewritten and checked) per second.
  double rows_per_second() const noexcept {
    return elapsed.count() > 0 ? static_cast<double>(scanned) * 1e9 / static_cast<double>(elapsed.count()) : 0;
  }
};

/// A running backfill of one record type over one store. Made by `start`; its worker threads run
/// until the job is done, fails or is cancelled. Destroying the handle stops the workers (they
/// give their ranges back) and joins them; the job stays in the database as it was, for a later
/// run.
class backfill {
 public:
  /// Opens (or resumes) the job and starts its workers. The store is the handle's own connection
  /// (each worker connects again with `connect()`). Every row goes through `record`: a
  /// `codec<R>` converts to it, and its write version is the default target. Fails when the job
  /// exists for another record or target version (errc::job_mismatch), or when the target
  /// version cannot be written (errc::invalid_option, errc::no_downgrade_path).
  static result<backfill> start(std::unique_ptr<store> db, record_handle record,
                                backfill_options o = {});
  /// As above, for a store given by value: `start(std::move(sqlite_db), codec, {...})`.
  template <class S>
    requires std::derived_from<std::remove_cvref_t<S>, store>
  static result<backfill> start(S&& db, record_handle record, backfill_options o = {}) {
    return start(detail::owned_store(std::forward<S>(db)), std::move(record), std::move(o));
  }

  /// Reads every row of the table (or the sample `o` asks for), rewrites it at the target
  /// version as the backfill would and checks the result reads back at the target, and writes
  /// nothing: not a row, not a job. What it reports is what a backfill would do now: rows by form
  /// and stored version, upgrades, rows already current, and the rows it would quarantine with
  /// their errors. Fails as `start` fails for a target it would refuse, or on a store error.
  ///
  ///     auto r = uplift::backfill::dry_run(db, codec.json_handle(), {.every = 100}).value();
  ///     if (r.would_quarantine) for (auto& f : r.first_errors) log(f.error);
  static result<dry_run_report> dry_run(store& db, const record_handle& record,
                                        const dry_run_options& o = {});

  backfill(backfill&&) noexcept;
  backfill& operator=(backfill&& other) noexcept;
  ~backfill();

  /// Finishes the batches in flight, gives the ranges back and waits until resume().
  void pause();
  void resume();
  /// Stops after the batches in flight; the job keeps its committed progress and a later run
  /// with the same name resumes it. wait() then returns errc::cancelled.
  void cancel();
  /// Waits for the workers to end: success when the job is done, else why it stopped.
  status wait();
  /// True when every worker has ended.
  bool finished() const;
  /// What the job has done so far. Counters never go backwards; fraction() ends at 1.
  backfill_progress progress() const;
  /// The table's rows of the record per stored version, now (from the header bytes alone: the
  /// store counts rows by their first 16 bytes, no payload is read).
  result<record_histogram> histogram() const;
  /// The job's name.
  const std::string& job() const noexcept;
  /// The version rows are rewritten at.
  std::uint16_t target_version() const noexcept;

 private:
  struct state;  // the job, its workers and their bookkeeping (src/rows/backfill.cpp)
  explicit backfill(std::unique_ptr<state> s) noexcept;
  void shutdown() noexcept;

  std::unique_ptr<state> s_;
};

}  // namespace uplift
