#pragma once
/// The background backfill: rewrites the old rows of a live table at a target version, lazily and
/// safely, while the application keeps reading and writing them.
///
///     auto db = uplift::sqlite_store::open("app.db", {.table = "users"}).value();
///     auto job = uplift::backfill<demo::User, uplift::sqlite_store>::start(
///                    std::move(db), codec, {.rows_per_second = 5000}).value();
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
/// - rows already at the target version are skipped from their header alone (`peek`);
/// - a row that fails to upgrade is quarantined (uplift_quarantine) and left as it was;
/// - a batch that fails for a store error is retried a bounded number of times, then the job
///   stops with the error: no row is ever skipped silently;
/// - a rows/s limit (token bucket) and a target batch duration bound its load; pause, resume,
///   cancel; several workers (threads, processes, machines) share one job by claiming key ranges.
///
/// Thread safety: the handle's member functions may be called from any thread.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <cerrno>
#include <csignal>
#include <sys/types.h>
#include <unistd.h>

#include "codec.hpp"
#include "error.hpp"
#include "header.hpp"
#include "histogram.hpp"
#include "read.hpp"
#include "store/store.hpp"

namespace uplift {

/// Time as the backfill sees it; replaceable for tests (a fake clock whose sleep advances it).
struct backfill_clock {
  std::function<std::chrono::steady_clock::time_point()> now{};
  /// Sleeps for the duration. When empty, the backfill sleeps on its own condition variable, so
  /// that cancel() and pause() wake it.
  std::function<void(std::chrono::nanoseconds)> sleep{};
};

/// How a backfill runs. The defaults suit a live service on a small database.
template <class R>
struct backfill_options {
  /// The job's name, unique per table; a run with an existing job's name resumes it. Empty:
  /// "<record>@v<target>".
  std::string job{};
  /// Rows below it are rewritten at it. 0: the codec's write version.
  std::uint16_t target_version = 0;
  /// Worker threads in this process. Several processes may run the same job too.
  std::size_t workers = 1;
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
  /// failpoint: a write the application makes here must win).
  std::function<void(std::span<const stored_row>)> after_read{};
};

/// What a backfill has done, for a progress bar.
struct backfill_progress {
  job_status status = job_status::running;
  backfill_counters counters;       ///< since the job was created (earlier runs included)
  std::uint64_t total_rows = 0;     ///< rows in scope when the job was created
  double rows_per_second = 0;       ///< rows scanned per second lately, by this process
  /// Time left at the recent rate, when there is one.
  std::optional<std::chrono::seconds> eta{};
  std::string error{};              ///< why it failed, when it did

  /// Done so far, 0..1; exactly 1 once the job is done.
  double fraction() const noexcept {
    if (status == job_status::done) return 1.0;
    if (total_rows == 0) return 0.0;
    return std::min(0.999, static_cast<double>(counters.scanned) / static_cast<double>(total_rows));
  }
};

namespace detail {

/// A token bucket shared by a process's workers: `rate` tokens per second, at most `burst`.
class token_bucket {
 public:
  using clock_fn = std::function<std::chrono::steady_clock::time_point()>;
  token_bucket(double rate, double burst, clock_fn now)
      : rate_(rate), burst_(std::max(burst, 1.0)), tokens_(std::max(burst, 1.0)), now_(std::move(now)),
        last_(now_()) {}
  /// Takes n tokens; returns how long the caller must wait before going on (zero when it need
  /// not). Tokens may go into debt: a batch larger than the burst waits for the whole of it.
  std::chrono::nanoseconds take(double n) {
    std::lock_guard lock(mutex_);
    const auto t = now_();
    tokens_ = std::min(burst_, tokens_ + rate_ * std::chrono::duration<double>(t - last_).count());
    last_ = t;
    tokens_ -= n;
    if (tokens_ >= 0) return std::chrono::nanoseconds(0);
    return std::chrono::nanoseconds(static_cast<std::int64_t>(-tokens_ / rate_ * 1e9));
  }
  double rate() const noexcept { return rate_; }

 private:
  std::mutex mutex_;
  double rate_, burst_, tokens_;
  clock_fn now_;
  std::chrono::steady_clock::time_point last_;
};

/// The default worker name prefix: host, process and a random part (a restarted process on the
/// same host gets a new one, so it does not mistake a dead run's ranges for its own).
inline std::string default_owner() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::random_device rd;
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + std::to_string(rd() % 1000000);
}

/// True when `owner` names a worker of this host (default_owner(): "host:pid:random:index")
/// whose process no longer exists.
inline bool owner_is_dead(const std::string& owner) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return false;
  const std::string prefix = std::string(host) + ":";
  if (owner.rfind(prefix, 0) != 0) return false;
  const std::size_t end = owner.find(':', prefix.size());
  if (end == std::string::npos || end == prefix.size()) return false;
  long long pid = 0;
  for (std::size_t i = prefix.size(); i < end; ++i) {
    if (owner[i] < '0' || owner[i] > '9' || pid > 100000000) return false;
    pid = pid * 10 + (owner[i] - '0');
  }
  if (pid <= 0 || pid == getpid()) return false;
  return kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace detail

/// A running backfill of record R over store S. Made by `start`; its worker threads run until the
/// job is done, fails or is cancelled. Destroying the handle stops the workers (they give their
/// ranges back) and joins them; the job stays in the database as it was, for a later run.
template <class R, class S>
class backfill {
  UPLIFT_REQUIRE_RECORD("uplift::backfill<R, S>", R);
  using C = detail::chain<R>;

 public:
  /// Opens (or resumes) the job and starts its workers. The store is the handle's own connection
  /// (each worker connects again with `connect()`). Fails when the job exists for another record
  /// or target version (errc::job_mismatch), or when the target version cannot be written.
  static result<backfill> start(S store, const codec<R>& c, backfill_options<R> o = {}) {
    auto st = std::make_unique<state>(std::move(store), c, std::move(o));
    if (auto s = st->open(); !s) return std::move(s).error();
    st->launch();
    return backfill(std::move(st));
  }

  backfill(backfill&&) noexcept = default;
  backfill& operator=(backfill&& other) noexcept {
    if (this != &other) {
      shutdown();
      s_ = std::move(other.s_);
    }
    return *this;
  }
  ~backfill() { shutdown(); }

  /// Finishes the batches in flight, gives the ranges back and waits until resume().
  void pause() { s_->set_paused(true); }
  void resume() { s_->set_paused(false); }
  /// Stops after the batches in flight; the job keeps its committed progress and a later run
  /// with the same name resumes it. wait() then returns errc::cancelled.
  void cancel() { s_->cancel(); }
  /// Waits for the workers to end: success when the job is done, else why it stopped.
  status wait() { return s_->wait(); }
  /// True when every worker has ended.
  bool finished() const { return s_->running_workers.load() == 0; }
  /// What the job has done so far. Counters never go backwards; fraction() ends at 1.
  backfill_progress progress() const { return s_->progress(); }
  /// The table's rows of R per stored version, now (from the header bytes alone: the store
  /// counts rows by their first 16 bytes, no payload is read).
  result<version_histogram_t> histogram() const {
    std::lock_guard lock(s_->control_mutex);
    return version_histogram<R>(s_->control);
  }
  /// The job's name.
  const std::string& job() const noexcept { return s_->spec.name; }
  /// The version rows are rewritten at.
  std::uint16_t target_version() const noexcept { return s_->spec.target_version; }

 private:
  struct state;
  explicit backfill(std::unique_ptr<state> s) : s_(std::move(s)) {}
  void shutdown() {
    if (!s_) return;
    s_->stop();
    s_->join();
  }

  struct state {
    state(S store, const codec<R>& c, backfill_options<R> o)
        : control(std::move(store)), codec_(c), opt(std::move(o)) {
      if (!opt.clock.now) opt.clock.now = [] { return std::chrono::steady_clock::now(); };
      if (opt.owner.empty()) opt.owner = detail::default_owner();
      opt.workers = std::max<std::size_t>(opt.workers, 1);
      opt.min_batch = std::max<std::size_t>(opt.min_batch, 1);
      opt.max_batch = std::max(opt.max_batch, opt.min_batch);
      opt.initial_batch = std::clamp(opt.initial_batch, opt.min_batch, opt.max_batch);
      opt.max_batch_growth = std::max(opt.max_batch_growth, 1.0);
      if (opt.rows_per_second > 0)
        bucket = std::make_unique<detail::token_bucket>(
            opt.rows_per_second, opt.rows_per_second * opt.burst_seconds, opt.clock.now);
    }

    // ---- set-up ----------------------------------------------------------------------------
    status open() {
      const std::uint16_t target =
          opt.target_version != 0 ? opt.target_version : codec_.write_version();
      if (!C::knows(target))
        return C::make_error(errc::invalid_option, target)
            .with_detail("the backfill's target version v" + std::to_string(target) +
                         " is not one of v" + std::to_string(C::first_version) + "..v" +
                         std::to_string(C::latest_version));
      // The codec that writes the rewritten rows: at the target version.
      uplift::options wo = codec_.options();
      wo.write_version = target;
      auto w = codec<R>::make(wo);
      if (!w) return std::move(w).error();
      writer.emplace(std::move(*w));
      spec = job_spec{opt.job.empty() ? std::string(R::name) + "@v" + std::to_string(target) : opt.job,
                      std::string(R::name), R::type_id, target};

      if (auto st = control.ensure_job_tables(); !st) return st;
      // The scope, fixed now: the keys up to the largest one, split into ranges. Computed only
      // when the job is new; open_job keeps an existing job's own ranges.
      std::vector<key_range> ranges;
      std::uint64_t total = 0;
      auto existing = control.load_job(spec.name);
      if (!existing) return std::move(existing).error();
      if (!*existing) {
        auto top = control.max_key();
        if (!top) return std::move(top).error();
        // An empty table gives an empty scope (after == upto holds no key), not an open one:
        // rows the application inserts later are its own.
        const row_key none = control.spec().key == key_type::integer ? row_key(std::int64_t{0})
                                                                     : row_key(std::string());
        const key_range scope = *top ? key_range{std::nullopt, *top} : key_range{none, none};
        auto n = control.count(scope);
        if (!n) return std::move(n).error();
        total = *n;
        // By default 4 ranges per worker, for workers elsewhere to share the job; a store with
        // one writer at a time gains nothing from more ranges than workers.
        std::size_t wanted = opt.ranges;
        if (wanted == 0) {
          wanted = control.single_writer() ? opt.workers : 4 * opt.workers;
        }
        if (wanted <= 1) {
          ranges = {scope};  // no need to walk the keys
        } else {
          auto parts = control.split(scope, wanted);
          if (!parts) return std::move(parts).error();
          ranges = std::move(*parts);
        }
      }
      auto job = control.open_job(spec, ranges, total);
      if (!job) return std::move(job).error();
      total_rows = job->total_rows;
      base = job->counters;
      if (job->status == job_status::done) {
        final_status = job_status::done;
        return {};
      }
      if (job->status != job_status::running) {
        if (auto st = control.set_job_status(spec.name, job_status::running, ""); !st) return st;
      }
      return {};
    }

    void launch() {
      rate_window.push_back({opt.clock.now(), 0});
      if (final_status == job_status::done) return;  // nothing left: no workers
      running_workers.store(opt.workers);
      for (std::size_t i = 0; i < opt.workers; ++i)
        threads.emplace_back([this, i] { worker(i); });
    }

    // ---- control ---------------------------------------------------------------------------
    void set_paused(bool p) {
      // One pause or resume at a time, start to end: calls from two threads must leave the flag
      // and the job's status in the database saying the same (the last call's word). Otherwise
      // a pause could reach the database after a resume that overtook it in memory, and the
      // workers would wait on a job paused in the database that nobody resumes.
      std::lock_guard control_lock(control_mutex);
      {
        std::lock_guard lock(mutex);
        if (stopping || final_status) return;
        paused = p;
      }
      wake.notify_all();
      // The workers follow the job's status in the database: a pause or resume the database did
      // not take would leave them paused for good, so it is retried, and one that still fails
      // stops the backfill with the store's error (wait() returns it) instead of vanishing.
      auto st = with_retries([&] {
        return control.set_job_status(spec.name, p ? job_status::paused : job_status::running, "");
      });
      if (!st) {
        {
          std::lock_guard lock(mutex);
          if (!failure) failure = std::move(st).error();
        }
        wake.notify_all();
      }
    }
    void cancel() {
      bool first = false;
      {
        std::lock_guard lock(mutex);
        if (!final_status && !cancelled) first = cancelled = true;
      }
      wake.notify_all();
      if (first) {
        std::lock_guard lock(control_mutex);
        (void)control.set_job_status(spec.name, job_status::cancelled, "");
      }
    }
    /// The destructor's stop: the workers give their ranges back and end; the job keeps its
    /// status in the database, so a later run resumes it (as after a crash, without the wait
    /// for leases to expire).
    void stop() {
      {
        std::lock_guard lock(mutex);
        stopping = true;
      }
      wake.notify_all();
    }
    void join() {
      for (auto& t : threads)
        if (t.joinable()) t.join();
      threads.clear();
    }
    status wait() {
      join();
      std::lock_guard lock(mutex);
      if (failure) return *failure;
      if (final_status == job_status::done) return {};
      if (cancelled) return error(errc::cancelled, R::name).with_detail("job " + spec.name);
      return {};
    }

    backfill_progress progress() const {
      backfill_progress p;
      std::lock_guard lock(mutex);
      p.counters = base;
      p.counters += done_here;
      p.total_rows = total_rows;
      if (failure) {
        p.status = job_status::failed;
        p.error = failure->message();
      } else if (final_status) {
        p.status = *final_status;
      } else if (cancelled) {
        p.status = job_status::cancelled;
      } else if (paused) {
        p.status = job_status::paused;
      }
      // The rate over the recent window of commits.
      if (rate_window.size() >= 2) {
        const auto& a = rate_window.front();
        const auto& b = rate_window.back();
        const double secs = std::chrono::duration<double>(b.at - a.at).count();
        if (secs > 0) p.rows_per_second = static_cast<double>(b.scanned - a.scanned) / secs;
      }
      if (p.status == job_status::done) {
        p.eta = std::chrono::seconds(0);
      } else if (p.rows_per_second > 0 && total_rows > p.counters.scanned) {
        p.eta = std::chrono::seconds(static_cast<std::int64_t>(
            static_cast<double>(total_rows - p.counters.scanned) / p.rows_per_second + 0.5));
      }
      return p;
    }

    // ---- workers ---------------------------------------------------------------------------
    /// Sleeps d, or less when woken by cancel/pause. False when the backfill is stopping.
    bool sleep_for(std::chrono::nanoseconds d) {
      if (d <= std::chrono::nanoseconds(0)) return !should_stop();
      if (opt.clock.sleep) {
        opt.clock.sleep(d);
        return !should_stop();
      }
      std::unique_lock lock(mutex);
      wake.wait_for(lock, d, [this] { return stopping || cancelled || failure.has_value(); });
      return !(stopping || cancelled || failure.has_value());
    }
    bool should_stop() const {
      std::lock_guard lock(mutex);
      return stopping || cancelled || failure.has_value() || final_status.has_value();
    }
    /// Blocks while paused. False when the backfill is stopping, or when another worker finished
    /// the job meanwhile (a resume that comes after that leaves the flag alone).
    bool wait_unpaused() {
      std::unique_lock lock(mutex);
      wake.wait(lock, [this] {
        return !paused || stopping || cancelled || failure.has_value() || final_status.has_value();
      });
      return !(stopping || cancelled || failure.has_value() || final_status.has_value());
    }
    bool is_paused() const {
      std::lock_guard lock(mutex);
      return paused;
    }
    void fail(error e) {
      {
        std::lock_guard lock(mutex);
        if (failure || final_status) return;
        failure = e;
      }
      wake.notify_all();
      std::lock_guard lock(control_mutex);
      (void)control.set_job_status(spec.name, job_status::failed, e.message());
    }
    void finish_job() {
      {
        std::lock_guard lock(mutex);
        if (!final_status) final_status = job_status::done;
      }
      wake.notify_all();
    }

    void worker(std::size_t index) {
      struct done_guard {
        std::atomic<std::size_t>& n;
        ~done_guard() { n.fetch_sub(1); }
      } guard{running_workers};
      const std::string owner = opt.owner + ":" + std::to_string(index);
      auto conn = with_retries([&] { return control_connect(); });
      if (!conn) return fail(std::move(conn).error());
      S db = std::move(*conn);
      std::size_t batch = opt.initial_batch;
      while (wait_unpaused()) {
        // The job's status in the database is the word of every process on it: a job paused,
        // cancelled or failed elsewhere stops this worker at its next range.
        auto job_now = with_retries([&] { return db.load_job(spec.name); });
        if (!job_now) return fail(std::move(job_now).error());
        if (!*job_now) return fail(error(errc::store_error, R::name).with_detail(
                           "job " + spec.name + " is gone from uplift_backfill"));
        if (!follow(**job_now)) return;
        if ((*job_now)->status == job_status::paused) {
          if (!sleep_for(opt.idle_poll)) return;
          continue;
        }
        release_dead_owners(db);
        auto claimed = with_retries([&] { return db.claim_range(spec.name, owner, opt.lease); });
        if (!claimed) return fail(std::move(claimed).error());
        if (!*claimed) {
          // Nothing free: the job is done, or other workers hold what is left.
          auto job = with_retries([&] { return db.load_job(spec.name); });
          if (!job) return fail(std::move(job).error());
          if (!*job || (*job)->status == job_status::done || (*job)->ranges_done == (*job)->ranges) {
            finish_job();
            return;
          }
          if (!follow(**job)) return;
          if (!sleep_for(opt.idle_poll)) return;
          continue;
        }
        range_record range = std::move(**claimed);
        if (!work_range(db, range, owner, batch)) return;
      }
    }

    /// Follows a status set elsewhere (another process, or an operator): false when this worker
    /// must end because the job was cancelled, failed or finished.
    bool follow(const job_record& job) {
      if (job.status == job_status::done) {
        finish_job();
        return false;
      }
      if (job.status != job_status::cancelled && job.status != job_status::failed) return true;
      {
        std::lock_guard lock(mutex);
        if (job.status == job_status::failed) {
          if (!failure)
            failure = error(errc::store_error, R::name)
                          .with_detail("job " + spec.name + " failed elsewhere: " + job.error);
        } else {
          cancelled = true;
        }
      }
      wake.notify_all();
      return false;
    }

    /// Gives back the ranges held by workers of this host whose process is gone (a run killed
    /// with kill -9): the next claim takes them over at once instead of when their lease ends.
    /// Only owner names made by default_owner() are understood; others wait for their lease.
    void release_dead_owners(S& db) {
      auto ranges = db.list_ranges(spec.name);
      if (!ranges) return;  // an optimisation only: the leases expire anyway
      for (const range_record& r : *ranges)
        if (!r.done && !r.owner.empty() && detail::owner_is_dead(r.owner))
          (void)db.release_range(spec.name, r.id, r.owner);
    }

    result<S> control_connect() {
      std::lock_guard lock(control_mutex);
      return control.connect();
    }

    /// Works one claimed range to its end. False when the worker must stop.
    bool work_range(S& db, range_record& range, const std::string& owner, std::size_t& batch) {
      std::optional<row_key> cursor = range.cursor ? range.cursor : range.range.after;
      while (true) {
        if (should_stop() || is_paused()) {
          (void)db.release_range(spec.name, range.id, owner);
          return !should_stop();
        }
        const auto started = opt.clock.now();
        std::size_t attempt = 0;
        std::optional<batch_outcome> out;
        while (true) {
          auto r = run_batch(db, range, owner, cursor, batch);
          if (r) {
            out = std::move(*r);
            break;
          }
          if (r.error().code == errc::lease_lost) return true;  // another worker has it now
          if (should_stop()) {  // cancelled while waiting for the rate limit, or stopped
            (void)db.release_range(spec.name, range.id, owner);
            return false;
          }
          if (r.error().code != errc::store_error || attempt >= opt.max_retries) {
            (void)db.release_range(spec.name, range.id, owner);  // a later run takes it at once
            fail(std::move(r).error().with_detail("batch after key " +
                                                  (cursor ? key_to_string(*cursor) : "(start)") +
                                                  " in range " + std::to_string(range.id) +
                                                  " of job " + spec.name + ", after " +
                                                  std::to_string(attempt) + " retries"));
            return false;
          }
          if (!sleep_for(opt.retry_backoff * (std::int64_t{1} << std::min<std::size_t>(attempt, 10)))) {
            (void)db.release_range(spec.name, range.id, owner);
            return false;
          }
          ++attempt;
        }
        record(out->counted);
        if (out->job_done) finish_job();
        if (out->range_done) return true;
        cursor = out->cursor;
        // The batch's own duration: the wait for the rate limit says nothing about its size.
        tune(batch, opt.clock.now() - started - out->throttled, out->rows);
      }
    }

    struct batch_outcome {
      backfill_counters counted;
      std::optional<row_key> cursor;
      std::size_t rows = 0;
      bool range_done = false;
      bool job_done = false;
      std::chrono::nanoseconds throttled{0};  // time spent waiting for the rate limit
    };

    /// One batch: scan after the cursor, classify and upgrade, commit. Nothing is committed
    /// unless everything is.
    result<batch_outcome> run_batch(S& db, const range_record& range, const std::string& owner,
                                    const std::optional<row_key>& cursor, std::size_t batch) {
      auto rows = db.scan(key_range{cursor, range.range.upto}, batch);
      if (!rows) return std::move(rows).error();
      std::chrono::nanoseconds throttled{0};
      if (bucket) {
        throttled = bucket->take(static_cast<double>(rows->size()));
        if (!sleep_for(throttled) && should_stop()) return error(errc::cancelled);
      }
      if (opt.after_read) opt.after_read(std::span<const stored_row>(*rows));
      batch_commit b;
      b.job = spec.name;
      b.range_id = range.id;
      b.owner = owner;
      b.lease = opt.lease;
      b.range_done = rows->size() < batch;
      b.cursor = rows->empty() ? cursor : std::optional<row_key>(rows->back().key);
      b.counted.scanned = rows->size();
      b.writes.reserve(rows->size());
      for (stored_row& row : *rows) {
        std::uint16_t stored = 0;
        auto rewritten = rewrite(row.value, stored);
        if (!rewritten) {
          b.quarantine.push_back({std::move(row.key), stored, rewritten.error().message(), 0});
          ++b.counted.quarantined;
        } else if (rewritten->empty()) {
          ++b.counted.already_current;
        } else {
          b.writes.push_back({std::move(row.key), std::move(row.value), std::move(*rewritten)});
        }
      }
      auto committed = commit(db, b);
      if (!committed) return std::move(committed).error();
      batch_outcome out;
      out.counted = b.counted;
      for (bool applied : committed->applied) ++(applied ? out.counted.upgraded : out.counted.conflicts);
      out.cursor = b.cursor;
      out.rows = rows->size();
      out.range_done = b.range_done;
      out.job_done = committed->job_done;
      out.throttled = throttled;
      return out;
    }

    /// Commits a batch; on a store with one writer at a time (single_writer()), the workers of
    /// this process take turns on a mutex, which wakes the next one as soon as the lock is free.
    result<batch_result> commit(S& db, const batch_commit& b) {
      if (db.single_writer()) {
        std::lock_guard lock(commit_mutex);
        return db.commit_batch(b);
      }
      return db.commit_batch(b);
    }

    /// The row's bytes at the target version: empty when it is there already (or newer), an
    /// error when it cannot be upgraded. `stored` gets the version its header names.
    result<std::string> rewrite(const std::string& bytes, std::uint16_t& stored) const {
      auto h = peek(bytes);
      if (!h) {
        return std::move(h).error().for_record(C::info());
      }
      stored = h->version;
      if (h->type_id != R::type_id)
        return C::make_error(errc::wrong_record_type, h->version, 8)
            .with_detail("the header's type id is " + std::to_string(h->type_id) + ", expected " +
                         std::to_string(R::type_id));
      if (h->version >= spec.target_version) return std::string();  // current, from the header
      if (spec.target_version == C::latest_version) {
        auto v = writer->read(bytes);
        if (!v) return std::move(v).error();
        const bytes_view out = v->bytes();
        return std::string(reinterpret_cast<const char*>(out.data()), out.size());
      }
      auto obj = writer->read_object(bytes);
      if (!obj) return std::move(obj).error();
      auto out = writer->write(*obj);
      if (!out) return std::move(out).error();
      return std::string(out->as_string_view());
    }

    void record(const backfill_counters& c) {
      std::lock_guard lock(mutex);
      done_here += c;
      const auto t = opt.clock.now();
      rate_window.push_back({t, rate_window.back().scanned + c.scanned});
      // Keep about the last five seconds.
      while (rate_window.size() > 2 && t - rate_window[1].at > std::chrono::seconds(5))
        rate_window.erase(rate_window.begin());
    }

    /// Tunes the batch size toward the target duration, within bounds and bounded growth.
    void tune(std::size_t& batch, std::chrono::steady_clock::duration took, std::size_t rows) const {
      if (rows < batch) return;  // a short batch says nothing about a full one
      const double secs = std::chrono::duration<double>(took).count();
      const double target = std::chrono::duration<double>(opt.target_batch_duration).count();
      double factor = secs > 0 ? target / secs : opt.max_batch_growth;
      factor = std::clamp(factor, 1.0 / opt.max_batch_growth, opt.max_batch_growth);
      double next = static_cast<double>(batch) * factor;
      if (bucket) {  // no point in batches larger than a second's worth of the rate limit
        next = std::min(next, std::max(bucket->rate(), static_cast<double>(opt.min_batch)));
      }
      batch = std::clamp(static_cast<std::size_t>(next), opt.min_batch, opt.max_batch);
    }

    template <class F>
    auto with_retries(F f) -> decltype(f()) {
      for (std::size_t attempt = 0;; ++attempt) {
        auto r = f();
        if (r || r.error().code != errc::store_error || attempt >= opt.max_retries) return r;
        if (!sleep_for(opt.retry_backoff * (std::int64_t{1} << std::min<std::size_t>(attempt, 10))))
          return r;
      }
    }

    S control;                         // the handle's own connection, for status changes
    mutable std::mutex control_mutex;  // guards `control`
    codec<R> codec_;
    std::optional<codec<R>> writer;  // writes at the target version
    backfill_options<R> opt;
    job_spec spec;
    std::uint64_t total_rows = 0;
    backfill_counters base;  // the job's counters when this run started

    mutable std::mutex mutex;  // guards everything below
    std::condition_variable wake;
    bool paused = false, cancelled = false, stopping = false;
    std::optional<error> failure;
    std::optional<job_status> final_status;
    backfill_counters done_here;
    struct rate_point {
      std::chrono::steady_clock::time_point at;
      std::uint64_t scanned;
    };
    std::vector<rate_point> rate_window;

    std::mutex commit_mutex;  // single-writer stores: one commit at a time in this process
    std::unique_ptr<detail::token_bucket> bucket;
    std::atomic<std::size_t> running_workers{0};
    std::vector<std::thread> threads;
  };

  std::unique_ptr<state> s_;
};

}  // namespace uplift
