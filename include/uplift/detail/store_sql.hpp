#pragma once
// What the SQL stores (SQLite and PostgreSQL) share: the text of every statement, written once
// as a template and rendered per dialect and table, and the readers of the job tables' rows.
//
// Templates name parameters ?1, ?2, ... (rendered as $1, $2, ... for PostgreSQL) and take
// {placeholders}: {t} the table, {k} its key column, {v} its value column, {ko} the key as it is
// ordered, {vb} the value as it is compared, {now_ms}/{now_s} the database's clock.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "../store/store.hpp"
#include "store_common.hpp"

namespace uplift::detail {

/// How the two databases spell what differs between them.
struct sql_dialect {
  char param;                      ///< parameter marker: '?' (SQLite ?N) or '$' (PostgreSQL $N)
  std::string_view now_ms;         ///< unix milliseconds now, database time
  std::string_view now_s;          ///< unix seconds now, database time
  std::string_view value_bytes;    ///< {vb}: the value column compared as bytes ({v} inside)
  std::string_view text_bytewise;  ///< the collation that orders text bytewise
  std::string_view for_update;     ///< locks the rows a SELECT reads until the transaction ends
  std::string_view skip_locked;    ///< claim_range's row lock: other workers' ranges are skipped
  std::string_view serial_key;     ///< uplift_quarantine.id: a growing integer primary key
  std::string_view lock_tables;    ///< makes workers creating the job tables at once take turns
  std::string_view integer_key;    ///< create_table's key column, integer keys
  std::string_view text_key;       ///< create_table's key column, text keys
  std::string_view blob;           ///< create_table's value column
};

inline constexpr sql_dialect sqlite_dialect{
    .param = '?',
    .now_ms = "CAST(round((julianday('now') - 2440587.5) * 86400000) AS INTEGER)",
    .now_s = "CAST(strftime('%s', 'now') AS INTEGER)",
    .value_bytes = "CAST({v} AS BLOB)",  // a value stored as TEXT compares as its bytes too
    .text_bytewise = "BINARY",
    .for_update = "",  // a write transaction locks the whole database
    .skip_locked = "",
    .serial_key = "INTEGER PRIMARY KEY",
    .lock_tables = "",  // BEGIN IMMEDIATE already does
    .integer_key = "INTEGER",
    .text_key = "TEXT",
    .blob = "BLOB",
};

inline constexpr sql_dialect postgres_dialect{
    .param = '$',
    .now_ms = "CAST(extract(epoch FROM now()) * 1000 AS BIGINT)",
    .now_s = "CAST(extract(epoch FROM now()) AS BIGINT)",
    .value_bytes = "{v}",
    .text_bytewise = "\"C\"",
    .for_update = " FOR UPDATE",
    .skip_locked = " FOR UPDATE SKIP LOCKED",
    .serial_key = "BIGSERIAL PRIMARY KEY",
    // CREATE TABLE IF NOT EXISTS alone can fail when two sessions run it at once.
    .lock_tables = "SELECT pg_advisory_xact_lock(hashtext('uplift job tables'))",
    .integer_key = "bigint",
    .text_key = "text COLLATE \"C\"",
    .blob = "bytea",
};

/// Quotes an identifier: users -> "users"; with `qualified`, dots separate a schema:
/// app.users -> "app"."users".
inline std::string quote_ident(std::string_view name, bool qualified = false) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"')
      out.append("\"\"");
    else if (c == '.' && qualified)
      out.append("\".\"");
    else
      out.push_back(c);
  }
  out.push_back('"');
  return out;
}

/// A placeholder's value for render().
struct sql_var {
  std::string_view name;
  std::string_view value;
};

/// Renders a template: {name} becomes its value (values are rendered too, so they may hold
/// placeholders and parameters), ?N becomes the dialect's parameter N.
inline std::string render(std::string_view tpl, const sql_dialect& d,
                          std::initializer_list<sql_var> vars) {
  std::string out;
  out.reserve(tpl.size() + 64);
  for (std::size_t i = 0; i < tpl.size(); ++i) {
    const char c = tpl[i];
    if (c == '?' && i + 1 < tpl.size() && tpl[i + 1] >= '0' && tpl[i + 1] <= '9') {
      out.push_back(d.param);
      continue;
    }
    if (c == '{') {
      const std::size_t close = tpl.find('}', i);
      const std::string_view name = tpl.substr(i + 1, close - i - 1);
      bool found = false;
      for (const sql_var& v : vars)
        if (v.name == name) {
          out.append(render(v.value, d, vars));
          found = true;
          break;
        }
      if (found) {
        i = close;
        continue;
      }
    }
    out.push_back(c);
  }
  return out;
}

/// The index of a range's statement variant: which bounds it has.
inline std::size_t bounds_variant(bool after, bool upto) noexcept {
  return (after ? 1u : 0u) | (upto ? 2u : 0u);
}

/// The statements on the application's table.
struct table_statements {
  std::string scan[4];   ///< by bounds_variant: the range's bounds, then the row limit
  std::string count[4];  ///< by bounds_variant
  std::string step[4];   ///< by bounds_variant, then the offset: split's walk
  std::string get, write_if, put, erase, max_key, count_by_prefix, create_table, drop_table;
};

/// Renders the table's statements. `key_order` is the collation the key is ordered by ("" for
/// the column's own, which must then order as compare_keys does).
inline table_statements make_table_statements(const table_spec& spec, const sql_dialect& d,
                                              std::string_view key_order) {
  const std::string t = quote_ident(spec.table, true);
  const std::string k = quote_ident(spec.key_column);
  const std::string v = quote_ident(spec.value_column);
  const std::string ko = key_order.empty() ? k : k + " COLLATE " + std::string(key_order);
  const std::string key_decl(spec.key == key_type::integer ? d.integer_key : d.text_key);
  auto r = [&](std::string_view tpl, std::string_view where = {}, std::string_view next = {}) {
    return render(tpl, d,
                  {{"t", t},
                   {"k", k},
                   {"v", v},
                   {"ko", ko},
                   {"vb", d.value_bytes},
                   {"where", where},
                   {"next", next},
                   {"key_decl", key_decl},
                   {"blob", d.blob}});
  };
  table_statements s;
  for (bool after : {false, true})
    for (bool upto : {false, true}) {
      std::string where;
      int n = 1;
      if (after) where.append(" WHERE {ko} > ?").append(std::to_string(n++));
      if (upto)
        where.append(after ? " AND" : " WHERE").append(" {ko} <= ?").append(std::to_string(n++));
      const std::string next = "?" + std::to_string(n);
      const std::size_t i = bounds_variant(after, upto);
      s.scan[i] = r("SELECT {k}, {v} FROM {t}{where} ORDER BY {ko} LIMIT {next}", where, next);
      s.count[i] = r("SELECT count(*) FROM {t}{where}", where);
      s.step[i] = r("SELECT {k} FROM {t}{where} ORDER BY {ko} LIMIT 1 OFFSET {next}", where, next);
    }
  s.get = r("SELECT {v} FROM {t} WHERE {k} = ?1");
  s.write_if = r("UPDATE {t} SET {v} = ?3 WHERE {k} = ?1 AND {vb} = ?2");
  s.put =
      r("INSERT INTO {t} ({k}, {v}) VALUES (?1, ?2) "
        "ON CONFLICT ({k}) DO UPDATE SET {v} = excluded.{v}");
  s.erase = r("DELETE FROM {t} WHERE {k} = ?1");
  s.max_key = r("SELECT {k} FROM {t} ORDER BY {ko} DESC LIMIT 1");
  s.count_by_prefix =
      r("SELECT substr({vb}, 1, CAST(?1 AS INTEGER)), count(*) FROM {t} GROUP BY 1");
  s.create_table =
      r("CREATE TABLE IF NOT EXISTS {t} "
        "({k} {key_decl} PRIMARY KEY NOT NULL, {v} {blob} NOT NULL)");
  s.drop_table = r("DROP TABLE IF EXISTS {t}");
  return s;
}

/// The columns of a range row, in the order read_range reads them.
inline constexpr std::string_view range_columns =
    "id, after_key, upto_key, cursor_key, done, owner, lease_until_ms, "
    "scanned, upgraded, already_current, conflicts, quarantined";

/// What a quarantine row does when the job quarantined its key before: it takes the new error.
inline constexpr std::string_view quarantine_on_conflict =
    "ON CONFLICT (job, \"key\") DO UPDATE SET stored_version = excluded.stored_version, "
    "error = excluded.error, at = excluded.at";

/// The statements on the job tables (the same for every table).
struct job_statements {
  std::string lock_tables;  ///< run before create_tables, in their transaction ("" for none)
  std::string create_tables[3];
  std::string load_job, list_jobs, insert_job, insert_range, list_ranges, set_status;
  std::string claim, release, held, quarantine, progress, finish_job;
  std::string list_quarantine_of_job, list_quarantine_of_table;
};

/// Renders the job tables' statements. In `progress`, {applied} and {missed} are added to the
/// upgraded and conflicts counters and {held} to the condition: PostgreSQL counts the applied
/// writes of the same statement there.
inline job_statements make_job_statements(const sql_dialect& d, std::string_view applied = {},
                                          std::string_view missed = {},
                                          std::string_view held = {}) {
  auto r = [&](std::string_view tpl) {
    return render(
        tpl, d,
        {{"now_ms", d.now_ms},
         {"now_s", d.now_s},
         {"skip_locked", d.skip_locked},
         {"serial_key", d.serial_key},
         {"range_columns", range_columns},
         {"bytewise", d.text_bytewise},
         {"for_update", d.for_update},
         {"applied", applied},
         {"missed", missed},
         {"held", held},
         {"on_conflict", quarantine_on_conflict},
         {"job_columns",
          "j.name, j.record, j.type_id, j.target_version, j.table_name, j.key_type, j.status, "
          "j.total_rows, j.error, j.created_at, j.updated_at, count(r.id), "
          "CAST(coalesce(sum(CASE WHEN r.done THEN 1 ELSE 0 END), 0) AS BIGINT), "
          "CAST(coalesce(sum(r.scanned), 0) AS BIGINT), "
          "CAST(coalesce(sum(r.upgraded), 0) AS BIGINT), "
          "CAST(coalesce(sum(r.already_current), 0) AS BIGINT), "
          "CAST(coalesce(sum(r.conflicts), 0) AS BIGINT), "
          "CAST(coalesce(sum(r.quarantined), 0) AS BIGINT) "
          "FROM uplift_backfill j LEFT JOIN uplift_backfill_ranges r ON r.job = j.name"},
         {"quarantine_columns", "\"key\", stored_version, error, at FROM uplift_quarantine"}});
  };
  job_statements s;
  s.lock_tables = std::string(d.lock_tables);
  s.create_tables[0] =
      r("CREATE TABLE IF NOT EXISTS uplift_backfill ("
        "name TEXT NOT NULL PRIMARY KEY, table_name TEXT NOT NULL, record TEXT NOT NULL, "
        "type_id BIGINT NOT NULL, target_version BIGINT NOT NULL, key_type TEXT NOT NULL, "
        "status TEXT NOT NULL, total_rows BIGINT NOT NULL, error TEXT NOT NULL DEFAULT '', "
        "created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)");
  s.create_tables[1] =
      r("CREATE TABLE IF NOT EXISTS uplift_backfill_ranges ("
        "job TEXT NOT NULL, id BIGINT NOT NULL, "
        "after_key TEXT, upto_key TEXT, cursor_key TEXT, "
        "done BOOLEAN NOT NULL DEFAULT FALSE, owner TEXT NOT NULL DEFAULT '', "
        "lease_until_ms BIGINT NOT NULL DEFAULT 0, "
        "scanned BIGINT NOT NULL DEFAULT 0, upgraded BIGINT NOT NULL DEFAULT 0, "
        "already_current BIGINT NOT NULL DEFAULT 0, conflicts BIGINT NOT NULL DEFAULT 0, "
        "quarantined BIGINT NOT NULL DEFAULT 0, "
        "PRIMARY KEY (job, id))");
  s.create_tables[2] =
      r("CREATE TABLE IF NOT EXISTS uplift_quarantine ("
        "id {serial_key}, job TEXT NOT NULL, \"key\" TEXT NOT NULL, "
        "stored_version BIGINT NOT NULL, error TEXT NOT NULL, at BIGINT NOT NULL, "
        "UNIQUE (job, \"key\"))");
  s.load_job = r("SELECT {job_columns} WHERE j.name = ?1 GROUP BY j.name");
  s.list_jobs =
      r("SELECT {job_columns} WHERE j.table_name = ?1 GROUP BY j.name "
        "ORDER BY j.created_at, j.name COLLATE {bytewise}");
  s.insert_job =
      r("INSERT INTO uplift_backfill (name, table_name, record, type_id, target_version, key_type, "
        "status, total_rows, error, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7, '', {now_s}, {now_s}) "
        "ON CONFLICT (name) DO NOTHING");
  s.insert_range =
      r("INSERT INTO uplift_backfill_ranges (job, id, after_key, upto_key) "
        "VALUES (?1, ?2, ?3, ?4)");
  s.list_ranges =
      r("SELECT {range_columns} FROM uplift_backfill_ranges WHERE job = ?1 ORDER BY id");
  s.set_status =
      r("UPDATE uplift_backfill SET status = ?2, error = ?3, updated_at = {now_s} "
        "WHERE name = ?1");
  // The range this owner holds first, else the first free or expired one; rows other workers
  // are claiming right now are skipped, not waited for.
  s.claim =
      r("UPDATE uplift_backfill_ranges SET owner = ?2, lease_until_ms = {now_ms} + ?3 "
        "WHERE job = ?1 AND id = (SELECT id FROM uplift_backfill_ranges "
        "WHERE job = ?1 AND NOT done AND (owner = '' OR owner = ?2 OR lease_until_ms <= {now_ms}) "
        "ORDER BY CASE WHEN owner = ?2 THEN 0 ELSE 1 END, id LIMIT 1{skip_locked}) "
        "RETURNING {range_columns}");
  s.release =
      r("UPDATE uplift_backfill_ranges SET owner = '', lease_until_ms = 0 "
        "WHERE job = ?1 AND id = ?2 AND owner = ?3");
  s.held =
      r("SELECT id FROM uplift_backfill_ranges "
        "WHERE job = ?1 AND id = ?2 AND owner = ?3 AND NOT done{for_update}");
  s.quarantine =
      r("INSERT INTO uplift_quarantine (job, \"key\", stored_version, error, at) "
        "VALUES (?1, ?2, ?3, ?4, {now_s}) {on_conflict}");
  s.progress =
      r("UPDATE uplift_backfill_ranges SET cursor_key = coalesce(?4, cursor_key), done = ?5, "
        "owner = CASE WHEN ?5 THEN '' ELSE owner END, "
        "lease_until_ms = CASE WHEN ?5 THEN 0 ELSE {now_ms} + ?6 END, "
        "scanned = scanned + ?7, upgraded = upgraded + ?8{applied}, "
        "already_current = already_current + ?9, conflicts = conflicts + ?10{missed}, "
        "quarantined = quarantined + ?11 "
        "WHERE job = ?1 AND id = ?2 AND owner = ?3 AND NOT done{held}");
  s.finish_job =
      r("UPDATE uplift_backfill SET updated_at = {now_s}, status = CASE WHEN EXISTS "
        "(SELECT 1 FROM uplift_backfill_ranges WHERE job = ?1 AND NOT done) THEN status "
        "ELSE 'done' END WHERE name = ?1 RETURNING status");
  s.list_quarantine_of_job =
      r("SELECT {quarantine_columns} WHERE job = ?1 ORDER BY at, id LIMIT ?2");
  s.list_quarantine_of_table =
      r("SELECT {quarantine_columns} WHERE job IN "
        "(SELECT name FROM uplift_backfill WHERE table_name = ?1) ORDER BY at, id LIMIT ?2");
  return s;
}

/// A transaction on a SQL store: `begin` runs the store's BEGIN statement, `commit` COMMIT; it
/// is rolled back when it ends without commit (an early return on a failure). The store gives it
/// `exec_sql(sql, doing)`.
template <class Store>
class sql_transaction {
 public:
  sql_transaction(Store& s, std::string begin_sql) : s_(s), begin_(std::move(begin_sql)) {}
  sql_transaction(const sql_transaction&) = delete;
  sql_transaction& operator=(const sql_transaction&) = delete;
  ~sql_transaction() {
    if (open_) (void)s_.exec_sql(std::string("ROLLBACK"), "rolling back");
  }
  status begin(std::string_view doing) {
    auto st = s_.exec_sql(begin_, doing);
    open_ = bool(st);
    return st;
  }
  status commit(std::string_view doing) {
    auto st = s_.exec_sql(std::string("COMMIT"), doing);
    open_ = !st;
    return st;
  }
  /// Marks the transaction begun by a BEGIN the store sent itself, with other statements in one
  /// round trip: it is rolled back at its end unless committed.
  void begun() noexcept { open_ = true; }
  /// Marks the transaction committed by a COMMIT the store sent itself.
  void committed() noexcept { open_ = false; }

 private:
  Store& s_;
  std::string begin_;
  bool open_ = false;
};

// ---- reading the job tables' rows --------------------------------------------------------------
// A Row has is_null(i), i64(i), text(i) (a string_view) and boolean(i) for column i.

template <class Row>
backfill_counters read_counters(const Row& row, int first) {
  auto u = [&](int i) { return static_cast<std::uint64_t>(row.i64(first + i)); };
  return {u(0), u(1), u(2), u(3), u(4)};
}

template <class Row>
std::optional<std::string_view> nullable_text(const Row& row, int i) {
  if (row.is_null(i)) return std::nullopt;
  return row.text(i);
}

/// A row of load_job / list_jobs.
template <class Row>
result<stored_job> read_job(const Row& row) {
  stored_job out;
  job_record& rec = out.record;
  rec.spec.name = std::string(row.text(0));
  rec.spec.record = std::string(row.text(1));
  rec.spec.type_id = static_cast<std::uint32_t>(row.i64(2));
  rec.spec.target_version = static_cast<std::uint16_t>(row.i64(3));
  out.table = std::string(row.text(4));
  out.key = row.text(5) == key_type_name(key_type::text) ? key_type::text : key_type::integer;
  const std::optional<job_status> st = job_status_from(row.text(6));
  if (!st)
    return store_failure("reading backfill job \"" + rec.spec.name + "\"",
                         "uplift_backfill.status holds \"" + std::string(row.text(6)) +
                             "\"; set it to one of running, paused, done, failed, cancelled");
  rec.status = *st;
  rec.total_rows = static_cast<std::uint64_t>(row.i64(7));
  rec.error = std::string(row.text(8));
  rec.created_at = row.i64(9);
  rec.updated_at = row.i64(10);
  rec.ranges = static_cast<std::size_t>(row.i64(11));
  rec.ranges_done = static_cast<std::size_t>(row.i64(12));
  rec.counters = read_counters(row, 13);
  return out;
}

/// A row of range_columns.
template <class Row>
result<range_record> read_range(const Row& row, key_type key) {
  range_record out;
  out.id = row.i64(0);
  auto after = optional_key_from_text(nullable_text(row, 1), key);
  auto upto = optional_key_from_text(nullable_text(row, 2), key);
  auto cursor = optional_key_from_text(nullable_text(row, 3), key);
  if (!after) return std::move(after).error();
  if (!upto) return std::move(upto).error();
  if (!cursor) return std::move(cursor).error();
  out.range = key_range{std::move(*after), std::move(*upto)};
  out.cursor = std::move(*cursor);
  out.done = row.boolean(4);
  out.owner = std::string(row.text(5));
  out.lease_until_ms = row.i64(6);
  out.counters = read_counters(row, 7);
  return out;
}

/// A row of the list_quarantine statements.
template <class Row>
result<quarantined_row> read_quarantined(const Row& row, key_type key) {
  auto k = key_from_text(row.text(0), key);
  if (!k) return std::move(k).error();
  return quarantined_row{std::move(*k), static_cast<std::uint16_t>(row.i64(1)),
                         std::string(row.text(2)), row.i64(3)};
}

/// A key bound as job-table text, or nothing.
inline std::optional<std::string> key_text(const std::optional<row_key>& k) {
  if (!k) return std::nullopt;
  return key_to_string(*k);
}

}  // namespace uplift::detail
