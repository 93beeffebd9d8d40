// Read-repair (read_repair.hpp): a bounded queue of rows to repair and the thread that rewrites
// each through the record handle and writes it back conditionally.
#include <uplift/rows/read_repair.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace uplift {

struct read_repair::state {
  /// A row to repair: its key and the bytes it held when it was read.
  struct repair {
    row_key key;
    std::string stored;
  };

  state(std::unique_ptr<store> s, record_handle r, read_repair_options o)
      : db(std::move(s)), record(std::move(r)), opt(o) {}

  void run() {
    std::unique_lock lock(mutex);
    while (true) {
      wake.wait(lock, [&] { return stopping || !queue.empty(); });
      if (queue.empty()) return;  // stopping, and everything written
      repair next = std::move(queue.front());
      queue.pop_front();
      writing = true;
      lock.unlock();
      const outcome done = rewrite_and_write(next);
      lock.lock();
      writing = false;
      switch (done.kind) {
        case outcome::written: ++counts.written; break;
        case outcome::conflict: ++counts.conflicts; break;
        case outcome::current: ++counts.current; break;
        case outcome::failed:
          ++counts.failed;
          counts.last_error = done.error;
          break;
      }
      if (queue.empty()) idle.notify_all();
    }
  }

  struct outcome {
    enum { written, conflict, current, failed } kind;
    std::string error{};
  };

  /// Off the lock: the rewrite at the write version, then the conditional write.
  outcome rewrite_and_write(repair& r) {
    std::string rewritten;
    auto rw = record.rewrite_row(as_bytes_view(r.stored), db->spec().format,
                                 record.write_version(), rewritten);
    if (!rw) return {outcome::failed, rw.error().message()};
    if (rw->outcome == rewrite_outcome::current) return {outcome::current};
    auto w = db->write_if(
        {std::move(r.key), std::move(r.stored), std::move(rewritten), rw->stored.format});
    if (!w) return {outcome::failed, w.error().message()};
    return {*w ? outcome::written : outcome::conflict};
  }

  std::unique_ptr<store> db;
  record_handle record;
  read_repair_options opt;
  mutable std::mutex mutex;  // guards everything below
  std::condition_variable wake, idle;
  std::deque<repair> queue;
  bool stopping = false, writing = false;
  read_repair_stats counts;
  std::thread thread;
};

result<read_repair> read_repair::start(std::unique_ptr<store> db, record_handle record,
                                       read_repair_options o) {
  if (o.queue_capacity == 0)
    return error(errc::invalid_option, record.name())
        .with_detail("queue_capacity must be at least 1");
  if (!db)
    return error(errc::invalid_option, record.name())
        .with_detail("uplift::read_repair::start was given no store; pass an open store or a "
                     "connection from connect()");
  if (db->spec().format != value_format::binary && !record.reads_json())
    return detail::needs_json_handle(record.name(), "the table's value column holds JSON rows");
  auto st = std::make_unique<state>(std::move(db), std::move(record), o);
  st->thread = std::thread([s = st.get()] { s->run(); });
  return read_repair(std::move(st));
}

read_repair::read_repair(std::unique_ptr<state> s) noexcept : s_(std::move(s)) {}
read_repair::read_repair(read_repair&&) noexcept = default;
read_repair& read_repair::operator=(read_repair&& other) noexcept {
  if (this != &other) {
    stop();
    s_ = std::move(other.s_);
  }
  return *this;
}
read_repair::~read_repair() { stop(); }

void read_repair::stop() noexcept {
  if (!s_) return;
  {
    std::lock_guard lock(s_->mutex);
    s_->stopping = true;
  }
  s_->wake.notify_all();
  if (s_->thread.joinable()) s_->thread.join();
}

bool read_repair::offer(row_key key, std::string stored) {
  {
    std::lock_guard lock(s_->mutex);
    if (s_->queue.size() >= s_->opt.queue_capacity) {
      ++s_->counts.dropped;
      return false;
    }
    s_->queue.push_back({std::move(key), std::move(stored)});
    ++s_->counts.queued;
  }
  s_->wake.notify_one();
  return true;
}

void read_repair::flush() {
  std::unique_lock lock(s_->mutex);
  s_->idle.wait(lock, [&] { return s_->queue.empty() && !s_->writing; });
}

read_repair_stats read_repair::stats() const {
  std::lock_guard lock(s_->mutex);
  return s_->counts;
}

const record_handle& read_repair::record() const noexcept { return s_->record; }

}  // namespace uplift
