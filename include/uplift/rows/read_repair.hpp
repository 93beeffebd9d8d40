#pragma once
/// Read-repair: rows that a read found below the write version are rewritten in the background,
/// with the same conditional write as the backfill, so that rows the application reads often get
/// to the new version before the backfill reaches them. Compiled in the runtime
/// (`uplift::runtime`), except the typed `read` below.
///
///     auto repair = uplift::read_repair::start(db.connect().value(), codec).value();
///     auto user = repair.read<demo::User>(key, bytes_from_my_select);   // as codec.read(bytes)
///
/// The queue is bounded: when it is full a repair is dropped (counted), never waited for, so a
/// read never blocks on the database, and the rewrite itself runs on the background thread, not
/// on the reader's. A row changed since it was read is left alone. Rows are rewritten at the
/// record handle's write version (the codec's when the handle was made): during a rollout that
/// still writes an older version, only rows below it are repaired, and never to a version old
/// binaries cannot read. After the flip, start a new read_repair from the flipped codec.
///
/// Thread safety: read(), offer(), flush() and stats() may be called from any number of threads.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "../error.hpp"
#include "../read.hpp"
#include "../record_handle.hpp"
#include "../store/store.hpp"

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
  std::uint64_t failed = 0;     ///< rows that could not be rewritten, or writes the store refused
                                ///< (the row stays as it was)
  std::uint64_t current = 0;    ///< rows offered at the write version or newer: nothing to write
  std::string last_error{};     ///< the last failure's message
};

/// Rewrites rows of one record type at its write version and writes them back through a store,
/// in a background thread.
class read_repair {
 public:
  /// Starts the writer thread on `db`, a connection of its own. Rows are rewritten through
  /// `record` (a `codec<R>` converts to it) at its write version.
  static result<read_repair> start(std::unique_ptr<store> db, record_handle record,
                                   read_repair_options o = {});
  /// As above, for a store given by value: `start(std::move(sqlite_db), codec)`.
  template <class S>
    requires std::derived_from<std::remove_cvref_t<S>, store>
  static result<read_repair> start(S&& db, record_handle record, read_repair_options o = {}) {
    return start(detail::owned_store(std::forward<S>(db)), std::move(record), o);
  }

  read_repair(read_repair&&) noexcept;
  read_repair& operator=(read_repair&& other) noexcept;
  /// Writes what is queued, then stops.
  ~read_repair();

  /// Reads `bytes`, the value of row `key`, as R with the record handle's options (as the codec
  /// it came from reads); when the record is below the handle's write version, offers the row
  /// (unless the queue is full). A record read as the latest from a newer binary's bytes
  /// (newer_policy::read_as_latest) is never offered. R must be the handle's record type.
  template <class R>
  result<view<R>> read(const row_key& key, bytes_view bytes) {
    const record_handle& rec = record();
    if (record_info_of<R>().type_id() != rec.type_id())
      return error(errc::wrong_record_type, record_info_of<R>())
          .with_detail("this read_repair rewrites " + std::string(rec.name()) +
                       " records; read them with read<> of that record, or start a read_repair "
                       "with a codec of this one");
    auto v = uplift::read<R>(bytes, rec.options());
    if (v && !v->from_newer() && v->stored_version() < rec.write_version())
      offer(key, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    return v;
  }

  /// Queues the rewrite of row `key`, whose value was read as `stored`: on the background thread,
  /// the record handle rewrites it at its write version and the store writes it only if the row
  /// still holds `stored`. False (counted as dropped) when the queue is full.
  bool offer(row_key key, std::string stored);

  /// Waits until every queued repair is written (or refused).
  void flush();

  read_repair_stats stats() const;

  /// The record handle rows are rewritten through.
  const record_handle& record() const noexcept;

 private:
  struct state;  // the queue, the counters and the writer thread (src/rows/read_repair.cpp)
  explicit read_repair(std::unique_ptr<state> s) noexcept;
  void stop() noexcept;

  std::unique_ptr<state> s_;
};

}  // namespace uplift
