#pragma once
// The store operations the SQL stores share, written once over a small driver interface that the
// implementations of sqlite_store and postgres_store (sqlite.cpp, postgres.cpp) each provide for
// their database:
//
//   status query(sql, args, doing, on_row)         runs a statement, on_row(row) for each row
//   result<std::uint64_t> execute(sql, args, doing)  runs a statement, returns the rows changed
//   status exec_sql(sql, doing)                    runs a statement without parameters
//   std::string what(doing)                        "<database>, table <t>: <doing>"
//   status put_rows(rows, doing)                   writes put_many's rows (in its transaction)
//   static const job_statements& jobs()            the job tables' statements
//   bool value_as_text(row_format f)               binds a value of form f as text, not bytes
//   struct transaction                             a sql_transaction with the database's BEGIN
//
// A row has is_null(i), i64(i), boolean(i), text(i), bytes(i) and key(i, key_type).

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <uplift/store/store.hpp>

#include "rules.hpp"
#include "sql_statements.hpp"

namespace uplift::detail {

/// The parameters of a statement, in order. Text and blobs point at the caller's bytes, which
/// must outlive the statement's run; owned_text and text_or_null keep a copy.
class sql_args {
 public:
  enum class kind : std::uint8_t { null_text, integer, boolean, text, blob };
  struct arg {
    kind k;
    std::int64_t i = 0;
    std::string_view s{};
  };

  sql_args& integer(std::int64_t v) { return add({kind::integer, v}); }
  sql_args& boolean(bool v) { return add({kind::boolean, v ? 1 : 0}); }
  sql_args& text(std::string_view v) { return add({kind::text, 0, v}); }
  sql_args& blob(std::string_view v) { return add({kind::blob, 0, v}); }
  /// Text it keeps a copy of, for a value computed on the way (a job_key).
  sql_args& owned_text(std::string v) {
    return text(owned_.emplace_back(std::move(v)));  // a deque: the bytes stay put
  }
  sql_args& text_or_null(std::optional<std::string> v) {
    if (!v) return add({kind::null_text});
    return owned_text(std::move(*v));
  }
  sql_args& key(const row_key& k) {
    return k.index() == 0 ? integer(std::get<0>(k)) : text(std::get<1>(k));
  }
  sql_args& bounds(const std::optional<row_key>& after, const std::optional<row_key>& upto) {
    if (after) key(*after);
    if (upto) key(*upto);
    return *this;
  }

  const std::vector<arg>& items() const noexcept { return args_; }

 private:
  sql_args& add(arg a) {
    args_.push_back(a);
    return *this;
  }
  std::vector<arg> args_;
  std::deque<std::string> owned_;
};

/// The parameters ?1 to ?11 of job_statements::progress for batch `b` of the job known by `key`
/// (job_key), `applied` of whose writes applied: `upgraded` adds them, `conflicts` adds the
/// writes that did not apply.
inline void add_progress(sql_args& a, std::string_view key, const batch_commit& b,
                         std::uint64_t applied) {
  const backfill_counters& c = b.counted;
  auto i64 = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
  a.text(key)
      .integer(b.range_id)
      .text(b.owner)
      .text_or_null(key_text(b.cursor))
      .boolean(b.range_done)
      .integer(b.lease.count())
      .integer(i64(c.scanned))
      .integer(i64(c.upgraded + applied))
      .integer(i64(c.already_current))
      .integer(i64(c.conflicts + (b.writes.size() - applied)))
      .integer(i64(c.quarantined));
}

/// The store operations both SQL stores run the same way (see the top of this file).
template <class Driver>
class sql_adapter {
 public:
  const table_spec& spec() const noexcept { return spec_; }

  // ---- rows ----
  result<std::vector<stored_row>> scan(const key_range& r, std::size_t n) {
    if (auto st = check_maintenance_range(r); !st) return std::move(st).error();
    return scan_with(rows_.scan, r, n, {}, 0);
  }

  /// scan, with the rows at `version` sent as keys alone where the column's SQL can tell them
  /// (table_statements::scan_skipping); else scan.
  result<std::vector<stored_row>> scan_skipping(const key_range& r, std::size_t n,
                                                std::string_view json_key,
                                                std::uint16_t version) {
    if (rows_.scan_skipping[0].empty() || !json_key_countable(json_key)) return scan(r, n);
    if (auto st = check_maintenance_range(r); !st) return std::move(st).error();
    return scan_with(rows_.scan_skipping, r, n, json_key, version);
  }

  result<std::optional<std::string>> get(const row_key& k) {
    const std::string doing = self().what("reading the row " + key_to_string(k));
    if (auto st = check_key(k, spec_, doing); !st) return std::move(st).error();
    if (auto st = check_maintenance(k, doing); !st) return std::move(st).error();
    sql_args a;
    return first<std::string>(
        rows_.get, a.key(k), doing,
        [](const auto& row) -> result<std::string> { return std::string(row.bytes(0)); });
  }

  result<bool> write_if(const conditional_write& w) {
    const std::string doing = self().what("writing the row " + key_to_string(w.key));
    if (auto st = check_key(w.key, spec_, doing); !st) return std::move(st).error();
    return write(w, doing);
  }

  result<std::vector<prefix_count>> count_by_prefix(std::size_t n) {
    const std::string doing = self().what("counting rows by their first bytes");
    sql_args a;
    a.integer(static_cast<std::int64_t>(n));
    std::map<std::string, std::uint64_t> counts;  // a NULL value counts as no bytes
    auto st = self().query(rows_.count_by_prefix, a, doing, [&](const auto& row) -> status {
      counts[std::string(row.bytes(0))] += static_cast<std::uint64_t>(row.i64(1));
      return {};
    });
    if (!st) return std::move(st).error();
    std::vector<prefix_count> out;
    for (auto& [prefix, rows] : counts) out.push_back({prefix, rows});
    return out;
  }

  /// Empty for a binary column (format_of calls none of its rows JSON); nullopt when the column's
  /// SQL has no JSON functions to count with, or `key` is one no record has (json_key_countable).
  result<std::optional<std::vector<json_version_count>>> count_by_json_version(
      std::string_view key) {
    using counts = std::vector<json_version_count>;
    if (spec_.format == value_format::binary) return std::optional<counts>{counts{}};
    if (rows_.count_by_json_version.empty() || !json_key_countable(key))
      return std::optional<counts>{};
    const std::string doing =
        self().what("counting JSON rows by their key \"" + std::string(key) + "\"");
    sql_args a;
    a.text(key);
    std::map<std::pair<std::int64_t, std::int64_t>, std::uint64_t> groups;  // (kind, version)
    auto st = self().query(rows_.count_by_json_version, a, doing, [&](const auto& row) -> status {
      groups[{row.i64(0), row.i64(1)}] += static_cast<std::uint64_t>(row.i64(2));
      return {};
    });
    if (!st) return std::move(st).error();
    counts out;
    for (const auto& [group, rows] : groups)
      out.push_back({static_cast<json_version_count::kind>(group.first),
                     static_cast<std::uint16_t>(group.second), rows});
    return std::optional<counts>{std::move(out)};
  }

  result<std::uint64_t> count(const key_range& r) {
    const std::string doing = self().what("counting rows");
    if (auto st = check_range(r, spec_, doing); !st) return std::move(st).error();
    return count_rows(r, doing);
  }

  /// Counts the rows, then walks the key index with LIMIT 1 OFFSET steps from one part's last
  /// key to the next: one pass over the range's keys in index order (no values, no sort, no
  /// temporary storage), about the cost of count(r) twice.
  result<std::vector<key_range>> split(const key_range& r, std::size_t n) {
    const std::string doing = self().what("splitting a range");
    if (auto st = check_range(r, spec_, doing); !st) return std::move(st).error();
    auto rows = count_rows(r, doing);
    if (!rows) return std::move(rows).error();
    return split_by_steps(
        r, *rows, n, [&](const std::optional<row_key>& lower, std::uint64_t skip) {
          sql_args a;
          a.bounds(lower, r.upto).integer(static_cast<std::int64_t>(skip));
          return first<row_key>(rows_.step[variant(lower, r.upto)], a, doing, read_key());
        });
  }

  result<std::optional<row_key>> max_key() {
    return first<row_key>(rows_.max_key, {}, self().what("finding the largest key"), read_key());
  }

  // ---- backfill jobs ----
  status ensure_job_tables() {
    const std::string doing = self().what("creating the backfill job tables");
    typename Driver::transaction tx(self());
    if (auto st = tx.begin(doing); !st) return st;
    const job_statements& j = Driver::jobs();
    if (!j.lock_tables.empty())
      if (auto st = self().exec_sql(j.lock_tables, doing); !st) return st;
    auto layout = first<std::pair<std::int64_t, std::int64_t>>(
        j.layout, {}, doing, [](const auto& row) -> result<std::pair<std::int64_t, std::int64_t>> {
          return std::pair{row.i64(0), row.i64(1)};
        });
    if (!layout) return std::move(layout).error();
    const bool first_edition = *layout && (*layout)->first > 0 && (*layout)->second == 0;
    if (first_edition)
      for (const std::string& sql : j.upgrade_layout)
        if (auto st = self().exec_sql(sql, doing); !st) return st;
    for (const std::string& sql : j.create_tables)
      if (auto st = self().exec_sql(sql, doing); !st) return st;
    return tx.commit(doing);
  }

  result<bool> has_job_tables() {
    sql_args a;
    auto found = first<bool>(std::string(Driver::job_table_lookup), a,
                             self().what("looking for the backfill job tables"),
                             [](const auto&) -> result<bool> { return true; });
    if (!found) return std::move(found).error();
    return found->has_value();
  }

  /// Inserts the job row (ON CONFLICT DO NOTHING: a second worker's insert waits for the
  /// first's transaction, then does nothing), its ranges when it was inserted, commits, and reads
  /// the job back: two workers opening one job at once both get the one created first.
  result<job_record> open_job(const job_spec& spec, const std::vector<key_range>& ranges,
                              std::uint64_t total_rows) {
    const std::string doing = self().what("opening backfill job \"" + spec.name + "\"");
    for (const key_range& r : ranges)
      if (auto st = check_range(r, spec_, doing); !st) return std::move(st).error();
    {
      typename Driver::transaction tx(self());
      if (auto st = tx.begin(doing); !st) return std::move(st).error();
      const std::string key = job_key(spec_.table, spec.name);
      sql_args a;
      a.text(key)
          .text(spec.name)
          .text(spec_.table)
          .text(spec.record)
          .integer(spec.type_id)
          .integer(spec.target_version)
          .text(key_type_name(spec_.key))
          .integer(static_cast<std::int64_t>(total_rows));
      auto inserted = self().execute(Driver::jobs().insert_job, a, doing);
      if (!inserted) return std::move(inserted).error();
      if (*inserted == 1) {
        std::int64_t id = 0;
        for (const key_range& r : job_scope(ranges)) {
          sql_args ra;
          ra.text(key)
              .integer(++id)
              .text_or_null(key_text(r.after))
              .text_or_null(key_text(r.upto));
          if (auto st = self().execute(Driver::jobs().insert_range, ra, doing); !st)
            return std::move(st).error();
        }
      }
      if (auto st = tx.commit(doing); !st) return std::move(st).error();
    }
    auto have = load(spec.name, doing);
    if (!have) return std::move(have).error();
    if (!*have) return store_failure(doing, "the job was deleted while it was being opened");
    if (auto st = check_job_matches(**have, spec, spec_); !st) return std::move(st).error();
    return std::move((*have)->record);
  }

  result<std::optional<job_record>> load_job(const std::string& name) {
    auto have = load(name, self().what("loading backfill job \"" + name + "\""));
    if (!have) return std::move(have).error();
    if (!*have) return std::optional<job_record>{};
    return std::optional<job_record>{std::move((*have)->record)};
  }

  result<std::vector<job_record>> list_jobs() {
    sql_args a;
    return collect<job_record>(Driver::jobs().list_jobs, a.text(spec_.table),
                               self().what("listing backfill jobs"),
                               [](const auto& row) -> result<job_record> {
                                 auto j = read_job(row);
                                 if (!j) return std::move(j).error();
                                 return std::move(j->record);
                               });
  }

  result<std::vector<range_record>> list_ranges(const std::string& name) {
    sql_args a;
    return collect<range_record>(Driver::jobs().list_ranges, a.owned_text(job_key(spec_.table, name)),
                                 self().what("listing the ranges of backfill job \"" + name + "\""),
                                 read_range_row());
  }

  status set_job_status(const std::string& name, job_status st, const std::string& error_text) {
    const std::string doing = self().what("setting the status of backfill job \"" + name + "\"");
    sql_args a;
    a.owned_text(job_key(spec_.table, name))
        .text(to_string(st))
        .text(st == job_status::failed ? std::string_view(error_text) : "");
    auto changed = self().execute(Driver::jobs().set_status, a, doing);
    if (!changed) return std::move(changed).error();
    if (*changed == 0) return store_failure(doing, "there is no such job; create it with open_job");
    return {};
  }

  result<std::optional<range_record>> claim_range(const std::string& name, std::string_view owner,
                                                  std::chrono::milliseconds lease) {
    sql_args a;
    a.owned_text(job_key(spec_.table, name)).text(owner).integer(lease.count());
    return first<range_record>(Driver::jobs().claim, a,
                               self().what("claiming a range of backfill job \"" + name + "\""),
                               read_range_row());
  }

  result<std::optional<range_record>> claim_range_except(const std::string& name,
                                                         std::string_view owner,
                                                         std::chrono::milliseconds lease,
                                                         const std::vector<std::int64_t>& skip) {
    if (skip.empty()) return claim_range(name, owner, lease);
    std::string ids;
    for (std::int64_t id : skip) ids += (ids.empty() ? "" : ",") + std::to_string(id);
    sql_args a;
    a.owned_text(job_key(spec_.table, name)).text(owner).integer(lease.count()).owned_text(ids);
    return first<range_record>(Driver::jobs().claim_except, a,
                               self().what("claiming a range of backfill job \"" + name + "\""),
                               read_range_row());
  }

  status release_range(const std::string& name, std::int64_t range_id, std::string_view owner) {
    sql_args a;
    a.owned_text(job_key(spec_.table, name)).integer(range_id).text(owner);
    auto changed =
        self().execute(Driver::jobs().release, a,
                       self().what("releasing a range of backfill job \"" + name + "\""));
    if (!changed) return std::move(changed).error();
    return {};
  }

  result<std::vector<quarantined_row>> list_quarantine(const std::string& name, std::size_t n) {
    sql_args a;
    a.owned_text(name.empty() ? spec_.table : job_key(spec_.table, name))
        .integer(static_cast<std::int64_t>(n));
    const job_statements& j = Driver::jobs();
    return collect<quarantined_row>(
        name.empty() ? j.list_quarantine_of_table : j.list_quarantine_of_job, a,
        self().what("listing quarantined rows"),
        [&](const auto& row) { return read_quarantined(row, spec_.key); });
  }

  result<bool> drop_done_job(const std::string& name) {
    const std::string doing = self().what("deleting the done backfill job \"" + name + "\"");
    typename Driver::transaction tx(self());
    if (auto st = tx.begin(doing); !st) return std::move(st).error();
    sql_args a;
    a.owned_text(job_key(spec_.table, name));
    auto dropped = self().execute(Driver::jobs().drop_done_job, a, doing);
    if (!dropped) return std::move(dropped).error();
    if (*dropped == 0) return false;
    if (auto st = self().execute(Driver::jobs().drop_ranges, a, doing); !st)
      return std::move(st).error();
    if (auto st = tx.commit(doing); !st) return std::move(st).error();
    return true;
  }

  // ---- the write-version knob ----
  status ensure_knob_tables() {
    const std::string doing = self().what("creating the knob tables");
    typename Driver::transaction tx(self());
    if (auto st = tx.begin(doing); !st) return st;
    const knob_statements& k = Driver::knobs();
    if (!k.lock_tables.empty())
      if (auto st = self().exec_sql(k.lock_tables, doing); !st) return st;
    for (const std::string& sql : k.create_tables)
      if (auto st = self().exec_sql(sql, doing); !st) return st;
    return tx.commit(doing);
  }

  result<bool> has_knob_tables() {
    sql_args a;
    auto found = first<bool>(std::string(Driver::knob_table_lookup), a,
                             self().what("looking for the knob tables"),
                             [](const auto&) -> result<bool> { return true; });
    if (!found) return std::move(found).error();
    return found->has_value();
  }

  result<std::vector<knob_setting>> list_knobs() {
    return collect<knob_setting>(Driver::knobs().list, {}, self().what("listing the knobs"),
                                 [](const auto& row) { return read_knob(row); });
  }

  result<knob_setting> load_knob(std::string_view record) {
    sql_args a;
    auto k = first<knob_setting>(Driver::knobs().load, a.text(record),
                                 self().what(knob_doing("reading", record)),
                                 [](const auto& row) { return read_knob(row); });
    if (!k) return std::move(k).error();
    if (*k) return std::move(**k);
    return knob_setting{.record = std::string(record)};
  }

  result<std::vector<knob_node>> list_knob_nodes(std::string_view record) {
    sql_args a;
    return collect<knob_node>(Driver::knobs().nodes, a.text(record),
                              self().what(knob_doing("listing the nodes of", record)),
                              [](const auto& row) { return read_node(row); });
  }

  result<knob_flip> flip_knob(std::string_view record, const knob_decision& decide) {
    const std::string doing = self().what(knob_doing("flipping", record));
    const knob_statements& k = Driver::knobs();
    typename Driver::transaction tx(self());
    if (auto st = tx.begin(doing); !st) return std::move(st).error();
    auto now = held_knob(k.lock_row, record, doing);
    if (!now) return std::move(now).error();
    sql_args a;
    auto nodes = collect<knob_node>(k.nodes, a.text(record), doing,
                                    [](const auto& row) { return read_node(row); });
    if (!nodes) return std::move(nodes).error();
    auto flip = decide(*now, *nodes);
    if (!flip) return flip;  // the transaction rolls back
    if (flip->to != now->write_version) {
      sql_args f, l;
      f.text(record).integer(flip->to);
      l.text(record).integer(flip->from).integer(flip->to).text(flip->kind).text(flip->by)
          .text(flip->detail);
      if (auto st = self().execute(k.flip, f, doing); !st) return std::move(st).error();
      if (auto st = self().execute(k.log, l, doing); !st) return std::move(st).error();
      if (auto st = self().notify_knob(record, doing); !st) return std::move(st).error();
    }
    if (auto st = tx.commit(doing); !st) return std::move(st).error();
    return flip;
  }

  result<knob_setting> heartbeat_knob(const knob_node& me, std::chrono::milliseconds lease) {
    const std::string doing = self().what("renewing the node \"" + me.node + "\" of the knob of " +
                                          me.record);
    const knob_statements& k = Driver::knobs();
    typename Driver::transaction tx(self());
    if (auto st = tx.begin(doing); !st) return std::move(st).error();
    auto now = held_knob(k.share_row, me.record, doing);
    if (!now) return std::move(now).error();
    sql_args a, p;
    a.text(me.record).text(me.node).integer(me.reads_first).integer(me.reads_latest)
        .text(me.writes).integer(me.writing).text(me.problem).integer(lease.count());
    if (auto st = self().execute(k.upsert_node, a, doing); !st) return std::move(st).error();
    if (auto st = self().execute(k.prune_nodes, p.text(me.record), doing); !st)
      return std::move(st).error();
    if (auto st = tx.commit(doing); !st) return std::move(st).error();
    return now;
  }

  status leave_knob(std::string_view record, std::string_view node) {
    sql_args a;
    auto st = self().execute(Driver::knobs().leave, a.text(record).text(node),
                             self().what("removing the node \"" + std::string(node) +
                                         "\" from the knob of " + std::string(record)));
    if (!st) return std::move(st).error();
    return {};
  }

  result<std::vector<knob_flip>> knob_log(std::string_view record, std::size_t n) {
    sql_args a;
    a.text(record).integer(static_cast<std::int64_t>(n));
    return collect<knob_flip>(Driver::knobs().list_log, a,
                              self().what(knob_doing("reading the flips of", record)),
                              [](const auto& row) -> result<knob_flip> {
                                const std::string of(row.text(0));
                                const auto from = version_at(row, 1), to = version_at(row, 2);
                                if (!from || !to)
                                  return not_a_version(
                                      row, from ? 2 : 1, of, "a row of uplift_knob_log",
                                      from ? "to_version" : "from_version",
                                      "delete that row (the log is a record of flips only)");
                                return knob_flip{of, *from, *to, std::string(row.text(3)),
                                                 std::string(row.text(4)), std::string(row.text(5)),
                                                 row.i64(6)};
                              });
  }


  // ---- copy jobs: the source ----
  status check_copy_source() {
    const std::string doing = self().what("checking the table as a copy job's source");
    const copy_statements& c = copy_sql();
    if (c.source_check.empty()) return store_failure(doing, "copy jobs are not supported here yet");
    sql_args a;
    // SQLite's pragma_table_info takes the name; PostgreSQL's to_regclass the quoted name.
    a.owned_text(Driver::dialect().param == '$' ? quote_ident(spec_.table, true) : spec_.table)
        .text(spec_.key_column);
    auto facts = first<std::array<std::int64_t, 3>>(
        c.source_check, a, doing, [](const auto& row) -> result<std::array<std::int64_t, 3>> {
          return std::array<std::int64_t, 3>{row.i64(0), row.is_null(1) ? -1 : row.i64(1),
                                             row.i64(2)};
        });
    if (!facts) return std::move(facts).error();
    const auto f = facts->value_or(std::array<std::int64_t, 3>{0, -1, 0});
    if (f[0] == 0)
      return store_failure(doing, "there is no such table: create it, or name the table the "
                                  "application writes (table_spec::table)");
    if (f[1] < 0)
      return store_failure(doing, "the table has no column \"" + spec_.key_column +
                                      "\": name its primary key column (table_spec::key_column)");
    if (f[1] == 0 || f[2] != 1)
      return store_failure(doing, "the key column \"" + spec_.key_column +
                                      "\" is not the table's primary key (of one column): a copy "
                                      "job goes row by row by a unique key; make it the primary key "
                                      "first");
    return {};
  }

  status install_capture(std::string_view job) {
    const std::string doing = self().what("installing the capture of copy job \"" + std::string(job) + "\"");
    const copy_statements c = capture_statements(job);
    typename Driver::transaction tx(self());
    if (auto st = tx.begin(doing); !st) return st;
    for (const std::string& sql : c.create_capture)
      if (auto st = self().exec_sql(sql, doing); !st) return st;
    for (const std::string& sql : c.install_capture)
      if (auto st = self().exec_sql(sql, doing); !st) return st;
    return tx.commit(doing);
  }

  result<bool> has_capture(std::string_view job) {
    const copy_statements c = capture_statements(job);
    auto n = first<std::int64_t>(c.has_capture, {}, self().what("looking for a capture"),
                                 [](const auto& row) -> result<std::int64_t> { return row.i64(0); });
    if (!n) return std::move(n).error();
    return n->value_or(0) == 3;
  }

  status remove_capture(std::string_view job) {
    const std::string doing = self().what("removing the capture of copy job \"" + std::string(job) + "\"");
    const copy_statements c = capture_statements(job);
    typename Driver::transaction tx(self());
    if (auto st = tx.begin(doing); !st) return st;
    for (const std::string& sql : c.remove_capture)
      if (auto st = self().exec_sql(sql, doing); !st) return st;
    auto exists = first<bool>(c.capture_table_lookup, {}, doing,
                              [](const auto&) -> result<bool> { return true; });
    if (!exists) return std::move(exists).error();
    if (exists->has_value()) {
      sql_args a;
      if (auto st = self().execute(c.delete_capture, a.text(capture_key(job)), doing); !st)
        return std::move(st).error();
    }
    return tx.commit(doing);
  }

  result<std::vector<capture_entry>> read_capture(std::string_view job, std::size_t n,
                                                  std::size_t part = 0, std::size_t parts = 1) {
    const copy_statements c = capture_statements(job);
    sql_args a;
    a.owned_text(capture_key(job)).integer(static_cast<std::int64_t>(n));
    if (parts > 1) {
      if (c.read_capture_part.empty())
        return store_failure(self().what("reading a share of a capture log"),
                             "this store's log is caught up by one worker (one writer at a time)");
      a.integer(static_cast<std::int64_t>(parts)).integer(static_cast<std::int64_t>(part));
    }
    return collect<capture_entry>(
        parts > 1 ? c.read_capture_part : c.read_capture, a, self().what("reading the capture log of copy job \"" + std::string(job) + "\""),
        [this](const auto& row) -> result<capture_entry> {
          return capture_entry{row.i64(0), row.key(1, spec_.key), row.i64(2)};
        });
  }

  result<std::uint64_t> consume_capture(std::string_view job, const std::vector<std::int64_t>& ids) {
    const std::string doing = self().what("consuming the capture log of copy job \"" + std::string(job) + "\"");
    const copy_statements c = capture_statements(job);
    const std::string key = capture_key(job);
    typename Driver::transaction tx(self());
    if (auto st = tx.begin(doing); !st) return std::move(st).error();
    // consume_ids ids a statement, the last one's list filled up with 0 (no entry has it).
    constexpr std::size_t per = copy_statements::consume_ids;
    std::uint64_t deleted = 0;
    for (std::size_t from = 0; from < ids.size(); from += per) {
      sql_args a;
      a.text(key);
      for (std::size_t i = from; i < from + per; ++i) a.integer(i < ids.size() ? ids[i] : 0);
      auto n = self().execute(c.consume, a, doing);
      if (!n) return std::move(n).error();
      deleted += *n;
    }
    if (auto st = tx.commit(doing); !st) return std::move(st).error();
    return deleted;
  }

  result<capture_backlog> backlog(std::string_view job) {
    const copy_statements c = capture_statements(job);
    sql_args a;
    auto b = first<capture_backlog>(
        c.backlog, a.owned_text(capture_key(job)),
        self().what("measuring the capture log of copy job \"" + std::string(job) + "\""),
        [](const auto& row) -> result<capture_backlog> {
          return capture_backlog{static_cast<std::uint64_t>(row.i64(0)), row.i64(1), row.i64(2)};
        });
    if (!b) return std::move(b).error();
    return b->value_or(capture_backlog{});
  }

  status swap_by_rename(std::string_view job, std::string_view new_table, std::string_view old_name) {
    const std::string doing = self().what("swapping in the table " + std::string(new_table));
    const copy_statements c =
        make_copy_statements(spec_, Driver::dialect(), capture_key(job), {}, new_table, old_name);
    for (const std::string& sql : c.remove_capture)
      if (auto st = self().exec_sql(sql, doing); !st) return st;
    sql_args a;
    if (auto st = self().execute(c.delete_capture, a.owned_text(capture_key(job)), doing); !st)
      return std::move(st).error();
    if (auto st = self().exec_sql(c.rename_old, doing); !st) return st;
    return self().exec_sql(c.rename_new, doing);
  }

  status swap_by_route(std::string_view job, std::string_view where) {
    const std::string doing = self().what("routing the table to " + std::string(where));
    const copy_statements c = make_copy_statements(spec_, Driver::dialect(), capture_key(job), where);
    for (const std::string& sql : c.remove_capture)
      if (auto st = self().exec_sql(sql, doing); !st) return st;
    sql_args del;
    if (auto st = self().execute(c.delete_capture, del.owned_text(capture_key(job)), doing); !st)
      return std::move(st).error();
    for (const std::string& sql : c.route)
      if (auto st = self().exec_sql(sql, doing); !st) return st;
    sql_args a;
    a.text(spec_.table).text(where).text(job);
    if (auto st = self().execute(c.set_route, a, doing); !st) return std::move(st).error();
    return {};
  }

  result<std::optional<std::string>> route() {
    const std::string doing = self().what("looking for the table's route");
    const copy_statements& c = copy_sql();
    auto exists = first<bool>(c.routes_table_lookup, {}, doing,
                              [](const auto&) -> result<bool> { return true; });
    if (!exists) return std::move(exists).error();
    if (!exists->has_value()) return std::optional<std::string>{};
    sql_args a;
    return first<std::string>(c.get_route, a.text(spec_.table), doing,
                              [](const auto& row) -> result<std::string> {
                                return std::string(row.text(0));
                              });
  }

  // ---- copy jobs: the target ----
  status ensure_copy_tables() {
    if (auto st = ensure_job_tables(); !st) return st;  // uplift_quarantine
    const copy_statements& c = copy_sql();
    if (auto st = self().exec_sql(c.create_copy, self().what("creating the copy job table")); !st)
      return st;
    return self().exec_sql(c.create_maintenance, self().what("creating the maintenance table"));
  }

  status prepare_maintenance() {
    const std::string doing = self().what("installing the maintenance triggers");
    const copy_statements& c = copy_sql();
    typename Driver::transaction tx(self());
    if (auto st = tx.begin(doing); !st) return st;
    if (auto st = self().exec_sql(c.create_maintenance, doing); !st) return st;
    for (const std::string& sql : c.refuse_maintenance)
      if (auto st = self().exec_sql(sql, doing); !st) return st;
    return tx.commit(doing);
  }

  status begin_maintenance(std::string_view job, const std::vector<row_key>& keys) {
    const std::string doing =
        self().what("putting " + std::to_string(keys.size()) + " keys in maintenance for copy job \"" +
                    std::string(job) + "\"");
    const copy_statements& c = copy_sql();
    typename Driver::transaction tx(self());
    if (auto st = tx.begin(doing); !st) return st;
    for (const std::string& sql : maintenance_sql(spec_, Driver::dialect(), job, keys))
      if (auto st = self().exec_sql(sql, doing); !st) return st;
    sql_args p;
    p.owned_text(job_key(spec_.table, job)).text("maintenance").text("");
    if (auto st = self().execute(c.set_phase, p, doing); !st) return std::move(st).error();
    watch_ = 1;
    return tx.commit(doing);
  }

  result<std::vector<row_key>> maintenance_keys(std::size_t n) {
    const copy_statements& c = copy_sql();
    sql_args a;
    a.text(spec_.table).integer(static_cast<std::int64_t>(n));
    return collect<row_key>(c.list_maintenance, a, self().what("listing the keys in maintenance"),
                            read_key());
  }

  status end_maintenance(std::string_view job, std::string_view phase) {
    const std::string doing = self().what("ending the maintenance of copy job \"" + std::string(job) + "\"");
    const copy_statements& c = copy_sql();
    typename Driver::transaction tx(self());
    if (auto st = tx.begin(doing); !st) return st;
    for (const std::string& sql : c.allow_maintenance)
      if (auto st = self().exec_sql(sql, doing); !st) return st;
    auto exists = first<bool>(c.maintenance_lookup, {}, doing,
                              [](const auto&) -> result<bool> { return true; });
    if (!exists) return std::move(exists).error();
    if (exists->has_value()) {
      sql_args a;
      if (auto st = self().execute(c.clear_maintenance, a.text(spec_.table), doing); !st)
        return std::move(st).error();
    }
    sql_args p;
    p.owned_text(job_key(spec_.table, job)).text(phase).text("");
    if (auto st = self().execute(c.set_phase, p, doing); !st) return std::move(st).error();
    return tx.commit(doing);
  }

  result<std::optional<copy_record>> load_copy(std::string_view name) {
    const copy_statements& c = copy_sql();
    sql_args a;
    return first<copy_record>(c.load_copy, a.owned_text(job_key(spec_.table, name)),
                              self().what("loading copy job \"" + std::string(name) + "\""),
                              read_copy_row());
  }

  status set_copy_verification(std::string_view name, std::uint64_t rows, std::uint64_t mismatches,
                               std::uint64_t pending) {
    const copy_statements& c = copy_sql();
    sql_args a;
    auto i64 = [](std::uint64_t v) { return static_cast<std::int64_t>(v); };
    a.owned_text(job_key(spec_.table, name)).integer(i64(rows)).integer(i64(mismatches)).integer(i64(pending));
    auto n = self().execute(c.set_verification, a,
                            self().what("recording the verification of copy job \"" + std::string(name) + "\""));
    if (!n) return std::move(n).error();
    return {};
  }

  result<std::vector<copy_record>> list_copy_jobs() {
    const std::string doing = self().what("listing copy jobs");
    const copy_statements& c = copy_sql();
    auto exists = first<bool>(c.copy_table_lookup, {}, doing,
                              [](const auto&) -> result<bool> { return true; });
    if (!exists) return std::move(exists).error();
    if (!exists->has_value()) return std::vector<copy_record>{};
    return collect<copy_record>(c.list_copies, {}, doing, read_copy_row());
  }

  result<copy_record> open_copy(const copy_record& fresh) {
    const std::string doing = self().what("opening copy job \"" + fresh.name + "\"");
    const copy_statements& c = copy_sql();
    sql_args a;
    a.owned_text(job_key(spec_.table, fresh.name))
        .text(fresh.name)
        .text(spec_.table)
        .text(fresh.source)
        .text(fresh.record)
        .integer(fresh.target_version)
        .text(fresh.phase)
        .integer(static_cast<std::int64_t>(fresh.total_rows))
        .text(fresh.source_database);
    if (auto st = self().execute(c.insert_copy, a, doing); !st) return std::move(st).error();
    auto have = load_copy(fresh.name);
    if (!have) return std::move(have).error();
    if (!*have) return store_failure(doing, "the job was deleted while it was being opened");
    return std::move(**have);
  }

  status commit_copy_chunk(const copy_chunk& chunk) {
    const std::string doing = self().what("committing a chunk of copy job \"" + chunk.job + "\"");
    if (auto st = check_row_keys(chunk.rows, spec_, doing); !st) return st;
    const copy_statements& c = copy_sql();
    typename Driver::transaction tx(self());
    if (auto st = tx.begin(doing); !st) return st;
    auto inserted = self().insert_absent_rows(chunk.rows, doing);
    if (!inserted) return std::move(inserted).error();
    if (auto st = quarantine_copy_rows(chunk.job, chunk.quarantine, doing); !st) return st;
    sql_args p;
    p.owned_text(job_key(spec_.table, chunk.job))
        .text_or_null(key_text(chunk.cursor))
        .integer(static_cast<std::int64_t>(*inserted))
        .integer(static_cast<std::int64_t>(chunk.quarantine.size()))
        .boolean(chunk.last);
    if (auto st = self().execute(c.chunk_progress, p, doing); !st) return std::move(st).error();
    return tx.commit(doing);
  }

  status apply_copy_changes(const copy_changes& ch) {
    const std::string doing = self().what("applying captured changes of copy job \"" + ch.job + "\"");
    if (auto st = check_row_keys(ch.upserts, spec_, doing); !st) return st;
    const copy_statements& c = copy_sql();
    typename Driver::transaction tx(self());
    if (auto st = tx.begin(doing); !st) return st;
    auto bypass = [&](bool on) -> status {
      sql_args a;
      a.text(spec_.table).integer(on ? 1 : 0);
      auto n = self().execute(c.bypass_route, a, doing);
      if (!n) return std::move(n).error();
      return {};
    };
    if (ch.through_route)
      if (auto st = bypass(true); !st) return st;
    if (ch.leaves_maintenance) {
      // First: the refusing triggers then pass this transaction's writes; others see the keys in
      // maintenance until it commits.
      std::vector<row_key> keys = ch.deletes;
      for (const stored_row& r : ch.upserts) keys.push_back(r.key);
      for (const std::string& sql : maintenance_sql(spec_, Driver::dialect(), {}, keys))
        if (auto st = self().exec_sql(sql, doing); !st) return st;
    }
    if (auto st = self().put_rows(ch.upserts, doing); !st) return st;
    for (const row_key& k : ch.deletes) {
      sql_args a;
      if (auto st = self().execute(rows_.erase, a.key(k), doing); !st) return std::move(st).error();
    }
    if (ch.through_route)
      if (auto st = bypass(false); !st) return st;
    if (!ch.counted) return tx.commit(doing);
    if (auto st = quarantine_copy_rows(ch.job, ch.quarantine, doing); !st) return st;
    sql_args p;
    p.owned_text(job_key(spec_.table, ch.job))
        .integer(static_cast<std::int64_t>(ch.entries))
        .integer(static_cast<std::int64_t>(ch.quarantine.size()));
    if (auto st = self().execute(c.changes_progress, p, doing); !st) return std::move(st).error();
    return tx.commit(doing);
  }

  result<std::vector<quarantined_row>> list_copy_quarantine(std::string_view name, std::size_t n) {
    sql_args a;
    a.owned_text("copy " + job_key(spec_.table, name)).integer(static_cast<std::int64_t>(n));
    return collect<quarantined_row>(
        Driver::jobs().list_quarantine_of_job, a,
        self().what("listing the quarantine of copy job \"" + std::string(name) + "\""),
        [this](const auto& row) { return read_quarantined(row, spec_.key); });
  }

  status set_copy_phase(std::string_view name, std::string_view phase, std::string_view error_text) {
    const copy_statements& c = copy_sql();
    sql_args a;
    a.owned_text(job_key(spec_.table, name)).text(phase).text(error_text);
    auto n = self().execute(c.set_phase, a,
                            self().what("setting the phase of copy job \"" + std::string(name) + "\""));
    if (!n) return std::move(n).error();
    return {};
  }

  // ---- the application's own writes (not part of the store interface) ----
  /// CREATE TABLE IF NOT EXISTS: the key column as primary key and the value column.
  status create_table() {
    return self().exec_sql(rows_.create_table, self().what("creating the table"));
  }

  /// DROP TABLE IF EXISTS: the table and every row in it, for demos and tests; and its route
  /// (a copy job's, uplift_routes) and keys in maintenance, which were the table's.
  status drop_table() {
    const std::string doing = self().what("dropping the table");
    if (auto st = self().exec_sql(rows_.drop_table, doing); !st) return st;
    const copy_statements& c = copy_sql();
    const std::pair<const std::string*, std::string> owned[] = {
        {&c.routes_table_lookup, "DELETE FROM uplift_routes WHERE table_name = ?1"},
        {&c.maintenance_lookup, "DELETE FROM uplift_maintenance WHERE table_name = ?1"}};
    for (const auto& [lookup, erase] : owned) {
      auto exists = first<bool>(*lookup, {}, doing, [](const auto&) -> result<bool> { return true; });
      if (!exists) return std::move(exists).error();
      if (!exists->has_value()) continue;
      sql_args a;
      if (auto st = self().execute(render(erase, Driver::dialect(), {}), a.text(spec_.table), doing); !st)
        return std::move(st).error();
    }
    return {};
  }

  /// Inserts or overwrites a row.
  status put(const row_key& k, std::string_view value) {
    const std::string doing = self().what("writing the row " + key_to_string(k));
    if (auto st = check_key(k, spec_, doing); !st) return st;
    sql_args a;
    a.key(k);
    auto changed = self().execute(
        rows_.put, add_value(a, value, format_of(spec_.format, as_bytes_view(value))), doing);
    if (!changed) return std::move(changed).error();
    return {};
  }

  /// Inserts or overwrites many rows (with distinct keys) in one transaction.
  status put_many(const std::vector<stored_row>& rows) {
    const std::string doing = self().what("writing " + std::to_string(rows.size()) + " rows");
    if (auto st = check_row_keys(rows, spec_, doing); !st) return st;
    typename Driver::transaction tx(self());
    if (auto st = tx.begin(doing); !st) return st;
    if (auto st = self().put_rows(rows, doing); !st) return st;
    return tx.commit(doing);
  }

  /// Deletes a row (nothing when there is none).
  status erase(const row_key& k) {
    const std::string doing = self().what("deleting the row " + key_to_string(k));
    if (auto st = check_key(k, spec_, doing); !st) return st;
    // A key in maintenance may have no row here yet (its insert not applied): the triggers see
    // no row to delete, so the check comes first.
    if (auto st = check_maintenance(k, doing); !st) return st;
    sql_args a;
    auto changed = self().execute(rows_.erase, a.key(k), doing);
    if (!changed) return std::move(changed).error();
    return {};
  }

 protected:
  explicit sql_adapter(table_spec spec) : spec_(std::move(spec)) {}

  /// The rows of a statement, each read by `read(row)` into a result<T>.
  template <class T, class Read>
  result<std::vector<T>> collect(const std::string& sql, const sql_args& a, std::string_view doing,
                                 Read&& read) {
    std::vector<T> out;
    auto st = self().query(sql, a, doing, [&](const auto& row) -> status {
      auto item = read(row);
      if (!item) return std::move(item).error();
      out.push_back(std::move(*item));
      return {};
    });
    if (!st) return std::move(st).error();
    return out;
  }

  /// The first row of a statement read by `read(row)`, or nullopt when it returns none.
  template <class T, class Read>
  result<std::optional<T>> first(const std::string& sql, const sql_args& a, std::string_view doing,
                                 Read&& read) {
    auto all = collect<T>(sql, a, doing, std::forward<Read>(read));
    if (!all) return std::move(all).error();
    if (all->empty()) return std::optional<T>{};
    return std::optional<T>{std::move(all->front())};
  }

  result<std::optional<stored_job>> load(const std::string& name, std::string_view doing) {
    sql_args a;
    return first<stored_job>(Driver::jobs().load_job, a.owned_text(job_key(spec_.table, name)), doing,
                             [](const auto& row) { return read_job(row); });
  }


  /// The rows whose keys are absent inserted, a statement each; how many were.
  result<std::uint64_t> insert_absent_each(const std::vector<stored_row>& rows, std::string_view doing) {
    std::uint64_t inserted = 0;
    for (const stored_row& r : rows) {
      sql_args a;
      a.key(r.key);
      auto n = self().execute(rows_.insert_absent,
                              add_value(a, r.value, format_of(spec_.format, as_bytes_view(r.value))),
                              doing);
      if (!n) return std::move(n).error();
      inserted += *n;
    }
    return inserted;
  }

  /// A row of uplift_copy (copy_statements::load_copy's columns).
  auto read_copy_row() const {
    return [this](const auto& row) -> result<copy_record> {
      copy_record r;
      r.name = std::string(row.text(0));
      r.source = std::string(row.text(1));
      r.record = std::string(row.text(2));
      r.target_version = static_cast<std::uint16_t>(row.i64(3));
      r.phase = std::string(row.text(4));
      auto cursor = optional_key_from_text(nullable_text(row, 5), spec_.key);
      if (!cursor) return std::move(cursor).error();
      r.cursor = std::move(*cursor);
      auto u = [&](int i) { return static_cast<std::uint64_t>(row.i64(i)); };
      r.total_rows = u(6);
      r.copied = u(7);
      r.quarantined = u(8);
      r.applied = u(9);
      r.error = std::string(row.text(10));
      r.table = std::string(row.text(11));
      r.source_database = std::string(row.text(12));
      r.verified_at = row.i64(13);
      r.verified_rows = u(14);
      r.verified_mismatches = u(15);
      r.verified_pending = u(16);
      return r;
    };
  }

  /// Whether this connection's reads check the maintenance table: unknown (-1) until its first
  /// read, then on (1) while a copy job into this table is not cut over, else off (0) for good
  /// (a table is a copy's target once: it must be empty when the job opens).
  int watch_ = -1;

  /// The copy-job statements of this table (no job's own): made once, at their first use.
  std::optional<copy_statements> copy_sql_;
  const copy_statements& copy_sql() {
    if (!copy_sql_) copy_sql_ = make_copy_statements(spec_, Driver::dialect(), {});
    return *copy_sql_;
  }

  bool watching(std::string_view doing) {
    if (watch_ < 0) {
      const copy_statements& c = copy_sql();
      auto exists = first<bool>(c.maintenance_lookup, {}, doing,
                                [](const auto&) -> result<bool> { return true; });
      watch_ = exists && exists->has_value() ? 1 : 0;
    }
    return watch_ == 1;
  }
  error in_maintenance(const row_key& k, std::string_view doing) const {
    return store_failure(doing,
                         "the row " + key_to_string(k) +
                             " is in maintenance: a copy job's cut-over is applying its last "
                             "changes into this table; nothing was read or written: try again in a "
                             "moment",
                         errc::key_in_maintenance);
  }
  /// errc::key_in_maintenance when `k` is in maintenance; a read goes on after this check (the
  /// key leaves maintenance in the transaction that writes its row, never before).
  status check_maintenance(const row_key& k, std::string_view doing) {
    if (!watching(doing)) return {};
    const copy_statements& c = copy_sql();
    sql_args a;
    auto probe = first<std::pair<bool, bool>>(
        c.probe_key, a.text(spec_.table).key(k), doing,
        [](const auto& row) -> result<std::pair<bool, bool>> {
          return std::pair{row.i64(0) != 0, row.i64(1) != 0};
        });
    if (!probe) return std::move(probe).error();
    const auto [held, active] = probe->value_or(std::pair{false, false});
    if (held) return in_maintenance(k, doing);
    if (!active) watch_ = 0;
    return {};
  }
  /// errc::key_in_maintenance when a key in maintenance is in `r`, or is one of `keys`.
  status check_maintenance_keys(const std::optional<key_range>& r, const std::vector<row_key>& keys) {
    if (watch_ == 0) return {};  // the usual read: before `doing` below is built
    const std::string doing = self().what("reading rows");
    if (!watching(doing)) return {};
    const copy_statements& c = copy_sql();
    sql_args a;
    auto active = first<bool>(c.copy_active, a.text(spec_.table), doing,
                              [](const auto&) -> result<bool> { return true; });
    if (!active) return std::move(active).error();
    auto held = maintenance_keys(1000000);
    if (!held) return std::move(held).error();
    if (!active->has_value() && held->empty()) {
      watch_ = 0;
      return {};
    }
    for (const row_key& h : *held) {
      if (r && in_range(h, *r)) return in_maintenance(h, doing);
      for (const row_key& k : keys)
        if (compare_keys(h, k) == 0) return in_maintenance(h, doing);
    }
    return {};
  }
  status check_maintenance_range(const key_range& r) { return check_maintenance_keys(r, {}); }

  /// The capture log's `job` for copy job `job` on this table.
  std::string capture_key(std::string_view job) const { return job_key(spec_.table, job); }
  copy_statements capture_statements(std::string_view job) const {
    return make_copy_statements(spec_, Driver::dialect(), capture_key(job));
  }
  /// The rows a copy job quarantined, in uplift_quarantine as job "copy <job key>".
  status quarantine_copy_rows(const std::string& job, const std::vector<quarantined_row>& rows,
                              std::string_view doing) {
    const std::string key = "copy " + job_key(spec_.table, job);
    for (const quarantined_row& q : rows) {
      sql_args a;
      a.text(key).owned_text(key_to_string(q.key)).integer(q.stored_version).text(q.error);
      if (auto st = self().execute(Driver::jobs().quarantine, a, doing); !st)
        return std::move(st).error();
    }
    return {};
  }

  result<bool> write(const conditional_write& w, std::string_view doing) {
    sql_args a;
    a.key(w.key);
    add_value(a, w.expected, row_format::binary);  // bytes where the column is bytes
    auto changed = self().execute(rows_.write_if, add_value(a, w.value, w.format), doing);
    if (!changed) return std::move(changed).error();
    return *changed > 0;
  }

  /// A value parameter, as text or bytes as the driver binds a value of form f.
  sql_args& add_value(sql_args& a, std::string_view v, row_format f) {
    return self().value_as_text(f) ? a.text(v) : a.blob(v);
  }

  auto read_key() const {
    return [this](const auto& row) -> result<row_key> { return row.key(0, spec_.key); };
  }
  auto read_range_row() const {
    return [this](const auto& row) { return read_range(row, spec_.key); };
  }

  static std::size_t variant(const std::optional<row_key>& after,
                             const std::optional<row_key>& upto) {
    return bounds_variant(after.has_value(), upto.has_value());
  }

  static std::string knob_doing(std::string_view verb, std::string_view record) {
    return std::string(verb) + " the knob of " + std::string(record);
  }
  /// Column i of a knob row as a version: an integer from 0 to 65535. A row edited by hand may
  /// hold anything (SQLite keeps text in an integer column): nullopt then, never a version
  /// wrapped into range.
  template <class Row>
  static std::optional<std::uint16_t> version_at(const Row& row, int i) {
    if (!row.is_integer(i)) return std::nullopt;
    const std::int64_t v = row.i64(i);
    if (v < 0 || v > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(v);
  }
  /// What column i of a row holds, for an error: the number, 'text' or NULL.
  template <class Row>
  static std::string shown(const Row& row, int i) {
    if (row.is_null(i)) return "NULL";
    if (row.is_integer(i)) return std::to_string(row.i64(i));
    return "'" + std::string(row.text(i).substr(0, 40)) + "'";
  }
  /// The error of a knob row whose column `column` (at i) is not a version, and what fixes it.
  template <class Row>
  static error not_a_version(const Row& row, int i, std::string_view record,
                             std::string_view row_name, std::string_view column,
                             std::string_view fix) {
    return error(errc::invalid_version, record)
        .with_detail(std::string(row_name) + " holds " + std::string(column) + " " +
                     shown(row, i) + ", which is not a version (an integer from 0 to 65535): " +
                     std::string(fix));
  }
  template <class Row>
  static result<knob_setting> read_knob(const Row& row) {
    const std::string record(row.text(0));
    const auto write = version_at(row, 1), previous = version_at(row, 2);
    auto fix = [&](std::string_view column, std::string_view to) {
      return "correct it: UPDATE uplift_knob SET " + std::string(column) + " = " +
             std::string(to) + " WHERE record = '" + record + "'";
    };
    if (!write)
      return not_a_version(row, 1, record, "uplift_knob's row", "write_version",
                           fix("write_version", "N") +
                               " (N: a version every live process reads and writes)");
    if (!previous)
      return not_a_version(row, 2, record, "uplift_knob's row", "previous_version",
                           fix("previous_version", "0") + " (0: no version to go back to)");
    return knob_setting{record, *write, *previous, row.i64(3), row.i64(4)};
  }
  template <class Row>
  static result<knob_node> read_node(const Row& row) {
    const std::string record(row.text(0)), node(row.text(1));
    const std::string row_name = "uplift_knob_nodes' row of node \"" + node + "\"";
    const std::string fix = "delete the row (DELETE FROM uplift_knob_nodes WHERE record = '" +
                            record + "' AND node = '" + node +
                            "'); a live process registers again at its next heartbeat";
    std::optional<std::uint16_t> v[3];
    const int columns[3] = {2, 3, 5};
    const std::string_view names[3] = {"reads_first", "reads_latest", "writing"};
    for (int c = 0; c < 3; ++c)
      if (!(v[c] = version_at(row, columns[c])))
        return not_a_version(row, columns[c], record, row_name, names[c], fix);
    return knob_node{record, node, *v[0], *v[1], std::string(row.text(4)), *v[2],
                     std::string(row.text(6)), row.i64(7), row.i64(8), row.i64(9) != 0};
  }
  /// The knob row of `record`, added when missing, read by `sql` (lock_row or share_row).
  result<knob_setting> held_knob(const std::string& sql, std::string_view record,
                                 std::string_view doing) {
    sql_args a;
    a.text(record);
    if (auto st = self().execute(Driver::knobs().add_row, a, doing); !st)
      return std::move(st).error();
    auto k = first<knob_setting>(sql, a, doing, [](const auto& row) { return read_knob(row); });
    if (!k) return std::move(k).error();
    if (!*k) return store_failure(doing, "the knob row is missing after it was added");
    return std::move(**k);
  }

  table_spec spec_;
  table_statements rows_;

 private:
  /// Runs one of the scan statements (by bounds_variant); with a `json_key`, the statement also
  /// takes the key and `version`, and a NULL value marks a row at that version.
  result<std::vector<stored_row>> scan_with(const std::string (&sql)[4], const key_range& r,
                                            std::size_t n, std::string_view json_key,
                                            std::uint16_t version) {
    const std::string doing = self().what("scanning");
    if (auto st = check_range(r, spec_, doing); !st) return std::move(st).error();
    sql_args a;
    a.bounds(r.after, r.upto).integer(static_cast<std::int64_t>(n));
    if (!json_key.empty()) a.text(json_key).owned_text(std::to_string(version));
    return collect<stored_row>(
        sql[variant(r.after, r.upto)], a, doing, [&](const auto& row) -> result<stored_row> {
          if (!json_key.empty() && row.is_null(1))
            return stored_row{row.key(0, spec_.key), {}, true};
          return stored_row{row.key(0, spec_.key), std::string(row.bytes(1))};
        });
  }

  result<std::uint64_t> count_rows(const key_range& r, std::string_view doing) {
    sql_args a;
    a.bounds(r.after, r.upto);
    auto n = first<std::uint64_t>(rows_.count[variant(r.after, r.upto)], a, doing,
                                  [](const auto& row) -> result<std::uint64_t> {
                                    return static_cast<std::uint64_t>(row.i64(0));
                                  });
    if (!n) return std::move(n).error();
    return n->value_or(0);
  }

  Driver& self() noexcept { return static_cast<Driver&>(*this); }
};

}  // namespace uplift::detail
