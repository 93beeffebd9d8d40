// The backfill engine (backfill.hpp): its workers claim key ranges, scan them in batches, rewrite
// each row through the record handle and commit each batch's conditional writes with the range's
// cursor, counters and quarantine rows in one transaction.
#include <uplift/rows/backfill.hpp>

#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "owners.hpp"
#include "target.hpp"
#include "token_bucket.hpp"

namespace uplift {

struct backfill::state {
  state(std::unique_ptr<store> db, record_handle r, backfill_options o)
      : control(std::move(db)), record(std::move(r)), opt(std::move(o)) {
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
    auto chosen = detail::backfill_target(record, column, opt.target_version);
    if (!chosen) return std::move(chosen).error();
    const std::uint16_t target = *chosen;
    spec = job_spec{opt.job.empty() ? std::string(record.name()) + "@v" + std::to_string(target)
                                    : opt.job,
                    std::string(record.name()), record.type_id(), target};

    if (auto st = control->ensure_job_tables(); !st) return st;
    // The scope, fixed now: the keys up to the largest one, split into ranges. Computed only
    // when the job is new; open_job keeps an existing job's own ranges.
    std::vector<key_range> ranges;
    std::uint64_t total = 0;
    auto existing = control->load_job(spec.name);
    if (!existing) return std::move(existing).error();
    const auto same_job = [&](const job_record& j) {
      return j.spec.record == spec.record && j.spec.type_id == spec.type_id &&
             j.spec.target_version == spec.target_version;
    };
    if (opt.rerun && *existing && (*existing)->status == job_status::done && same_job(**existing)) {
      // Only a done job is dropped: when another process reran it meanwhile, this one joins
      // that run. A job of another record or target is left for open_job to refuse.
      auto dropped = control->drop_done_job(spec.name);
      if (!dropped) return std::move(dropped).error();
      existing = control->load_job(spec.name);
      if (!existing) return std::move(existing).error();
    }
    if (!*existing) {
      auto top = control->max_key();
      if (!top) return std::move(top).error();
      // An empty table gives an empty scope (after == upto holds no key), not an open one:
      // rows the application inserts later are its own.
      const row_key none = control->spec().key == key_type::integer ? row_key(std::int64_t{0})
                                                                   : row_key(std::string());
      const key_range scope = *top ? key_range{std::nullopt, *top} : key_range{none, none};
      auto n = control->count(scope);
      if (!n) return std::move(n).error();
      total = *n;
      // By default 4 ranges per worker, for workers elsewhere to share the job; a store with
      // one writer at a time gains nothing from more ranges than workers.
      std::size_t wanted = opt.ranges;
      if (wanted == 0) {
        wanted = control->single_writer() ? opt.workers : 4 * opt.workers;
      }
      if (wanted <= 1) {
        ranges = {scope};  // no need to walk the keys
      } else {
        auto parts = control->split(scope, wanted);
        if (!parts) return std::move(parts).error();
        ranges = std::move(*parts);
      }
    }
    auto job = control->open_job(spec, ranges, total);
    if (!job) return std::move(job).error();
    total_rows = job->total_rows;
    base = job->counters;
    if (job->status == job_status::done) {
      final_status = job_status::done;
      return {};
    }
    if (job->status != job_status::running) {
      if (auto st = control->set_job_status(spec.name, job_status::running, ""); !st) return st;
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
      return control->set_job_status(spec.name, p ? job_status::paused : job_status::running, "");
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
      (void)control->set_job_status(spec.name, job_status::cancelled, "");
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
    if (cancelled) return error(errc::cancelled, record.name()).with_detail("job " + spec.name);
    return {};
  }

  backfill_progress progress() const {
    backfill_progress p;
    std::lock_guard lock(mutex);
    p.counters = base;
    p.counters += done_here;
    p.total_rows = total_rows;
    p.store_retries = store_retries;
    p.last_store_error = last_store_error;
    p.lock_waits = lock_waits;
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
    (void)control->set_job_status(spec.name, job_status::failed, e.message());
  }
  void finish_job() {
    {
      std::lock_guard lock(mutex);
      if (!final_status) final_status = job_status::done;
    }
    wake.notify_all();
  }

  /// A range a worker left when a batch met a row lock: passed over until `due`; `waits` times.
  struct range_aside {
    std::chrono::steady_clock::time_point due{};
    std::size_t waits = 0;
  };
  using ranges_aside = std::map<std::int64_t, range_aside>;

  void worker(std::size_t index) {
    struct done_guard {
      std::atomic<std::size_t>& n;
      ~done_guard() { n.fetch_sub(1); }
    } guard{running_workers};
    const std::string owner = opt.owner + ":" + std::to_string(index);
    auto conn = with_retries([&] { return control_connect(); });
    if (!conn) return fail(std::move(conn).error());
    store& db = **conn;
    // With read_ahead, a second connection reads and rewrites the next batch while `db` commits
    // the current one.
    std::unique_ptr<store> reader_conn;
    if (opt.read_ahead) {
      auto r = with_retries([&] { return control_connect(); });
      if (!r) return fail(std::move(r).error());
      reader_conn = std::move(*r);
    }
    store& reader = reader_conn ? *reader_conn : db;
    if (opt.lock_timeout.count() > 0) {  // bounds the application's wait behind a batch
      auto st = with_retries([&] { return db.set_lock_timeout(opt.lock_timeout); });
      if (!st) return fail(std::move(st).error());
    }
    std::size_t batch = opt.initial_batch;
    ranges_aside aside;  // ranges this worker left while a row in them was locked
    while (wait_unpaused()) {
      // The job's status in the database is the word of every process on it: a job paused,
      // cancelled or failed elsewhere stops this worker at its next range.
      auto job_now = with_retries([&] { return db.load_job(spec.name); });
      if (!job_now) return fail(std::move(job_now).error());
      if (!*job_now) return fail(error(errc::store_error, record.name()).with_detail(
                         "job " + spec.name + " is gone from uplift_backfill"));
      if (!follow(**job_now)) return;
      if ((*job_now)->status == job_status::paused) {
        if (!sleep_for(opt.idle_poll)) return;
        continue;
      }
      release_dead_owners(db);
      // The ranges set aside are passed over until their wait is over: the others first.
      std::vector<std::int64_t> skip;
      auto soonest = opt.idle_poll;
      const auto now = opt.clock.now();
      for (const auto& [id, a] : aside)
        if (a.due > now) {
          skip.push_back(id);
          soonest = std::min(soonest, std::chrono::ceil<std::chrono::milliseconds>(a.due - now));
        }
      auto claimed = with_retries(
          [&] { return db.claim_range_except(spec.name, owner, opt.lease, skip); });
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
        if (!sleep_for(soonest)) return;
        continue;
      }
      range_record range = std::move(**claimed);
      if (!work_range(db, reader, range, owner, batch, aside)) return;
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
          failure = error(errc::store_error, record.name())
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
  void release_dead_owners(store& db) {
    auto ranges = db.list_ranges(spec.name);
    if (!ranges) return;  // an optimisation only: the leases expire anyway
    for (const range_record& r : *ranges)
      if (!r.done && !r.owner.empty() && detail::owner_is_dead(r.owner))
        (void)db.release_range(spec.name, r.id, r.owner);
  }

  result<std::unique_ptr<store>> control_connect() {
    std::lock_guard lock(control_mutex);
    return control->connect();
  }

  /// Works one claimed range to its end, reading on `reader` and committing on `db` (the same
  /// store without read_ahead; else the next batch is read while the current one commits).
  /// False when the worker must stop.
  bool work_range(store& db, store& reader, range_record& range, const std::string& owner,
                  std::size_t& batch, ranges_aside& aside) {
    std::optional<row_key> cursor = range.cursor ? range.cursor : range.range.after;
    read_ahead ahead;
    while (true) {
      if (should_stop() || is_paused()) {
        ahead.drop();
        (void)db.release_range(spec.name, range.id, owner);
        return !should_stop();
      }
      const auto started = opt.clock.now();
      std::size_t attempt = 0;
      std::optional<batch_outcome> out;
      while (true) {
        auto r = run_batch(db, reader, ahead, range, owner, cursor, batch, attempt == 0);
        if (r) {
          out = std::move(*r);
          break;
        }
        if (r.error().code == errc::lease_lost) return true;  // another worker has it now
        if (should_stop()) {  // cancelled while waiting for the rate limit, or stopped
          (void)db.release_range(spec.name, range.id, owner);
          return false;
        }
        if (r.error().code == errc::lock_timeout) {
          // A row the application holds: the batch applied nothing. The range is given back and
          // passed over for a while; the worker goes on with the job's other ranges.
          set_aside(range, r.error(), aside, batch);
          ahead.drop();
          (void)db.release_range(spec.name, range.id, owner);
          return true;
        }
        if (!retried(r.error().code) || attempt >= opt.max_retries) {
          (void)db.release_range(spec.name, range.id, owner);  // a later run takes it at once
          fail(std::move(r).error().with_detail("batch after key " +
                                                (cursor ? key_to_string(*cursor) : "(start)") +
                                                " in range " + std::to_string(range.id) +
                                                " of job " + spec.name + ", after " +
                                                std::to_string(attempt) + " retries"));
          return false;
        }
        retrying(r.error());
        if (!sleep_for(backoff(attempt))) {
          (void)db.release_range(spec.name, range.id, owner);
          return false;
        }
        ++attempt;
        // A commit whose reply was lost may have applied: take what the range holds now
        // before scanning again, or the batch would be counted twice.
        auto now = adopt_committed(db, range, owner, cursor);
        if (!now) continue;  // the store is still failing: the next attempt says so
        if (now->state == range_now::taken) return true;  // another worker holds it now
        if (now->state == range_now::moved) {
          out = std::move(now->out);
          break;
        }
      }
      range.counters += out->counted;  // as the store's range row now counts
      count(out->counted);
      aside.erase(range.id);  // its lock, if it met one, is gone
      if (out->job_done) finish_job();
      if (out->range_done) return true;  // nothing was read ahead of the range's last batch
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

  /// Where a range stands after a failed attempt (adopt_committed).
  enum class range_now { unchanged, moved, taken };
  struct adoption {
    range_now state = range_now::unchanged;
    batch_outcome out{};  // for moved: the batch as the range's row counted it
  };

  /// After a failed attempt: whether the range moved on since `cursor`, which only a commit of
  /// this worker's batch can have done while it holds the range (its reply was lost). Then the
  /// batch's outcome is read from the range's row: its counters less what this worker had
  /// counted on it before.
  result<adoption> adopt_committed(store& db, const range_record& range, const std::string& owner,
                                   const std::optional<row_key>& cursor) {
    auto ranges = db.list_ranges(spec.name);
    if (!ranges) return std::move(ranges).error();
    for (const range_record& now : *ranges) {
      if (now.id != range.id) continue;
      const std::optional<row_key> at = now.cursor ? now.cursor : now.range.after;
      if (at == cursor && !now.done) return adoption{};
      if (!now.done && now.owner != owner) return adoption{range_now::taken};
      adoption a{range_now::moved};
      a.out.counted = now.counters;
      a.out.counted -= range.counters;
      a.out.cursor = at;
      a.out.rows = static_cast<std::size_t>(a.out.counted.scanned);
      a.out.range_done = now.done;
      return a;
    }
    return adoption{range_now::taken};  // the job's ranges are gone: nothing left here
  }

  /// A batch read and rewritten, not committed yet.
  struct prepared_batch {
    batch_commit b;
    std::size_t rows = 0;
    std::chrono::nanoseconds throttled{0};  // time spent waiting for the rate limit
  };

  /// The batch read ahead on a worker's second connection while its current batch commits.
  class read_ahead {
   public:
    template <class F>
    void start(F f) {
      task_ = std::async(std::launch::async, std::move(f));
    }
    bool running() const noexcept { return task_.valid(); }
    result<prepared_batch> take() { return task_.get(); }
    /// Waits for the batch and forgets it (its reads are made again when needed).
    void drop() {
      if (task_.valid()) (void)task_.get();
    }
    ~read_ahead() { drop(); }

   private:
    std::future<result<prepared_batch>> task_;
  };

  /// One batch read after the cursor, classified and upgraded: the writes a commit makes.
  result<prepared_batch> prepare_batch(store& db, const range_record& range,
                                       const std::string& owner,
                                       const std::optional<row_key>& cursor, std::size_t batch) {
    // Rows at the target that the database can tell by their version key come back as keys
    // alone (a PostgreSQL jsonb column); the rest are read.
    const key_range scope{cursor, range.range.upto};
    auto rows = skip_json_key.empty()
                    ? db.scan(scope, batch)
                    : db.scan_skipping(scope, batch, skip_json_key, spec.target_version);
    if (!rows) return std::move(rows).error();
    prepared_batch p;
    if (bucket) {
      p.throttled = bucket->take(static_cast<double>(rows->size()));
      if (!sleep_for(p.throttled) && should_stop()) return error(errc::cancelled);
    }
    if (opt.after_read) opt.after_read(std::span<const stored_row>(*rows));
    batch_commit& b = p.b;
    b.job = spec.name;
    b.range_id = range.id;
    b.owner = owner;
    b.lease = opt.lease;
    b.range_done = rows->size() < batch;
    b.cursor = rows->empty() ? cursor : std::optional<row_key>(rows->back().key);
    b.counted.scanned = rows->size();
    b.writes.reserve(rows->size());
    p.rows = rows->size();
    for (stored_row& row : *rows) {
      if (row.at_version) {
        ++b.counted.already_current;
        continue;
      }
      // The record handle decides from the header (or a leading version key) whether the row
      // is current; below the target it rewrites it in its own form, and an error's
      // stored_version is the version the row's header or key names.
      std::string rewritten;
      auto outcome = record.rewrite_row(as_bytes_view(row.value), column, spec.target_version,
                                        rewritten);
      if (!outcome) {
        const error& e = outcome.error();
        b.quarantine.push_back({std::move(row.key), e.stored_version, e.message(), 0});
        ++b.counted.quarantined;
      } else if (outcome->outcome == rewrite_outcome::current) {
        ++b.counted.already_current;
      } else {
        b.writes.push_back({std::move(row.key), std::move(row.value), std::move(rewritten),
                            outcome->stored.format});
      }
    }
    return p;
  }

  /// One batch: the one read ahead (on a first attempt, when one is under way) or one read now;
  /// with a reader of its own, the next batch is read ahead while this one commits. A failed
  /// commit drops the batch read ahead of it.
  result<batch_outcome> run_batch(store& db, store& reader, read_ahead& ahead,
                                  const range_record& range, const std::string& owner,
                                  const std::optional<row_key>& cursor, std::size_t batch,
                                  bool first_attempt) {
    auto p = first_attempt && ahead.running() ? ahead.take()
                                              : prepare_batch(reader, range, owner, cursor, batch);
    if (!p) return std::move(p).error();
    if (&reader != &db && !p->b.range_done)
      ahead.start([this, &reader, of = range, &owner, next = p->b.cursor, batch] {
        return prepare_batch(reader, of, owner, next, batch);
      });
    auto r = commit_prepared(db, std::move(*p));
    if (!r) ahead.drop();
    return r;
  }

  /// Commits a prepared batch: its writes, its range's cursor and counters, its quarantine rows.
  /// Nothing is committed unless everything is.
  result<batch_outcome> commit_prepared(store& db, prepared_batch&& p) {
    auto committed = commit(db, p.b);
    if (!committed) return std::move(committed).error();
    batch_outcome out;
    out.counted = p.b.counted;
    for (bool applied : committed->applied) ++(applied ? out.counted.upgraded : out.counted.conflicts);
    out.cursor = p.b.cursor;
    out.rows = p.rows;
    out.range_done = p.b.range_done;
    out.job_done = committed->job_done;
    out.throttled = p.throttled;
    return out;
  }

  /// Commits a batch; on a store with one writer at a time (single_writer()), the workers of
  /// this process take turns on a mutex, which wakes the next one as soon as the lock is free.
  result<batch_result> commit(store& db, const batch_commit& b) {
    if (db.single_writer()) {
      std::lock_guard lock(commit_mutex);
      return db.commit_batch(b);
    }
    return db.commit_batch(b);
  }

  void count(const backfill_counters& c) {
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

  /// Sets `range` aside after its batch gave up waiting for a row lock (errc::lock_timeout): for
  /// a wait doubling from retry_backoff up to lock_timeout, with the batch size halved, so the
  /// rows before the locked one go through on the next visit.
  void set_aside(const range_record& range, const error& e, ranges_aside& aside,
                 std::size_t& batch) {
    range_aside& a = aside[range.id];
    const auto doubled = backoff(a.waits);
    a.due = opt.clock.now() + std::min(doubled, std::max(opt.lock_timeout, opt.retry_backoff));
    ++a.waits;
    batch = std::max(opt.min_batch, batch / 2);
    std::lock_guard lock(mutex);
    ++lock_waits;
    last_store_error = e.message();
  }

  /// Counts a store call about to be retried after `e` (backfill_progress::store_retries).
  void retrying(const error& e) {
    std::lock_guard lock(mutex);
    ++store_retries;
    last_store_error = e.message();
  }

  /// The wait before try number n + 1: retry_backoff, doubled n times (at most 10).
  std::chrono::milliseconds backoff(std::size_t n) const {
    return opt.retry_backoff * (std::int64_t{1} << std::min<std::size_t>(n, 10));
  }

  /// The errors a store call is tried again after: the database's (it may come back) and a lock
  /// wait that ran out (the lock may be gone).
  static bool retried(errc code) noexcept {
    return code == errc::store_error || code == errc::lock_timeout;
  }

  template <class F>
  auto with_retries(F f) -> decltype(f()) {
    for (std::size_t attempt = 0;; ++attempt) {
      auto r = f();
      if (r || !retried(r.error().code) || attempt >= opt.max_retries) return r;
      retrying(r.error());
      if (!sleep_for(backoff(attempt)))
        return r;
    }
  }

  std::unique_ptr<store> control;    // the handle's own connection, for status changes
  mutable std::mutex control_mutex;  // guards `control`
  record_handle record;              // every row goes through it
  value_format column = control->spec().format;  // what the table's value column holds
  /// The version key the store may tell the target's rows by (scan_skipping); "" for a binary
  /// column or a handle that reads binary rows only.
  std::string skip_json_key =
      column == value_format::binary ? std::string() : std::string(record.json_version_key());
  backfill_options opt;
  job_spec spec;
  std::uint64_t total_rows = 0;
  backfill_counters base;  // the job's counters when this run started

  mutable std::mutex mutex;  // guards everything below
  std::condition_variable wake;
  bool paused = false, cancelled = false, stopping = false;
  std::optional<error> failure;
  std::optional<job_status> final_status;
  backfill_counters done_here;
  std::uint64_t store_retries = 0;   // store calls retried after a store error, this run
  std::uint64_t lock_waits = 0;      // batches that met a row lock and set their range aside
  std::string last_store_error;      // the last one's message
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

// ---- the handle --------------------------------------------------------------------------------

result<backfill> backfill::start(std::unique_ptr<store> db, record_handle record,
                                 backfill_options o) {
  if (!db)
    return error(errc::invalid_option, record.name())
        .with_detail("uplift::backfill::start was given no store; pass an open store or a "
                     "connection from connect()");
  auto st = std::make_unique<state>(std::move(db), std::move(record), std::move(o));
  if (auto s = st->open(); !s) return std::move(s).error();
  st->launch();
  return backfill(std::move(st));
}

backfill::backfill(std::unique_ptr<state> s) noexcept : s_(std::move(s)) {}
backfill::backfill(backfill&&) noexcept = default;
backfill& backfill::operator=(backfill&& other) noexcept {
  if (this != &other) {
    shutdown();
    s_ = std::move(other.s_);
  }
  return *this;
}
backfill::~backfill() { shutdown(); }

void backfill::shutdown() noexcept {
  if (!s_) return;
  s_->stop();
  s_->join();
}

void backfill::pause() { s_->set_paused(true); }
void backfill::resume() { s_->set_paused(false); }
void backfill::cancel() { s_->cancel(); }
status backfill::wait() { return s_->wait(); }
bool backfill::finished() const { return s_->running_workers.load() == 0; }
backfill_progress backfill::progress() const { return s_->progress(); }

result<record_histogram> backfill::histogram() const {
  std::lock_guard lock(s_->control_mutex);
  return uplift::histogram(*s_->control, s_->record);
}

const std::string& backfill::job() const noexcept { return s_->spec.name; }
std::uint16_t backfill::target_version() const noexcept { return s_->spec.target_version; }

}  // namespace uplift
