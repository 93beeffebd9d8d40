// uplift::memory_store (memory.hpp): a table and its job tables in memory, with the databases'
// semantics.
#include <uplift/store/memory.hpp>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <utility>

#include "rules.hpp"

namespace uplift {

namespace {
/// Orders keys as compare_keys does, for std::map.
struct key_less {
  bool operator()(const row_key& a, const row_key& b) const noexcept {
    return compare_keys(a, b) < 0;
  }
};
/// Unix milliseconds by the system clock: the memory store's "database time".
std::int64_t unix_ms_now() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

/// What the stores of one memory database share. The functions below expect the mutex held.
struct memory_store::database {
  using rows_map = std::map<row_key, std::string, key_less>;
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

  std::mutex mutex;
  std::map<std::string, rows_map> tables;  // by name
  bool job_tables = false;
  std::map<std::string, job> jobs;  // by job_key (table and name)
  std::vector<quarantine_entry> quarantine;  // in insertion order
  int failing_commits = 0;
  int lost_replies = 0;
  int failing_scans = 0;
  bool knob_tables = false;
  std::map<std::string, knob_setting> knobs;                      // by record
  std::map<std::pair<std::string, std::string>, knob_node> nodes;  // by record and node
  std::vector<knob_flip> knob_log;                                // oldest first
  std::uint64_t flips = 0;             // every flip so far: what wait_for_knob waits for
  std::condition_variable flipped;     // notified at each flip

  status check_knob_tables(std::string_view doing) const {
    if (knob_tables) return {};
    return store_failure(doing, "the knob tables do not exist; call ensure_knob_tables()");
  }
  knob_setting& knob(std::string_view record) {
    auto [it, added] = knobs.try_emplace(std::string(record));
    if (added) it->second.record = std::string(record);
    return it->second;
  }
  std::vector<knob_node> nodes_of(std::string_view record, std::int64_t now) const {
    std::vector<knob_node> out;
    for (const auto& [id, n] : nodes)
      if (id.first == record) {
        out.push_back(n);
        out.back().live = n.lease_until_ms > now;
      }
    return out;
  }

  status check_tables(std::string_view doing) const {
    if (job_tables) return {};
    return store_failure(doing, "the backfill job tables do not exist; call ensure_job_tables()");
  }

  rows_map& table(const table_spec& spec) { return tables[spec.table]; }

  rows_map::iterator first_in(rows_map& t, const key_range& r) {
    return r.after ? t.upper_bound(*r.after) : t.begin();
  }

  std::uint64_t count_in(rows_map& t, const key_range& r) {
    std::uint64_t n = 0;
    for (auto it = first_in(t, r); it != t.end(); ++it, ++n)
      if (r.upto && compare_keys(it->first, *r.upto) > 0) break;
    return n;
  }

  static bool apply(rows_map& t, const conditional_write& w) {
    auto it = t.find(w.key);
    if (it == t.end() || it->second != w.expected) return false;
    it->second = w.value;
    return true;
  }

  void add_quarantine(const std::string& job_name, const quarantined_row& q, std::int64_t at) {
    for (quarantine_entry& e : quarantine)
      if (e.job == job_name && compare_keys(e.row.key, q.key) == 0) {
        e.row.stored_version = q.stored_version;
        e.row.error = q.error;
        e.row.at = at;
        return;
      }
    quarantine.push_back({job_name, quarantined_row{q.key, q.stored_version, q.error, at}});
  }

  range_record* find_range(const std::string& job_name, std::int64_t id) {
    auto it = jobs.find(job_name);
    if (it == jobs.end()) return nullptr;
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
};

memory_store::memory_store(table_spec spec)
    : spec_(std::move(spec)), db_(std::make_shared<database>()) {}

memory_store memory_store::with_table(table_spec spec) const {
  memory_store other(*this);
  other.spec_ = std::move(spec);
  return other;
}

std::string memory_store::what(std::string_view doing) const {
  return "memory table " + spec_.table + ": " + std::string(doing);
}

// ---- rows ----

result<std::vector<stored_row>> memory_store::scan(const key_range& r, std::size_t n) {
  if (auto st = detail::check_range(r, spec_, what("scanning")); !st) return std::move(st).error();
  std::lock_guard lock(db_->mutex);
  if (db_->failing_scans > 0) {
    --db_->failing_scans;
    return store_failure(what("scanning"), "injected failure (fail_next_scans)");
  }
  auto& t = db_->table(spec_);
  std::vector<stored_row> out;
  for (auto it = db_->first_in(t, r); it != t.end() && out.size() < n; ++it) {
    if (r.upto && compare_keys(it->first, *r.upto) > 0) break;
    out.push_back({it->first, it->second});
  }
  return out;
}

result<std::optional<std::string>> memory_store::get(const row_key& k) {
  if (auto st = detail::check_key(k, spec_, what("reading a row")); !st)
    return std::move(st).error();
  std::lock_guard lock(db_->mutex);
  auto& t = db_->table(spec_);
  auto it = t.find(k);
  if (it == t.end()) return std::optional<std::string>{};
  return std::optional<std::string>{it->second};
}

result<bool> memory_store::write_if(const conditional_write& w) {
  if (auto st = detail::check_key(w.key, spec_, what("writing a row")); !st)
    return std::move(st).error();
  std::lock_guard lock(db_->mutex);
  return database::apply(db_->table(spec_), w);
}

result<std::vector<prefix_count>> memory_store::count_by_prefix(std::size_t n) {
  std::lock_guard lock(db_->mutex);
  std::map<std::string, std::uint64_t> counts;
  for (const auto& [k, v] : db_->table(spec_)) ++counts[v.substr(0, n)];
  std::vector<prefix_count> out;
  for (auto& [prefix, rows] : counts) out.push_back({prefix, rows});
  return out;
}

result<std::optional<std::vector<json_version_count>>> memory_store::count_by_json_version(
    std::string_view) {
  return std::optional<std::vector<json_version_count>>{};
}

result<std::uint64_t> memory_store::count(const key_range& r) {
  if (auto st = detail::check_range(r, spec_, what("counting rows")); !st)
    return std::move(st).error();
  std::lock_guard lock(db_->mutex);
  return db_->count_in(db_->table(spec_), r);
}

result<std::vector<key_range>> memory_store::split(const key_range& r, std::size_t n) {
  if (auto st = detail::check_range(r, spec_, what("splitting a range")); !st)
    return std::move(st).error();
  std::lock_guard lock(db_->mutex);
  auto& t = db_->table(spec_);
  return detail::split_by_steps(
      r, db_->count_in(t, r), n,
      [&](const std::optional<row_key>& lower,
          std::uint64_t skip) -> result<std::optional<row_key>> {
        auto it = lower ? t.upper_bound(*lower) : t.begin();
        for (; it != t.end() && skip > 0; --skip) ++it;
        if (it == t.end() || (r.upto && compare_keys(it->first, *r.upto) > 0))
          return std::optional<row_key>{};
        return std::optional<row_key>{it->first};
      });
}

result<std::optional<row_key>> memory_store::max_key() {
  std::lock_guard lock(db_->mutex);
  auto& t = db_->table(spec_);
  if (t.empty()) return std::optional<row_key>{};
  return std::optional<row_key>{t.rbegin()->first};
}

// ---- backfill jobs ----

status memory_store::ensure_job_tables() {
  std::lock_guard lock(db_->mutex);
  db_->job_tables = true;
  return {};
}

result<bool> memory_store::has_job_tables() {
  std::lock_guard lock(db_->mutex);
  return db_->job_tables;
}

result<job_record> memory_store::open_job(const job_spec& spec,
                                          const std::vector<key_range>& ranges,
                                          std::uint64_t total_rows) {
  const std::string doing = what("opening backfill job \"" + spec.name + "\"");
  for (const key_range& r : ranges)
    if (auto st = detail::check_range(r, spec_, doing); !st) return std::move(st).error();
  std::lock_guard lock(db_->mutex);
  if (auto st = db_->check_tables(doing); !st) return std::move(st).error();
  const std::string key = detail::job_key(spec_.table, spec.name);
  auto it = db_->jobs.find(key);
  if (it == db_->jobs.end()) {
    database::job j;
    j.spec = spec;
    j.table = spec_.table;
    j.key = spec_.key;
    j.total_rows = total_rows;
    j.created_at = j.updated_at = unix_ms_now() / 1000;
    for (const key_range& r : detail::job_scope(ranges)) {
      range_record rr;
      rr.id = static_cast<std::int64_t>(j.ranges.size()) + 1;
      rr.range = r;
      j.ranges.push_back(std::move(rr));
    }
    it = db_->jobs.emplace(key, std::move(j)).first;
  }
  detail::stored_job have = database::stored(it->second);
  if (auto st = detail::check_job_matches(have, spec, spec_); !st) return std::move(st).error();
  return std::move(have.record);
}

result<std::optional<job_record>> memory_store::load_job(const std::string& name) {
  std::lock_guard lock(db_->mutex);
  if (auto st = db_->check_tables(what("loading backfill job \"" + name + "\"")); !st)
    return std::move(st).error();
  auto it = db_->jobs.find(detail::job_key(spec_.table, name));
  if (it == db_->jobs.end()) return std::optional<job_record>{};
  return std::optional<job_record>{database::stored(it->second).record};
}

result<std::vector<job_record>> memory_store::list_jobs() {
  std::lock_guard lock(db_->mutex);
  if (auto st = db_->check_tables(what("listing backfill jobs")); !st)
    return std::move(st).error();
  std::vector<job_record> out;
  for (const auto& [key, j] : db_->jobs)  // by key: ties in created_at stay in name order
    if (j.table == spec_.table) out.push_back(database::stored(j).record);
  std::stable_sort(out.begin(), out.end(), [](const job_record& a, const job_record& b) {
    return a.created_at < b.created_at;
  });
  return out;
}

result<std::vector<range_record>> memory_store::list_ranges(const std::string& name) {
  std::lock_guard lock(db_->mutex);
  if (auto st = db_->check_tables(what("listing the ranges of backfill job \"" + name + "\""));
      !st)
    return std::move(st).error();
  auto it = db_->jobs.find(detail::job_key(spec_.table, name));
  if (it == db_->jobs.end()) return std::vector<range_record>{};
  return it->second.ranges;
}

status memory_store::set_job_status(const std::string& name, job_status st,
                                    const std::string& error_text) {
  const std::string doing = what("setting the status of backfill job \"" + name + "\"");
  std::lock_guard lock(db_->mutex);
  if (auto t = db_->check_tables(doing); !t) return t;
  auto it = db_->jobs.find(detail::job_key(spec_.table, name));
  if (it == db_->jobs.end())
    return store_failure(doing, "there is no such job; create it with open_job");
  it->second.status = st;
  it->second.error = st == job_status::failed ? error_text : std::string();
  it->second.updated_at = unix_ms_now() / 1000;
  return {};
}

result<std::optional<range_record>> memory_store::claim_range(const std::string& name,
                                                              std::string_view owner,
                                                              std::chrono::milliseconds lease) {
  return claim_range_except(name, owner, lease, {});
}

result<std::optional<range_record>> memory_store::claim_range_except(
    const std::string& name, std::string_view owner, std::chrono::milliseconds lease,
    const std::vector<std::int64_t>& skip) {
  std::lock_guard lock(db_->mutex);
  if (auto st = db_->check_tables(what("claiming a range of backfill job \"" + name + "\"")); !st)
    return std::move(st).error();
  auto it = db_->jobs.find(detail::job_key(spec_.table, name));
  if (it == db_->jobs.end()) return std::optional<range_record>{};
  const std::int64_t now = unix_ms_now();
  range_record* pick = nullptr;
  for (range_record& r : it->second.ranges) {  // the one this owner holds first, then by id
    if (r.done || std::find(skip.begin(), skip.end(), r.id) != skip.end()) continue;
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

status memory_store::release_range(const std::string& name, std::int64_t range_id,
                                   std::string_view owner) {
  std::lock_guard lock(db_->mutex);
  if (auto st = db_->check_tables(what("releasing a range of backfill job \"" + name + "\""));
      !st)
    return st;
  if (range_record* r = db_->find_range(detail::job_key(spec_.table, name), range_id); r != nullptr && r->owner == owner) {
    r->owner.clear();
    r->lease_until_ms = 0;
  }
  return {};
}

result<batch_result> memory_store::commit_batch(const batch_commit& b) {
  const std::string doing = what("committing a batch of backfill job \"" + b.job + "\"");
  if (auto st = detail::check_batch_keys(b, spec_, doing); !st) return std::move(st).error();
  std::lock_guard lock(db_->mutex);
  if (auto st = db_->check_tables(doing); !st) return std::move(st).error();
  if (db_->failing_commits > 0) {
    --db_->failing_commits;
    return store_failure(doing, "injected failure (fail_next_commits); nothing was applied");
  }
  const std::string key = detail::job_key(spec_.table, b.job);
  range_record* r = db_->find_range(key, b.range_id);
  if (r == nullptr || r->done || r->owner != b.owner)
    return detail::lease_lost(b.job, b.range_id, b.owner);

  batch_result out;
  out.applied.reserve(b.writes.size());
  std::uint64_t applied = 0;
  auto& t = db_->table(spec_);
  for (const conditional_write& w : b.writes) {
    out.applied.push_back(database::apply(t, w));
    applied += out.applied.back() ? 1 : 0;
  }
  const std::int64_t now = unix_ms_now();
  for (const quarantined_row& q : b.quarantine) db_->add_quarantine(key, q, now / 1000);

  if (b.cursor) r->cursor = b.cursor;
  r->counters += b.counted;
  r->counters.upgraded += applied;
  r->counters.conflicts += b.writes.size() - applied;
  if (b.range_done) {
    r->done = true;
    r->owner.clear();
    r->lease_until_ms = 0;
    database::job& j = db_->jobs.at(key);
    j.updated_at = now / 1000;
    bool all_done = true;
    for (const range_record& each : j.ranges) all_done = all_done && each.done;
    if (all_done) j.status = job_status::done;
    out.job_done = all_done;
  } else {
    r->lease_until_ms = now + b.lease.count();
  }
  if (db_->lost_replies > 0) {
    --db_->lost_replies;
    return store_failure(doing, "injected lost reply (lose_next_commit_replies); the batch was applied");
  }
  return out;
}

result<bool> memory_store::drop_done_job(const std::string& name) {
  std::lock_guard lock(db_->mutex);
  if (auto st = db_->check_tables(what("deleting the done backfill job \"" + name + "\"")); !st)
    return std::move(st).error();
  auto it = db_->jobs.find(detail::job_key(spec_.table, name));
  if (it == db_->jobs.end() || it->second.status != job_status::done) return false;
  db_->jobs.erase(it);
  return true;
}

result<std::vector<quarantined_row>> memory_store::list_quarantine(const std::string& name,
                                                                   std::size_t n) {
  std::lock_guard lock(db_->mutex);
  if (auto st = db_->check_tables(what("listing quarantined rows")); !st)
    return std::move(st).error();
  const std::string key = detail::job_key(spec_.table, name);
  std::vector<const database::quarantine_entry*> picked;
  for (const database::quarantine_entry& q : db_->quarantine) {
    auto j = db_->jobs.find(q.job);
    const bool ours = j != db_->jobs.end() && j->second.table == spec_.table;
    if (name.empty() ? ours : q.job == key) picked.push_back(&q);
  }
  std::stable_sort(picked.begin(), picked.end(),
                   [](const database::quarantine_entry* a, const database::quarantine_entry* b) {
                     return a->row.at < b->row.at;
                   });
  std::vector<quarantined_row> out;
  for (std::size_t i = 0; i < picked.size() && i < n; ++i) out.push_back(picked[i]->row);
  return out;
}

// ---- the application's own writes ----

// ---- the write-version knob ----

status memory_store::ensure_knob_tables() {
  std::lock_guard lock(db_->mutex);
  db_->knob_tables = true;
  return {};
}

result<bool> memory_store::has_knob_tables() {
  std::lock_guard lock(db_->mutex);
  return db_->knob_tables;
}

result<std::vector<knob_setting>> memory_store::list_knobs() {
  std::lock_guard lock(db_->mutex);
  if (auto st = db_->check_knob_tables(what("listing the knobs")); !st) return std::move(st).error();
  std::vector<knob_setting> out;
  for (const auto& [record, k] : db_->knobs) out.push_back(k);
  return out;
}

result<knob_setting> memory_store::load_knob(std::string_view record) {
  std::lock_guard lock(db_->mutex);
  if (auto st = db_->check_knob_tables(what("reading the knob of " + std::string(record))); !st)
    return std::move(st).error();
  auto it = db_->knobs.find(std::string(record));
  if (it == db_->knobs.end()) return knob_setting{.record = std::string(record)};
  return it->second;
}

result<std::vector<knob_node>> memory_store::list_knob_nodes(std::string_view record) {
  std::lock_guard lock(db_->mutex);
  if (auto st = db_->check_knob_tables(what("listing the nodes of " + std::string(record))); !st)
    return std::move(st).error();
  return db_->nodes_of(record, unix_ms_now());
}

result<knob_flip> memory_store::flip_knob(std::string_view record, const knob_decision& decide) {
  std::lock_guard lock(db_->mutex);
  if (auto st = db_->check_knob_tables(what("flipping the knob of " + std::string(record))); !st)
    return std::move(st).error();
  const std::int64_t now = unix_ms_now();
  const auto found = db_->knobs.find(std::string(record));
  const knob_setting unset{.record = std::string(record)};
  const knob_setting& held = found != db_->knobs.end() ? found->second : unset;
  auto flip = decide(held, db_->nodes_of(record, now));
  // A refused flip leaves nothing, not even the row (the SQL stores roll its transaction back).
  if (!flip || flip->to == held.write_version) return flip;
  knob_setting& k = db_->knob(record);
  k.previous_version = k.write_version;
  k.write_version = flip->to;
  ++k.revision;
  k.changed_at_ms = now;
  db_->knob_log.push_back(*flip);
  db_->knob_log.back().record = std::string(record);
  db_->knob_log.back().at_ms = now;
  ++db_->flips;
  db_->flipped.notify_all();
  return flip;
}

result<knob_setting> memory_store::heartbeat_knob(const knob_node& me,
                                                  std::chrono::milliseconds lease) {
  std::lock_guard lock(db_->mutex);
  if (auto st = db_->check_knob_tables(what("renewing a node of " + me.record)); !st)
    return std::move(st).error();
  const std::int64_t now = unix_ms_now();
  knob_node& n = db_->nodes[{me.record, me.node}];
  n = me;
  n.seen_ms = now;
  n.lease_until_ms = now + lease.count();
  std::erase_if(db_->nodes, [&](const auto& e) {
    return e.first.first == me.record && e.second.lease_until_ms < now - 86400000;
  });
  return db_->knob(me.record);
}

status memory_store::leave_knob(std::string_view record, std::string_view node) {
  std::lock_guard lock(db_->mutex);
  if (auto st = db_->check_knob_tables(what("removing a node of " + std::string(record))); !st)
    return st;
  db_->nodes.erase({std::string(record), std::string(node)});
  return {};
}

result<std::vector<knob_flip>> memory_store::knob_log(std::string_view record, std::size_t n) {
  std::lock_guard lock(db_->mutex);
  if (auto st = db_->check_knob_tables(what("reading the flips of " + std::string(record))); !st)
    return std::move(st).error();
  std::vector<knob_flip> out;
  for (auto it = db_->knob_log.rbegin(); it != db_->knob_log.rend() && out.size() < n; ++it)
    if (it->record == record) out.push_back(*it);
  return out;
}

result<bool> memory_store::wait_for_knob(std::chrono::milliseconds timeout) {
  std::unique_lock lock(db_->mutex);
  const bool flipped = db_->flipped.wait_for(lock, timeout, [&] { return db_->flips != flips_seen_; });
  flips_seen_ = db_->flips;
  return flipped;
}

status memory_store::drop_table() {
  std::lock_guard lock(db_->mutex);
  db_->table(spec_).clear();
  return {};
}

status memory_store::put(const row_key& k, std::string_view value) {
  if (auto st = detail::check_key(k, spec_, what("writing a row")); !st) return st;
  std::lock_guard lock(db_->mutex);
  db_->table(spec_).insert_or_assign(k, std::string(value));
  return {};
}

status memory_store::put_many(const std::vector<stored_row>& rows) {
  if (auto st = detail::check_row_keys(rows, spec_, what("writing rows")); !st) return st;
  std::lock_guard lock(db_->mutex);
  auto& t = db_->table(spec_);
  for (const stored_row& r : rows) t.insert_or_assign(r.key, r.value);
  return {};
}

status memory_store::erase(const row_key& k) {
  if (auto st = detail::check_key(k, spec_, what("deleting a row")); !st) return st;
  std::lock_guard lock(db_->mutex);
  db_->table(spec_).erase(k);
  return {};
}

// ---- faults, for tests ----

void memory_store::fail_next_commits(int n) {
  std::lock_guard lock(db_->mutex);
  db_->failing_commits = n;
}

void memory_store::lose_next_commit_replies(int n) {
  std::lock_guard lock(db_->mutex);
  db_->lost_replies = n;
}

void memory_store::fail_next_scans(int n) {
  std::lock_guard lock(db_->mutex);
  db_->failing_scans = n;
}

}  // namespace uplift
