// uplift-bench-stores: how fast the backfill's batch commit rewrites rows, against a plain batched
// UPDATE of the same rows, on SQLite and PostgreSQL.
//
//   uplift-bench-stores [--sqlite FILE] [--postgres CONNINFO] [--rows N] [--batch N] [--rounds N]
//
// Every round loads a fresh table per contender with the same rows (v1 records of 200 bytes), then
// rewrites all of them at v2, batch by batch, the contenders taking turns batch after batch (so a
// burst of load on the machine hits them alike, and who goes first rotates). The plain UPDATE
// writes each row unconditionally; commit_batch writes each row only if it still holds the bytes
// read, and commits the range's cursor and counters with it, as a backfill worker does per batch;
// on PostgreSQL also with postgres_options::distributed (the statements Citus routes, one UPDATE
// per row, pipelined).
// Reports each contender's rows/s over its timed batches, the median over rounds. A PostgreSQL
// server for it: tests/store/pg_cluster.sh start DIR, then --postgres "$(cat DIR/conninfo)".

#include <libpq-fe.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <uplift/header.hpp>
#include <uplift/store/postgres.hpp>
#include <uplift/store/sqlite.hpp>
#include <vector>

#include "store/postgres_binary.hpp"  // the PostgreSQL store's binary arrays

namespace {

struct options {
  std::string sqlite;
  std::string postgres;
  std::size_t rows = 100'000;
  std::size_t batch = 10'000;
  int rounds = 5;
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "uplift-bench-stores: %s\n", what.c_str());
  std::exit(1);
}

template <class T>
T ok(uplift::result<T> r, const char* what) {
  if (!r) die(std::string(what) + ": " + r.error().message());
  return std::move(*r);
}
void ok(uplift::status st, const char* what) {
  if (!st) die(std::string(what) + ": " + st.error().message());
}

/// A 200-byte record: the header of `version`, then a payload that differs per key.
std::string record(std::uint16_t version, std::int64_t key) {
  uplift::record_header h;
  h.type_id = uplift::type_id_of("bench.Row");
  h.version = version;
  h.min_reader_version = version;
  const auto header = uplift::encode_header(h);
  std::string out(reinterpret_cast<const char*>(header.data()), header.size());
  const std::string payload = "row " + std::to_string(key) + " ";
  while (out.size() + payload.size() < 200) out.append(payload);
  out.resize(200, '.');
  return out;
}

/// The rows of a round, and the batches of conditional writes that rewrite them at v2.
struct data {
  std::vector<uplift::stored_row> rows;
  std::vector<std::vector<uplift::conditional_write>> batches;
};

data make_data(const options& o) {
  data d;
  for (std::size_t i = 1; i <= o.rows; ++i) {
    const auto k = static_cast<std::int64_t>(i);
    d.rows.push_back({k, record(1, k)});
    if ((i - 1) % o.batch == 0) d.batches.emplace_back();
    d.batches.back().push_back({k, record(1, k), record(2, k)});
  }
  return d;
}

/// One round of a contender: its table loaded, `step(i)` rewrites batch i (timed).
using step_fn = std::function<void(std::size_t)>;

/// A contender: `prepare(round)` loads its table and returns its steps.
struct contender {
  std::string name;
  std::function<step_fn(int round)> prepare;
  std::vector<double> rows_per_s{};
};

/// The backfill's batches over `d`, built before the clock starts (a worker builds them from
/// what it scanned and upgraded; that is not the store's work), each committed in its step.
template <class Store>
step_fn backfill_batches(std::shared_ptr<Store> s, const data& d) {
  const std::string job = "bench-" + std::to_string(::getpid()) + "-" + s->spec().table;
  ok(s->ensure_job_tables(), "creating the job tables");
  ok(s->open_job({job, "bench.Row", uplift::type_id_of("bench.Row"), 2}, {uplift::key_range{}},
                 d.rows.size()),
     "opening the job");
  auto range = ok(s->claim_range(job, "bench", std::chrono::minutes(10)), "claiming");
  if (!range) die("no range to claim");
  auto batches = std::make_shared<std::vector<uplift::batch_commit>>();
  for (std::size_t i = 0; i < d.batches.size(); ++i) {
    uplift::batch_commit& b = batches->emplace_back();
    b.job = job;
    b.range_id = range->id;
    b.owner = "bench";
    b.writes = d.batches[i];
    b.cursor = b.writes.back().key;
    b.counted.scanned = b.writes.size();
    b.range_done = i + 1 == d.batches.size();
  }
  return [s, batches](std::size_t i) {
    const uplift::batch_commit& b = (*batches)[i];
    auto r = ok(s->commit_batch(b), "commit_batch");
    if (std::count(r.applied.begin(), r.applied.end(), true) !=
        static_cast<std::ptrdiff_t>(b.writes.size()))
      die("commit_batch did not apply every write");
  };
}

// ---- SQLite ------------------------------------------------------------------------------------
void sqlite_exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK)
    die(std::string(sql) + ": " + err);
}

std::vector<contender> sqlite_contenders(const options& o, const data& d) {
  auto table = [&o, &d](const std::string& name) {
    uplift::table_spec spec{name, "id", "value", uplift::key_type::integer};
    auto s = std::make_shared<uplift::sqlite_store>(
        ok(uplift::sqlite_store::open(o.sqlite, spec), "opening SQLite"));
    ok(s->create_table(), "creating the table");
    ok(s->put_many(d.rows), "loading the rows");
    return s;
  };
  std::vector<contender> out;
  out.push_back({"plain UPDATE per row, one transaction per batch", [&o, &d, table](int round) {
                   const std::string name = "plain" + std::to_string(round);
                   table(name);
                   sqlite3* db = nullptr;
                   sqlite3_open(o.sqlite.c_str(), &db);
                   sqlite3_busy_timeout(db, 5000);
                   sqlite3_stmt* st = nullptr;
                   const std::string sql =
                       "UPDATE \"" + name + "\" SET \"value\" = ?2 WHERE \"id\" = ?1";
                   sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
                   return step_fn([&d, db, st](std::size_t i) {
                     sqlite_exec(db, "BEGIN IMMEDIATE");
                     for (const auto& w : d.batches[i]) {
                       sqlite3_bind_int64(st, 1, std::get<0>(w.key));
                       sqlite3_bind_blob(st, 2, w.value.data(), int(w.value.size()), SQLITE_STATIC);
                       if (sqlite3_step(st) != SQLITE_DONE) die(sqlite3_errmsg(db));
                       sqlite3_reset(st);
                     }
                     sqlite_exec(db, "COMMIT");
                   });  // the connection is left open: the process ends soon
                 }});
  out.push_back({"uplift commit_batch", [&d, table](int round) {
                   return backfill_batches(table("backfill" + std::to_string(round)), d);
                 }});
  return out;
}

// ---- PostgreSQL --------------------------------------------------------------------------------
void pg_exec(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
    die(sql + ": " + PQresultErrorMessage(r));
  PQclear(r);
}

std::vector<contender> postgres_contenders(const options& o, const data& d) {
  // One raw connection per plain contender (its prepared statements are its own).
  auto raw = [&o] {
    PGconn* c = PQconnectdb(o.postgres.c_str());
    if (PQstatus(c) != CONNECTION_OK) die(std::string("connecting: ") + PQerrorMessage(c));
    return c;
  };
  auto table = [&o, &d](PGconn* c, const std::string& name, uplift::postgres_options po = {}) {
    pg_exec(c, "DROP TABLE IF EXISTS \"" + name + "\"");
    uplift::table_spec spec{name, "id", "value", uplift::key_type::integer};
    auto s = std::make_shared<uplift::postgres_store>(
        ok(uplift::postgres_store::open(o.postgres, spec, std::move(po)), "connecting"));
    ok(s->create_table(), "creating the table");
    ok(s->put_many(d.rows), "loading the rows");
    pg_exec(c, "VACUUM ANALYZE \"" + name + "\"");
    return s;
  };
  std::vector<contender> out;
  PGconn* unnest_conn = raw();
  out.push_back(
      {"plain UPDATE ... FROM unnest, one statement per batch",
       [&d, table, unnest_conn](int round) {
         const std::string name = "plain" + std::to_string(round);
         table(unnest_conn, name);
         const std::string statement = "plain" + std::to_string(round);
         const std::string sql = "UPDATE \"" + name +
                                 "\" AS t SET value = d.nv FROM unnest($1::bigint[], $2::bytea[]) "
                                 "AS d(k, nv) WHERE t.id = d.k";
         const Oid types[2] = {uplift::detail::pg_int8_array, uplift::detail::pg_bytea_array};
         PQclear(PQprepare(unnest_conn, statement.c_str(), sql.c_str(), 2, types));
         // Like commit_batch, it encodes its binary arrays while timed.
         return step_fn([&d, unnest_conn, statement](std::size_t i) {
           const auto& batch = d.batches[i];
           uplift::detail::pg_array k(uplift::detail::pg_int8, batch.size());
           uplift::detail::pg_array v(uplift::detail::pg_bytea, batch.size(), 200);
           for (const auto& w : batch) {
             k.add(w.key);
             v.add(std::string_view(w.value));
           }
           const std::string keys = k.take(), values = v.take();
           const char* vals[2] = {keys.data(), values.data()};
           const int lens[2] = {int(keys.size()), int(values.size())};
           const int fmts[2] = {1, 1};
           PGresult* r = PQexecPrepared(unnest_conn, statement.c_str(), 2, vals, lens, fmts, 1);
           if (PQresultStatus(r) != PGRES_COMMAND_OK) die(PQresultErrorMessage(r));
           PQclear(r);
         });
       }});
  PGconn* pipeline_conn = raw();
  out.push_back(
      {"plain UPDATE per row, pipelined, one transaction per batch",
       [&d, table, pipeline_conn](int round) {
         const std::string name = "pipelined" + std::to_string(round);
         table(pipeline_conn, name);
         const std::string statement = "row" + std::to_string(round);
         const std::string sql = "UPDATE \"" + name + "\" SET value = $2 WHERE id = $1";
         const Oid types[2] = {uplift::detail::pg_int8, uplift::detail::pg_bytea};
         PQclear(PQprepare(pipeline_conn, statement.c_str(), sql.c_str(), 2, types));
         return step_fn([&d, pipeline_conn, statement](std::size_t i) {
           PQenterPipelineMode(pipeline_conn);
           PQsendQueryParams(pipeline_conn, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0);
           for (const auto& w : d.batches[i]) {
             std::string k;
             uplift::detail::put_be(k, static_cast<std::uint64_t>(std::get<0>(w.key)), 8);
             const char* vals[2] = {k.data(), w.value.data()};
             const int lens[2] = {8, int(w.value.size())};
             const int fmts[2] = {1, 1};
             PQsendQueryPrepared(pipeline_conn, statement.c_str(), 2, vals, lens, fmts, 1);
           }
           PQsendQueryParams(pipeline_conn, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0);
           PQpipelineSync(pipeline_conn);
           for (;;) {
             PGresult* r = PQgetResult(pipeline_conn);
             if (r == nullptr) continue;  // the end of one query's results
             const ExecStatusType st = PQresultStatus(r);
             PQclear(r);
             if (st == PGRES_PIPELINE_SYNC) break;
             if (st != PGRES_COMMAND_OK) die(PQerrorMessage(pipeline_conn));
           }
           PQexitPipelineMode(pipeline_conn);
         });
       }});
  PGconn* admin = raw();
  out.push_back({"uplift commit_batch", [&d, table, admin](int round) {
                   return backfill_batches(table(admin, "backfill" + std::to_string(round)), d);
                 }});
  out.push_back({"uplift commit_batch, distributed: an UPDATE per row, pipelined",
                 [&d, table, admin](int round) {
                   return backfill_batches(
                       table(admin, "distributed" + std::to_string(round), {.distributed = true}),
                       d);
                 }});
  return out;
}

void run(const char* database, std::vector<contender> cs, const options& o, std::size_t batches) {
  using clock = std::chrono::steady_clock;
  for (int round = 0; round < o.rounds; ++round) {
    std::vector<step_fn> steps;
    for (contender& c : cs) steps.push_back(c.prepare(round));
    std::vector<clock::duration> spent(cs.size(), clock::duration::zero());
    for (std::size_t b = 0; b < batches; ++b)
      for (std::size_t turn = 0; turn < cs.size(); ++turn) {
        // Who goes first rotates: a cost that falls on whoever writes after another (SQLite's
        // WAL checkpoint once the log is long enough) is shared alike.
        const std::size_t c = (b + turn) % cs.size();
        const auto t0 = clock::now();
        steps[c](b);
        spent[c] += clock::now() - t0;
      }
    for (std::size_t c = 0; c < cs.size(); ++c)
      cs[c].rows_per_s.push_back(static_cast<double>(o.rows) /
                                 std::chrono::duration<double>(spent[c]).count());
  }
  std::printf("\n%s: %zu rows of 200 bytes, batches of %zu, median of %d rounds\n\n", database,
              o.rows, o.batch, o.rounds);
  std::printf("| contender | rows/s | vs the first |\n|---|---:|---:|\n");
  double base = 0;
  for (contender& c : cs) {
    std::sort(c.rows_per_s.begin(), c.rows_per_s.end());
    const double median = c.rows_per_s[c.rows_per_s.size() / 2];
    if (base == 0) base = median;
    std::printf("| %s | %.0f | %.0f%% |\n", c.name.c_str(), median, 100 * median / base);
  }
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die(std::string(a) + " needs a value");
      return argv[++i];
    };
    if (a == "--sqlite")
      o.sqlite = next();
    else if (a == "--postgres")
      o.postgres = next();
    else if (a == "--rows")
      o.rows = std::stoul(next());
    else if (a == "--batch")
      o.batch = std::stoul(next());
    else if (a == "--rounds")
      o.rounds = std::stoi(next());
    else
      die("unknown option " + std::string(a) + " (see the top of bench/stores/main.cpp)");
  }
  if (o.sqlite.empty() && o.postgres.empty()) die("give --sqlite FILE and/or --postgres CONNINFO");
  if (o.rows == 0 || o.batch == 0 || o.rounds <= 0) die("--rows, --batch and --rounds must be > 0");
  const data d = make_data(o);
  if (!o.sqlite.empty()) run("SQLite", sqlite_contenders(o, d), o, d.batches.size());
  if (!o.postgres.empty()) run("PostgreSQL", postgres_contenders(o, d), o, d.batches.size());
}
