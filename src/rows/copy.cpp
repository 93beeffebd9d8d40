// uplift::copy_job (rows/copy.hpp): capture, copy, catch up, verify and cut over, over the store
// interface, with the record type behind its record handle.
#include <uplift/rows/copy.hpp>

#include <algorithm>
#include <atomic>
#include <limits>
#include <map>
#include <optional>
#include <mutex>
#include <set>
#include <thread>

#include "token_bucket.hpp"

namespace uplift {

namespace {

using clock_type = std::chrono::steady_clock;

/// FNV-1a over a range's rows (key and bytes, in key order): verify()'s checksum of each side.
struct range_checksum {
  std::uint64_t h = 0xcbf29ce484222325ull;
  void add(std::string_view bytes) noexcept {
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 0x100000001b3ull;
    }
  }
  void add_row(const row_key& k, std::string_view value) {
    add(key_to_string(k));
    add(std::string_view("\0", 1));
    add(std::to_string(value.size()));
    add(value);
  }
};

/// True once the job's cut-over committed (its roll-back may have been contracted since).
bool swapped(const copy_record& r) {
  return r.phase == "cut over" || r.phase == "contracted" || r.phase == "maintenance";
}

/// The distinct keys of log entries, and the rows of `db` that hold them now (by key as text;
/// a key without a row was deleted), read in one get_many.
/// The distinct keys of log entries, in the order they first appear.
std::vector<row_key> distinct_keys(const std::vector<capture_entry>& entries) {
  std::set<std::string> seen;
  std::vector<row_key> keys;
  for (const capture_entry& e : entries)
    if (seen.insert(key_to_string(e.key)).second) keys.push_back(e.key);
  return keys;
}

result<std::pair<std::vector<row_key>, std::map<std::string, std::string>>> rows_of_entries(
    store& db, const std::vector<capture_entry>& entries) {
  std::vector<row_key> keys = distinct_keys(entries);
  auto found = db.get_many(keys);
  if (!found) return std::move(found).error();
  std::map<std::string, std::string> rows;
  for (stored_row& r : *found) rows.emplace(key_to_string(r.key), std::move(r.value));
  return std::pair{std::move(keys), std::move(rows)};
}

error job_error(errc code, std::string_view job, std::string detail) {
  return error(code).with_detail("copy job \"" + std::string(job) + "\": " + std::move(detail));
}

}  // namespace

struct copy_job::state {
  std::unique_ptr<store> source;
  std::unique_ptr<store> target;
  /// The target table on the source's connection, when both are in one database: the cut-over
  /// drains into it and swaps in the one transaction that blocks the writers.
  std::unique_ptr<store> target_in_source;
  record_handle record;
  copy_options opt;
  std::string name;
  std::uint16_t target_version = 0;
  bool same_database = false;
  std::atomic<bool> cancelled{false};
  mutable std::mutex mutex;
  copy_progress prog;  // under mutex

  state(std::unique_ptr<store> s, std::unique_ptr<store> t, record_handle r, copy_options o)
      : source(std::move(s)), target(std::move(t)), record(std::move(r)), opt(std::move(o)) {}

  void point(std::string_view where) const {
    if (opt.failpoint) opt.failpoint(where);
  }
  template <class F>
  void update(F&& f) {
    std::lock_guard lock(mutex);
    f(prog);
  }
  void take(const copy_record& r) {
    update([&](copy_progress& p) {
      p.total_rows = r.total_rows;
      p.copied = r.copied;
      p.quarantined = r.quarantined;
      p.applied = r.applied;
      p.error = r.error;
      p.contracted = r.phase == "contracted";
      p.phase = r.phase == "cut over" || p.contracted ? copy_phase::cut_over
                : r.phase == "maintenance" ? copy_phase::maintenance
                : r.phase == "catching up" ? copy_phase::catching_up
                : r.phase == "failed"      ? copy_phase::failed
                                           : copy_phase::copying;
    });
  }
  status check_cancel() const {
    if (cancelled.load()) return error(errc::cancelled).with_detail("copy job \"" + name + "\" was cancelled; a new run resumes it");
    return {};
  }
  result<copy_record> load() {
    auto r = target->load_copy(name);
    if (!r) return std::move(r).error();
    if (!*r) return job_error(errc::store_error, name, "its row in uplift_copy is gone");
    take(**r);
    return std::move(**r);
  }

  /// Runs `f` (a store call returning a status or result) again after a store error, at most
  /// max_retries times, waiting retry_backoff doubled each time; then returns its error.
  template <class F>
  auto with_retries(F&& f) -> decltype(f()) {
    for (std::size_t attempt = 0;; ++attempt) {
      auto r = f();
      if (r || r.error().code != errc::store_error || attempt >= opt.max_retries) return r;
      std::this_thread::sleep_for(opt.retry_backoff * (1 << std::min<std::size_t>(attempt, 10)));
    }
  }

  /// The form a row is written in, in the target column.
  row_format target_form(const stored_row& row) const {
    switch (target->spec().format) {
      case value_format::binary: return row_format::binary;
      case value_format::json: return row_format::json;
      case value_format::detect: break;
    }
    return format_of(source->spec().format, as_bytes_view(row.value));
  }

  /// f(row): the chain to the target version in the target's form, then the user's transform.
  result<std::string> f(const stored_row& row) const {
    std::string out;
    auto info = record.rewrite_as(as_bytes_view(row.value), source->spec().format, target_version,
                                  target_form(row), out);
    if (!info) return std::move(info).error();
    if (!opt.transform) return out;
    return opt.transform(row.key, std::move(out));
  }

  /// The changes of log entries `entries` as they are in the source (`src`, a connection to it)
  /// now.
  result<copy_changes> changes_of(store& src, const std::vector<capture_entry>& entries) {
    copy_changes ch;
    ch.job = name;
    ch.entries = entries.size();
    auto found = rows_of_entries(src, entries);
    if (!found) return std::move(found).error();
    auto& [keys, now] = *found;
    for (const row_key& k : keys) {
      auto v = now.find(key_to_string(k));
      if (v == now.end()) {
        ch.deletes.push_back(k);
        continue;
      }
      stored_row row{k, std::move(v->second)};
      auto out = f(row);
      if (!out) {
        // The row as it is now cannot be copied: whatever the target held for it goes.
        ch.quarantine.push_back({k, out.error().stored_version, out.error().message(), 0});
        ch.deletes.push_back(k);
        continue;
      }
      ch.upserts.push_back({k, std::move(*out)});
    }
    return ch;
  }

  /// Applies up to one batch of the log (the share `part` of `parts`) from `src` through `into`:
  /// how many entries it applied.
  result<std::uint64_t> apply_batch(store& src, store& into, std::size_t part = 0,
                                    std::size_t parts = 1) {
    auto entries = src.read_capture(name, opt.apply_batch, part, parts);
    if (!entries) return std::move(entries).error();
    if (entries->empty()) return std::uint64_t{0};
    auto ch = changes_of(src, *entries);
    if (!ch) return std::move(ch).error();
    if (auto st = with_retries([&] { return into.apply_copy_changes(*ch); }); !st)
      return std::move(st).error();
    point("catch-up: applied");
    std::vector<std::int64_t> ids;
    ids.reserve(entries->size());
    for (const capture_entry& e : *entries) ids.push_back(e.id);
    if (auto n = with_retries([&] { return src.consume_capture(name, ids); }); !n)
      return std::move(n).error();
    update([&](copy_progress& p) {
      p.applied += entries->size();
      p.quarantined += ch->quarantine.size();
    });
    return static_cast<std::uint64_t>(entries->size());
  }

  /// The roll-back's capture on the new table: its job in the new table's database.
  std::string rollback_job() const { return name + " rollback"; }
  /// How the cut-over swapped (the job's options, or by where the tables are).
  swap_mode mode() const {
    if (opt.swap != swap_mode::automatic) return opt.swap;
    if (opt.cutover == cutover_mode::maintenance) return swap_mode::route;
    return same_database ? swap_mode::rename : swap_mode::route;
  }

  /// The maintenance cut-over after its swap: applies the keys in maintenance (the source row as
  /// it is now, which no writer changes any more: the table is routed) one batch at a time, each
  /// key leaving maintenance in the transaction that writes it; then ends the maintenance.
  /// errc::cutover_aborted while the log is over max_backlog entries or its oldest over max_lag
  /// (measured now): what every cut-over checks first.
  status within_limits() {
    auto b = measure();
    if (!b) return std::move(b).error();
    const auto lag = std::chrono::milliseconds(b->entries == 0 ? 0 : b->now_ms - b->oldest_ms);
    if (b->entries > opt.max_backlog || lag > opt.max_lag)
      return job_error(errc::cutover_aborted, name,
                       "the log holds " + std::to_string(b->entries) + " entries (limit " +
                           std::to_string(opt.max_backlog) + ") and its oldest is " +
                           std::to_string(lag.count()) + " ms old (limit " +
                           std::to_string(opt.max_lag.count()) + " ms): catch_up() first");
    return {};
  }

  /// The maintenance cut-over (copy_options::cutover): in one short block of the source's
  /// writers, the keys of every entry in the log go into maintenance and the table is routed;
  /// then finish_maintenance applies them.
  result<cutover_report> maintenance_cut_over() {
    if (mode() != swap_mode::route)
      return job_error(errc::invalid_option, name,
                       "a maintenance cut-over swaps by route: leave copy_options::swap "
                       "automatic, or set swap_mode::route");
    if (auto st = within_limits(); !st) return std::move(st).error();
    cutover_report report;
    report.swap = swap_mode::route;
    // The triggers first, outside the block (they refuse nothing until keys are in maintenance);
    // an aborted attempt removes them.
    if (auto st = target->prepare_maintenance(); !st) return std::move(st).error();
    auto unprepare = [&] { (void)target->end_maintenance(name, "catching up"); };
    if (auto st = source->begin_exclusive(opt.max_window); !st) {
      unprepare();
      return job_error(errc::cutover_aborted, name,
                       "the writers' lock was not free within the window (" +
                           st.error().message() + "); nothing was swapped");
    }
    const auto locked = clock_type::now();
    // Within one database the keys go into maintenance in the block's own transaction; across
    // two, in the target's, committed first, and taken back when the swap does not commit.
    store& into = same_database ? *target_in_source : *target;
    auto abort = [&](std::string why) -> error {
      (void)source->end_exclusive(false);
      unprepare();
      return job_error(errc::cutover_aborted, name, std::move(why) + "; nothing was swapped");
    };
    // Every entry of the log: the writers are blocked, so it holds still. More than the limit's
    // tenfold means the log grew past what the backlog measured a moment ago.
    const std::size_t most = std::max<std::size_t>(1, opt.max_backlog) * 10;
    auto entries = source->read_capture(name, most);
    if (!entries) return abort("reading the log failed: " + entries.error().message());
    if (entries->size() >= most)
      return abort("the log grew past " + std::to_string(most) + " entries while the writers were "
                   "being blocked");
    const std::vector<row_key> keys = distinct_keys(*entries);
    if (auto st = into.begin_maintenance(name, keys); !st)
      return abort("putting the keys in maintenance failed: " + st.error().message());
    point("cut-over: in maintenance, not swapped");
    if (opt.rollback_to != 0)
      if (auto st = into.install_capture(rollback_job()); !st)
        return abort("the roll-back's capture failed: " + st.error().message());
    const std::string where = opt.moved_to.empty() ? target->spec().table : opt.moved_to;
    if (auto st = source->swap_by_route(name, where); !st)
      return abort("the route failed: " + st.error().message());
    if (clock_type::now() - locked > opt.max_window)
      return abort("putting the keys in maintenance and the swap took longer than the window (" +
                   std::to_string(opt.max_window.count()) + " ms)");
    point("cut-over: swapped, not committed");
    if (auto st = source->end_exclusive(true); !st) return std::move(st).error();
    report.window = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - locked);
    report.maintenance_keys = keys.size();
    update([&](copy_progress& p) {
      p.phase = copy_phase::maintenance;
      p.in_maintenance = keys.size();
      p.backlog = 0;
      p.lag = std::chrono::milliseconds(0);
    });
    point("cut-over: keys in maintenance");
    if (auto st = finish_maintenance(report); !st) return std::move(st).error();
    return report;
  }

  status finish_maintenance(cutover_report& report) {
    const auto flipped = clock_type::now();
    for (;;) {
      if (auto st = check_cancel(); !st) return st;
      auto keys = with_retries([&] { return target->maintenance_keys(opt.apply_batch); });
      if (!keys) return std::move(keys).error();
      if (keys->empty()) break;
      std::vector<capture_entry> entries;
      entries.reserve(keys->size());
      for (row_key& k : *keys) entries.push_back({0, std::move(k), 0});
      auto ch = with_retries([&] { return changes_of(*source, entries); });
      if (!ch) return std::move(ch).error();
      ch->leaves_maintenance = true;
      if (auto st = with_retries([&] { return target->apply_copy_changes(*ch); }); !st) return st;
      point("maintenance: applied");
      update([&](copy_progress& p) {
        p.applied += entries.size();
        p.quarantined += ch->quarantine.size();
        p.in_maintenance = p.in_maintenance > entries.size() ? p.in_maintenance - entries.size() : 0;
      });
    }
    // The last key left maintenance with the last batch; then the triggers go.
    report.maintenance = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - flipped);
    if (auto st = with_retries([&] { return target->end_maintenance(name, "cut over"); }); !st)
      return st;
    update([](copy_progress& p) {
      p.phase = copy_phase::cut_over;
      p.in_maintenance = 0;
    });
    return {};
  }
  std::string old_name() const {
    return opt.old_table.empty() ? source->spec().table + "_uplift_old" : opt.old_table;
  }

  result<capture_backlog> measure() {
    auto b = source->backlog(name);
    if (!b) return std::move(b).error();
    update([&](copy_progress& p) {
      p.backlog = b->entries;
      p.lag = std::chrono::milliseconds(b->entries == 0 ? 0 : std::max<std::int64_t>(0, b->now_ms - b->oldest_ms));
    });
    return *b;
  }
};

copy_job::copy_job(std::unique_ptr<state> s) noexcept : s_(std::move(s)) {}
copy_job::copy_job(copy_job&&) noexcept = default;
copy_job& copy_job::operator=(copy_job&&) noexcept = default;
copy_job::~copy_job() = default;

const std::string& copy_job::job() const noexcept { return s_->name; }
std::uint16_t copy_job::target_version() const noexcept { return s_->target_version; }
result<std::vector<quarantined_row>> copy_job::quarantine(std::size_t n) const {
  return s_->target->list_copy_quarantine(s_->name, n);
}
void copy_job::cancel() { s_->cancelled = true; }
copy_progress copy_job::progress() const {
  std::lock_guard lock(s_->mutex);
  return s_->prog;
}

result<copy_job> copy_job::open(std::unique_ptr<store> source, std::unique_ptr<store> target,
                                record_handle record, copy_options o) {
  if (!source || !target)
    return error(errc::invalid_option).with_detail("copy_job::open needs a source and a target store");
  const std::uint16_t version = o.target_version != 0 ? o.target_version : record.write_version();
  if (auto st = record.check_write_version(version); !st) return std::move(st).error();
  if (o.rollback_to != 0)
    if (auto st = record.check_write_version(o.rollback_to); !st) return std::move(st).error();
  for (const store* s : {source.get(), target.get()})
    if (s->spec().format != value_format::binary && !record.reads_json())
      return detail::needs_json_handle(record.name(), "the table " + s->spec().table +
                                                          " holds JSON rows");
  if (source->spec().key != target->spec().key)
    return error(errc::invalid_option)
        .with_detail("the source table " + source->spec().table + " and the target table " +
                     target->spec().table +
                     " have keys of different types: give both the same table_spec::key");
  auto s = std::make_unique<state>(std::move(source), std::move(target), std::move(record), std::move(o));
  s->target_version = version;
  s->name = s->opt.job.empty()
                ? std::string(s->record.name()) + "@v" + std::to_string(version)
                : s->opt.job;
  const std::string src_id = s->source->database_id();
  s->same_database = !src_id.empty() && src_id == s->target->database_id();
  const table_spec& src = s->source->spec();
  const table_spec& dst = s->target->spec();
  if (s->same_database && src.table == dst.table)
    return job_error(errc::invalid_option, s->name,
                     "the source and the target are one table (" + src.table +
                     "): copy into a new table, or into another database");

  // A job that exists resumes, whatever it has done since.
  std::optional<copy_record> existing;
  if (auto have_tables = s->target->has_job_tables(); have_tables && *have_tables) {
    auto have = s->target->load_copy(s->name);
    if (!have && have.error().code != errc::store_error) return std::move(have).error();
    if (have && *have) existing = std::move(**have);
  }
  if (existing) {
    if (existing->record != s->record.name() || existing->target_version != version)
      return error(errc::job_mismatch)
          .with_detail("copy job \"" + s->name + "\" exists for " + existing->record + " at v" +
                       std::to_string(existing->target_version) + "; asked for " +
                       std::string(s->record.name()) + " at v" + std::to_string(version) +
                       ": give the new job another name");
    if (existing->phase == "maintenance") {
      // The keys went into maintenance (in the target database) before the swap committed (in
      // the source's): without the route, the swap did not happen, and nothing is held.
      auto routed = s->source->route();
      if (!routed) return std::move(routed).error();
      if (!*routed) {
        if (auto st = s->target->end_maintenance(s->name, "catching up"); !st) return std::move(st).error();
        if (auto st = s->source->install_capture(s->name); !st) return std::move(st).error();
        existing->phase = "catching up";
      }
    } else if (!swapped(*existing)) {
      // A route committed with the swap, and the phase after it did not: the swap happened.
      auto routed = s->source->route();
      if (routed && *routed) {
        if (auto st = s->target->set_copy_phase(s->name, "cut over", ""); !st) return std::move(st).error();
        existing->phase = "cut over";
      } else if (auto st = s->source->install_capture(s->name); !st) {
        return std::move(st).error();
      }
    }
    s->take(*existing);
  } else {
    // Everything is checked before anything is changed.
    if (auto st = s->source->check_copy_source(); !st) return std::move(st).error();
    if (auto routed = s->source->route(); !routed) {
      return std::move(routed).error();
    } else if (*routed) {
      return job_error(errc::table_moved, s->name,
                       "the source table " + src.table + " was moved to " + **routed +
                           " already: copy from there");
    }
    auto rows = s->target->count({});
    if (!rows)
      return job_error(errc::store_error, s->name,
                       "the target table " + dst.table + " cannot be read (" +
                           rows.error().message() +
                           "): create it first (sqlite_store::create_table or your own DDL)");
    if (*rows != 0)
      return job_error(errc::invalid_option, s->name,
                       "the target table " + dst.table + " has " + std::to_string(*rows) +
                           " rows already: a copy starts from an empty table; empty it, or name "
                           "another table");
    auto total = s->source->count({});
    if (!total) return std::move(total).error();
    // Capture first: every change from here on is logged, before the copy reads a row.
    if (auto st = s->source->install_capture(s->name); !st) return std::move(st).error();
    if (auto st = s->target->ensure_copy_tables(); !st) return std::move(st).error();
    copy_record fresh;
    fresh.name = s->name;
    fresh.table = dst.table;
    fresh.source = src.table;
    fresh.source_database = src_id;
    fresh.record = std::string(s->record.name());
    fresh.target_version = version;
    fresh.phase = std::string(to_string(copy_phase::copying));
    fresh.total_rows = *total;
    auto opened = s->target->open_copy(fresh);
    if (!opened) return std::move(opened).error();
    s->take(*opened);
  }
  auto now = s->load();
  if (!now) return std::move(now).error();
  if (s->same_database && !swapped(*now)) {
    auto sib = s->source->sibling(dst);
    if (!sib) return std::move(sib).error();
    s->target_in_source = std::move(*sib);
  }
  return copy_job(std::move(s));
}

status copy_job::copy() {
  state& s = *s_;
  auto job = s.load();
  if (!job) return std::move(job).error();
  if (job->phase != to_string(copy_phase::copying)) return {};
  std::optional<row_key> cursor = job->cursor;
  std::size_t chunk = std::clamp(s.opt.initial_chunk, s.opt.min_chunk, s.opt.max_chunk);
  detail::token_bucket bucket(s.opt.rows_per_second, s.opt.rows_per_second * s.opt.burst_seconds,
                              [] { return clock_type::now(); });
  const auto started = clock_type::now();
  std::uint64_t done_here = 0;
  for (;;) {
    if (auto st = s.check_cancel(); !st) return st;
    const auto t0 = clock_type::now();
    auto rows = s.with_retries([&] { return s.source->scan({cursor, std::nullopt}, chunk); });
    if (!rows) return std::move(rows).error();
    copy_chunk c;
    c.job = s.name;
    c.last = rows->size() < chunk;
    c.cursor = rows->empty() ? cursor : std::optional<row_key>(rows->back().key);
    c.rows.reserve(rows->size());
    for (stored_row& row : *rows) {
      auto out = s.f(row);
      if (!out)
        c.quarantine.push_back({row.key, out.error().stored_version, out.error().message(), 0});
      else
        c.rows.push_back({std::move(row.key), std::move(*out)});
    }
    if (auto st = s.with_retries([&] { return s.target->commit_copy_chunk(c); }); !st) return st;
    s.point("copy: chunk committed");
    cursor = c.cursor;
    done_here += rows->size();
    const double secs = std::chrono::duration<double>(clock_type::now() - started).count();
    s.update([&](copy_progress& p) {
      p.copied += c.rows.size();
      p.quarantined += c.quarantine.size();
      p.rows_per_second = secs > 0 ? static_cast<double>(done_here) / secs : 0;
      if (c.last) p.phase = copy_phase::catching_up;
    });
    const auto took = clock_type::now() - t0;
    if (s.opt.rows_per_second > 0)
      if (auto wait = bucket.take(static_cast<double>(rows->size())); wait.count() > 0)
        std::this_thread::sleep_for(wait);
    if (c.last) return {};
    // The next chunk: sized so that it takes about target_chunk_duration.
    const double ratio = std::chrono::duration<double>(s.opt.target_chunk_duration).count() /
                         std::max(1e-6, std::chrono::duration<double>(took).count());
    chunk = std::clamp<std::size_t>(
        static_cast<std::size_t>(static_cast<double>(chunk) * std::clamp(ratio, 0.5, 2.0)),
        s.opt.min_chunk, s.opt.max_chunk);
  }
}

result<std::uint64_t> copy_job::catch_up(std::uint64_t until_backlog) {
  state& s = *s_;
  auto job = s.load();
  if (!job) return std::move(job).error();
  if (swapped(*job)) return std::uint64_t{0};
  if (job->phase != to_string(copy_phase::catching_up))
    return job_error(errc::invalid_option, s.name,
                     "the catch-up applies changes to copied rows: copy() every row first");
  std::uint64_t applied = 0;
  const std::size_t workers =
      s.source->single_writer() || s.target->single_writer() ? 1 : std::max<std::size_t>(1, s.opt.catch_up_workers);
  if (workers > 1) {
    // Rounds: each worker applies the changes of its share of the keys until its share of the
    // log is empty for now, on connections of its own; then the log is measured.
    std::vector<std::unique_ptr<store>> sources, targets;
    for (std::size_t w = 0; w < workers; ++w) {
      auto a = s.source->connect();
      if (!a) return std::move(a).error();
      auto b = s.target->connect();
      if (!b) return std::move(b).error();
      sources.push_back(std::move(*a));
      targets.push_back(std::move(*b));
    }
    for (;;) {
      std::vector<std::thread> threads;
      std::vector<std::optional<error>> failed(workers);
      std::atomic<std::uint64_t> round{0};
      for (std::size_t w = 0; w < workers; ++w)
        threads.emplace_back([&, w] {
          for (;;) {
            if (!s.check_cancel()) return failed[w].emplace(errc::cancelled), void();
            auto n = s.apply_batch(*sources[w], *targets[w], w, workers);
            if (!n) return failed[w].emplace(std::move(n).error()), void();
            round += *n;
            if (*n < s.opt.apply_batch) return;
          }
        });
      for (auto& t : threads) t.join();
      applied += round.load();
      for (auto& f : failed)
        if (f) {
          if (f->code == errc::cancelled) return s.check_cancel().error();
          return std::move(*f);
        }
      auto b = s.measure();
      if (!b) return std::move(b).error();
      if (b->entries <= until_backlog) return applied;
    }
  }
  for (;;) {
    if (auto st = s.check_cancel(); !st) return std::move(st).error();
    auto n = s.apply_batch(*s.source, *s.target);
    if (!n) return std::move(n).error();
    applied += *n;
    if (*n < s.opt.apply_batch || until_backlog > 0) {
      auto b = s.measure();
      if (!b) return std::move(b).error();
      if (b->entries <= until_backlog) return applied;
    }
  }
}

result<copy_verification> copy_job::verify(std::size_t ranges) {
  state& s = *s_;
  auto job = s.load();
  if (!job) return std::move(job).error();
  if (swapped(*job))
    return job_error(errc::invalid_option, s.name, "it is cut over: the source is gone");
  auto total = s.source->count({});
  if (!total) return std::move(total).error();
  const std::size_t n = ranges != 0 ? ranges : static_cast<std::size_t>(*total / 10000 + 1);
  auto parts = s.source->split({}, n);
  if (!parts) return std::move(parts).error();
  copy_verification out;
  constexpr std::size_t page = 5000;
  constexpr std::size_t max_listed = 100;
  std::vector<row_key> differing;
  // Every row of one side of a range, in key order.
  auto read_all = [&](store& db, const key_range& r) -> result<std::vector<stored_row>> {
    std::vector<stored_row> all;
    key_range next = r;
    for (;;) {
      auto rows = db.scan(next, page);
      if (!rows) return std::move(rows).error();
      const bool more = rows->size() == page;
      if (!rows->empty()) next.after = rows->back().key;
      for (stored_row& row : *rows) all.push_back(std::move(row));
      if (!more) return all;
    }
  };
  for (const key_range& r : *parts) {
    if (auto st = s.check_cancel(); !st) return std::move(st).error();
    auto src = read_all(*s.source, r);
    if (!src) return std::move(src).error();
    auto dst = read_all(*s.target, r);
    if (!dst) return std::move(dst).error();
    std::vector<stored_row> expected;
    expected.reserve(src->size());
    for (stored_row& row : *src) {
      auto v = s.f(row);
      if (!v) {
        ++out.quarantined_rows;
        continue;
      }
      expected.push_back({std::move(row.key), std::move(*v)});
    }
    out.rows += src->size();
    ++out.ranges;
    range_checksum a, b;
    for (const stored_row& row : expected) a.add_row(row.key, row.value);
    for (const stored_row& row : *dst) b.add_row(row.key, row.value);
    if (a.h == b.h && expected.size() == dst->size()) continue;
    ++out.mismatched_ranges;
    // Row by row: a key on one side only, or different bytes.
    std::size_t i = 0, j = 0;
    while (i < expected.size() || j < dst->size()) {
      const auto c = i == expected.size()   ? std::strong_ordering::greater
                     : j == dst->size()     ? std::strong_ordering::less
                                            : compare_keys(expected[i].key, (*dst)[j].key);
      if (c < 0) {
        differing.push_back(expected[i++].key);
      } else if (c > 0) {
        differing.push_back((*dst)[j++].key);
      } else {
        if (expected[i].value != (*dst)[j].value) differing.push_back(expected[i].key);
        ++i;
        ++j;
      }
    }
  }
  if (!differing.empty()) {
    // Keys with changes in the log are behind, not wrong: the catch-up brings them level.
    std::set<std::string> pending;
    auto entries = s.source->read_capture(s.name, 1000000);
    if (!entries) return std::move(entries).error();
    for (const capture_entry& e : *entries) pending.insert(key_to_string(e.key));
    for (row_key& k : differing) {
      if (pending.count(key_to_string(k)) != 0) {
        ++out.pending_rows;
        continue;
      }
      ++out.mismatched_rows;
      if (out.mismatched_keys.size() < max_listed) out.mismatched_keys.push_back(std::move(k));
    }
  }
  // Kept with the job, for `uplift copy` and whoever looks next.
  if (auto st = s.target->set_copy_verification(s.name, out.rows, out.mismatched_rows,
                                                out.pending_rows);
      !st)
    return std::move(st).error();
  return out;
}

result<cutover_report> copy_job::cut_over() {
  state& s = *s_;
  auto job = s.load();
  if (!job) return std::move(job).error();
  if (job->phase == "maintenance") {
    // A maintenance cut-over a killed copier left: its swap committed; apply the keys it holds.
    cutover_report report;
    report.swap = swap_mode::route;
    auto held = s.target->maintenance_keys(std::numeric_limits<std::int32_t>::max());
    if (!held) return std::move(held).error();
    report.maintenance_keys = held->size();
    s.update([&](copy_progress& p) { p.in_maintenance = held->size(); });
    if (auto st = s.finish_maintenance(report); !st) return std::move(st).error();
    return report;
  }
  if (swapped(*job))
    return job_error(errc::invalid_option, s.name, "it is cut over already");
  if (job->phase != to_string(copy_phase::catching_up))
    return job_error(errc::invalid_option, s.name, "copy() every row before the cut-over");
  if (s.opt.cutover == cutover_mode::maintenance) return s.maintenance_cut_over();
  const swap_mode mode = s.mode();
  if (mode == swap_mode::rename && !s.same_database)
    return job_error(errc::invalid_option, s.name,
                     "a rename swaps two tables of one database, and the target is in another: "
                     "use swap_mode::route");
  const table_spec& dst = s.target->spec();
  if (auto st = s.within_limits(); !st) return std::move(st).error();

  cutover_report report;
  report.swap = mode;
  if (auto st = s.source->begin_exclusive(s.opt.max_window); !st)
    return job_error(errc::cutover_aborted, s.name,
                     "the writers' lock was not free within the window (" + st.error().message() +
                         "); nothing was swapped");
  const auto locked = clock_type::now();
  auto abort = [&](std::string why) -> error {
    (void)s.source->end_exclusive(false);
    return job_error(errc::cutover_aborted, s.name, std::move(why) + "; nothing was swapped");
  };
  store& into = s.same_database ? *s.target_in_source : *s.target;
  std::uint64_t drained = 0;
  auto last_batch = clock_type::duration::zero();
  for (;;) {
    const auto t0 = clock_type::now();
    if (t0 - locked + last_batch > s.opt.max_window)
      return abort("draining the log would take longer than the window (" +
                   std::to_string(s.opt.max_window.count()) + " ms)");
    auto n = s.apply_batch(*s.source, into);
    if (!n) return abort("draining the log failed: " + n.error().message());
    drained += *n;
    last_batch = clock_type::now() - t0;
    if (*n == 0) break;
  }
  s.point("cut-over: drained");
  // The roll-back's capture, before any write can reach the new table: in the same transaction
  // within one database, else before the swap that sends the writers there commits.
  if (s.opt.rollback_to != 0)
    if (auto st = into.install_capture(s.rollback_job()); !st)
      return abort("the roll-back's capture failed: " + st.error().message());
  if (mode == swap_mode::rename) {
    std::string old_name = s.old_name();
    if (auto st = s.source->swap_by_rename(s.name, dst.table, old_name); !st)
      return abort("the rename failed: " + st.error().message());
    if (auto st = s.target_in_source->set_copy_phase(s.name, "cut over", ""); !st)
      return abort(st.error().message());
    report.old_table = std::move(old_name);
  } else {
    const std::string where = s.opt.moved_to.empty() ? dst.table : s.opt.moved_to;
    if (auto st = s.source->swap_by_route(s.name, where); !st)
      return abort("the route failed: " + st.error().message());
  }
  if (clock_type::now() - locked > s.opt.max_window)
    return abort("the drain and the swap took longer than the window (" +
                 std::to_string(s.opt.max_window.count()) + " ms)");
  s.point("cut-over: swapped, not committed");
  if (auto st = s.source->end_exclusive(true); !st) return std::move(st).error();
  report.window = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - locked);
  report.drained = drained;
  if (mode == swap_mode::route)
    if (auto st = s.target->set_copy_phase(s.name, "cut over", ""); !st) return std::move(st).error();
  s.update([](copy_progress& p) {
    p.phase = copy_phase::cut_over;
    p.backlog = 0;
    p.lag = std::chrono::milliseconds(0);
  });
  return report;
}

result<std::uint64_t> copy_job::sync_back() {
  state& s = *s_;
  auto job = s.load();
  if (!job) return std::move(job).error();
  if (s.opt.rollback_to == 0)
    return job_error(errc::invalid_option, s.name,
                     "it has no roll-back: set copy_options::rollback_to before the cut-over");
  if (job->phase == "contracted")
    return job_error(errc::invalid_option, s.name, "it was contracted: the roll-back is over");
  if (job->phase != to_string(copy_phase::cut_over))
    return job_error(errc::invalid_option, s.name, "the roll-back starts at the cut-over");
  // The tables after the swap: the new one (with the log), and the old one.
  const bool renamed = s.mode() == swap_mode::rename;
  store& log = *s.target;  // the log's job is keyed by the new table's name before the swap
  store& now = renamed ? *s.source : *s.target;
  std::unique_ptr<store> renamed_old;
  if (renamed) {
    table_spec old_spec = s.source->spec();
    old_spec.table = s.old_name();
    auto sib = s.source->sibling(old_spec);
    if (!sib) return std::move(sib).error();
    renamed_old = std::move(*sib);
  }
  store& old = renamed ? *renamed_old : *s.source;
  const row_format old_form =
      old.spec().format == value_format::json ? row_format::json : row_format::binary;
  std::uint64_t applied = 0;
  for (;;) {
    if (auto st = s.check_cancel(); !st) return std::move(st).error();
    auto entries = log.read_capture(s.rollback_job(), s.opt.apply_batch);
    if (!entries) return std::move(entries).error();
    if (entries->empty()) break;
    copy_changes ch;
    ch.job = s.name;
    ch.entries = entries->size();
    ch.counted = false;
    ch.through_route = !renamed;
    auto found = rows_of_entries(now, *entries);
    if (!found) return std::move(found).error();
    auto& [keys, rows] = *found;
    for (const row_key& key : keys) {
      auto v = rows.find(key_to_string(key));
      if (v == rows.end()) {
        ch.deletes.push_back(key);
        continue;
      }
      const row_format to = old.spec().format == value_format::detect
                                ? format_of(now.spec().format, as_bytes_view(v->second))
                                : old_form;
      std::string out;
      auto info = s.record.rewrite_as(as_bytes_view(v->second), now.spec().format, s.opt.rollback_to, to, out);
      if (!info)
        return job_error(info.error().code, s.name,
                         "the row " + key_to_string(key) + " of the new table cannot be written "
                         "back at v" + std::to_string(s.opt.rollback_to) + ": " +
                         info.error().message());
      ch.upserts.push_back({key, std::move(out)});
    }
    if (auto st = old.apply_copy_changes(ch); !st) return std::move(st).error();
    s.point("sync back: applied");
    std::vector<std::int64_t> ids;
    for (const capture_entry& e : *entries) ids.push_back(e.id);
    if (auto n = log.consume_capture(s.rollback_job(), ids); !n) return std::move(n).error();
    applied += entries->size();
    s.update([&](copy_progress& p) { p.synced_back += entries->size(); });
  }
  auto b = log.backlog(s.rollback_job());
  if (!b) return std::move(b).error();
  s.update([&](copy_progress& p) { p.rollback_backlog = b->entries; });
  return applied;
}

status copy_job::contract() {
  state& s = *s_;
  auto job = s.load();
  if (!job) return std::move(job).error();
  if (job->phase == "contracted") return {};
  if (job->phase != to_string(copy_phase::cut_over))
    return job_error(errc::invalid_option, s.name, "contract() ends the roll-back, after the cut-over");
  if (s.opt.rollback_to != 0)
    if (auto st = s.target->remove_capture(s.rollback_job()); !st) return st;
  if (auto st = s.target->set_copy_phase(s.name, "contracted", ""); !st) return st;
  s.update([](copy_progress& p) {
    p.contracted = true;
    p.rollback_backlog = 0;
  });
  return {};
}

result<cutover_report> copy_job::run() {
  state& s = *s_;
  auto fail = [&](const error& e) {
    s.update([&](copy_progress& p) {
      if (e.code != errc::cancelled) p.phase = copy_phase::failed;
      p.error = e.message();
    });
    return e;
  };
  auto job = s.load();
  if (!job) return std::move(job).error();
  if (job->phase == "maintenance") {
    auto r = cut_over();
    if (!r) return fail(r.error());
    return r;
  }
  if (swapped(*job))
    return job_error(errc::invalid_option, s.name, "it is cut over already");
  const std::uint64_t close_enough = s.opt.max_backlog / 2;
  if (auto st = copy(); !st) return fail(st.error());
  if (auto n = catch_up(close_enough); !n) return fail(n.error());
  if (s.opt.verify_before_cutover) {
    auto v = verify();
    if (!v) return fail(v.error());
    if (!v->ok()) {
      std::string keys;
      for (std::size_t i = 0; i < v->mismatched_keys.size() && i < 10; ++i)
        keys += (i ? ", " : "") + key_to_string(v->mismatched_keys[i]);
      return fail(job_error(errc::store_error, s.name,
                            std::to_string(v->mismatched_rows) + " rows of the target differ from "
                            "f(source) in " + std::to_string(v->mismatched_ranges) +
                            " ranges (keys " + keys + "): no cut-over"));
    }
  }
  error last(errc::cutover_aborted);
  for (std::size_t attempt = 0; attempt < std::max<std::size_t>(1, s.opt.cutover_attempts); ++attempt) {
    if (auto n = catch_up(close_enough); !n) return fail(n.error());
    auto r = cut_over();
    if (r) return r;
    if (r.error().code != errc::cutover_aborted) return fail(r.error());
    last = std::move(r).error();
    std::this_thread::sleep_for(s.opt.cutover_retry);
  }
  return last;
}

result<std::optional<std::string>> moved_to(store& db) { return db.route(); }

}  // namespace uplift
