// uplift::sqlite_store (sqlite.hpp) over libsqlite3: the connection, its prepared statements, and
// the store operations, most of them shared with postgres_store (sql_adapter.hpp).
#include <uplift/store/sqlite.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <thread>
#include <unordered_map>
#include <utility>

#include "rules.hpp"
#include "sql_adapter.hpp"
#include "sql_statements.hpp"

namespace uplift {

namespace {

/// One connection and its prepared statements, by SQL text.
struct sqlite_connection {
  sqlite3* db = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements;
  std::chrono::milliseconds busy_timeout{0};
  std::chrono::steady_clock::time_point busy_since{};

  /// The busy handler: SQLite's own (sqlite3_busy_timeout) sleeps longer and longer, up to 100 ms
  /// between tries, so a waiting writer keeps missing the short gaps between another writer's
  /// transactions (a backfill's batches, a service's writes). This one looks again every 0.2 ms
  /// until `busy_timeout` has passed since the wait began.
  static int on_busy(void* self, int tries) noexcept {
    auto* c = static_cast<sqlite_connection*>(self);
    const auto now = std::chrono::steady_clock::now();
    if (tries == 0) c->busy_since = now;
    if (now - c->busy_since >= c->busy_timeout) return 0;  // give up: SQLITE_BUSY
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    return 1;
  }

  sqlite_connection() = default;
  sqlite_connection(const sqlite_connection&) = delete;
  sqlite_connection& operator=(const sqlite_connection&) = delete;
  ~sqlite_connection() {
    for (auto& entry : statements) sqlite3_finalize(entry.second);
    sqlite3_close_v2(db);
  }
};

/// A prepared statement in use: binds its parameters in order, steps, reads the current row,
/// and resets the statement when it goes out of scope.
class sqlite_call {
 public:
  explicit sqlite_call(sqlite3_stmt* s) noexcept : s_(s) {}
  /// The statement, for a loop that binds and steps it many times (resetting it after each).
  sqlite3_stmt* statement() const noexcept { return s_; }
  sqlite_call(sqlite_call&& o) noexcept
      : s_(std::exchange(o.s_, nullptr)), next_(o.next_), rc_(o.rc_) {}
  sqlite_call(const sqlite_call&) = delete;
  sqlite_call& operator=(const sqlite_call&) = delete;
  sqlite_call& operator=(sqlite_call&&) = delete;
  ~sqlite_call() {
    if (s_ == nullptr) return;
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  sqlite_call& bind(const detail::sql_args& args) {
    for (const detail::sql_args::arg& a : args.items()) switch (a.k) {
        case detail::sql_args::kind::null_text: bind_null(); break;
        case detail::sql_args::kind::integer:
        case detail::sql_args::kind::boolean: bind_int(a.i); break;
        case detail::sql_args::kind::text: bind_text(a.s); break;
        case detail::sql_args::kind::blob: bind_blob(a.s); break;
      }
    return *this;
  }

  /// SQLITE_ROW, SQLITE_DONE, or the error (a failed bind's first).
  int step() { return rc_ != SQLITE_OK ? rc_ : sqlite3_step(s_); }
  /// Steps a statement that returns no rows; true when it ran.
  bool run() { return step() == SQLITE_DONE; }

  bool is_null(int c) const { return sqlite3_column_type(s_, c) == SQLITE_NULL; }
  bool is_integer(int c) const { return sqlite3_column_type(s_, c) == SQLITE_INTEGER; }
  std::int64_t i64(int c) const { return sqlite3_column_int64(s_, c); }
  bool boolean(int c) const { return i64(c) != 0; }
  std::string_view text(int c) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p == nullptr
               ? std::string_view{}
               : std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(s_, c)));
  }
  std::string_view bytes(int c) const {
    const void* p = sqlite3_column_blob(s_, c);
    return p == nullptr ? std::string_view{}
                        : std::string_view(static_cast<const char*>(p),
                                           static_cast<std::size_t>(sqlite3_column_bytes(s_, c)));
  }
  row_key key(int c, key_type kind) const {
    if (kind == key_type::integer) return i64(c);
    return std::string(text(c));
  }

 private:
  sqlite_call& bind_int(std::int64_t v) { return bound(sqlite3_bind_int64(s_, next_++, v)); }
  sqlite_call& bind_null() { return bound(sqlite3_bind_null(s_, next_++)); }
  sqlite_call& bind_text(std::string_view v) {
    return bound(sqlite3_bind_text64(s_, next_++, v.empty() ? "" : v.data(), v.size(),
                                     SQLITE_STATIC, SQLITE_UTF8));
  }
  sqlite_call& bind_blob(std::string_view v) {
    if (v.empty()) return bound(sqlite3_bind_zeroblob(s_, next_++, 0));
    return bound(sqlite3_bind_blob64(s_, next_++, v.data(), v.size(), SQLITE_STATIC));
  }
  sqlite_call& bound(int rc) {
    if (rc_ == SQLITE_OK) rc_ = rc;
    return *this;
  }
  sqlite3_stmt* s_;
  int next_ = 1;
  int rc_ = SQLITE_OK;
};

}  // namespace

/// The connection and the SQL of one sqlite_store.
struct sqlite_store::impl : detail::sql_adapter<sqlite_store::impl> {
  impl(std::string path, table_spec spec, sqlite_options options)
      : sql_adapter(std::move(spec)), path_(std::move(path)), options_(options) {
    rows_ = detail::make_table_statements(
        spec_, detail::sqlite_dialect,
        spec_.key == key_type::text ? detail::sqlite_dialect.text_bytewise : "");
  }

  /// Every write that spans statements: BEGIN IMMEDIATE takes the write lock up front, so the
  /// transaction never fails half-way for want of it.
  struct transaction : detail::sql_transaction<impl> {
    explicit transaction(impl& s) : sql_transaction(s, "BEGIN IMMEDIATE") {}
  };

  static const detail::sql_dialect& dialect() noexcept { return detail::sqlite_dialect; }
  /// True inside a transaction (sql_transaction then nests in it).
  bool in_transaction() const noexcept { return sqlite3_get_autocommit(db()) == 0; }

  static const detail::job_statements& jobs() {
    static const detail::job_statements s = detail::make_job_statements(detail::sqlite_dialect);
    return s;
  }
  /// One row when the job table exists (has_job_tables).
  static constexpr std::string_view job_table_lookup =
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'uplift_backfill'";

  sqlite3* db() const noexcept { return conn_->db; }
  static const detail::knob_statements& knobs() {
    static const detail::knob_statements s = detail::make_knob_statements(detail::sqlite_dialect);
    return s;
  }
  /// One row when the knob table exists (has_knob_tables).
  static constexpr std::string_view knob_table_lookup =
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'uplift_knob'";
  /// A flip wakes nobody: attached processes see it by PRAGMA data_version (wait_for_knob).
  static status notify_knob(std::string_view, std::string_view) { return {}; }

  /// Polls PRAGMA data_version, which changes when another connection commits to the database.
  result<bool> wait_for_knob(std::chrono::milliseconds timeout) {
    const std::string doing = what("waiting for a flip of a knob");
    const auto until = std::chrono::steady_clock::now() + timeout;
    constexpr std::chrono::milliseconds step{5};
    for (;;) {
      auto v = first<std::int64_t>(
          std::string("PRAGMA data_version"), {}, doing,
          [](const auto& row) -> result<std::int64_t> { return row.i64(0); });
      if (!v) return std::move(v).error();
      const std::int64_t now = v->value_or(0);
      if (data_version_ == 0) data_version_ = now;  // the first wait: the version to compare with
      if (now != data_version_) {
        data_version_ = now;
        return true;
      }
      const auto left = until - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) return false;
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, step));
    }
  }


  /// A JSON value is bound as TEXT, a binary one as a BLOB, whatever the column's format: each
  /// row keeps the storage class of its form (what `typeof(v)` shows).
  static bool value_as_text(row_format f) noexcept { return f == row_format::json; }

  std::string what(std::string_view doing) const {
    return "sqlite " + path_ + ", table " + spec_.table + ": " + std::string(doing);
  }
  /// errc::store_error with SQLite's words about the last failure.
  error failure(std::string_view doing) const {
    const std::string_view words = sqlite3_errmsg(db());
    // A routed table's triggers refuse every write (swap_by_route): errc::table_moved.
    if (words.starts_with(detail::table_moved_words))
      return store_failure(doing, words, errc::table_moved);
    // A key in maintenance (begin_maintenance): its triggers refuse it.
    if (words.starts_with(detail::key_in_maintenance_words))
      return store_failure(doing, words, errc::key_in_maintenance);
    return store_failure(doing, words);
  }

  /// BEGIN IMMEDIATE, waiting at most `wait` for the write lock.
  status begin_exclusive(std::chrono::milliseconds wait) {
    const std::string doing = what("blocking the database's writers for a cut-over");
    if (in_transaction()) return store_failure(doing, "a transaction is open on this connection");
    const auto saved = conn_->busy_timeout;
    conn_->busy_timeout = wait;
    auto st = exec_sql("BEGIN IMMEDIATE", doing);
    conn_->busy_timeout = saved;
    return st;
  }
  status end_exclusive(bool commit) {
    const std::string doing = what(commit ? "committing a cut-over" : "rolling back a cut-over");
    if (!in_transaction()) return commit ? store_failure(doing, "no cut-over transaction is open")
                                         : status{};
    return exec_sql(commit ? "COMMIT" : "ROLLBACK", doing);
  }

  /// Another table on this connection.
  std::unique_ptr<impl> sibling(const table_spec& table) const {
    auto i = std::make_unique<impl>(path_, table, options_);
    i->conn_ = conn_;
    return i;
  }

  /// The database file's full path (what realpath gives; the path as given when it has none).
  std::string database_id() const {
    const char* f = sqlite3_db_filename(db(), "main");
    return f != nullptr && *f != '\0' ? std::string(f) : path_;
  }

  status open_connection() {
    conn_ = std::make_shared<sqlite_connection>();
    const int flags = SQLITE_OPEN_READWRITE | (options_.create ? SQLITE_OPEN_CREATE : 0) |
                      SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    const int rc = sqlite3_open_v2(path_.c_str(), &conn_->db, flags, nullptr);
    const std::string doing = what("opening the database");
    if (rc != SQLITE_OK)
      return store_failure(doing,
                           conn_->db != nullptr ? sqlite3_errmsg(conn_->db) : sqlite3_errstr(rc));
    sqlite3_extended_result_codes(db(), 1);
    conn_->busy_timeout = options_.busy_timeout;
    sqlite3_busy_handler(db(), &sqlite_connection::on_busy, conn_.get());
    if (options_.cache_kib != 0) {
      if (auto st = exec_sql("PRAGMA cache_size = -" + std::to_string(options_.cache_kib), doing); !st)
        return st;
    }
    return exec_sql("PRAGMA journal_mode = WAL", doing);
  }

  result<sqlite_call> prepare(const std::string& sql, std::string_view doing) {
    auto it = conn_->statements.find(sql);
    if (it == conn_->statements.end()) {
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v3(db(), sql.c_str(), static_cast<int>(sql.size()),
                             SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
        return failure(doing);
      it = conn_->statements.emplace(sql, s).first;
    }
    return sqlite_call(it->second);
  }

  // ---- the driver of sql_adapter ----
  template <class OnRow>
  status query(const std::string& sql, const detail::sql_args& args, std::string_view doing,
               OnRow&& on_row) {
    auto call = prepare(sql, doing);
    if (!call) return std::move(call).error();
    call->bind(args);
    int rc = SQLITE_OK;
    while ((rc = call->step()) == SQLITE_ROW)
      if (auto st = on_row(*call); !st) return st;
    if (rc != SQLITE_DONE) return failure(doing);
    return {};
  }

  result<std::uint64_t> execute(const std::string& sql, const detail::sql_args& args,
                                std::string_view doing) {
    auto call = prepare(sql, doing);
    if (!call) return std::move(call).error();
    if (!call->bind(args).run()) return failure(doing);
    return static_cast<std::uint64_t>(sqlite3_changes64(db()));
  }

  status put_rows(const std::vector<stored_row>& rows, std::string_view doing) {
    for (const stored_row& r : rows) {
      detail::sql_args a;
      a.key(r.key);
      add_value(a, r.value, format_of(spec_.format, as_bytes_view(r.value)));
      if (auto st = execute(rows_.put, a, doing); !st) return std::move(st).error();
    }
    return {};
  }

  /// A copy's chunk: the rows whose keys are absent, a statement each (in-process: no round trip).
  result<std::uint64_t> insert_absent_rows(const std::vector<stored_row>& rows,
                                           std::string_view doing) {
    return insert_absent_each(rows, doing);
  }

  /// Runs a statement without parameters (BEGIN, COMMIT, DDL, PRAGMA), reading past its rows.
  status exec_sql(const std::string& sql, std::string_view doing) {
    return query(sql, {}, doing, [](const auto&) { return status{}; });
  }

  /// One BEGIN IMMEDIATE transaction: checks that `owner` holds the range, runs each conditional
  /// write (sqlite3_changes tells whether it applied), the quarantine rows, the range's progress
  /// and, for its last batch, the job's; any failure rolls all of it back.
  result<batch_result> commit_batch(const batch_commit& b) {
    const std::string doing = what("committing a batch of backfill job \"" + b.job + "\"");
    if (auto st = detail::check_batch_keys(b, spec_, doing); !st) return std::move(st).error();
    transaction tx(*this);
    if (auto st = tx.begin(doing); !st) return std::move(st).error();
    const std::string job = detail::job_key(spec_.table, b.job);
    detail::sql_args held;
    held.text(job).integer(b.range_id).text(b.owner);
    auto holds =
        first<std::int64_t>(jobs().held, held, doing,
                            [](const auto& row) -> result<std::int64_t> { return row.i64(0); });
    if (!holds) return std::move(holds).error();
    if (!*holds) return detail::lease_lost(b.job, b.range_id, b.owner);

    batch_result out;
    out.applied.reserve(b.writes.size());
    std::uint64_t applied = 0;
    if (!b.writes.empty()) {
      // The hot loop of a backfill: one statement, bound and stepped per row, with no per-row
      // allocation (sql_args and the statement lookup are for the other statements).
      auto call = prepare(rows_.write_if, doing);
      if (!call) return std::move(call).error();
      sqlite3_stmt* st = call->statement();
      for (const conditional_write& w : b.writes) {
        int rc = w.key.index() == 0
                     ? sqlite3_bind_int64(st, 1, std::get<0>(w.key))
                     : sqlite3_bind_text64(st, 1, std::get<1>(w.key).data(), std::get<1>(w.key).size(),
                                           SQLITE_STATIC, SQLITE_UTF8);
        if (rc == SQLITE_OK)
          rc = sqlite3_bind_blob64(st, 2, w.expected.data(), w.expected.size(), SQLITE_STATIC);
        if (rc == SQLITE_OK)
          rc = value_as_text(w.format) ? sqlite3_bind_text64(st, 3, w.value.data(), w.value.size(),
                                                             SQLITE_STATIC, SQLITE_UTF8)
                                       : sqlite3_bind_blob64(st, 3, w.value.data(), w.value.size(),
                                                             SQLITE_STATIC);
        if (rc == SQLITE_OK) rc = sqlite3_step(st);
        if (rc != SQLITE_DONE) return failure(doing);
        const bool ok = sqlite3_changes64(db()) > 0;
        sqlite3_reset(st);
        out.applied.push_back(ok);
        applied += ok ? 1 : 0;
      }
    }
    for (const quarantined_row& q : b.quarantine) {
      const std::string key = key_to_string(q.key);
      detail::sql_args a;
      a.text(job).text(key).integer(q.stored_version).text(q.error);
      if (auto st = execute(jobs().quarantine, a, doing); !st) return std::move(st).error();
    }
    detail::sql_args progress;
    detail::add_progress(progress, job, b, applied);
    if (auto st = execute(jobs().progress, progress, doing); !st) return std::move(st).error();
    if (b.range_done) {
      detail::sql_args finish;
      auto status_now = first<bool>(jobs().finish_job, finish.text(job), doing,
                                    [](const auto& row) -> result<bool> {
                                      return row.text(0) == to_string(job_status::done);
                                    });
      if (!status_now) return std::move(status_now).error();
      out.job_done = status_now->value_or(false);
    }
    if (auto st = tx.commit(doing); !st) return std::move(st).error();
    return out;
  }

  std::string path_;
  sqlite_options options_;
  std::shared_ptr<sqlite_connection> conn_;  ///< shared with its siblings
  std::int64_t data_version_ = 0;  ///< PRAGMA data_version at the last wait_for_knob
};

// ---- sqlite_store: each member hands the call to its impl ------------------------------------

result<sqlite_store> sqlite_store::open(std::string path, table_spec spec, sqlite_options options) {
  auto i = std::make_unique<impl>(std::move(path), std::move(spec), options);
  if (auto st = i->open_connection(); !st) return std::move(st).error();
  return sqlite_store(std::move(i));
}

sqlite_store::sqlite_store(std::unique_ptr<impl> i) noexcept : impl_(std::move(i)) {}
sqlite_store::sqlite_store(sqlite_store&&) noexcept = default;
sqlite_store& sqlite_store::operator=(sqlite_store&&) noexcept = default;
sqlite_store::~sqlite_store() = default;

const std::string& sqlite_store::path() const noexcept { return impl_->path_; }
const table_spec& sqlite_store::spec() const noexcept { return impl_->spec(); }

result<sqlite_store> sqlite_store::connect() const {
  const std::string& p = impl_->path_;
  if (p.empty() || p == ":memory:" || p.find("mode=memory") != std::string::npos)
    return store_failure(impl_->what("opening another connection"),
                         "an in-memory database belongs to one connection; open a file to "
                         "share it between connections");
  return open(p, impl_->spec(), impl_->options_);
}

result<std::unique_ptr<store>> sqlite_store::connect_store() const {
  auto c = connect();
  if (!c) return std::move(c).error();
  return std::unique_ptr<store>(std::make_unique<sqlite_store>(std::move(*c)));
}

result<std::vector<stored_row>> sqlite_store::scan(const key_range& r, std::size_t n) {
  return impl_->scan(r, n);
}
result<std::optional<std::string>> sqlite_store::get(const row_key& k) { return impl_->get(k); }
result<bool> sqlite_store::write_if(const conditional_write& w) { return impl_->write_if(w); }
result<std::vector<prefix_count>> sqlite_store::count_by_prefix(std::size_t n) {
  return impl_->count_by_prefix(n);
}
result<std::optional<std::vector<json_version_count>>> sqlite_store::count_by_json_version(
    std::string_view key) {
  return impl_->count_by_json_version(key);
}
result<std::uint64_t> sqlite_store::count(const key_range& r) { return impl_->count(r); }
result<std::vector<key_range>> sqlite_store::split(const key_range& r, std::size_t n) {
  return impl_->split(r, n);
}
result<std::optional<row_key>> sqlite_store::max_key() { return impl_->max_key(); }

status sqlite_store::ensure_job_tables() { return impl_->ensure_job_tables(); }
result<bool> sqlite_store::has_job_tables() { return impl_->has_job_tables(); }
result<job_record> sqlite_store::open_job(const job_spec& spec,
                                          const std::vector<key_range>& ranges,
                                          std::uint64_t total_rows) {
  return impl_->open_job(spec, ranges, total_rows);
}
result<std::optional<job_record>> sqlite_store::load_job(const std::string& name) {
  return impl_->load_job(name);
}
result<std::vector<job_record>> sqlite_store::list_jobs() { return impl_->list_jobs(); }
result<std::vector<range_record>> sqlite_store::list_ranges(const std::string& name) {
  return impl_->list_ranges(name);
}
status sqlite_store::set_job_status(const std::string& name, job_status st,
                                    const std::string& error_text) {
  return impl_->set_job_status(name, st, error_text);
}
result<std::optional<range_record>> sqlite_store::claim_range(const std::string& name,
                                                              std::string_view owner,
                                                              std::chrono::milliseconds lease) {
  return impl_->claim_range(name, owner, lease);
}
result<std::optional<range_record>> sqlite_store::claim_range_except(
    const std::string& name, std::string_view owner, std::chrono::milliseconds lease,
    const std::vector<std::int64_t>& skip) {
  return impl_->claim_range_except(name, owner, lease, skip);
}
status sqlite_store::release_range(const std::string& name, std::int64_t range_id,
                                   std::string_view owner) {
  return impl_->release_range(name, range_id, owner);
}
result<batch_result> sqlite_store::commit_batch(const batch_commit& b) {
  return impl_->commit_batch(b);
}
result<bool> sqlite_store::drop_done_job(const std::string& name) {
  return impl_->drop_done_job(name);
}
result<std::vector<quarantined_row>> sqlite_store::list_quarantine(const std::string& name,
                                                                   std::size_t n) {
  return impl_->list_quarantine(name, n);
}

status sqlite_store::ensure_knob_tables() { return impl_->ensure_knob_tables(); }
result<bool> sqlite_store::has_knob_tables() { return impl_->has_knob_tables(); }
result<std::vector<knob_setting>> sqlite_store::list_knobs() { return impl_->list_knobs(); }
result<knob_setting> sqlite_store::load_knob(std::string_view record) {
  return impl_->load_knob(record);
}
result<std::vector<knob_node>> sqlite_store::list_knob_nodes(std::string_view record) {
  return impl_->list_knob_nodes(record);
}
result<knob_flip> sqlite_store::flip_knob(std::string_view record, const knob_decision& decide) {
  return impl_->flip_knob(record, decide);
}
result<knob_setting> sqlite_store::heartbeat_knob(const knob_node& me,
                                          std::chrono::milliseconds lease) {
  return impl_->heartbeat_knob(me, lease);
}
status sqlite_store::leave_knob(std::string_view record, std::string_view node) {
  return impl_->leave_knob(record, node);
}
result<std::vector<knob_flip>> sqlite_store::knob_log(std::string_view record, std::size_t n) {
  return impl_->knob_log(record, n);
}
result<bool> sqlite_store::wait_for_knob(std::chrono::milliseconds timeout) {
  return impl_->wait_for_knob(timeout);
}


status sqlite_store::check_copy_source() { return impl_->check_copy_source(); }
std::string sqlite_store::database_id() const { return impl_->database_id(); }
result<std::unique_ptr<store>> sqlite_store::sibling(const table_spec& table) const {
  return std::unique_ptr<store>(new sqlite_store(impl_->sibling(table)));
}
status sqlite_store::install_capture(std::string_view job) { return impl_->install_capture(job); }
result<bool> sqlite_store::has_capture(std::string_view job) { return impl_->has_capture(job); }
status sqlite_store::remove_capture(std::string_view job) { return impl_->remove_capture(job); }
result<std::vector<capture_entry>> sqlite_store::read_capture(std::string_view job, std::size_t n,
                                                              std::size_t part, std::size_t parts) {
  return impl_->read_capture(job, n, part, parts);
}
result<std::uint64_t> sqlite_store::consume_capture(std::string_view job,
                                                    const std::vector<std::int64_t>& ids) {
  return impl_->consume_capture(job, ids);
}
result<capture_backlog> sqlite_store::backlog(std::string_view job) { return impl_->backlog(job); }
status sqlite_store::begin_exclusive(std::chrono::milliseconds wait) {
  return impl_->begin_exclusive(wait);
}
status sqlite_store::end_exclusive(bool commit) { return impl_->end_exclusive(commit); }
status sqlite_store::swap_by_rename(std::string_view job, std::string_view new_table,
                                    std::string_view old_name) {
  return impl_->swap_by_rename(job, new_table, old_name);
}
status sqlite_store::swap_by_route(std::string_view job, std::string_view where) {
  return impl_->swap_by_route(job, where);
}
result<std::optional<std::string>> sqlite_store::route() { return impl_->route(); }
status sqlite_store::ensure_copy_tables() { return impl_->ensure_copy_tables(); }
result<std::optional<copy_record>> sqlite_store::load_copy(std::string_view name) {
  return impl_->load_copy(name);
}
result<copy_record> sqlite_store::open_copy(const copy_record& fresh) {
  return impl_->open_copy(fresh);
}
status sqlite_store::commit_copy_chunk(const copy_chunk& chunk) {
  return impl_->commit_copy_chunk(chunk);
}
status sqlite_store::apply_copy_changes(const copy_changes& changes) {
  return impl_->apply_copy_changes(changes);
}
status sqlite_store::set_copy_phase(std::string_view name, std::string_view phase,
                                    std::string_view error_text) {
  return impl_->set_copy_phase(name, phase, error_text);
}

status sqlite_store::prepare_maintenance() { return impl_->prepare_maintenance(); }
status sqlite_store::begin_maintenance(std::string_view name, const std::vector<row_key>& keys) {
  return impl_->begin_maintenance(name, keys);
}
result<std::vector<row_key>> sqlite_store::maintenance_keys(std::size_t n) {
  return impl_->maintenance_keys(n);
}
status sqlite_store::end_maintenance(std::string_view name, std::string_view phase) {
  return impl_->end_maintenance(name, phase);
}
result<std::vector<copy_record>> sqlite_store::list_copy_jobs() { return impl_->list_copy_jobs(); }
status sqlite_store::set_copy_verification(std::string_view name, std::uint64_t rows,
                                   std::uint64_t mismatches, std::uint64_t pending) {
  return impl_->set_copy_verification(name, rows, mismatches, pending);
}
result<std::vector<quarantined_row>> sqlite_store::list_copy_quarantine(std::string_view name,
                                                                        std::size_t n) {
  return impl_->list_copy_quarantine(name, n);
}

status sqlite_store::create_table() { return impl_->create_table(); }
status sqlite_store::drop_table() { return impl_->drop_table(); }
status sqlite_store::put(const row_key& k, std::string_view value) { return impl_->put(k, value); }
status sqlite_store::put_many(const std::vector<stored_row>& rows) { return impl_->put_many(rows); }
status sqlite_store::erase(const row_key& k) { return impl_->erase(k); }

}  // namespace uplift
