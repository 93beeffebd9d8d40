// uplift-demo --strategy copy: a live table is copied into a new one through the chain to v3, and
// the new table takes the old one's name, while a service reads and writes it.
//
// The table of users written by three releases (v1, v2 and v3 records) is served by reader and
// writer threads of this process, each with a connection of its own; the writers insert, update
// and delete users, still writing v2 as the release before the change does, and each keeps a
// ledger of what every key it wrote must hold. An uplift::copy_job installs its capture (first),
// copies the rows through the chain to v3 into an empty table, catches up with the changes logged
// meanwhile and verifies the copy range by range. Then the writers roll to the release that
// writes v3 (a write that waits out the swap lands in the new table as it was written, so it must
// be v3 by then), and the job cuts over: the new table takes the old one's name in a window of
// milliseconds, and the service goes on writing to it. Then every key of the ledgers must hold
// what its writer last wrote, every row nobody touched must mean what it meant, and every row must
// be stored at v3. Generic over the store: SQLite, or PostgreSQL with --postgres. With --cutover
// maintenance the job routes the table to the new one instead, holding only the keys with changes
// not applied yet (the service's reads and writes of those retry), and the service moves there.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include <uplift/rows/copy.hpp>
#include <uplift/rows/histogram.hpp>
#include <uplift/store/postgres.hpp>
#include <uplift/store/sqlite.hpp>
#include <uplift/uplift.hpp>

#include "demo.hpp"
#include "user_uplift.hpp"

namespace uplift_demo {
namespace {

using namespace std::chrono_literals;

/// The table the service reads and writes, the table the copy goes into, and the name the old
/// table gets at the cut-over (the job's default: "<table>_uplift_old").
const std::string source_table = "uplift_demo_users";
const std::string target_table = "uplift_demo_users_v3";
const std::string old_table = "uplift_demo_users_uplift_old";

uplift::table_spec users_table(const std::string& name,
                               uplift::value_format f = uplift::value_format::binary) {
  return {.table = name, .key_column = "id", .value_column = "record", .format = f};
}

/// Opens a connection to a table of the demo's database.
template <class S>
using table_opener = std::function<uplift::result<S>(const uplift::table_spec&)>;

/// What each key a writer wrote must hold at the end: the user it last wrote there (compared by
/// meaning, read as v3), or nullopt when it deleted the row.
using write_ledger = std::map<std::int64_t, std::optional<demo::v3::UserT>>;

// ---- the service --------------------------------------------------------------------------------

/// The service: reader and writer threads, each with a connection of its own. Readers read random
/// users; writers insert, update and delete the users they own (writer w of W: the keys k with
/// k % W == w, so that each ledger is its writer's alone) at the old release's version, v2,
/// until they are told to write v3.
template <class S>
class live_service {
 public:
  live_service(const S& db, table_opener<S> open, const options& o)
      : db_(db), open_(std::move(open)), o_(o),
        ledgers_(static_cast<std::size_t>(std::max(o.writers, 0))) {}
  live_service(const live_service&) = delete;
  live_service& operator=(const live_service&) = delete;
  ~live_service() { stop(); }

  /// Starts the threads, each with a connection of its own: "" or why it could not.
  std::string start() {
    for (int i = 0; i < o_.readers + o_.writers; ++i) {
      auto conn = db_.connect();
      if (!conn) return conn.error().message();
      if (i < o_.readers)
        threads_.emplace_back([this, i, c = std::move(*conn)]() mutable { read_loop(i, std::move(c)); });
      else
        threads_.emplace_back([this, w = i - o_.readers, c = std::move(*conn)]() mutable {
          write_loop(w, std::move(c));
        });
    }
    return {};
  }
  void stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  /// The writers roll to the release that writes v3: returns once no write at v2 is in flight.
  void write_v3() {
    std::unique_lock lock(rollout_);
    rolling_ = true;  // holds new writes back, so that the writes in flight cannot go on forever
    rolled_.wait(lock, [this] { return in_flight_ == 0; });
    writes_v3_ = true;
    rolling_ = false;
    lock.unlock();
    rolled_.notify_all();
  }
  /// Moves the counting to the next phase; returns the stats of the phase that ended.
  phase_stats next_phase() {
    ++phase_;  // readers flush what they counted at their next read
    std::lock_guard lock(mutex_);
    phase_stats done = std::move(current_);
    done.seconds = std::chrono::duration<double>(clock_type::now() - phase_start_).count();
    current_ = {};
    phase_start_ = clock_type::now();
    return done;
  }
  std::uint64_t reads() const { return reads_.load(); }
  std::uint64_t writes() const { return writes_.load(); }
  /// Writes refused with errc::table_moved (and written again at the table's new place).
  std::uint64_t refused() const { return refused_.load(); }
  /// Reads and writes refused with errc::key_in_maintenance (and tried again a moment later).
  std::uint64_t held() const { return held_.load(); }
  /// The first thing that went wrong in a thread, or "".
  std::string error() const {
    std::lock_guard lock(mutex_);
    return error_;
  }
  /// Every writer's ledger, merged (their keys are disjoint). Once stopped.
  write_ledger ledger() const {
    write_ledger all;
    for (const auto& l : ledgers_) all.insert(l.begin(), l.end());
    return all;
  }

 private:
  void fail(const std::string& what) {
    std::lock_guard lock(mutex_);
    if (error_.empty()) error_ = what;
  }

  /// Runs `f` (a read or a write) again while it fails with errc::key_in_maintenance: the key's
  /// last change is being applied by a maintenance cut-over, for some milliseconds.
  template <class F>
  auto retry_held(F&& f) -> decltype(f()) {
    for (int tries = 0;; ++tries) {
      auto r = f();
      if (r || r.error().code != uplift::errc::key_in_maintenance || tries == 50'000) return r;
      ++held_;
      std::this_thread::sleep_for(200us);
    }
  }

  void read_loop(int index, S db) {
    const uplift::codec<User> codec;  // reads v1, v2 and v3: every read returns a v3 view
    std::mt19937_64 rng(static_cast<std::uint64_t>(index) * 7919 + 1);
    std::vector<std::uint32_t> lat;
    std::uint64_t n = 0;
    int seen_phase = phase_.load();
    // A service's readers serve requests as they come, at a rate, not as fast as they can.
    const double per_reader = o_.read_rate / std::max(1, o_.readers);
    const auto gap = per_reader > 0 ? std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / per_reader)) : 0ns;
    auto next = clock_type::now();
    auto flush = [&] {
      std::lock_guard lock(mutex_);
      current_.reads += n;
      current_.latency_ns.insert(current_.latency_ns.end(), lat.begin(), lat.end());
      lat.clear();
      n = 0;
    };
    std::optional<S> moved;  // the table's new place, once the writers found it routed there
    while (!stop_) {
      if (!moved && moved_.load()) {
        std::string where;
        {
          std::lock_guard lock(mutex_);
          where = moved_where_;
        }
        auto there = open_(users_table(where));
        if (!there) return fail("read: " + there.error().message());
        moved.emplace(std::move(*there));
      }
      const auto key = static_cast<std::int64_t>(1 + rng() % static_cast<std::uint64_t>(o_.rows));
      const auto t0 = clock_type::now();
      auto bytes = retry_held([&] { return (moved ? *moved : db).get(key); });
      if (!bytes) return fail("read " + std::to_string(key) + ": " + bytes.error().message());
      if (*bytes) {
        auto user = codec.read(std::string_view(**bytes));
        if (!user) return fail("read " + std::to_string(key) + ": " + user.error().message());
        if ((*user)->id() != static_cast<std::uint64_t>(key))
          return fail("read " + std::to_string(key) + ": the row holds user " + std::to_string((*user)->id()));
      }
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now() - t0).count();
      lat.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(ns, UINT32_MAX)));
      ++n;
      ++reads_;
      if (n % 256 == 0 || phase_.load() != seen_phase) {
        seen_phase = phase_.load();
        flush();
      }
      if (gap > 0ns) {
        next += gap;
        const auto now = clock_type::now();
        if (next > now) std::this_thread::sleep_until(next);
        else if (now - next > 100ms) next = now;  // behind: do not try to catch up in a burst
      }
    }
    flush();
  }

  enum class write_kind : std::uint8_t { update, insert, erase };

  /// One write of user `key` into `db` at `codec`'s write version: the user written, or nullopt
  /// for a delete. An update reads the row first (a row that is gone is written anew).
  static uplift::result<std::optional<demo::v3::UserT>> write_one(S& db, const uplift::codec<User>& codec,
                                                                  write_kind kind, std::int64_t key,
                                                                  const std::string& tag) {
    if (kind == write_kind::erase) {
      if (auto st = db.erase(key); !st) return std::move(st).error();
      return std::optional<demo::v3::UserT>();
    }
    demo::v3::UserT u = latest_user(key);
    if (kind == write_kind::update) {
      auto bytes = db.get(key);
      if (!bytes) return std::move(bytes).error();
      if (*bytes) {
        auto now = codec.read_object(std::string_view(**bytes));
        if (!now) return std::move(now).error();
        u = std::move(*now);
      }
    }
    u.email = "user" + std::to_string(key) + "+" + tag + "@example.com";
    u.age = 18 + (u.age + 1) % 70;
    auto record = codec.write(u);  // at the codec's write version: v2 (the old release) or v3
    if (!record) return std::move(record).error();
    if (auto st = db.put(key, record->as_string_view()); !st) return std::move(st).error();
    return std::optional<demo::v3::UserT>(std::move(u));
  }

  void write_loop(int index, S db) {
    const auto old_release = uplift::codec<User>::make({.write_version = 2}).value();
    const uplift::codec<User> new_release;  // writes v3, the latest
    std::optional<S> moved;  // the table's new place, once a write was refused with table_moved
    auto& ledger = ledgers_[static_cast<std::size_t>(index)];
    std::mt19937_64 rng(static_cast<std::uint64_t>(index) * 104729 + 3);
    const std::int64_t all = o_.writers;
    auto owned = [&](std::int64_t k) { return k + ((index - k % all) % all + all) % all; };  // the first >= k
    std::int64_t top = o_.rows;                     // the highest key it may have written
    std::int64_t next_insert = owned(o_.rows + 1);  // inserts: new keys after the table's
    const double per_writer = o_.write_rate / std::max(1, o_.writers);
    const auto gap = per_writer > 0 ? std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 / per_writer)) : 0ns;
    auto next = clock_type::now();
    for (std::uint64_t op = 0; !stop_; ++op) {
      // 60% updates, 20% inserts, 20% deletes.
      const auto dice = rng() % 10;
      const write_kind kind = dice < 6 ? write_kind::update : dice < 8 ? write_kind::insert : write_kind::erase;
      std::int64_t key = 0;
      if (kind == write_kind::insert) {
        key = next_insert;
        next_insert += all;
        top = std::max(top, key);
      } else {
        key = owned(1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(top)));
        if (key > top) continue;
      }
      const std::string tag = "w" + std::to_string(index) + "." + std::to_string(op);
      bool v3 = false;
      {
        std::unique_lock lock(rollout_);  // write_v3 waits for this write, or this write for it
        rolled_.wait(lock, [this] { return !rolling_; });
        ++in_flight_;
        v3 = writes_v3_;
      }
      auto done = retry_held([&] {
        return write_one(moved ? *moved : db, moved || v3 ? new_release : old_release, kind, key, tag);
      });
      std::string failure;
      if (!done && done.error().code == uplift::errc::table_moved && !moved) {
        // The table was cut over by route: write again where it went (a table of this database).
        auto where = uplift::moved_to(db);
        if (!where || !*where) {
          failure = done.error().message() + ", and moved_to does not say where";
        } else if (auto there = open_(users_table(**where)); !there) {
          failure = there.error().message();
        } else {
          moved.emplace(std::move(*there));
          ++refused_;
          {
            std::lock_guard lock(mutex_);
            moved_where_ = **where;
          }
          moved_ = true;
          done = retry_held([&] { return write_one(*moved, new_release, kind, key, tag); });
        }
      }
      {
        std::lock_guard lock(rollout_);
        --in_flight_;
      }
      rolled_.notify_all();
      if (failure.empty() && !done) failure = done.error().message();
      if (!failure.empty()) return fail("write " + std::to_string(key) + ": " + failure);
      ledger[key] = std::move(*done);
      ++writes_;
      {
        std::lock_guard lock(mutex_);
        ++current_.writes;
      }
      // Behind (a slow commit): no burst to catch up, the next write waits its gap too, which
      // leaves the database's write lock free for the other writers and the copy job meanwhile.
      next = std::max(next + gap, clock_type::now() + gap / 2);
      std::this_thread::sleep_until(next);
    }
  }

  const S& db_;
  table_opener<S> open_;
  const options& o_;
  std::vector<write_ledger> ledgers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<int> phase_{0};
  std::atomic<std::uint64_t> reads_{0}, writes_{0}, refused_{0}, held_{0};
  /// Where the table was routed, once a writer met the route: the readers follow it.
  std::atomic<bool> moved_{false};
  std::string moved_where_;  // under mutex_
  /// Held shared by each write, at once by write_v3: the version flips between two writes.
  /// The version the writers write at: a write holds it while in flight; write_v3 flips it between
  /// two writes.
  std::mutex rollout_;
  std::condition_variable rolled_;
  int in_flight_ = 0;        // under rollout_
  bool rolling_ = false;     // under rollout_
  bool writes_v3_ = false;   // under rollout_
  mutable std::mutex mutex_;
  phase_stats current_;
  clock_type::time_point phase_start_ = clock_type::now();
  std::string error_;
};

// ---- output -------------------------------------------------------------------------------------

/// Calls `line(false)` from a thread of its own while the main thread runs a phase: every 100 ms on
/// a terminal (one line, redrawn), every 2 s otherwise; `finish` stops it and calls `line(true)`.
class ticker {
 public:
  explicit ticker(std::function<void(bool final_line)> line) : line_(std::move(line)) {
    thread_ = std::thread([this] {
      std::unique_lock lock(m_);
      while (!cv_.wait_for(lock, tty ? 100ms : 2s, [this] { return done_; })) {
        lock.unlock();
        line_(false);
        lock.lock();
      }
    });
  }
  ticker(const ticker&) = delete;
  ticker& operator=(const ticker&) = delete;
  ~ticker() { finish(); }
  void finish() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(m_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
    line_(true);
  }

 private:
  std::function<void(bool)> line_;
  std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

/// A progress line: redrawn in place on a terminal, one line each time otherwise.
void progress(bool final_line, const std::string& text) {
  if (tty) std::printf("\r   %s   %s", text.c_str(), final_line ? "\n" : "");
  else std::printf("   %s\n", text.c_str());
  std::fflush(stdout);
}

std::string bar_of(double f) {
  const int width = 20;
  const int filled = std::clamp(static_cast<int>(f * width + 0.5), 0, width);
  return "[" + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(width - filled), '.') + "]  ";
}

std::string ms(std::chrono::microseconds us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(us.count()) / 1000.0);
  return buf;
}

/// The service's line for a phase that ended.
void print_service(const phase_stats& p, const char* when) {
  std::printf("   service %s: %s reads/s (p99 %.1f us), %s writes/s\n", when,
              thousands(static_cast<std::uint64_t>(p.reads_per_second())).c_str(), p.percentile(0.99),
              thousands(static_cast<std::uint64_t>(p.writes_per_second())).c_str());
  std::fflush(stdout);
}

// ---- the demo -----------------------------------------------------------------------------------

template <class S>
int copy_demo(const options& o, const table_opener<S>& open, const std::string& where) {
  auto fail = [](const std::string& what) {
    std::fflush(stdout);  // what was printed first comes first
    return std::fprintf(stderr, "uplift-demo: %s\n", what.c_str()), 1;
  };
  const uplift::codec<User> codec;  // reads every version, writes v3

  // 1. Legacy data, and the empty table the copy goes into. The demo's tables are dropped first,
  // through stores opened for JSON rows, which every value column type accepts (a --format json
  // run of the backfill leaves a jsonb column on PostgreSQL).
  phase(1, "Legacy data",
        ("A users table (" + source_table + ") in " + where +
         ", written over the years by three releases,\nand an empty table (" + target_table +
         ") for the copy.")
            .c_str());
  for (const std::string& t : {source_table, target_table, old_table}) {
    auto any = open(users_table(t, uplift::value_format::json));
    if (!any) return fail(any.error().message());
    if (auto st = any->drop_table(); !st) return fail(st.error().message());
  }
  auto db = open(users_table(source_table));
  if (!db) return fail(db.error().message());
  if (auto st = db->create_table(); !st) return fail(st.error().message());
  {
    const auto t0 = clock_type::now();
    std::vector<uplift::stored_row> chunk;
    for (std::int64_t i = 1; i <= o.rows; ++i) {
      chunk.push_back({i, user_at(i, release_of(i), [](const auto& u) {
                         return std::string(uplift::write<User>(u).as_string_view());
                       })});
      if (chunk.size() == 20'000 || i == o.rows) {
        if (auto st = db->put_many(chunk); !st) return fail(st.error().message());
        chunk.clear();
        if (tty) std::printf("\r   writing %s / %s rows", thousands(static_cast<std::uint64_t>(i)).c_str(),
                             thousands(static_cast<std::uint64_t>(o.rows)).c_str());
        std::fflush(stdout);
      }
    }
    std::printf("%s   %s rows written in %.1f s. Rows per stored version:\n", tty ? "\r" : "",
                thousands(static_cast<std::uint64_t>(o.rows)).c_str(),
                std::chrono::duration<double>(clock_type::now() - t0).count());
  }
  auto before = uplift::histogram(*db, codec.handle());  // from the record headers alone
  if (!before) return fail(before.error().message());
  print_histogram(*before, false);
  {
    auto target = open(users_table(target_table));
    if (!target) return fail(target.error().message());
    if (auto st = target->create_table(); !st) return fail(st.error().message());
  }

  // 2. The service.
  phase(2, "The service",
        (std::to_string(o.readers) + " reader and " + std::to_string(o.writers) +
         " writer threads of this process serve the table, each with its own connection: the readers read\n"
         "random users (every read returns v3, upgraded on the fly), the writers insert, update and delete\n"
         "users (" + thousands(static_cast<std::uint64_t>(o.write_rate)) +
         " writes/s in all), still writing v2 as the release before the change does,\neach keeping a ledger "
         "of what every key it wrote must hold.")
            .c_str());
  live_service<S> svc(*db, open, o);
  if (auto st = svc.start(); !st.empty()) return fail(st);
  for (int s = 0; s < static_cast<int>(o.baseline_seconds + 0.5) || s == 0; ++s) {
    const auto r0 = svc.reads(), w0 = svc.writes();
    std::this_thread::sleep_for(1s);
    std::printf("   %s reads/s, %s writes/s (written at v2)\n", thousands(svc.reads() - r0).c_str(),
                thousands(svc.writes() - w0).c_str());
    std::fflush(stdout);
    if (auto e = svc.error(); !e.empty()) return fail("the service failed: " + e);
  }
  const phase_stats baseline = svc.next_phase();

  // 3. The capture.
  phase(3, "Open the copy job",
        "The job installs its capture first: triggers on the table log the key of every row inserted, "
        "updated or deleted,\nin the writer's own transaction, so that no change falls between the "
        "capture and the copy.");
  uplift::copy_options co;
  co.job = "demo.User@v3 " + std::to_string(std::time(nullptr)) + "." + std::to_string(::getpid());
  co.target_version = 3;
  co.rows_per_second = o.rate;
  if (o.maintenance) co.cutover = uplift::cutover_mode::maintenance;  // routed to target_table
  auto job_source = db->connect();
  if (!job_source) return fail(job_source.error().message());
  auto job_target = open(users_table(target_table));
  if (!job_target) return fail(job_target.error().message());
  auto job = uplift::copy_job::open(std::move(*job_source), std::move(*job_target), codec.handle(), co);
  if (!job) return fail("the copy job did not open: " + job.error().message());
  auto watch = db->connect();  // the progress lines' own connection
  if (!watch) return fail(watch.error().message());
  auto captured = watch->has_capture(job->job());
  if (!captured) return fail(captured.error().message());
  if (!*captured) return fail("the copy job opened, and " + source_table + " has no capture");
  std::printf("   job \"%s\": capture installed on %s; %s rows to copy into %s at v%u\n", job->job().c_str(),
              source_table.c_str(), thousands(job->progress().total_rows).c_str(), target_table.c_str(),
              unsigned{job->target_version()});

  // 4. The copy.
  phase(4, "Copy",
        ("The rows are copied in key order, in chunks, through the chain to v3 (v1 and v2 rows upgraded, v3 "
         "rows as they are),\n" +
         (o.rate > 0 ? "at most " + thousands(static_cast<std::uint64_t>(o.rate)) + " rows/s"
                     : std::string("unthrottled")) +
         ", while the service keeps reading and writing the old table.")
            .c_str());
  auto backlog_words = [&watch, &job] {
    auto b = watch->backlog(job->job());
    if (!b) return "log: " + b.error().message();
    const auto lag = b->entries == 0 ? 0 : std::max<std::int64_t>(0, b->now_ms - b->oldest_ms);
    return "log " + thousands(b->entries) + " entries, lag " + thousands(static_cast<std::uint64_t>(lag)) + " ms";
  };
  const auto c0 = clock_type::now();
  uplift::status copied;
  {
    ticker line([&](bool final_line) {
      const auto p = job->progress();
      char pct[16];
      std::snprintf(pct, sizeof pct, "%5.1f%%", 100.0 * p.fraction());
      const std::string rate = thousands(static_cast<std::uint64_t>(p.rows_per_second)) + " rows/s";
      if (tty)  // one line of a terminal's width, redrawn
        progress(final_line, bar_of(p.fraction()) + pct + "  " + thousands(p.copied) + " rows  " + rate + "  " + backlog_words());
      else
        progress(final_line, std::string(pct) + "  " + thousands(p.copied) + " of about " + thousands(p.total_rows) +
                                 " rows copied, " + rate + ", " + backlog_words());
    });
    copied = job->copy();
  }
  const double copy_seconds = std::chrono::duration<double>(clock_type::now() - c0).count();
  if (!copied) return fail("the copy failed: " + copied.error().message());
  const auto after_copy = job->progress();
  std::printf("   %s rows copied in %.1f s (%s rows/s), %s quarantined\n", thousands(after_copy.copied).c_str(),
              copy_seconds,
              thousands(static_cast<std::uint64_t>(static_cast<double>(after_copy.copied) / std::max(copy_seconds, 1e-9))).c_str(),
              thousands(after_copy.quarantined).c_str());
  const phase_stats during_copy = svc.next_phase();
  print_service(during_copy, "during the copy");
  if (auto e = svc.error(); !e.empty()) return fail("the service failed: " + e);

  // 5. Catch up.
  constexpr std::uint64_t caught_up = 50;  // the rest is drained by the cut-over
  phase(5, "Catch up",
        ("The changes logged since the capture are applied, each by its exact log entry: the changed "
         "row as it is now\ngoes through the chain into the new table, or a deleted one is deleted "
         "there. The service keeps writing;\nthe catch-up stops when the log holds at most " +
         std::to_string(caught_up) + " entries, for the cut-over to drain.")
            .c_str());
  std::printf("   %s\n", backlog_words().c_str());
  const auto k0 = clock_type::now();
  uplift::result<std::uint64_t> applied = std::uint64_t{0};
  {
    ticker line([&](bool final_line) {
      const auto p = job->progress();
      progress(final_line, "applied " + thousands(p.applied) + " entries, " + backlog_words());
    });
    applied = job->catch_up(caught_up);
  }
  if (!applied) return fail("the catch-up failed: " + applied.error().message());
  {
    const auto p = job->progress();
    std::printf("   %s entries applied in %.0f ms; the log holds %s (lag %lld ms)\n", thousands(*applied).c_str(),
                std::chrono::duration<double, std::milli>(clock_type::now() - k0).count(),
                thousands(p.backlog).c_str(), static_cast<long long>(p.lag.count()));
  }

  // 6. Verify.
  phase(6, "Verify",
        "Each key range of the chain applied to the old table is compared with the new table by "
        "checksum, and a range\nthat differs row by row: a key whose change is still in the log is "
        "behind, any other difference is a mismatch.");
  auto v = job->verify();
  if (!v) return fail("the verification failed: " + v.error().message());
  std::printf("   %s ranges, %s rows compared: %s mismatched, %s behind (changes still in the log), "
              "%s the chain rejects\n",
              thousands(v->ranges).c_str(), thousands(v->rows).c_str(), thousands(v->mismatched_rows).c_str(),
              thousands(v->pending_rows).c_str(), thousands(v->quarantined_rows).c_str());
  if (!v->ok()) {
    std::string keys;
    for (std::size_t i = 0; i < v->mismatched_keys.size() && i < 10; ++i)
      keys += (i ? ", " : "") + uplift::key_to_string(v->mismatched_keys[i]);
    return fail("the new table differs from the chain applied to the old one (keys " + keys +
                "): no cut-over");
  }
  const phase_stats during_catch_up = svc.next_phase();
  print_service(during_catch_up, "during the catch-up and the verification");
  if (auto e = svc.error(); !e.empty()) return fail("the service failed: " + e);

  // 7. Cut over.
  phase(7, "Cut over",
        o.maintenance
            ? ("The service rolls to the release that writes v3 (a v3 row goes through the chain as it "
               "is). Then the job blocks\nthe table's writers only to put the keys with changes still in "
               "the log in maintenance and route\n" + source_table + " to " + target_table +
               ": the service moves there, where every other key is served at once, and a key in\n"
               "maintenance is refused (retried) until the job has applied its last change.")
                  .c_str()
            : ("The service rolls to the release that writes v3 (a v3 row goes through the chain as it "
               "is). Then the job blocks\nthe table's writers, drains the last log entries into the new "
               "table and swaps the tables in one transaction:\nthe new table takes the name " +
               source_table + ", the old one becomes " + old_table + ". The writers wait, then go on.")
                  .c_str());
  svc.write_v3();
  std::printf("   the writers write v3 from now on\n");
  std::optional<uplift::cutover_report> report;
  constexpr int attempts = 20;
  for (int attempt = 1; attempt <= attempts && !report; ++attempt) {
    // A maintenance cut-over takes the changes logged since the catch-up as they are: their keys
    // are the ones held.
    if (!o.maintenance || attempt > 1)
      if (auto n = job->catch_up(caught_up); !n) return fail("the catch-up failed: " + n.error().message());
    auto r = job->cut_over();
    if (r) {
      report = std::move(*r);
    } else if (r.error().code != uplift::errc::cutover_aborted) {
      return fail("the cut-over failed: " + r.error().message());
    } else {
      std::printf("   attempt %d: %s%s\n", attempt, r.error().message().c_str(),
                  attempt < attempts ? "; catching up and trying again" : "");
      std::fflush(stdout);
      if (attempt == attempts) return fail("no cut-over within " + std::to_string(attempts) + " attempts");
      std::this_thread::sleep_for(std::min(100ms * attempt, 1000ms));
    }
  }
  const bool routed = report->swap == uplift::swap_mode::route;
  const std::string final_name = routed ? target_table : source_table;
  if (routed)
    std::printf("   swapped by route: %s refuses writes, %s is the table now\n", source_table.c_str(),
                target_table.c_str());
  else
    std::printf("   swapped by rename: %s is the copy now, the old table is %s\n", source_table.c_str(),
                report->old_table.c_str());
  if (o.maintenance)
    std::printf("   the writers were blocked for %s (the window); %s keys were in maintenance, the last "
                "of them for %s after it\n",
                ms(report->window).c_str(), thousands(report->maintenance_keys).c_str(),
                ms(report->maintenance).c_str());
  else
    std::printf("   the writers were blocked for %s (the window); %s log entries drained in it\n",
                ms(report->window).c_str(), thousands(report->drained).c_str());

  // 8. After the cut-over.
  phase(8, "After the cut-over",
        ("The service goes on for a second, reading and writing " + final_name + ", the new table.").c_str());
  std::this_thread::sleep_for(1s);
  const phase_stats after_cutover = svc.next_phase();
  svc.stop();
  print_service(after_cutover, "during the cut-over and after it");
  std::printf("   writes refused with table_moved and written again at the new place: %s\n",
              thousands(svc.refused()).c_str());
  if (o.maintenance)
    std::printf("   reads and writes of a key in maintenance, refused and tried again: %s\n",
                thousands(svc.held()).c_str());
  const std::string service_error = svc.error();
  if (!service_error.empty()) return fail("the service failed: " + service_error);

  // 9. The checks.
  phase(9, "Checks",
        ("The new table " + final_name + " against the writers' ledgers and the rows nobody touched, each "
         "read as v3 and compared by meaning,\nand each row's stored version from its header. Rows per stored version:")
            .c_str());
  auto final_table = open(users_table(final_name));
  if (!final_table) return fail(final_table.error().message());
  auto now = uplift::histogram(*final_table, codec.handle());
  if (!now) return fail(now.error().message());
  print_histogram(*now, false);
  const write_ledger ledger = svc.ledger();
  std::uint64_t rows = 0, below_v3 = 0, lost = 0, untouched = 0, untouched_changed = 0, unknown = 0;
  std::vector<std::string> problems;  // the first few, named
  auto problem = [&problems](std::string what) {
    if (problems.size() < 10) problems.push_back(std::move(what));
  };
  std::map<std::int64_t, bool> seen;  // the ledger's keys found in the table
  std::optional<uplift::row_key> after;
  for (;;) {
    auto page = final_table->scan({after, std::nullopt}, 10'000);
    if (!page) return fail(page.error().message());
    for (const uplift::stored_row& row : *page) {
      ++rows;
      const std::int64_t key = std::get<std::int64_t>(row.key);
      auto header = uplift::peek(std::string_view(row.value));
      if (!header || header->version != 3) {
        ++below_v3;
        problem("row " + std::to_string(key) + " is stored at " +
                (header ? "v" + std::to_string(header->version) : header.error().message()));
      }
      auto got = codec.read_object(std::string_view(row.value));
      if (!got) return fail("row " + std::to_string(key) + ": " + got.error().message());
      if (auto it = ledger.find(key); it != ledger.end()) {
        seen[key] = true;
        if (!it->second) {
          ++lost;
          problem("row " + std::to_string(key) + " was deleted, and is there");
        } else if (!(*got == *it->second)) {
          ++lost;
          problem("row " + std::to_string(key) + " holds " + got->email + ", its writer last wrote " + it->second->email);
        }
      } else if (key >= 1 && key <= o.rows) {
        ++untouched;
        const auto original = user_at(key, release_of(key), [](const auto& u) {
          return std::string(uplift::write<User>(u).as_string_view());
        });
        auto want = codec.read_object(std::string_view(original));
        if (!want || !(*got == *want)) {
          ++untouched_changed;
          problem("row " + std::to_string(key) + ", which nobody wrote, does not mean what it meant");
        }
      } else {
        ++unknown;
        problem("row " + std::to_string(key) + " was written by nobody");
      }
    }
    if (page->size() < 10'000) break;
    after = page->back().key;
  }
  for (const auto& [key, want] : ledger) {
    if (want && seen.count(key) == 0) {
      ++lost;
      problem("row " + std::to_string(key) + " is missing; its writer last wrote " + want->email);
    }
  }
  // The rows nobody wrote that are not there: each one of 1..rows that is neither in the ledger
  // nor was seen.
  std::uint64_t in_ledger_originals = 0;
  for (const auto& [key, want] : ledger)
    if (key >= 1 && key <= o.rows) ++in_ledger_originals;
  const std::uint64_t untouched_missing = static_cast<std::uint64_t>(o.rows) - in_ledger_originals - untouched;
  if (untouched_missing != 0) problem(thousands(untouched_missing) + " rows nobody wrote are missing");
  auto old_rows = [&]() -> uplift::result<std::uint64_t> {
    auto old = open(users_table(routed ? source_table : report->old_table));
    if (!old) return std::move(old).error();
    return old->count({});
  }();
  const auto p = job->progress();

  std::printf("\n| phase | reads/s | read p50 | read p99 | writes/s |\n|---|---:|---:|---:|---:|\n");
  const std::pair<const phase_stats*, const char*> phases[] = {{&baseline, "before the copy"},
                                                              {&during_copy, "copy"},
                                                              {&during_catch_up, "catch-up and verify"},
                                                              {&after_cutover, "cut-over and after"}};
  for (const auto& [s, name] : phases)
    std::printf("| %s | %s | %.1f us | %.1f us | %s |\n", name,
                thousands(static_cast<std::uint64_t>(s->reads_per_second())).c_str(), s->percentile(0.50),
                s->percentile(0.99), thousands(static_cast<std::uint64_t>(s->writes_per_second())).c_str());
  std::printf("\n| copy | |\n|---|---:|\n");
  std::printf("| rows copied | %s |\n| quarantined | %s |\n", thousands(p.copied).c_str(),
              thousands(p.quarantined).c_str());
  std::printf("| copy time | %.1f s |\n| log entries applied (catch-up and cut-over) | %s |\n", copy_seconds,
              thousands(p.applied).c_str());
  std::printf("| verified: ranges, rows, mismatches | %s, %s, %s |\n", thousands(v->ranges).c_str(),
              thousands(v->rows).c_str(), thousands(v->mismatched_rows).c_str());
  std::printf("| cut-over window (writers blocked) | %s |\n", ms(report->window).c_str());
  if (!o.maintenance) std::printf("| log entries drained in it | %s |\n", thousands(report->drained).c_str());
  if (o.maintenance)
    std::printf("| keys in maintenance | %s, the last for %s |\n| reads and writes refused while held, retried | %s |\n",
                thousands(report->maintenance_keys).c_str(), ms(report->maintenance).c_str(),
                thousands(svc.held()).c_str());
  std::printf("| old table | %s (%s rows) |\n", routed ? (source_table + ", routed").c_str() : report->old_table.c_str(),
              old_rows ? thousands(*old_rows).c_str() : old_rows.error().message().c_str());
  std::printf("| rows in %s | %s |\n| rows below v3 | %s |\n", final_name.c_str(), thousands(rows).c_str(),
              thousands(below_v3).c_str());
  std::printf("| rows nobody wrote: checked, changed, missing | %s, %s, %s |\n", thousands(untouched).c_str(),
              thousands(untouched_changed).c_str(), thousands(untouched_missing).c_str());
  std::printf("| rows written by nobody | %s |\n", thousands(unknown).c_str());
  std::printf("\nlost writes: %s (of %s keys the service wrote, checked against its writers' ledgers)\n",
              thousands(lost).c_str(), thousands(ledger.size()).c_str());
  for (const std::string& what : problems) std::printf("   %s\n", what.c_str());
  std::fflush(stdout);
  const bool ok = lost == 0 && below_v3 == 0 && untouched_changed == 0 && untouched_missing == 0 &&
                  unknown == 0 && p.quarantined == 0 && old_rows.has_value() && (o.writers == 0 || !ledger.empty()) && untouched > 0;
  if (ok) return 0;
  std::fflush(stdout);
  std::fprintf(stderr,
               "uplift-demo: the copy-transform is not right (%s lost writes, %s rows below v3, %s rows nobody "
               "wrote changed and %s missing, %s written by nobody, %s quarantined%s): a bug in uplift; please "
               "report it with this output\n",
               thousands(lost).c_str(), thousands(below_v3).c_str(), thousands(untouched_changed).c_str(),
               thousands(untouched_missing).c_str(), thousands(unknown).c_str(), thousands(p.quarantined).c_str(),
               old_rows ? "" : (", the old table: " + old_rows.error().message()).c_str());
  return 1;
}

}  // namespace

int run_copy(const options& o, const std::string& sqlite_path) {
  if (!o.postgres.empty()) {
    const table_opener<uplift::postgres_store> open = [&o](const uplift::table_spec& t) {
      return uplift::postgres_store::open(o.postgres, t);
    };
    return copy_demo(o, open, "PostgreSQL");
  }
  // A write waits up to a minute for another connection's write transaction (the default is 5 s):
  // on a busy machine one commit's fsync can take long, and SQLite lets one writer in at a time.
  uplift::sqlite_options so;
  so.busy_timeout = 60s;
  const table_opener<uplift::sqlite_store> open = [&sqlite_path, so](const uplift::table_spec& t) {
    return uplift::sqlite_store::open(sqlite_path, t, so);
  };
  return copy_demo(o, open, "SQLite (" + sqlite_path + ")");
}

}  // namespace uplift_demo
