#pragma once
/// uplift::memory_store: a table and its backfill jobs held in memory, behaving as the database
/// stores do. For tests and examples, and the reference of the store contract.
///
///     uplift::memory_store users({.table = "users"});
///     (void)users.put(std::int64_t{1}, record_bytes);
///     auto worker = users.connect().value();  // the same table, for another thread

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../detail/store_common.hpp"
#include "store.hpp"

namespace uplift {

namespace detail {
/// Orders keys as compare_keys does, for std::map.
struct key_less {
  bool operator()(const row_key& a, const row_key& b) const noexcept {
    return compare_keys(a, b) < 0;
  }
};
/// Unix milliseconds by the system clock: the memory store's "database time".
inline std::int64_t unix_ms_now() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace detail

/// A store held in memory. Its "database" holds tables (each a std::map of rows ordered by
/// compare_keys) and the job tables, with the databases' semantics (leases by the system clock).
/// The database is shared, behind one mutex, between a store and the stores `connect()` and
/// `with_table()` return, so several threads can work on one table; it ends with the last store
/// that shares it.
class memory_store {
  using rows_map = std::map<row_key, std::string, detail::key_less>;

 public:
  /// A new database with an empty table named by `spec` (and empty job tables, which
  /// ensure_job_tables "creates").
  explicit memory_store(table_spec spec = {.table = "memory"})
      : spec_(std::move(spec)), state_(std::make_shared<state>()) {}

  const table_spec& spec() const noexcept { return spec_; }
  /// Another store on the same rows and jobs.
  result<memory_store> connect() const { return memory_store(*this); }
  /// A store on another table of the same database (the same job tables).
  memory_store with_table(table_spec spec) const {
    memory_store other(*this);
    other.spec_ = std::move(spec);
    return other;
  }

  // ---- rows ----
  result<std::vector<stored_row>> scan(const key_range& r, std::size_t n) {
    if (auto st = detail::check_range(r, spec_, what("scanning")); !st)
      return std::move(st).error();
    std::lock_guard lock(state_->mutex);
    if (state_->failing_scans > 0) {
      --state_->failing_scans;
      return store_failure(what("scanning"), "injected failure (fail_next_scans)");
    }
    std::vector<stored_row> out;
    for (auto it = first_in(r); it != table().end() && out.size() < n; ++it) {
      if (r.upto && compare_keys(it->first, *r.upto) > 0) break;
      out.push_back({it->first, it->second});
    }
    return out;
  }

  result<std::optional<std::string>> get(const row_key& k) {
    if (auto st = detail::check_key(k, spec_, what("reading a row")); !st)
      return std::move(st).error();
    std::lock_guard lock(state_->mutex);
    auto it = table().find(k);
    if (it == table().end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }

  result<bool> write_if(const conditional_write& w) {
    if (auto st = detail::check_key(w.key, spec_, what("writing a row")); !st)
      return std::move(st).error();
    std::lock_guard lock(state_->mutex);
    return apply(w);
  }

  result<std::vector<prefix_count>> count_by_prefix(std::size_t n) {
    std::lock_guard lock(state_->mutex);
    std::map<std::string, std::uint64_t> counts;
    for (const auto& [k, v] : table()) ++counts[v.substr(0, n)];
    std::vector<prefix_count> out;
    for (auto& [prefix, rows] : counts) out.push_back({prefix, rows});
    return out;
  }

  result<std::uint64_t> count(const key_range& r) {
    if (auto st = detail::check_range(r, spec_, what("counting rows")); !st)
      return std::move(st).error();
    std::lock_guard lock(state_->mutex);
    return count_in(r);
  }

  result<std::vector<key_range>> split(const key_range& r, std::size_t n) {
    if (auto st = detail::check_range(r, spec_, what("splitting a range")); !st)
      return std::move(st).error();
    std::lock_guard lock(state_->mutex);
    return detail::split_by_steps(
        r, count_in(r), n,
        [&](const std::optional<row_key>& lower,
            std::uint64_t skip) -> result<std::optional<row_key>> {
          auto it = lower ? table().upper_bound(*lower) : table().begin();
          for (; it != table().end() && skip > 0; --skip) ++it;
          if (it == table().end() || (r.upto && compare_keys(it->first, *r.upto) > 0))
            return std::optional<row_key>{};
          return std::optional<row_key>{it->first};
        });
  }

  result<std::optional<row_key>> max_key() {
    std::lock_guard lock(state_->mutex);
    if (table().empty()) return std::optional<row_key>{};
    return std::optional<row_key>{table().rbegin()->first};
  }

  // ---- backfill jobs ----
  status ensure_job_tables() {
    std::lock_guard lock(state_->mutex);
    state_->job_tables = true;
    return {};
  }

  result<job_record> open_job(const job_spec& spec, const std::vector<key_range>& ranges,
                              std::uint64_t total_rows) {
    const std::string doing = what("opening backfill job \"" + spec.name + "\"");
    for (const key_range& r : ranges)
      if (auto st = detail::check_range(r, spec_, doing); !st) return std::move(st).error();
    std::lock_guard lock(state_->mutex);
    if (auto st = check_tables(doing); !st) return std::move(st).error();
    auto it = state_->jobs.find(spec.name);
    if (it == state_->jobs.end()) {
      job j;
      j.spec = spec;
      j.table = spec_.table;
      j.key = spec_.key;
      j.total_rows = total_rows;
      j.created_at = j.updated_at = detail::unix_ms_now() / 1000;
      for (const key_range& r : detail::job_scope(ranges)) {
        range_record rr;
        rr.id = static_cast<std::int64_t>(j.ranges.size()) + 1;
        rr.range = r;
        j.ranges.push_back(std::move(rr));
      }
      it = state_->jobs.emplace(spec.name, std::move(j)).first;
    }
    detail::stored_job have = stored(it->second);
    if (auto st = detail::check_job_matches(have, spec, spec_); !st) return std::move(st).error();
    return std::move(have.record);
  }

  result<std::optional<job_record>> load_job(const std::string& name) {
    std::lock_guard lock(state_->mutex);
    if (auto st = check_tables(what("loading backfill job \"" + name + "\"")); !st)
      return std::move(st).error();
    auto it = state_->jobs.find(name);
    if (it == state_->jobs.end()) return std::optional<job_record>{};
    return std::optional<job_record>{stored(it->second).record};
  }

  result<std::vector<job_record>> list_jobs() {
    std::lock_guard lock(state_->mutex);
    if (auto st = check_tables(what("listing backfill jobs")); !st) return std::move(st).error();
    std::vector<job_record> out;
    for (const auto& [name, j] : state_->jobs)  // by name: ties in created_at stay in name order
      if (j.table == spec_.table) out.push_back(stored(j).record);
    std::stable_sort(out.begin(), out.end(), [](const job_record& a, const job_record& b) {
      return a.created_at < b.created_at;
    });
    return out;
  }

  result<std::vector<range_record>> list_ranges(const std::string& name) {
    std::lock_guard lock(state_->mutex);
    if (auto st = check_tables(what("listing the ranges of backfill job \"" + name + "\"")); !st)
      return std::move(st).error();
    auto it = state_->jobs.find(name);
    if (it == state_->jobs.end()) return std::vector<range_record>{};
    return it->second.ranges;
  }

  status set_job_status(const std::string& name, job_status st, const std::string& error_text) {
    const std::string doing = what("setting the status of backfill job \"" + name + "\"");
    std::lock_guard lock(state_->mutex);
    if (auto t = check_tables(doing); !t) return t;
    auto it = state_->jobs.find(name);
    if (it == state_->jobs.end())
      return store_failure(doing, "there is no such job; create it with open_job");
    it->second.status = st;
    it->second.error = st == job_status::failed ? error_text : std::string();
    it->second.updated_at = detail::unix_ms_now() / 1000;
    return {};
  }

  result<std::optional<range_record>> claim_range(const std::string& name, std::string_view owner,
                                                  std::chrono::milliseconds lease) {
    std::lock_guard lock(state_->mutex);
    if (auto st = check_tables(what("claiming a range of backfill job \"" + name + "\"")); !st)
      return std::move(st).error();
    auto it = state_->jobs.find(name);
    if (it == state_->jobs.end()) return std::optional<range_record>{};
    const std::int64_t now = detail::unix_ms_now();
    range_record* pick = nullptr;
    for (range_record& r : it->second.ranges) {  // the one this owner holds first, then by id
      if (r.done) continue;
      if (r.owner == owner) {
        pick = &r;
        break;
      }
      if (pick == nullptr && (r.owner.empty() || r.lease_until_ms <= now)) pick = &r;
    }
    if (pick == nullptr) return std::optional<range_record>{};
    pick->owner = std::string(owner);
    pick->lease_until_ms = now + lease.count();
    return std::optional<range_record>{*pick};
  }

  status release_range(const std::string& name, std::int64_t range_id, std::string_view owner) {
    std::lock_guard lock(state_->mutex);
    if (auto st = check_tables(what("releasing a range of backfill job \"" + name + "\"")); !st)
      return st;
    if (range_record* r = find_range(name, range_id); r != nullptr && r->owner == owner) {
      r->owner.clear();
      r->lease_until_ms = 0;
    }
    return {};
  }

  result<batch_result> commit_batch(const batch_commit& b) {
    const std::string doing = what("committing a batch of backfill job \"" + b.job + "\"");
    if (auto st = detail::check_batch_keys(b, spec_, doing); !st) return std::move(st).error();
    std::lock_guard lock(state_->mutex);
    if (auto st = check_tables(doing); !st) return std::move(st).error();
    if (state_->failing_commits > 0) {
      --state_->failing_commits;
      return store_failure(doing, "injected failure (fail_next_commits); nothing was applied");
    }
    range_record* r = find_range(b.job, b.range_id);
    if (r == nullptr || r->done || r->owner != b.owner)
      return detail::lease_lost(b.job, b.range_id, b.owner);

    batch_result out;
    out.applied.reserve(b.writes.size());
    std::uint64_t applied = 0;
    for (const conditional_write& w : b.writes) {
      out.applied.push_back(apply(w));
      applied += out.applied.back() ? 1 : 0;
    }
    const std::int64_t now = detail::unix_ms_now();
    for (const quarantined_row& q : b.quarantine) quarantine(b.job, q, now / 1000);

    if (b.cursor) r->cursor = b.cursor;
    r->counters += b.counted;
    r->counters.upgraded += applied;
    r->counters.conflicts += b.writes.size() - applied;
    if (b.range_done) {
      r->done = true;
      r->owner.clear();
      r->lease_until_ms = 0;
      job& j = state_->jobs.at(b.job);
      j.updated_at = now / 1000;
      bool all_done = true;
      for (const range_record& each : j.ranges) all_done = all_done && each.done;
      if (all_done) j.status = job_status::done;
      out.job_done = all_done;
    } else {
      r->lease_until_ms = now + b.lease.count();
    }
    return out;
  }

  result<std::vector<quarantined_row>> list_quarantine(const std::string& name, std::size_t n) {
    std::lock_guard lock(state_->mutex);
    if (auto st = check_tables(what("listing quarantined rows")); !st) return std::move(st).error();
    std::vector<const quarantine_entry*> picked;
    for (const quarantine_entry& q : state_->quarantine) {
      auto j = state_->jobs.find(q.job);
      const bool ours = j != state_->jobs.end() && j->second.table == spec_.table;
      if (name.empty() ? ours : q.job == name) picked.push_back(&q);
    }
    std::stable_sort(
        picked.begin(), picked.end(),
        [](const quarantine_entry* a, const quarantine_entry* b) { return a->row.at < b->row.at; });
    std::vector<quarantined_row> out;
    for (std::size_t i = 0; i < picked.size() && i < n; ++i) out.push_back(picked[i]->row);
    return out;
  }

  // ---- the application's own writes (not part of the store concept) ----
  /// Creates the table: a no-op in memory, where the table exists from the start.
  status create_table() { return {}; }
  /// Empties the table (a memory table exists as long as its database).
  status drop_table() {
    std::lock_guard lock(state_->mutex);
    table().clear();
    return {};
  }
  /// Inserts or overwrites a row.
  status put(const row_key& k, std::string_view value) {
    if (auto st = detail::check_key(k, spec_, what("writing a row")); !st) return st;
    std::lock_guard lock(state_->mutex);
    table().insert_or_assign(k, std::string(value));
    return {};
  }
  /// Inserts or overwrites many rows at once.
  status put_many(const std::vector<stored_row>& rows) {
    if (auto st = detail::check_row_keys(rows, spec_, what("writing rows")); !st) return st;
    std::lock_guard lock(state_->mutex);
    for (const stored_row& r : rows) table().insert_or_assign(r.key, r.value);
    return {};
  }
  /// Deletes a row (nothing when there is none).
  status erase(const row_key& k) {
    if (auto st = detail::check_key(k, spec_, what("deleting a row")); !st) return st;
    std::lock_guard lock(state_->mutex);
    table().erase(k);
    return {};
  }

  // ---- faults, for tests ----
  /// The next n commit_batch calls (through any connected store) fail with errc::store_error
  /// and apply nothing.
  void fail_next_commits(int n) {
    std::lock_guard lock(state_->mutex);
    state_->failing_commits = n;
  }
  /// The next n scan calls fail with errc::store_error.
  void fail_next_scans(int n) {
    std::lock_guard lock(state_->mutex);
    state_->failing_scans = n;
  }

 private:
  struct job {
    job_spec spec;
    std::string table;
    key_type key = key_type::integer;
    job_status status = job_status::running;
    std::uint64_t total_rows = 0;
    std::string error;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::vector<range_record> ranges;  // by id, from 1
  };
  struct quarantine_entry {
    std::string job;
    quarantined_row row;
  };
  struct state {
    std::mutex mutex;
    std::map<std::string, rows_map> tables;  // by name
    bool job_tables = false;
    std::map<std::string, job> jobs;
    std::vector<quarantine_entry> quarantine;  // in insertion order
    int failing_commits = 0;
    int failing_scans = 0;
  };

  std::string what(std::string_view doing) const {
    return "memory table " + spec_.table + ": " + std::string(doing);
  }

  status check_tables(std::string_view doing) const {
    if (state_->job_tables) return {};
    return store_failure(doing, "the backfill job tables do not exist; call ensure_job_tables()");
  }

  // The functions below expect the mutex held.
  rows_map& table() const { return state_->tables[spec_.table]; }

  rows_map::iterator first_in(const key_range& r) const {
    return r.after ? table().upper_bound(*r.after) : table().begin();
  }

  std::uint64_t count_in(const key_range& r) const {
    std::uint64_t n = 0;
    for (auto it = first_in(r); it != table().end(); ++it, ++n)
      if (r.upto && compare_keys(it->first, *r.upto) > 0) break;
    return n;
  }

  bool apply(const conditional_write& w) {
    auto it = table().find(w.key);
    if (it == table().end() || it->second != w.expected) return false;
    it->second = w.value;
    return true;
  }

  void quarantine(const std::string& job_name, const quarantined_row& q, std::int64_t at) {
    for (quarantine_entry& e : state_->quarantine)
      if (e.job == job_name && compare_keys(e.row.key, q.key) == 0) {
        e.row.stored_version = q.stored_version;
        e.row.error = q.error;
        e.row.at = at;
        return;
      }
    state_->quarantine.push_back({job_name, quarantined_row{q.key, q.stored_version, q.error, at}});
  }

  range_record* find_range(const std::string& job_name, std::int64_t id) {
    auto it = state_->jobs.find(job_name);
    if (it == state_->jobs.end()) return nullptr;
    for (range_record& r : it->second.ranges)
      if (r.id == id) return &r;
    return nullptr;
  }

  static detail::stored_job stored(const job& j) {
    detail::stored_job out;
    out.table = j.table;
    out.key = j.key;
    job_record& rec = out.record;
    rec.spec = j.spec;
    rec.status = j.status;
    rec.total_rows = j.total_rows;
    rec.error = j.error;
    rec.created_at = j.created_at;
    rec.updated_at = j.updated_at;
    rec.ranges = j.ranges.size();
    for (const range_record& r : j.ranges) {
      rec.counters += r.counters;
      rec.ranges_done += r.done ? 1 : 0;
    }
    return out;
  }

  table_spec spec_;
  std::shared_ptr<state> state_;
};

static_assert(store<memory_store>, "uplift::memory_store must satisfy uplift::store");

}  // namespace uplift
