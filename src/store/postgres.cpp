// uplift::postgres_store (postgres.hpp) over libpq: the connection, its prepared statements, the
// batch statement, and the store operations shared with sqlite_store (sql_adapter.hpp).
#include <uplift/store/postgres.hpp>

#include <libpq-fe.h>

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <utility>

#include "postgres_binary.hpp"
#include "rules.hpp"
#include "sql_adapter.hpp"
#include "sql_statements.hpp"

namespace uplift {

namespace detail {

/// The server's words about a failure: its message, detail, hint and SQLSTATE, else the
/// connection's message.
inline std::string pg_words(const PGresult* r, const PGconn* c) {
  std::string out;
  const char* primary = r != nullptr ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  if (primary != nullptr) {
    out = primary;
    if (const char* d = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL))
      out.append(" (").append(d).append(")");
    if (const char* h = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT))
      out.append("; hint: ").append(h);
    if (const char* code = PQresultErrorField(r, PG_DIAG_SQLSTATE))
      out.append(" [SQLSTATE ").append(code).append("]");
    return out;
  }
  out = c != nullptr ? PQerrorMessage(c) : "no connection";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

/// One connection and the names of the statements prepared on it, by SQL text.
struct pg_connection {
  PGconn* conn = nullptr;
  std::unordered_map<std::string, std::string> prepared;
  bool listening = false;  ///< LISTEN uplift_knob was sent on this session (wait_for_knob)

  /// After PQreset: a new session, without the old one's statements or LISTEN.
  void reset() {
    PQreset(conn);
    prepared.clear();
    listening = false;
  }

  pg_connection() = default;
  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;
  ~pg_connection() {
    if (conn != nullptr) PQfinish(conn);
  }
};

/// The statements of one round trip in libpq's pipeline mode (postgres_store's round_trip runs
/// it): each send queues a statement, finish syncs and reads the results. libpq sends as the
/// queue grows, and while the socket takes no more it reads what the server sent meanwhile (a few
/// dozen bytes a statement), so neither side ever waits on the other with both sockets full,
/// however long the pipeline.
class pg_pipeline {
 public:
  explicit pg_pipeline(PGconn* c) noexcept : c_(c) {}

  /// A prepared statement whose parameters are all bytes in binary format (keys, values).
  template <std::size_t N>
  void send(const std::string& name, const std::string_view (&params)[N]) {
    const char* values[N];
    int lengths[N], formats[N];
    for (std::size_t i = 0; i < N; ++i) {
      values[i] = params[i].empty() ? "" : params[i].data();  // a null pointer would be NULL
      lengths[i] = static_cast<int>(params[i].size());
      formats[i] = 1;
    }
    if (!broken_)
      sent(PQsendQueryPrepared(c_, name.c_str(), int(N), values, lengths, formats, 1));
  }
  /// A prepared statement.
  void send(const std::string& name, const pg_params& p) {
    if (!broken_)
      sent(PQsendQueryPrepared(c_, name.c_str(), p.size(), p.values(), p.lengths(), p.formats(),
                               1));
  }
  /// SQL without parameters (BEGIN, COMMIT).
  void send(const char* sql) {
    if (!broken_) sent(PQsendQueryParams(c_, sql, 0, nullptr, nullptr, nullptr, nullptr, 1));
  }

  /// Syncs and reads every result: `on_result(i, r)` reads the result of the i-th statement
  /// (from 0) when it succeeded; after the first that failed, the server skipped the rest (see
  /// failure). False when the connection broke.
  template <class OnResult>
  bool finish(OnResult&& on_result) {
    if (broken_ || PQpipelineSync(c_) != 1) return false;
    for (std::size_t i = 0;;) {
      pg_result r(PQgetResult(c_));
      if (!r) {
        if (PQstatus(c_) != CONNECTION_OK) return false;
        continue;  // the end of one statement's results
      }
      const ExecStatusType s = PQresultStatus(r.get());
      if (s == PGRES_PIPELINE_SYNC) return true;
      if (!failure_ && (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK))
        on_result(i, r.get());
      else if (!failure_)
        failure_ = pg_words(r.get(), c_);
      ++i;
    }
  }
  /// The server's words about the first statement that failed.
  const std::optional<std::string>& failure() const noexcept { return failure_; }

 private:
  void sent(int ok) noexcept { broken_ = ok != 1; }

  PGconn* c_;
  bool broken_ = false;
  std::optional<std::string> failure_;
};

}  // namespace detail

/// The connection and the SQL of one postgres_store.
struct postgres_store::impl : detail::sql_adapter<postgres_store::impl> {
  impl(std::string conninfo, table_spec spec, postgres_options options)
      : sql_adapter(std::move(spec)), conninfo_(std::move(conninfo)), options_(std::move(options)) {}

  struct transaction : detail::sql_transaction<impl> {
    explicit transaction(impl& s) : sql_transaction(s, "BEGIN") {}
  };

  static const detail::sql_dialect& dialect() noexcept { return detail::postgres_dialect; }
  /// True inside a transaction (sql_transaction then nests in it).
  bool in_transaction() const noexcept {
    return PQtransactionStatus(conn_->conn) != PQTRANS_IDLE;
  }

  static const detail::job_statements& jobs() {
    // commit_batch's range update runs inside its statement: it adds the writes of the
    // statement's `w` that applied (its parameters count every write a conflict), and waits for
    // the `held` lock.
    static const detail::job_statements s = detail::make_job_statements(
        detail::postgres_dialect, " + (SELECT count(*) FROM w)", " - (SELECT count(*) FROM w)",
        " AND id IN (SELECT id FROM held)");
    return s;
  }
  /// One row when the job table exists on the search path (has_job_tables).
  static constexpr std::string_view job_table_lookup =
      "SELECT 1 WHERE to_regclass('uplift_backfill') IS NOT NULL";
  /// The job statements of commit_row_by_row, each a statement of its own.
  static const detail::job_statements& row_by_row_jobs() {
    static const detail::job_statements s = detail::make_job_statements(detail::postgres_dialect);
    return s;
  }
  /// Whether a row of finish_job says the job is done.
  template <class Row>
  static bool job_done(const Row& row) {
    return row.text(0) == to_string(job_status::done);
  }

  /// commit_batch on a distributed table: one transaction of statements that each touch one key
  /// of the table or only the job tables, in two round trips:
  ///  1. BEGIN, the range row locked (held), each conditional write as its own UPDATE of one key,
  ///     the quarantine rows. The writes go out behind the lock: when the range is not held the
  ///     transaction is rolled back, and nothing is written.
  ///  2. The range's progress, counting the writes that applied (it finds the range row: this
  ///     transaction holds its lock); for the range's last batch the job row's lock and the
  ///     job-done check, as commit_batch runs them; COMMIT.
  result<batch_result> commit_row_by_row(const batch_commit& b, const std::string& doing) {
    const detail::job_statements& j = row_by_row_jobs();
    const std::string key = detail::job_key(spec_.table, b.job);
    detail::sql_args range, job;
    range.text(key).integer(b.range_id).text(b.owner);
    job.text(key);
    const detail::pg_params held(range), job_params(job);
    const Oid write_types[] = {key_element(), value_element(), value_element()};
    const Oid quarantine_types[] = {detail::pg_text, detail::pg_text, detail::pg_int8,
                                    detail::pg_text};
    auto held_name = prepared(j.held, held.size(), held.types(), doing);
    auto write_name = prepared(rows_.write_if, 3, write_types, doing);
    auto quarantine_name = prepared(j.quarantine, 4, quarantine_types, doing);
    auto lock_name = prepared(lock_job_sql_, job_params.size(), job_params.types(), doing);
    auto finish_name = prepared(j.finish_job, job_params.size(), job_params.types(), doing);
    for (auto* name : {&held_name, &write_name, &quarantine_name, &lock_name, &finish_name})
      if (!*name) return std::move(*name).error();

    transaction tx(*this);
    tx.begun();  // BEGIN opens the first round trip: from there on, a failure rolls back
    const std::size_t n = b.writes.size();
    batch_result out;
    out.applied.assign(n, false);
    std::uint64_t applied = 0;
    bool holds = false;
    auto first = round_trip(
        doing,
        [&](detail::pg_pipeline& pipe) {
          pipe.send("BEGIN");
          pipe.send(*held_name, held);
          for (const conditional_write& w : b.writes) {
            const detail::pg_key_param k(w.key);
            pipe.send(*write_name,
                      {k.bytes(), std::string_view(w.expected), std::string_view(w.value)});
          }
          for (const quarantined_row& q : b.quarantine) {
            const std::string row = key_to_string(q.key);
            detail::sql_args a;
            a.text(key).text(row).integer(q.stored_version).text(q.error);
            pipe.send(*quarantine_name, detail::pg_params(a));
          }
        },
        [&](std::size_t i, PGresult* r) {
          if (i == 1) holds = PQntuples(r) > 0;
          if (i < 2 || i - 2 >= n || std::strtoull(PQcmdTuples(r), nullptr, 10) == 0) return;
          out.applied[i - 2] = true;
          ++applied;
        });
    if (!first) return std::move(first).error();
    if (!holds) return detail::lease_lost(b.job, b.range_id, b.owner);

    detail::sql_args progress;
    detail::add_progress(progress, key, b, applied);
    const detail::pg_params progress_params(progress);
    auto progress_name =
        prepared(j.progress, progress_params.size(), progress_params.types(), doing);
    if (!progress_name) return std::move(progress_name).error();
    auto second = round_trip(
        doing,
        [&](detail::pg_pipeline& pipe) {
          pipe.send(*progress_name, progress_params);
          if (b.range_done) {
            pipe.send(*lock_name, job_params);
            pipe.send(*finish_name, job_params);
          }
          pipe.send("COMMIT");
        },
        [&](std::size_t i, PGresult* r) {
          if (b.range_done && i == 2)
            out.job_done = PQntuples(r) > 0 && job_done(detail::pg_row{r, 0});
        });
    if (!second) return std::move(second).error();
    tx.committed();
    return out;
  }

  Oid key_element() const noexcept {
    return spec_.key == key_type::integer ? detail::pg_int8 : detail::pg_text;
  }
  Oid key_array() const noexcept {
    return spec_.key == key_type::integer ? detail::pg_int8_array : detail::pg_text_array;
  }
  /// Values travel as bytea to a bytea column, as text to a jsonb, json or text column.
  bool value_as_text(row_format) const noexcept {
    return value_type_ != detail::sql_value_type::bytes;
  }
  Oid value_element() const noexcept {
    return value_as_text(row_format::json) ? detail::pg_text : detail::pg_bytea;
  }
  Oid value_array() const noexcept {
    return value_as_text(row_format::json) ? detail::pg_text_array : detail::pg_bytea_array;
  }
  /// A binary row cannot go into a jsonb, json or text column.
  status check_forms(const conditional_write* w, std::size_t n, std::string_view doing) const {
    if (!value_as_text(row_format::json)) return {};
    for (std::size_t i = 0; i < n; ++i)
      if (w[i].format == row_format::binary)
        return store_failure(
            doing, "the row " + key_to_string(w[i].key) + " is written as a binary record, but " +
                       spec_.value_column + " is " + std::string(to_string(value_type_)) +
                       " and holds JSON only: write it as JSON (conditional_write::format = "
                       "row_format::json), or keep binary records in a bytea column");
    return {};
  }

  std::string what(std::string_view doing) const {
    return "postgres, table " + spec_.table + ": " + std::string(doing);
  }
  error failure(std::string_view doing, const PGresult* r) const {
    return pg_failure(doing, detail::pg_words(r, conn_ ? conn_->conn : nullptr));
  }
  /// The server's words as an error: errc::lock_timeout for lock_not_available (55P03: a lock
  /// not granted within lock_timeout, or NOWAIT), else errc::store_error.
  static error pg_failure(std::string_view doing, std::string_view words) {
    const bool lock = words.find("[SQLSTATE 55P03]") != std::string_view::npos;
    // A routed table's trigger refuses every write (swap_by_route): errc::table_moved.
    const bool moved = words.find(detail::table_moved_words) != std::string_view::npos;
    // A key in maintenance (begin_maintenance): its trigger refuses it.
    const bool held = words.find(detail::key_in_maintenance_words) != std::string_view::npos;
    return store_failure(doing, words,
                         moved  ? errc::table_moved
                         : held ? errc::key_in_maintenance
                         : lock ? errc::lock_timeout
                                : errc::store_error);
  }

  /// BEGIN, then the table locked in EXCLUSIVE mode (its readers go on, its writers wait), with
  /// lock_timeout `wait` for that lock and the statements after it.
  status begin_exclusive(std::chrono::milliseconds wait) {
    const std::string doing = what("blocking the table's writers for a cut-over");
    if (auto st = ready(doing); !st) return st;
    if (in_transaction()) return store_failure(doing, "a transaction is open on this connection");
    if (auto st = exec_sql("BEGIN", doing); !st) return st;
    const std::string lock = "SET LOCAL lock_timeout = " + std::to_string(std::max<std::int64_t>(1, wait.count())) +
                             "; LOCK TABLE " + detail::quote_ident(spec_.table, true) +
                             " IN EXCLUSIVE MODE";
    if (auto st = exec_sql(lock, doing); !st) {
      (void)exec_sql("ROLLBACK", doing);
      return st;
    }
    return {};
  }
  status end_exclusive(bool commit) {
    const std::string doing = what(commit ? "committing a cut-over" : "rolling back a cut-over");
    if (!in_transaction())
      return commit ? store_failure(doing, "no cut-over transaction is open") : status{};
    return exec_sql(commit ? "COMMIT" : "ROLLBACK", doing);
  }

  /// Another table on this connection.
  result<std::unique_ptr<impl>> sibling(const table_spec& table) {
    auto i = std::make_unique<impl>(conninfo_, table, options_);
    i->conn_ = conn_;
    if (auto st = i->prepare_statements(); !st) return std::move(st).error();
    return i;
  }

  /// host:port/database of the session.
  std::string database_id() const {
    auto text = [](const char* p) { return std::string(p != nullptr ? p : ""); };
    return text(PQhost(conn_->conn)) + ":" + text(PQport(conn_->conn)) + "/" +
           text(PQdb(conn_->conn));
  }

  /// Sets lock_timeout on the session (lock_timeout_ms_, when set).
  status apply_lock_timeout(std::string_view doing) {
    if (!lock_timeout_ms_) return {};
    const std::string sql = "SET lock_timeout = " + std::to_string(*lock_timeout_ms_);
    detail::pg_result r(PQexec(conn_->conn, sql.c_str()));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) return failure(doing, r.get());
    return {};
  }

  status open_connection() {
    conn_ = std::make_shared<detail::pg_connection>();
    const char* keys[] = {"dbname", "fallback_application_name", nullptr};
    const char* values[] = {conninfo_.c_str(), options_.application_name.c_str(), nullptr};
    conn_->conn = PQconnectdbParams(keys, values, 1);
    if (PQstatus(conn_->conn) != CONNECTION_OK)
      return failure(what("connecting to the server"), nullptr);
    PQsetNoticeProcessor(
        conn_->conn, [](void*, const char*) {}, nullptr);  // IF NOT EXISTS notices
    return {};
  }

  /// A connection that broke (the server restarted, the network dropped) is reset once before
  /// the next call; its prepared statements are gone with it.
  status ready(std::string_view doing) {
    if (PQstatus(conn_->conn) == CONNECTION_OK) return {};
    conn_->reset();
    if (PQstatus(conn_->conn) != CONNECTION_OK) return failure(doing, nullptr);
    return apply_lock_timeout(doing);  // a new session: the old one's settings are gone
  }

  status set_lock_timeout(std::chrono::milliseconds timeout) {
    lock_timeout_ms_ = std::max<std::int64_t>(0, timeout.count());
    const std::string doing = what("setting lock_timeout");
    if (auto st = ready(doing); !st) return st;
    return apply_lock_timeout(doing);
  }

  /// What the value column is (value_type_), from the server; refuses a table_spec::format the
  /// column cannot hold. A table not created yet is taken as create_table makes it.
  status read_value_type() {
    const std::string doing = what("reading the type of the value column " + spec_.value_column);
    detail::sql_args a;
    a.owned_text(detail::quote_ident(spec_.table, true)).text(spec_.value_column);
    auto type = first<std::string>(
        "SELECT format_type(a.atttypid, NULL) FROM pg_attribute a "
        "WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped",
        a, doing, [](const auto& row) -> result<std::string> { return std::string(row.text(0)); });
    if (!type) return std::move(type).error();
    using detail::sql_value_type;
    const std::string name = type->value_or(spec_.format == value_format::json ? "jsonb" : "bytea");
    bool known = false;
    for (sql_value_type t : {sql_value_type::bytes, sql_value_type::jsonb, sql_value_type::json,
                             sql_value_type::text})
      if (name == to_string(t)) {
        value_type_ = t;
        known = true;
      }
    const std::string column = "the column " + spec_.value_column + " is " + name;
    if (!known)
      return store_failure(doing, column + ": uplift reads bytea (table_spec::format binary, "
                                           "json or detect) or jsonb, json, text (format json); "
                                           "change the column's type");
    if (value_type_ == sql_value_type::bytes) return {};
    if (spec_.format == value_format::binary)
      return store_failure(doing, column + ": set table_spec::format = value_format::json");
    if (spec_.format == value_format::detect)
      return store_failure(doing, column + ", which cannot hold binary rows: set "
                                           "table_spec::format = value_format::json, or keep "
                                           "rows of both forms in a bytea column");
    return {};
  }

  /// CREATE TABLE and DROP TABLE, then the statements again: the value column they leave may be
  /// of another type than the one the statements were made for (a bytea table dropped, a jsonb
  /// one created).
  status create_table() {
    if (auto st = sql_adapter::create_table(); !st) return st;
    return prepare_statements();
  }
  status drop_table() {
    if (auto st = sql_adapter::drop_table(); !st) return st;
    return prepare_statements();
  }

  /// Renders the statements; for text keys, first asks the server how the key column orders.
  status prepare_statements() {
    if (auto st = read_value_type(); !st) return st;
    std::string_view order;
    if (spec_.key == key_type::text) {
      const std::string table = detail::quote_ident(spec_.table, true);
      detail::sql_args a;
      a.text(table).text(spec_.key_column);
      auto collation = first<bool>(
          "SELECT coalesce(c.collname::text, ''), "
          "(SELECT datcollate::text FROM pg_database WHERE datname = current_database()) "
          "FROM pg_attribute a LEFT JOIN pg_collation c ON c.oid = a.attcollation "
          "WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND NOT a.attisdropped",
          a, what("reading the key column's collation"), [](const auto& row) -> result<bool> {
            auto bytewise = [](std::string_view c) { return c == "C" || c == "POSIX"; };
            return bytewise(row.text(0)) || (row.text(0) == "default" && bytewise(row.text(1)));
          });
      if (!collation) return std::move(collation).error();
      // A column that orders bytewise is used as it is (its index serves the order); any other,
      // or a table not created yet (create_table makes it "C"), is ordered COLLATE "C".
      order = collation->value_or(false) ? "" : detail::postgres_dialect.text_bytewise;
    }
    const detail::sql_dialect& d = detail::postgres_dialect;
    rows_ = detail::make_table_statements(spec_, d, order, value_type_);
    const std::string t = detail::quote_ident(spec_.table, true);
    const std::string k = detail::quote_ident(spec_.key_column);
    const std::string v = detail::quote_ident(spec_.value_column);
    const std::string_view key_array_type = spec_.key == key_type::integer ? "bigint[]" : "text[]";
    const std::string_view value_array_type = value_as_text(row_format::json) ? "text[]" : "bytea[]";
    commit_sql_ = detail::render(
        "WITH held AS ({held}), "
        "w AS (UPDATE {t} AS t SET {v} = {nv} "
        "FROM unnest(?12::{keys}, ?13::{values}, ?14::{values}) WITH ORDINALITY AS d(k, ov, nv, i) "
        "WHERE t.{k} = d.k AND {holds} AND EXISTS (SELECT 1 FROM held) RETURNING d.i), "
        "q AS (INSERT INTO uplift_quarantine (job, \"key\", stored_version, error, at) "
        "SELECT ?1, x.k, x.sv, x.e, {now_s} FROM unnest(?15::text[], ?16::bigint[], ?17::text[]) "
        "AS x(k, sv, e) WHERE EXISTS (SELECT 1 FROM held) {on_conflict}), "
        "r AS ({progress} RETURNING id) "
        "SELECT (SELECT count(*) FROM r), "
        "coalesce((SELECT array_agg(i) FROM w), ARRAY[]::bigint[])",
        d,
        {{"held", jobs().held},
         {"t", t},
         {"k", k},
         {"v", v},
         {"keys", key_array_type},
         {"values", value_array_type},
         {"nv", detail::value_of(value_type_, "d.nv")},
         {"holds", detail::value_holds(d, value_type_, "t.{v}", "d.ov")},
         {"now_s", d.now_s},
         {"progress", jobs().progress},
         {"on_conflict", detail::quarantine_on_conflict}});
    lock_job_sql_ = "SELECT name FROM uplift_backfill WHERE job_key = $1 FOR UPDATE";
    // put_many's upsert and a copy chunk's insert: the same rows from unnest of two arrays.
    auto insert_from_arrays = [&](std::string_view on_conflict) {
      return detail::render(
          "INSERT INTO {t} ({k}, {v}) SELECT d.k, {nv} FROM unnest(?1::{keys}, ?2::{values}) "
          "AS d(k, v) ON CONFLICT ({k}) " + std::string(on_conflict),
          d,
          {{"t", t},
           {"k", k},
           {"v", v},
           {"keys", key_array_type},
           {"values", value_array_type},
           {"nv", detail::value_of(value_type_, "d.v")}});
    };
    put_many_sql_ = insert_from_arrays("DO UPDATE SET {v} = excluded.{v}");
    insert_absent_sql_ = insert_from_arrays("DO NOTHING");
    get_many_sql_ = detail::render("SELECT {k}, {vr} FROM {t} WHERE {k} = ANY(?1::{keys})", d,
                                   {{"t", t},
                                    {"k", k},
                                    {"vr", detail::value_read(value_type_, v)},
                                    {"keys", key_array_type}});
    return {};
  }

  /// The name of `sql` prepared on this connection with `n` parameters of `types` (prepared on
  /// first use).
  result<std::string> prepared(const std::string& sql, int n, const Oid* types,
                               std::string_view doing) {
    if (auto st = ready(doing); !st) return std::move(st).error();
    auto it = conn_->prepared.find(sql);
    if (it == conn_->prepared.end()) {
      std::string name = "uplift_" + std::to_string(conn_->prepared.size() + 1);
      detail::pg_result r(PQprepare(conn_->conn, name.c_str(), sql.c_str(), n, types));
      if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) return failure(doing, r.get());
      it = conn_->prepared.emplace(sql, std::move(name)).first;
    }
    return it->second;
  }

  /// Runs a prepared statement (preparing it on first use) with binary parameters and results.
  result<detail::pg_result> exec(const std::string& sql, const detail::pg_params& p,
                                 std::string_view doing) {
    auto name = prepared(sql, p.size(), p.types(), doing);
    if (!name) return std::move(name).error();
    detail::pg_result r(PQexecPrepared(conn_->conn, name->c_str(), p.size(), p.values(),
                                       p.lengths(), p.formats(), 1));
    const ExecStatusType s = PQresultStatus(r.get());
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return failure(doing, r.get());
    return r;
  }

  /// Runs the statements `send(pipeline)` queues on a pg_pipeline in one round trip and
  /// hands each one's result to `on_result(i, r)`; the first failure is what this returns.
  template <class Send, class OnResult>
  status round_trip(std::string_view doing, Send&& send, OnResult&& on_result) {
    PGconn* c = conn_->conn;
    if (PQstatus(c) != CONNECTION_OK || PQenterPipelineMode(c) != 1)
      return failure(doing, nullptr);
    detail::pg_pipeline pipe(c);
    send(pipe);
    const bool finished = pipe.finish(on_result);
    std::optional<error> failed;
    if (pipe.failure())
      failed = pg_failure(doing, *pipe.failure());
    else if (!finished)
      failed = failure(doing, nullptr);
    if (PQexitPipelineMode(c) != 1) {  // results left unread (the connection broke): afresh
      conn_->reset();
    }
    if (failed) return std::move(*failed);
    return {};
  }

  // ---- the knob ----
  static const detail::knob_statements& knobs() {
    static const detail::knob_statements s =
        detail::make_knob_statements(detail::postgres_dialect);
    return s;
  }
  /// One row when the knob table exists on the search path (has_knob_tables).
  static constexpr std::string_view knob_table_lookup =
      "SELECT 1 WHERE to_regclass('uplift_knob') IS NOT NULL";
  /// Sent inside the flip's transaction: the listeners hear it when it commits.
  status notify_knob(std::string_view record, std::string_view doing) {
    detail::sql_args a;
    auto sent = execute("SELECT pg_notify('uplift_knob', $1)", a.text(record), doing);
    if (!sent) return std::move(sent).error();
    return {};
  }

  /// LISTEN on the first call (and after a reconnect), which answers true: a flip may have
  /// committed before this session listened. Then waits on the socket for a notification.
  result<bool> wait_for_knob(std::chrono::milliseconds timeout) {
    const std::string doing = what("waiting for a flip of a knob");
    if (auto st = ready(doing); !st) return std::move(st).error();
    PGconn* c = conn_->conn;
    if (!conn_->listening) {
      if (auto st = exec_sql("LISTEN uplift_knob", doing); !st) return std::move(st).error();
      conn_->listening = true;
      return true;
    }
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (PQconsumeInput(c) != 1) return failure(doing, nullptr);
      bool heard = false;
      while (PGnotify* n = PQnotifies(c)) {
        heard = true;
        PQfreemem(n);
      }
      if (heard) return true;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{PQsocket(c), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30))) < 0 &&
          errno != EINTR)
        return store_failure(doing, std::strerror(errno));
    }
  }

  // ---- the driver of sql_adapter ----
  template <class OnRow>
  status query(const std::string& sql, const detail::sql_args& args, std::string_view doing,
               OnRow&& on_row) {
    auto res = exec(sql, detail::pg_params(args), doing);
    if (!res) return std::move(res).error();
    for (int i = 0; i < PQntuples(res->get()); ++i)
      if (auto st = on_row(detail::pg_row{res->get(), i}); !st) return st;
    return {};
  }

  result<std::uint64_t> execute(const std::string& sql, const detail::sql_args& args,
                                std::string_view doing) {
    auto res = exec(sql, detail::pg_params(args), doing);
    if (!res) return std::move(res).error();
    return std::strtoull(PQcmdTuples(res->get()), nullptr, 10);
  }

  /// Runs `sql` (put_many_sql_ or insert_absent_sql_) on rows[from, from + n) as two binary
  /// arrays, keys and values; the rows it changed.
  result<std::uint64_t> exec_unnest(const std::string& sql, const std::vector<stored_row>& rows,
                                    std::size_t from, std::size_t n, std::string_view doing) {
    detail::pg_array keys(key_element(), n), values(value_element(), n, rows[from].value.size());
    for (std::size_t i = from; i < from + n; ++i) {
      keys.add(rows[i].key);
      values.add(std::string_view(rows[i].value));
    }
    detail::pg_params p;
    p.array(key_array(), std::move(keys)).array(value_array(), std::move(values));
    auto res = exec(sql, p, doing);
    if (!res) return std::move(res).error();
    return std::strtoull(PQcmdTuples(res->get()), nullptr, 10);
  }

  /// 10000 rows to a statement: an INSERT ... SELECT FROM unnest of binary arrays; on a
  /// distributed table, an INSERT per row, 10000 to a round trip.
  status put_rows(const std::vector<stored_row>& rows, std::string_view doing) {
    constexpr std::size_t chunk = 10000;
    for (std::size_t from = 0; from < rows.size(); from += chunk) {
      const std::size_t n = std::min(chunk, rows.size() - from);
      if (options_.distributed) {
        const Oid types[] = {key_element(), value_element()};
        auto put = prepared(rows_.put, 2, types, doing);
        if (!put) return std::move(put).error();
        auto sent = round_trip(
            doing,
            [&](detail::pg_pipeline& pipe) {
              for (std::size_t i = from; i < from + n; ++i) {
                const detail::pg_key_param k(rows[i].key);
                pipe.send(*put, {k.bytes(), std::string_view(rows[i].value)});
              }
            },
            [](std::size_t, PGresult*) {});
        if (!sent) return sent;
        continue;
      }
      if (auto res = exec_unnest(put_many_sql_, rows, from, n, doing); !res)
        return std::move(res).error();
    }
    return {};
  }

  /// A copy's chunk: the rows whose keys are absent, inserted by one INSERT ... SELECT FROM
  /// unnest ... ON CONFLICT DO NOTHING per 10000 rows (a distributed table: a statement a row).
  result<std::uint64_t> insert_absent_rows(const std::vector<stored_row>& rows,
                                           std::string_view doing) {
    if (options_.distributed) return insert_absent_each(rows, doing);
    constexpr std::size_t chunk = 10000;
    std::uint64_t inserted = 0;
    for (std::size_t from = 0; from < rows.size(); from += chunk) {
      const std::size_t n = std::min(chunk, rows.size() - from);
      auto res = exec_unnest(insert_absent_sql_, rows, from, n, doing);
      if (!res) return std::move(res).error();
      inserted += *res;
    }
    return inserted;
  }

  /// The rows of `keys` that exist, in one statement.
  result<std::vector<stored_row>> get_many(const std::vector<row_key>& keys) {
    const std::string doing = what("reading " + std::to_string(keys.size()) + " rows by key");
    for (const row_key& k : keys)
      if (auto st = detail::check_key(k, spec_, doing); !st) return std::move(st).error();
    if (auto st = check_maintenance_keys(std::nullopt, keys); !st) return std::move(st).error();
    detail::pg_array array(key_element(), keys.size());
    for (const row_key& k : keys) array.add(k);
    detail::pg_params p;
    p.array(key_array(), std::move(array));
    auto res = exec(get_many_sql_, p, doing);
    if (!res) return std::move(res).error();
    std::vector<stored_row> out;
    for (int i = 0; i < PQntuples(res->get()); ++i) {
      const detail::pg_row row{res->get(), i};
      out.push_back({row.key(0, spec_.key), std::string(row.bytes(1))});
    }
    return out;
  }

  /// Runs SQL without parameters (BEGIN, COMMIT, DDL) with the simple protocol.
  status exec_sql(const std::string& sql, std::string_view doing) {
    if (auto st = ready(doing); !st) return st;
    detail::pg_result r(PQexec(conn_->conn, sql.c_str()));
    const ExecStatusType s = PQresultStatus(r.get());
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) return failure(doing, r.get());
    return {};
  }

  /// One statement for the writes, the quarantine rows and the range's progress (see the top of
  /// this file); the range's last batch runs it in a transaction that then locks the job row and,
  /// in a statement that sees every commit before it, marks the job done when no range is left.
  /// With postgres_options::distributed, a transaction of statements Citus routes instead (see
  /// commit_row_by_row).
  result<batch_result> commit_batch(const batch_commit& b) {
    const std::string doing = what("committing a batch of backfill job \"" + b.job + "\"");
    if (auto st = detail::check_batch_keys(b, spec_, doing); !st) return std::move(st).error();
    if (auto st = check_forms(b.writes.data(), b.writes.size(), doing); !st)
      return std::move(st).error();
    if (options_.distributed) return commit_row_by_row(b, doing);
    const std::string key = detail::job_key(spec_.table, b.job);
    detail::sql_args progress;
    detail::add_progress(progress, key, b, 0);  // the statement adds the writes that applied
    detail::pg_params p(progress);
    const std::size_t n = b.writes.size();
    const std::size_t value_bytes = n == 0 ? 0 : b.writes.front().value.size();
    detail::pg_array keys(key_element(), n), expected(value_element(), n, value_bytes),
        values(value_element(), n, value_bytes);
    for (const conditional_write& w : b.writes) {
      keys.add(w.key);
      expected.add(std::string_view(w.expected));
      values.add(std::string_view(w.value));
    }
    const std::size_t nq = b.quarantine.size();
    detail::pg_array q_keys(detail::pg_text, nq), q_versions(detail::pg_int8, nq),
        q_errors(detail::pg_text, nq);
    for (const quarantined_row& q : b.quarantine) {
      q_keys.add(std::string_view(key_to_string(q.key)));
      q_versions.add(std::int64_t{q.stored_version});
      q_errors.add(std::string_view(q.error));
    }
    p.array(key_array(), std::move(keys))
        .array(value_array(), std::move(expected))
        .array(value_array(), std::move(values))
        .array(detail::pg_text_array, std::move(q_keys))
        .array(detail::pg_int8_array, std::move(q_versions))
        .array(detail::pg_text_array, std::move(q_errors));

    std::optional<transaction> tx;
    if (b.range_done) {
      tx.emplace(*this);
      if (auto st = tx->begin(doing); !st) return std::move(st).error();
    }
    auto res = exec(commit_sql_, p, doing);
    if (!res) return std::move(res).error();
    if (PQntuples(res->get()) != 1)
      return store_failure(doing, "the batch statement returned no row");
    const detail::pg_row row{res->get(), 0};
    if (row.i64(0) == 0) return detail::lease_lost(b.job, b.range_id, b.owner);
    auto applied = detail::pg_int8_elements(row.bytes(1));
    if (!applied) return store_failure(doing, "the batch statement returned a malformed array");
    batch_result out;
    out.applied.assign(n, false);
    for (std::int64_t i : *applied)
      if (i >= 1 && static_cast<std::size_t>(i) <= n)
        out.applied[static_cast<std::size_t>(i - 1)] = true;
    if (b.range_done) {
      detail::sql_args job;
      job.text(key);
      if (auto st = query(lock_job_sql_, job, doing, [](const auto&) { return status{}; }); !st)
        return std::move(st).error();
      auto status_now = first<bool>(jobs().finish_job, job, doing,
                                    [](const auto& r) -> result<bool> { return job_done(r); });
      if (!status_now) return std::move(status_now).error();
      out.job_done = status_now->value_or(false);
      if (auto st = tx->commit(doing); !st) return std::move(st).error();
    }
    return out;
  }

  std::string conninfo_;
  postgres_options options_;
  std::string commit_sql_, lock_job_sql_, put_many_sql_, insert_absent_sql_, get_many_sql_;
  std::optional<std::int64_t> lock_timeout_ms_;  ///< set_lock_timeout's, set again after a reset
  detail::sql_value_type value_type_ = detail::sql_value_type::bytes;
  std::shared_ptr<detail::pg_connection> conn_;  ///< shared with its siblings
};

// ---- postgres_store: each member hands the call to its impl ----------------------------------

result<postgres_store> postgres_store::open(std::string conninfo, table_spec spec,
                                            postgres_options options) {
  auto i = std::make_unique<impl>(std::move(conninfo), std::move(spec), std::move(options));
  if (auto st = i->open_connection(); !st) return std::move(st).error();
  if (auto st = i->prepare_statements(); !st) return std::move(st).error();
  return postgres_store(std::move(i));
}

postgres_store::postgres_store(std::unique_ptr<impl> i) noexcept : impl_(std::move(i)) {}
postgres_store::postgres_store(postgres_store&&) noexcept = default;
postgres_store& postgres_store::operator=(postgres_store&&) noexcept = default;
postgres_store::~postgres_store() = default;

result<postgres_store> postgres_store::connect() const {
  return open(impl_->conninfo_, impl_->spec(), impl_->options_);
}

result<std::unique_ptr<store>> postgres_store::connect_store() const {
  auto c = connect();
  if (!c) return std::move(c).error();
  return std::unique_ptr<store>(std::make_unique<postgres_store>(std::move(*c)));
}

const table_spec& postgres_store::spec() const noexcept { return impl_->spec(); }

result<std::vector<stored_row>> postgres_store::scan(const key_range& r, std::size_t n) {
  return impl_->scan(r, n);
}

result<std::vector<stored_row>> postgres_store::scan_skipping(const key_range& r, std::size_t n,
                                                              std::string_view json_key,
                                                              std::uint16_t version) {
  return impl_->scan_skipping(r, n, json_key, version);
}
result<std::optional<std::string>> postgres_store::get(const row_key& k) { return impl_->get(k); }
result<bool> postgres_store::write_if(const conditional_write& w) {
  if (auto st = impl_->check_forms(&w, 1, impl_->what("writing the row " + key_to_string(w.key)));
      !st)
    return std::move(st).error();
  return impl_->write_if(w);
}
result<std::vector<prefix_count>> postgres_store::count_by_prefix(std::size_t n) {
  return impl_->count_by_prefix(n);
}
result<std::optional<std::vector<json_version_count>>> postgres_store::count_by_json_version(
    std::string_view key) {
  return impl_->count_by_json_version(key);
}
result<std::uint64_t> postgres_store::count(const key_range& r) { return impl_->count(r); }
result<std::vector<key_range>> postgres_store::split(const key_range& r, std::size_t n) {
  return impl_->split(r, n);
}
result<std::optional<row_key>> postgres_store::max_key() { return impl_->max_key(); }

status postgres_store::ensure_job_tables() { return impl_->ensure_job_tables(); }
result<bool> postgres_store::has_job_tables() { return impl_->has_job_tables(); }
result<job_record> postgres_store::open_job(const job_spec& spec,
                                            const std::vector<key_range>& ranges,
                                            std::uint64_t total_rows) {
  return impl_->open_job(spec, ranges, total_rows);
}
result<std::optional<job_record>> postgres_store::load_job(const std::string& name) {
  return impl_->load_job(name);
}
result<std::vector<job_record>> postgres_store::list_jobs() { return impl_->list_jobs(); }
result<std::vector<range_record>> postgres_store::list_ranges(const std::string& name) {
  return impl_->list_ranges(name);
}
status postgres_store::set_job_status(const std::string& name, job_status st,
                                      const std::string& error_text) {
  return impl_->set_job_status(name, st, error_text);
}
result<std::optional<range_record>> postgres_store::claim_range(const std::string& name,
                                                                std::string_view owner,
                                                                std::chrono::milliseconds lease) {
  return impl_->claim_range(name, owner, lease);
}
result<std::optional<range_record>> postgres_store::claim_range_except(
    const std::string& name, std::string_view owner, std::chrono::milliseconds lease,
    const std::vector<std::int64_t>& skip) {
  return impl_->claim_range_except(name, owner, lease, skip);
}
status postgres_store::release_range(const std::string& name, std::int64_t range_id,
                                     std::string_view owner) {
  return impl_->release_range(name, range_id, owner);
}
result<batch_result> postgres_store::commit_batch(const batch_commit& b) {
  return impl_->commit_batch(b);
}
result<bool> postgres_store::drop_done_job(const std::string& name) {
  return impl_->drop_done_job(name);
}
result<std::vector<quarantined_row>> postgres_store::list_quarantine(const std::string& name,
                                                                     std::size_t n) {
  return impl_->list_quarantine(name, n);
}

status postgres_store::ensure_knob_tables() { return impl_->ensure_knob_tables(); }
result<bool> postgres_store::has_knob_tables() { return impl_->has_knob_tables(); }
result<std::vector<knob_setting>> postgres_store::list_knobs() { return impl_->list_knobs(); }
result<knob_setting> postgres_store::load_knob(std::string_view record) {
  return impl_->load_knob(record);
}
result<std::vector<knob_node>> postgres_store::list_knob_nodes(std::string_view record) {
  return impl_->list_knob_nodes(record);
}
result<knob_flip> postgres_store::flip_knob(std::string_view record, const knob_decision& decide) {
  return impl_->flip_knob(record, decide);
}
result<knob_setting> postgres_store::heartbeat_knob(const knob_node& me,
                                          std::chrono::milliseconds lease) {
  return impl_->heartbeat_knob(me, lease);
}
status postgres_store::leave_knob(std::string_view record, std::string_view node) {
  return impl_->leave_knob(record, node);
}
result<std::vector<knob_flip>> postgres_store::knob_log(std::string_view record, std::size_t n) {
  return impl_->knob_log(record, n);
}
status postgres_store::set_lock_timeout(std::chrono::milliseconds timeout) {
  return impl_->set_lock_timeout(timeout);
}
result<bool> postgres_store::wait_for_knob(std::chrono::milliseconds timeout) {
  return impl_->wait_for_knob(timeout);
}


result<std::vector<stored_row>> postgres_store::get_many(const std::vector<row_key>& keys) {
  return impl_->get_many(keys);
}
status postgres_store::check_copy_source() { return impl_->check_copy_source(); }
std::string postgres_store::database_id() const { return impl_->database_id(); }
result<std::unique_ptr<store>> postgres_store::sibling(const table_spec& table) const {
  auto i = impl_->sibling(table);
  if (!i) return std::move(i).error();
  return std::unique_ptr<store>(new postgres_store(std::move(*i)));
}
status postgres_store::install_capture(std::string_view job) { return impl_->install_capture(job); }
result<bool> postgres_store::has_capture(std::string_view job) { return impl_->has_capture(job); }
status postgres_store::remove_capture(std::string_view job) { return impl_->remove_capture(job); }
result<std::vector<capture_entry>> postgres_store::read_capture(std::string_view job,
                                                                std::size_t n, std::size_t part,
                                                                std::size_t parts) {
  return impl_->read_capture(job, n, part, parts);
}
result<std::uint64_t> postgres_store::consume_capture(std::string_view job,
                                                      const std::vector<std::int64_t>& ids) {
  return impl_->consume_capture(job, ids);
}
result<capture_backlog> postgres_store::backlog(std::string_view job) {
  return impl_->backlog(job);
}
status postgres_store::begin_exclusive(std::chrono::milliseconds wait) {
  return impl_->begin_exclusive(wait);
}
status postgres_store::end_exclusive(bool commit) { return impl_->end_exclusive(commit); }
status postgres_store::swap_by_rename(std::string_view job, std::string_view new_table,
                                      std::string_view old_name) {
  return impl_->swap_by_rename(job, new_table, old_name);
}
status postgres_store::swap_by_route(std::string_view job, std::string_view where) {
  return impl_->swap_by_route(job, where);
}
result<std::optional<std::string>> postgres_store::route() { return impl_->route(); }
status postgres_store::ensure_copy_tables() { return impl_->ensure_copy_tables(); }
result<std::optional<copy_record>> postgres_store::load_copy(std::string_view name) {
  return impl_->load_copy(name);
}
result<copy_record> postgres_store::open_copy(const copy_record& fresh) {
  return impl_->open_copy(fresh);
}
status postgres_store::commit_copy_chunk(const copy_chunk& chunk) {
  return impl_->commit_copy_chunk(chunk);
}
status postgres_store::apply_copy_changes(const copy_changes& changes) {
  return impl_->apply_copy_changes(changes);
}
status postgres_store::set_copy_phase(std::string_view name, std::string_view phase,
                                      std::string_view error_text) {
  return impl_->set_copy_phase(name, phase, error_text);
}
status postgres_store::prepare_maintenance() { return impl_->prepare_maintenance(); }
status postgres_store::begin_maintenance(std::string_view name, const std::vector<row_key>& keys) {
  return impl_->begin_maintenance(name, keys);
}
result<std::vector<row_key>> postgres_store::maintenance_keys(std::size_t n) {
  return impl_->maintenance_keys(n);
}
status postgres_store::end_maintenance(std::string_view name, std::string_view phase) {
  return impl_->end_maintenance(name, phase);
}
result<std::vector<copy_record>> postgres_store::list_copy_jobs() { return impl_->list_copy_jobs(); }
status postgres_store::set_copy_verification(std::string_view name, std::uint64_t rows,
                                   std::uint64_t mismatches, std::uint64_t pending) {
  return impl_->set_copy_verification(name, rows, mismatches, pending);
}
result<std::vector<quarantined_row>> postgres_store::list_copy_quarantine(std::string_view name,
                                                                          std::size_t n) {
  return impl_->list_copy_quarantine(name, n);
}

status postgres_store::create_table() { return impl_->create_table(); }
status postgres_store::drop_table() { return impl_->drop_table(); }
status postgres_store::put(const row_key& k, std::string_view value) {
  return impl_->put(k, value);
}
status postgres_store::put_many(const std::vector<stored_row>& rows) {
  return impl_->put_many(rows);
}
status postgres_store::erase(const row_key& k) { return impl_->erase(k); }

}  // namespace uplift
