#pragma once
/// Read-repair: records that a read had to upgrade are written back in the background, with the
/// same conditional write as the backfill, so that rows the application reads often get to the
/// new version before the backfill reaches them.
///
///     auto repair = uplift::read_repair<demo::User, uplift::sqlite_store>::start(
///                       db.connect().value(), codec).value();
///     auto user = repair.read(key, bytes_from_my_select);   // as codec.read(bytes)
///
/// The queue is bounded: when it is full a repair is dropped (counted), never waited for, so a
/// read never blocks on the database. A row changed since it was read is left alone. Records are
/// written at the codec's write version: during a rollout that still writes an older version,
/// only rows below it are repaired, and never to a version old binaries cannot read.
///
/// Thread safety: read(), offer() and stats() may be called from any number of threads.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "codec.hpp"
#include "error.hpp"
#include "read.hpp"
#include "store/store.hpp"

namespace uplift {

struct read_repair_options {
  std::size_t queue_capacity = 4096;  ///< repairs waiting to be written; more are dropped
};

/// What read-repair has done.
struct read_repair_stats {
  std::uint64_t queued = 0;     ///< repairs accepted into the queue
  std::uint64_t written = 0;    ///< rows rewritten
  std::uint64_t conflicts = 0;  ///< rows changed since they were read: left alone
  std::uint64_t dropped = 0;    ///< repairs not queued because the queue was full
  std::uint64_t failed = 0;     ///< writes the store refused (the row stays as it was)
  std::string last_error{};     ///< the last store error's message
};

/// Reads records of R and writes the upgraded ones back through store S in a background thread.
template <class R, class S>
class read_repair {
  UPLIFT_REQUIRE_RECORD("uplift::read_repair<R, S>", R);

 public:
  /// Starts the writer thread on `store`, a connection of its own.
  static result<read_repair> start(S store, const codec<R>& c, read_repair_options o = {}) {
    if (o.queue_capacity == 0)
      return error(errc::invalid_option, R::name).with_detail("queue_capacity must be at least 1");
    auto st = std::make_unique<state>(std::move(store), c, o);
    st->thread = std::thread([s = st.get()] { s->run(); });
    return read_repair(std::move(st));
  }

  read_repair(read_repair&&) noexcept = default;
  read_repair& operator=(read_repair&& other) noexcept {
    if (this != &other) {
      stop();
      s_ = std::move(other.s_);
    }
    return *this;
  }
  /// Writes what is queued, then stops.
  ~read_repair() { stop(); }

  /// Reads `bytes`, the value of row `key`, as the codec does; when the record is below the
  /// codec's write version, queues its rewrite (unless the queue is full).
  result<view<R>> read(const row_key& key, bytes_view bytes) {
    auto v = s_->codec_.read(bytes);
    if (v && !v->from_newer() && v->stored_version() < s_->codec_.write_version()) {
      std::string old_bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      if (s_->codec_.write_version() == detail::chain<R>::latest_version) {
        const bytes_view latest = v->bytes();
        offer(key, std::move(old_bytes),
              std::string(reinterpret_cast<const char*>(latest.data()), latest.size()));
      } else if (auto obj = s_->codec_.read_object(bytes)) {
        if (auto rec = s_->codec_.write(*obj))
          offer(key, std::move(old_bytes), std::string(rec->as_string_view()));
      }
    }
    return v;
  }

  /// Queues the conditional write of `new_bytes` over `old_bytes`; false (counted as dropped)
  /// when the queue is full.
  bool offer(row_key key, std::string old_bytes, std::string new_bytes) {
    {
      std::lock_guard lock(s_->mutex);
      if (s_->queue.size() >= s_->opt.queue_capacity) {
        ++s_->counts.dropped;
        return false;
      }
      s_->queue.push_back({std::move(key), std::move(old_bytes), std::move(new_bytes)});
      ++s_->counts.queued;
    }
    s_->wake.notify_one();
    return true;
  }

  /// Waits until every queued repair is written (or refused).
  void flush() {
    std::unique_lock lock(s_->mutex);
    s_->idle.wait(lock, [&] { return s_->queue.empty() && !s_->writing; });
  }

  read_repair_stats stats() const {
    std::lock_guard lock(s_->mutex);
    return s_->counts;
  }

 private:
  struct state {
    state(S store, const codec<R>& c, read_repair_options o)
        : db(std::move(store)), codec_(c), opt(o) {}

    void run() {
      std::unique_lock lock(mutex);
      while (true) {
        wake.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;  // stopping, and everything written
        conditional_write w = std::move(queue.front());
        queue.pop_front();
        writing = true;
        lock.unlock();
        auto r = db.write_if(w);
        lock.lock();
        writing = false;
        if (!r) {
          ++counts.failed;
          counts.last_error = r.error().message();
        } else if (*r) {
          ++counts.written;
        } else {
          ++counts.conflicts;
        }
        if (queue.empty()) idle.notify_all();
      }
    }

    S db;
    codec<R> codec_;
    read_repair_options opt;
    mutable std::mutex mutex;
    std::condition_variable wake, idle;
    std::deque<conditional_write> queue;
    bool stopping = false, writing = false;
    read_repair_stats counts;
    std::thread thread;
  };

  explicit read_repair(std::unique_ptr<state> s) : s_(std::move(s)) {}
  void stop() {
    if (!s_) return;
    {
      std::lock_guard lock(s_->mutex);
      s_->stopping = true;
    }
    s_->wake.notify_all();
    if (s_->thread.joinable()) s_->thread.join();
  }

  std::unique_ptr<state> s_;
};

}  // namespace uplift
