// The statements of the SQL stores, rendered per dialect and table (sql_statements.hpp).
#include "sql_statements.hpp"

#include <algorithm>

namespace uplift::detail {

std::string render(std::string_view tpl, const sql_dialect& d,
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

std::string value_read(sql_value_type t, std::string_view v) {
  if (t == sql_value_type::jsonb || t == sql_value_type::json)
    return "CAST(" + std::string(v) + " AS text)";
  return std::string(v);
}

std::string value_holds(const sql_dialect& d, sql_value_type t, std::string_view v,
                        std::string_view expected) {
  const std::string e(expected);
  switch (t) {
    case sql_value_type::bytes: {
      std::string bytes(d.value_bytes);  // {v} in it is the column
      return bytes.replace(bytes.find("{v}"), 3, v) + " = " + e;
    }
    case sql_value_type::jsonb: return std::string(v) + " = CAST(" + e + " AS jsonb)";
    case sql_value_type::json: return "CAST(" + std::string(v) + " AS text) = " + e;
    case sql_value_type::text: break;
  }
  return std::string(v) + " = " + e;
}

std::string value_of(sql_value_type t, std::string_view param) {
  if (t == sql_value_type::jsonb || t == sql_value_type::json)
    return "CAST(" + std::string(param) + " AS " + std::string(to_string(t)) + ")";
  return std::string(param);
}

namespace {

// The JSON objects of the table by what their top-level key ?1 holds: 0 an integer 1..65535
// (the second column), 1 no such key, 2 anything else (json_version_count::kind). {json} is the
// value as JSON text.
//
// SQLite: json_type and json_extract find the key's first occurrence and tell an integer token
// ('integer': digits, no fraction or exponent; one too large for 64 bits reads back as a real,
// outside the range) from any other. A row is counted when it holds no NUL byte (SQLite's
// JSON functions would stop there) and json_valid says it is JSON whose root is an object; the
// CASE keeps one bad row from failing the query. Such a row is also one format_of calls JSON.
constexpr std::string_view sqlite_count_by_json_version =
    "SELECT what, CASE WHEN what = 0 THEN n ELSE 0 END, count(*) FROM ("
    "SELECT CASE WHEN json_type(d, p) IS NULL THEN 1 "
    "WHEN json_type(d, p) = 'integer' AND json_extract(d, p) BETWEEN 1 AND 65535 THEN 0 "
    "ELSE 2 END AS what, json_extract(d, p) AS n "
    "FROM (SELECT {json} AS d, '$.\"' || ?1 || '\"' AS p FROM {t} "
    "WHERE CASE WHEN instr({vb}, X'00') > 0 THEN 0 "
    "WHEN json_valid({json}) THEN json_type({json}) = 'object' ELSE 0 END)) "
    "GROUP BY 1, 2";

// PostgreSQL jsonb: -> finds the key (jsonb keeps one of each), a number's text is normalised
// (1e2 is 100: what the row reads as too) and a version is made of digits only (a string's text
// starts with its quote). The rows are grouped by the key's text first (not by the jsonb value:
// 3 and 3.0 are equal jsonb), so the CASE runs once per distinct text, not once per row.
constexpr std::string_view jsonb_count_by_json_version =
    "SELECT what, CASE WHEN what = 0 THEN CAST(x AS integer) ELSE 0 END, CAST(sum(n) AS bigint) "
    "FROM (SELECT x, n, CASE WHEN x IS NULL THEN 1 WHEN x !~ '^[0-9]{1,5}$' THEN 2 "
    "WHEN CAST(x AS integer) BETWEEN 1 AND 65535 THEN 0 ELSE 2 END AS what "
    "FROM (SELECT CAST({v} -> CAST(?1 AS text) AS text) AS x, count(*) AS n FROM {t} "
    "WHERE jsonb_typeof({v}) = 'object' GROUP BY 1) AS o"
    ") AS c GROUP BY 1, 2";

}  // namespace

table_statements make_table_statements(const table_spec& spec, const sql_dialect& d,
                                       std::string_view key_order, sql_value_type value) {
  const std::string t = quote_ident(spec.table, true);
  const std::string k = quote_ident(spec.key_column);
  const std::string v = quote_ident(spec.value_column);
  const std::string ko = key_order.empty() ? k : k + " COLLATE " + std::string(key_order);
  const std::string key_decl(spec.key == key_type::integer ? d.integer_key : d.text_key);
  const bool bytes = value == sql_value_type::bytes;
  const std::string vr = value_read(value, v);
  const std::string vb(bytes ? d.value_bytes : "convert_to(CAST({v} AS text), 'UTF8')");
  const std::string holds = value_holds(d, value, "{v}", "?2");
  const std::string put_value = value_of(value, "?2");
  const std::string new_value = value_of(value, "?3");
  auto r = [&](std::string_view tpl, std::string_view where = {}, std::string_view next = {}) {
    return render(tpl, d,
                  {{"t", t},
                   {"k", k},
                   {"v", v},
                   {"ko", ko},
                   {"vr", vr},
                   {"vb", vb},
                   {"holds", holds},
                   {"put_value", put_value},
                   {"new_value", new_value},
                   {"json", "CAST({v} AS TEXT)"},
                   {"where", where},
                   {"next", next},
                   {"key_decl", key_decl},
                   {"value_decl", spec.format == value_format::json ? d.json_text : d.blob}});
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
      s.scan[i] = r("SELECT {k}, {vr} FROM {t}{where} ORDER BY {ko} LIMIT {next}", where, next);
      if (spec.format == value_format::json && value == sql_value_type::jsonb) {
        // jsonb keeps one value per key and prints a number as PostgreSQL's numeric does: its
        // ->> text equals the version's digits exactly when the client would read that integer.
        const std::string key = "CAST(?" + std::to_string(n + 1) + " AS text)";
        const std::string version = "CAST(?" + std::to_string(n + 2) + " AS text)";
        s.scan_skipping[i] = r("SELECT {k}, CASE WHEN jsonb_typeof({v} -> " + key +
                                   ") = 'number' AND {v} ->> " + key + " = " + version +
                                   " THEN NULL ELSE {vr} END FROM {t}{where} ORDER BY {ko} "
                                   "LIMIT {next}",
                               where, next);
      }
      s.count[i] = r("SELECT count(*) FROM {t}{where}", where);
      s.step[i] = r("SELECT {k} FROM {t}{where} ORDER BY {ko} LIMIT 1 OFFSET {next}", where, next);
    }
  s.get = r("SELECT {vr} FROM {t} WHERE {k} = ?1");
  s.write_if = r("UPDATE {t} SET {v} = {new_value} WHERE {k} = ?1 AND {holds}");
  s.put =
      r("INSERT INTO {t} ({k}, {v}) VALUES (?1, {put_value}) "
        "ON CONFLICT ({k}) DO UPDATE SET {v} = excluded.{v}");
  s.erase = r("DELETE FROM {t} WHERE {k} = ?1");
  s.insert_absent = r("INSERT INTO {t} ({k}, {v}) VALUES (?1, {put_value}) ON CONFLICT ({k}) DO NOTHING");
  s.max_key = r("SELECT {k} FROM {t} ORDER BY {ko} DESC LIMIT 1");
  s.count_by_prefix =
      r("SELECT substr({vb}, 1, CAST(?1 AS INTEGER)), count(*) FROM {t} GROUP BY 1");
  s.create_table =
      r("CREATE TABLE IF NOT EXISTS {t} "
        "({k} {key_decl} PRIMARY KEY NOT NULL, {v} {value_decl} NOT NULL)");
  s.drop_table = r("DROP TABLE IF EXISTS {t}");
  if (spec.format != value_format::binary) {
    if (d.param == sqlite_dialect.param)
      s.count_by_json_version = r(sqlite_count_by_json_version);
    else if (value == sql_value_type::jsonb)
      s.count_by_json_version = r(jsonb_count_by_json_version);
  }
  return s;
}

job_statements make_job_statements(const sql_dialect& d, std::string_view applied,
                                   std::string_view missed, std::string_view held) {
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
          "FROM uplift_backfill j LEFT JOIN uplift_backfill_ranges r ON r.job = j.job_key"},
         {"quarantine_columns", "\"key\", stored_version, error, at FROM uplift_quarantine"},
         {"job_key_sql", job_key_sql},
         {"backfill_columns",
          "job_key TEXT NOT NULL, name TEXT NOT NULL, table_name TEXT NOT NULL, "
          "record TEXT NOT NULL, type_id BIGINT NOT NULL, target_version BIGINT NOT NULL, "
          "key_type TEXT NOT NULL, status TEXT NOT NULL, total_rows BIGINT NOT NULL, "
          "error TEXT NOT NULL DEFAULT '', created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, "
          "CONSTRAINT uplift_backfill_job PRIMARY KEY (job_key), "
          "CONSTRAINT uplift_backfill_table_job UNIQUE (table_name, name)"}});
  };
  job_statements s;
  s.lock_tables = std::string(d.lock_tables);
  // A job is known by its key (job_key: its table and its name); the ranges' and the quarantine's
  // `job` column holds that key.
  s.create_tables[0] = r("CREATE TABLE IF NOT EXISTS uplift_backfill ({backfill_columns})");
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
  s.layout = std::string(d.job_table_layout);
  // The first edition's uplift_backfill was keyed by the name alone, and the other tables'
  // `job` held the name: uplift_backfill is rebuilt keyed by job_key and the other tables' `job`
  // rewritten to it, in the caller's transaction.
  s.upgrade_layout[0] = r("CREATE TABLE uplift_backfill_next ({backfill_columns})");
  s.upgrade_layout[1] =
      r("INSERT INTO uplift_backfill_next (job_key, name, table_name, record, type_id, "
        "target_version, key_type, status, total_rows, error, created_at, updated_at) "
        "SELECT {job_key_sql}, name, table_name, record, type_id, target_version, key_type, "
        "status, total_rows, error, created_at, updated_at FROM uplift_backfill");
  s.upgrade_layout[2] =
      r("UPDATE uplift_backfill_ranges SET job = (SELECT {job_key_sql} FROM uplift_backfill "
        "WHERE uplift_backfill.name = uplift_backfill_ranges.job) "
        "WHERE job IN (SELECT name FROM uplift_backfill)");
  s.upgrade_layout[3] =
      r("UPDATE uplift_quarantine SET job = (SELECT {job_key_sql} FROM uplift_backfill "
        "WHERE uplift_backfill.name = uplift_quarantine.job) "
        "WHERE job IN (SELECT name FROM uplift_backfill)");
  s.upgrade_layout[4] = r("DROP TABLE uplift_backfill");
  s.upgrade_layout[5] = r("ALTER TABLE uplift_backfill_next RENAME TO uplift_backfill");
  s.load_job = r("SELECT {job_columns} WHERE j.job_key = ?1 GROUP BY j.job_key");
  s.list_jobs =
      r("SELECT {job_columns} WHERE j.table_name = ?1 GROUP BY j.job_key "
        "ORDER BY j.created_at, j.name COLLATE {bytewise}");
  s.insert_job =
      r("INSERT INTO uplift_backfill (job_key, name, table_name, record, type_id, target_version, "
        "key_type, status, total_rows, error, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'running', ?8, '', {now_s}, {now_s}) "
        "ON CONFLICT DO NOTHING");
  s.insert_range =
      r("INSERT INTO uplift_backfill_ranges (job, id, after_key, upto_key) "
        "VALUES (?1, ?2, ?3, ?4)");
  s.list_ranges =
      r("SELECT {range_columns} FROM uplift_backfill_ranges WHERE job = ?1 ORDER BY id");
  s.set_status =
      r("UPDATE uplift_backfill SET status = ?2, error = ?3, updated_at = {now_s} "
        "WHERE job_key = ?1");
  // The range this owner holds first, else the first free or expired one; rows other workers
  // are claiming right now are skipped, not waited for.
  const auto claim = [&](std::string_view except) {
    return r("UPDATE uplift_backfill_ranges SET owner = ?2, lease_until_ms = {now_ms} + ?3 "
             "WHERE job = ?1 AND id = (SELECT id FROM uplift_backfill_ranges "
             "WHERE job = ?1 AND NOT done AND (owner = '' OR owner = ?2 OR lease_until_ms <= "
             "{now_ms})" + std::string(except) +
             " ORDER BY CASE WHEN owner = ?2 THEN 0 ELSE 1 END, id LIMIT 1{skip_locked}) "
             "RETURNING {range_columns}");
  };
  s.claim = claim("");
  s.claim_except = claim(" AND (',' || CAST(?4 AS TEXT) || ',') NOT LIKE ('%,' || id || ',%')");
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
        "ELSE 'done' END WHERE job_key = ?1 RETURNING status");
  s.list_quarantine_of_job =
      r("SELECT {quarantine_columns} WHERE job = ?1 ORDER BY at, id LIMIT ?2");
  s.list_quarantine_of_table =
      r("SELECT {quarantine_columns} WHERE job IN "
        "(SELECT job_key FROM uplift_backfill WHERE table_name = ?1) ORDER BY at, id LIMIT ?2");
  s.drop_done_job = r("DELETE FROM uplift_backfill WHERE job_key = ?1 AND status = 'done'");
  s.drop_ranges = r("DELETE FROM uplift_backfill_ranges WHERE job = ?1");
  return s;
}

knob_statements make_knob_statements(const sql_dialect& d) {
  auto r = [&](std::string_view tpl) {
    return render(tpl, d,
                  {{"now_ms", d.now_ms},
                   {"serial_key", d.serial_key},
                   {"bytewise", d.text_bytewise},
                   {"knob_columns",
                    "record, write_version, previous_version, revision, changed_at_ms"},
                   {"node_columns",
                    "record, node, reads_first, reads_latest, writes, writing, problem, seen_ms, "
                    "lease_until_ms, CASE WHEN lease_until_ms > {now_ms} THEN 1 ELSE 0 END"},
                   {"log_columns", "record, from_version, to_version, kind, by_whom, detail, at_ms"}});
  };
  knob_statements s;
  s.lock_tables = std::string(d.lock_tables);
  s.create_tables[0] =
      r("CREATE TABLE IF NOT EXISTS uplift_knob ("
        "record TEXT NOT NULL PRIMARY KEY, write_version BIGINT NOT NULL DEFAULT 0, "
        "previous_version BIGINT NOT NULL DEFAULT 0, revision BIGINT NOT NULL DEFAULT 0, "
        "changed_at_ms BIGINT NOT NULL DEFAULT 0)");
  s.create_tables[1] =
      r("CREATE TABLE IF NOT EXISTS uplift_knob_nodes ("
        "record TEXT NOT NULL, node TEXT NOT NULL, reads_first BIGINT NOT NULL, "
        "reads_latest BIGINT NOT NULL, writes TEXT NOT NULL, writing BIGINT NOT NULL, "
        "problem TEXT NOT NULL, seen_ms BIGINT NOT NULL, lease_until_ms BIGINT NOT NULL, "
        "PRIMARY KEY (record, node))");
  s.create_tables[2] =
      r("CREATE TABLE IF NOT EXISTS uplift_knob_log ("
        "id {serial_key}, record TEXT NOT NULL, from_version BIGINT NOT NULL, "
        "to_version BIGINT NOT NULL, kind TEXT NOT NULL, by_whom TEXT NOT NULL, "
        "detail TEXT NOT NULL, at_ms BIGINT NOT NULL)");
  s.add_row = r("INSERT INTO uplift_knob (record) VALUES (?1) ON CONFLICT DO NOTHING");
  s.lock_row = r("SELECT {knob_columns} FROM uplift_knob WHERE record = ?1" +
                 std::string(d.for_update));
  s.share_row = r("SELECT {knob_columns} FROM uplift_knob WHERE record = ?1" +
                  std::string(d.for_share));
  s.load = r("SELECT {knob_columns} FROM uplift_knob WHERE record = ?1");
  s.list = r("SELECT {knob_columns} FROM uplift_knob ORDER BY record COLLATE {bytewise}");
  s.nodes = r("SELECT {node_columns} FROM uplift_knob_nodes WHERE record = ?1 "
              "ORDER BY node COLLATE {bytewise}");
  s.upsert_node =
      r("INSERT INTO uplift_knob_nodes (record, node, reads_first, reads_latest, writes, writing, "
        "problem, seen_ms, lease_until_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, {now_ms}, "
        "{now_ms} + ?8) ON CONFLICT (record, node) DO UPDATE SET "
        "reads_first = excluded.reads_first, reads_latest = excluded.reads_latest, "
        "writes = excluded.writes, writing = excluded.writing, problem = excluded.problem, "
        "seen_ms = excluded.seen_ms, lease_until_ms = excluded.lease_until_ms");
  // A node gone for a day without detaching (killed) leaves the list.
  s.prune_nodes = r("DELETE FROM uplift_knob_nodes WHERE record = ?1 AND "
                    "lease_until_ms < {now_ms} - 86400000");
  s.leave = r("DELETE FROM uplift_knob_nodes WHERE record = ?1 AND node = ?2");
  s.flip = r("UPDATE uplift_knob SET previous_version = write_version, write_version = ?2, "
             "revision = revision + 1, changed_at_ms = {now_ms} WHERE record = ?1");
  s.log = r("INSERT INTO uplift_knob_log (record, from_version, to_version, kind, by_whom, "
            "detail, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, {now_ms})");
  s.list_log = r("SELECT {log_columns} FROM uplift_knob_log WHERE record = ?1 "
                 "ORDER BY id DESC LIMIT ?2");
  return s;
}

namespace {
/// `text` as an SQL string literal.
std::string sql_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}
/// `prefix` and 16 hex digits of a hash of `of`: a PostgreSQL name (at most 63 bytes) per job.
std::string short_name(std::string_view prefix, std::string_view of) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : of) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(prefix);
  for (int i = 60; i >= 0; i -= 4) out.push_back(hex[(h >> i) & 0xF]);
  return out;
}
}  // namespace

copy_statements make_copy_statements(const table_spec& spec, const sql_dialect& d,
                                     std::string_view job, std::string_view moved_to,
                                     std::string_view new_table, std::string_view old_table) {
  const bool sqlite = d.param == sqlite_dialect.param;
  const std::string t = quote_ident(spec.table, true);
  const std::string k = quote_ident(spec.key_column);
  const std::string jl = sql_literal(job);
  // A trigger's name says what it is for: "uplift capture <job key> insert", ...
  const auto trigger = [&](std::string_view what, std::string_view op) {
    return std::string("uplift ") + std::string(what) + " " +
           (what == "capture" ? std::string(job) : spec.table) + " " + std::string(op);
  };
  // The route: the refusing triggers pass a write only in a transaction that set `bypass` on the
  // table's route row (the roll-back's sync back), which no other transaction can see.
  const std::string routes_table =
      "CREATE TABLE IF NOT EXISTS uplift_routes (table_name TEXT PRIMARY KEY, "
      "moved_to TEXT NOT NULL, job TEXT NOT NULL, at_ms BIGINT NOT NULL, "
      "bypass INTEGER NOT NULL DEFAULT 0)";
  const std::string not_bypassed = "NOT EXISTS (SELECT 1 FROM uplift_routes WHERE table_name = " +
                                   sql_literal(spec.table) + " AND bypass = 1)";
  const std::string refusal = std::string(table_moved_words) + " (table " + spec.table +
                              ") to " + std::string(moved_to) +
                              " by a copy job's cut-over: write there instead";
  auto r = [&](std::string_view tpl) {
    return render(tpl, d,
                  {{"t", t},
                   {"k", k},
                   {"job", jl},
                   {"serial", sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY"},
                   {"capkey", sqlite ? "BLOB" : "text"},
                   {"now_ms", d.now_ms},
                   {"now_s", d.now_s}});
  };
  copy_statements s;
  s.create_capture = {
      r("CREATE TABLE IF NOT EXISTS uplift_capture (id {serial}, job TEXT NOT NULL, "
        "\"key\" {capkey} NOT NULL, at_ms BIGINT NOT NULL)"),
      r("CREATE INDEX IF NOT EXISTS uplift_capture_by_job ON uplift_capture (job, id)")};
  const std::string ins = "INSERT INTO uplift_capture (job, \"key\", at_ms) ";
  if (sqlite) {
    auto key_of = [&](std::string_view row) {
      return render("{row}.{k}", d, {{"row", row}, {"k", k}});
    };
    const std::string now(d.now_ms);
    s.install_capture = {
        "CREATE TRIGGER IF NOT EXISTS " + quote_ident(trigger("capture", "insert")) +
            " AFTER INSERT ON " + t + " BEGIN " + ins + "VALUES (" + jl + ", " + key_of("NEW") +
            ", " + now + "); END",
        "CREATE TRIGGER IF NOT EXISTS " + quote_ident(trigger("capture", "update")) +
            " AFTER UPDATE ON " + t + " BEGIN " + ins + "VALUES (" + jl + ", " + key_of("NEW") +
            ", " + now + "); " + ins + "SELECT " + jl + ", " + key_of("OLD") + ", " + now +
            " WHERE " + key_of("OLD") + " IS NOT " + key_of("NEW") + "; END",
        "CREATE TRIGGER IF NOT EXISTS " + quote_ident(trigger("capture", "delete")) +
            " AFTER DELETE ON " + t + " BEGIN " + ins + "VALUES (" + jl + ", " + key_of("OLD") +
            ", " + now + "); END"};
    for (std::string_view op : {"insert", "update", "delete"})
      s.remove_capture.push_back("DROP TRIGGER IF EXISTS " + quote_ident(trigger("capture", op)));
    s.has_capture = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (" +
                    sql_literal(trigger("capture", "insert")) + ", " +
                    sql_literal(trigger("capture", "update")) + ", " +
                    sql_literal(trigger("capture", "delete")) + ")";
    s.capture_table_lookup =
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'uplift_capture'";
    s.routes_table_lookup =
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'uplift_routes'";
    s.source_check =
        "SELECT (SELECT count(*) FROM pragma_table_info(?1)), "
        "(SELECT pk FROM pragma_table_info(?1) WHERE name = ?2), "
        "(SELECT count(*) FROM pragma_table_info(?1) WHERE pk > 0)";
    s.route.push_back(routes_table);
    for (std::string_view op : {"INSERT", "UPDATE", "DELETE"}) {
      std::string lower(op);
      for (char& c : lower) c = static_cast<char>(c - 'A' + 'a');
      s.route.push_back("CREATE TRIGGER IF NOT EXISTS " + quote_ident(trigger("moved", lower)) +
                        " BEFORE " + std::string(op) + " ON " + t + " WHEN " + not_bypassed +
                        " BEGIN SELECT RAISE(ABORT, " + sql_literal(refusal) + "); END");
    }
  }
  else {
    // PostgreSQL: one trigger function per job, its name short (identifiers hold 63 bytes) and
    // made of the job key's hash; the key logged as text.
    const std::string fn = short_name("uplift_capture_", job);
    const std::string moved = short_name("uplift_moved_", spec.table);
    s.install_capture = {
        "CREATE OR REPLACE FUNCTION " + fn + "() RETURNS trigger LANGUAGE plpgsql AS $uplift$ "
        "BEGIN "
        "IF TG_OP <> 'DELETE' THEN " + ins + "VALUES (" + jl + ", CAST(NEW." + k + " AS text), " +
            std::string(d.now_ms) + "); END IF; "
        "IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD." + k + " IS DISTINCT FROM NEW." + k +
            ") THEN " + ins + "VALUES (" + jl + ", CAST(OLD." + k + " AS text), " +
            std::string(d.now_ms) + "); END IF; "
        "RETURN NULL; END $uplift$",
        "CREATE OR REPLACE TRIGGER " + fn + " AFTER INSERT OR UPDATE OR DELETE ON " + t +
            " FOR EACH ROW EXECUTE FUNCTION " + fn + "()"};
    // The function's trigger goes with it, whatever its table is called by now.
    s.remove_capture = {"DROP FUNCTION IF EXISTS " + fn + "() CASCADE"};
    s.has_capture = "SELECT CASE WHEN count(*) = 1 THEN 3 ELSE 0 END FROM pg_trigger "
                    "WHERE tgname = '" + fn + "' AND tgrelid = to_regclass(" + sql_literal(t) + ")";
    s.capture_table_lookup = "SELECT 1 WHERE to_regclass('uplift_capture') IS NOT NULL";
    s.routes_table_lookup = "SELECT 1 WHERE to_regclass('uplift_routes') IS NOT NULL";
    s.source_check =
        "SELECT (SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 "
        "AND NOT attisdropped), "
        "(SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND "
        "i.indisprimary AND i.indkey[0] = a.attnum) THEN 1 ELSE 0 END FROM pg_attribute a "
        "WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped), "
        "(SELECT coalesce(max(i.indnatts), 0) FROM pg_index i WHERE i.indrelid = to_regclass($1) "
        "AND i.indisprimary)";
    s.route.push_back(routes_table);
    s.route.push_back("CREATE OR REPLACE FUNCTION " + moved +
                      "() RETURNS trigger LANGUAGE plpgsql AS $uplift$ BEGIN "
                      "IF " + not_bypassed + " THEN RAISE EXCEPTION USING MESSAGE = " +
                      sql_literal(refusal) +
                      ", ERRCODE = 'object_not_in_prerequisite_state'; END IF; "
                      "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $uplift$");
    s.route.push_back("CREATE OR REPLACE TRIGGER " + moved +
                      " BEFORE INSERT OR UPDATE OR DELETE ON " + t +
                      " FOR EACH ROW EXECUTE FUNCTION " + moved + "()");
  }
  s.delete_capture = r("DELETE FROM uplift_capture WHERE job = ?1");
  const std::string capture_columns =
      std::string("SELECT id, ") +
      (!sqlite && spec.key == key_type::integer ? "CAST(\"key\" AS bigint)" : "\"key\"") +
      ", at_ms FROM uplift_capture WHERE job = ?1";
  s.read_capture = r(capture_columns + " ORDER BY id LIMIT ?2");
  if (!sqlite)
    s.read_capture_part =
        r(capture_columns + " AND mod(abs(hashtext(\"key\")), ?3) = ?4 ORDER BY id LIMIT ?2");
  {
    std::string in;
    for (std::size_t i = 0; i < copy_statements::consume_ids; ++i)
      in.append(i == 0 ? "?" : ", ?").append(std::to_string(i + 2));
    s.consume = r("DELETE FROM uplift_capture WHERE job = ?1 AND id IN (" + in + ")");
  }
  s.backlog = r("SELECT count(*), coalesce(min(at_ms), 0), {now_ms} FROM uplift_capture "
                "WHERE job = ?1");
  s.set_route =
      r("INSERT INTO uplift_routes (table_name, moved_to, job, at_ms) VALUES (?1, ?2, ?3, "
        "{now_ms}) ON CONFLICT (table_name) DO UPDATE SET moved_to = excluded.moved_to, "
        "job = excluded.job, at_ms = excluded.at_ms");
  s.get_route = r("SELECT moved_to FROM uplift_routes WHERE table_name = ?1");
  s.bypass_route = r("UPDATE uplift_routes SET bypass = ?2 WHERE table_name = ?1");
  if (!old_table.empty()) s.rename_old = r("ALTER TABLE {t} RENAME TO ") + quote_ident(old_table);
  if (!new_table.empty())
    s.rename_new = "ALTER TABLE " + quote_ident(new_table, true) + " RENAME TO " +
                   quote_ident(spec.table.substr(spec.table.rfind('.') == std::string::npos
                                                     ? 0
                                                     : spec.table.rfind('.') + 1));
  s.create_copy =
      r("CREATE TABLE IF NOT EXISTS uplift_copy (job_key TEXT PRIMARY KEY, name TEXT NOT NULL, "
        "table_name TEXT NOT NULL, source TEXT NOT NULL, source_database TEXT NOT NULL, "
        "record TEXT NOT NULL, "
        "target_version BIGINT NOT NULL, phase TEXT NOT NULL, cursor_key TEXT, "
        "total_rows BIGINT NOT NULL DEFAULT 0, copied BIGINT NOT NULL DEFAULT 0, "
        "quarantined BIGINT NOT NULL DEFAULT 0, applied BIGINT NOT NULL DEFAULT 0, "
        "error TEXT NOT NULL DEFAULT '', created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, "
        "verified_at BIGINT NOT NULL DEFAULT 0, verified_rows BIGINT NOT NULL DEFAULT 0, "
        "verified_mismatches BIGINT NOT NULL DEFAULT 0, verified_pending BIGINT NOT NULL DEFAULT 0)");
  s.insert_copy =
      r("INSERT INTO uplift_copy (job_key, name, table_name, source, source_database, record, "
        "target_version, phase, total_rows, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?9, "
        "?5, ?6, ?7, ?8, {now_s}, {now_s}) ON CONFLICT DO NOTHING");
  const std::string copy_columns =
      "name, source, record, target_version, phase, cursor_key, total_rows, copied, "
      "quarantined, applied, error, table_name, source_database, verified_at, verified_rows, "
      "verified_mismatches, verified_pending FROM uplift_copy";
  s.load_copy = r("SELECT " + copy_columns + " WHERE job_key = ?1");
  s.list_copies = r("SELECT " + copy_columns + " ORDER BY created_at, job_key");
  s.set_verification =
      r("UPDATE uplift_copy SET verified_at = {now_s}, verified_rows = ?2, "
        "verified_mismatches = ?3, verified_pending = ?4 WHERE job_key = ?1");
  s.copy_table_lookup = sqlite ? "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'uplift_copy'"
                               : "SELECT 1 WHERE to_regclass('uplift_copy') IS NOT NULL";
  s.chunk_progress =
      r("UPDATE uplift_copy SET cursor_key = coalesce(?2, cursor_key), copied = copied + ?3, "
        "quarantined = quarantined + ?4, phase = CASE WHEN ?5 THEN 'catching up' ELSE phase END, "
        "updated_at = {now_s} WHERE job_key = ?1");
  s.changes_progress =
      r("UPDATE uplift_copy SET applied = applied + ?2, quarantined = quarantined + ?3, "
        "updated_at = {now_s} WHERE job_key = ?1");
  s.set_phase =
      r("UPDATE uplift_copy SET phase = ?2, error = ?3, updated_at = {now_s} WHERE job_key = ?1");

  // The maintenance cut-over: uplift_maintenance holds the keys of the target table whose last
  // changes are being applied. Its key is stored as capture keys are (PostgreSQL: as text).
  s.create_maintenance =
      r("CREATE TABLE IF NOT EXISTS uplift_maintenance (table_name TEXT NOT NULL, "
        "\"key\" {capkey} NOT NULL, job TEXT NOT NULL, since_ms BIGINT NOT NULL, "
        "PRIMARY KEY (table_name, \"key\"))");
  s.maintenance_lookup =
      sqlite ? "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'uplift_maintenance'"
             : "SELECT 1 WHERE to_regclass('uplift_maintenance') IS NOT NULL";
  const std::string table_lit = sql_literal(spec.table);
  const auto key_text = [&](std::string_view row) {
    return sqlite ? std::string(row) + "." + k : "CAST(" + std::string(row) + "." + k + " AS text)";
  };
  const auto in_maintenance = [&](std::string_view row) {
    return "EXISTS (SELECT 1 FROM uplift_maintenance WHERE table_name = " + table_lit +
           " AND \"key\" = " + key_text(row) + ")";
  };
  const std::string in_maintenance_refusal =
      std::string(key_in_maintenance_words) + " (table " + spec.table +
      "): a copy job's cut-over is applying its last changes; try again in a moment";
  if (sqlite) {
    const std::pair<std::string_view, std::string> ops[] = {
        {"INSERT", in_maintenance("NEW")},
        {"UPDATE", in_maintenance("NEW") + " OR " + in_maintenance("OLD")},
        {"DELETE", in_maintenance("OLD")}};
    for (const auto& [op, when] : ops) {
      std::string lower(op);
      for (char& c : lower) c = static_cast<char>(c - 'A' + 'a');
      const std::string name = quote_ident(trigger("maintenance", lower));
      s.refuse_maintenance.push_back("CREATE TRIGGER IF NOT EXISTS " + name + " BEFORE " +
                                     std::string(op) + " ON " + t + " WHEN " + when +
                                     " BEGIN SELECT RAISE(ABORT, " +
                                     sql_literal(in_maintenance_refusal) + "); END");
      s.allow_maintenance.push_back("DROP TRIGGER IF EXISTS " + name);
    }
  } else {
    const std::string fn = short_name("uplift_maintenance_", spec.table);
    s.refuse_maintenance = {
        "CREATE OR REPLACE FUNCTION " + fn + "() RETURNS trigger LANGUAGE plpgsql AS $uplift$ "
        "BEGIN IF (TG_OP <> 'DELETE' AND " + in_maintenance("NEW") + ") OR (TG_OP <> 'INSERT' AND " +
            in_maintenance("OLD") + ") THEN RAISE EXCEPTION USING MESSAGE = " +
            sql_literal(in_maintenance_refusal) +
            ", ERRCODE = 'object_not_in_prerequisite_state'; END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $uplift$",
        "CREATE OR REPLACE TRIGGER " + fn + " BEFORE INSERT OR UPDATE OR DELETE ON " + t +
            " FOR EACH ROW EXECUTE FUNCTION " + fn + "()"};
    s.allow_maintenance = {"DROP FUNCTION IF EXISTS " + fn + "() CASCADE"};
  }
  const std::string key_param = sqlite ? "?2" : "CAST(?2 AS text)";
  const std::string key_column =
      !sqlite && spec.key == key_type::integer ? "CAST(\"key\" AS bigint)" : "\"key\"";
  s.list_maintenance = r("SELECT " + key_column + " FROM uplift_maintenance WHERE table_name = ?1 "
                         "ORDER BY since_ms LIMIT ?2");
  s.clear_maintenance = r("DELETE FROM uplift_maintenance WHERE table_name = ?1");
  const std::string active =
      "EXISTS (SELECT 1 FROM uplift_copy WHERE table_name = ?1 AND phase NOT IN ('cut over', "
      "'contracted'))";
  s.probe_key = r("SELECT EXISTS (SELECT 1 FROM uplift_maintenance WHERE table_name = ?1 AND "
                  "\"key\" = " + key_param + "), " + active);
  s.copy_active = r("SELECT 1 WHERE " + active);
  return s;
}

std::vector<std::string> maintenance_sql(const table_spec& spec, const sql_dialect& d,
                                         std::string_view job, const std::vector<row_key>& keys) {
  const bool sqlite = d.param == sqlite_dialect.param;
  // A key as the maintenance table holds it: SQLite an integer as an integer; PostgreSQL text.
  auto literal = [&](const row_key& k) {
    return sqlite && k.index() == 0 ? std::to_string(std::get<0>(k)) : sql_literal(key_to_string(k));
  };
  const std::string table = sql_literal(spec.table);
  std::vector<std::string> out;
  constexpr std::size_t per = 500;
  for (std::size_t from = 0; from < keys.size(); from += per) {
    std::string sql;
    const std::size_t to = std::min(keys.size(), from + per);
    if (!sqlite) {
      // PostgreSQL: the keys as one text[] constant (a long VALUES list or ARRAY[...] of
      // constants costs the planner more than the rows).
      std::string array = "{";
      for (std::size_t i = from; i < to; ++i) {
        array += i == from ? "\"" : ",\"";
        for (char c : key_to_string(keys[i])) {
          if (c == '"' || c == '\\') array.push_back('\\');
          array.push_back(c);
        }
        array.push_back('"');
      }
      array += "}";
      const std::string keys_sql = "unnest(CAST(" + sql_literal(array) + " AS text[]))";
      sql = !job.empty()
                ? "INSERT INTO uplift_maintenance (table_name, \"key\", job, since_ms) SELECT " +
                      table + ", k, " + sql_literal(job) + ", " + std::string(d.now_ms) +
                      " FROM " + keys_sql + " AS k ON CONFLICT DO NOTHING"
                : "DELETE FROM uplift_maintenance WHERE table_name = " + table +
                      " AND \"key\" IN (SELECT * FROM " + keys_sql + ")";
      out.push_back(std::move(sql));
      continue;
    }
    if (!job.empty()) {
      sql = "INSERT INTO uplift_maintenance (table_name, \"key\", job, since_ms) VALUES ";
      for (std::size_t i = from; i < to; ++i)
        sql += (i == from ? "(" : ", (") + table + ", " + literal(keys[i]) + ", " + sql_literal(job) +
               ", " + std::string(d.now_ms) + ")";
      sql += " ON CONFLICT DO NOTHING";
    } else {
      sql = "DELETE FROM uplift_maintenance WHERE table_name = " + table + " AND \"key\" IN (";
      for (std::size_t i = from; i < to; ++i) sql += (i == from ? "" : ", ") + literal(keys[i]);
      sql += ")";
    }
    out.push_back(std::move(sql));
  }
  return out;
}

}  // namespace uplift::detail
