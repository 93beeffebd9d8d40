// What only the PostgreSQL store has to show: workers in separate processes, collations, a
// connection that breaks, and the statements of postgres_options::distributed.

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "store_fixtures.hpp"

using namespace std::chrono_literals;
using store_test::job;
using store_test::ok;
using store_test::postgres_distributed_int;
using store_test::postgres_int;
using store_test::postgres_text;
using store_test::record;
using uplift::key_range;
using uplift::row_key;

namespace {

/// Runs `work(write)` in a child process once the parent closes `start`'s write end; `write`
/// sends a line to the parent.
template <class Work>
std::pair<pid_t, int> spawn(const int (&start)[2], Work&& work) {
  int out[2];
  REQUIRE(::pipe(out) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(out[0]);
    ::close(start[1]);
    char go = 0;
    (void)!::read(start[0], &go, 1);  // returns when the parent closes its end: all start at once
    auto write = [&](const std::string& line) {
      const std::string l = line + "\n";
      (void)!::write(out[1], l.data(), l.size());
    };
    const int code = work(write);
    ::close(out[1]);
    ::_exit(code);  // no destructors: the parent's connections are not this process's to close
  }
  ::close(out[1]);
  return {pid, out[0]};
}

/// Everything a child wrote, once it exited; fails the test when it did not exit with 0.
std::vector<std::string> collect(std::pair<pid_t, int> child) {
  std::string all;
  char buf[4096];
  for (ssize_t n; (n = ::read(child.second, buf, sizeof buf)) > 0;) all.append(buf, std::size_t(n));
  ::close(child.second);
  int status = 0;
  REQUIRE(::waitpid(child.first, &status, 0) == child.first);
  std::vector<std::string> lines;
  std::istringstream in(all);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  INFO("child output: " << all);
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  return lines;
}

/// A batch of `owner` on range `id` with `writes`.
uplift::batch_commit batch(const std::string& job_name, std::int64_t id,
                           std::vector<uplift::conditional_write> writes,
                           const std::string& owner = "w") {
  uplift::batch_commit b;
  b.job = job_name;
  b.range_id = id;
  b.owner = owner;
  b.writes = std::move(writes);
  if (!b.writes.empty()) b.cursor = b.writes.back().key;
  return b;
}

}  // namespace

TEST_CASE(
    "postgres: worker processes claiming at once never share a range, and one finishes the job") {
  STORE_TEST_FIXTURE(postgres_int, fx);
  const std::string name = fx.spec.table + "-job";
  constexpr int ranges = 40;
  std::vector<key_range> scope;
  for (int i = 0; i < ranges; ++i)
    scope.push_back({i == 0 ? std::nullopt : std::optional<row_key>(postgres_int::key(i * 100)),
                     i == ranges - 1 ? std::nullopt
                                     : std::optional<row_key>(postgres_int::key(i * 100 + 100))});
  ok(fx.s().open_job(job(name), scope, 0));

  int start[2];
  REQUIRE(::pipe(start) == 0);
  std::vector<std::pair<pid_t, int>> children;
  for (int w = 0; w < 3; ++w) {
    children.push_back(spawn(start, [&, w](auto&& write) {
      // Each worker: its own process, its own connection.
      auto s = uplift::postgres_store::open(fx.backend.conninfo(), fx.spec);
      if (!s) {
        write("error " + s.error().message());
        return 1;
      }
      // Claim what is free, each claim a worker of its own (a long lease: nothing expires during
      // the test); then finish each range claimed: claiming again, a worker gets back the range
      // it holds.
      std::vector<std::string> owners;
      for (int n = 0;; ++n) {
        const std::string owner = "p" + std::to_string(w) + "-" + std::to_string(n);
        auto r = s->claim_range(name, owner, 60s);
        if (!r) {
          write("error " + r.error().message());
          return 1;
        }
        if (!*r) break;
        write("claimed " + std::to_string((*r)->id));
        owners.push_back(owner);
      }
      for (const std::string& owner : owners) {
        auto r = s->claim_range(name, owner, 60s);
        if (!r || !*r) {
          write("error " + (r ? std::string("lost the range of ") + owner : r.error().message()));
          return 1;
        }
        uplift::batch_commit b;
        b.job = name;
        b.range_id = (*r)->id;
        b.owner = owner;
        b.range_done = true;
        auto c = s->commit_batch(b);
        if (!c) {
          write("error " + c.error().message());
          return 1;
        }
        write("finished " + std::to_string((*r)->id) + (c->job_done ? " job" : ""));
      }
      return 0;
    }));
  }
  ::close(start[0]);
  ::close(start[1]);  // go

  std::map<std::int64_t, std::set<int>> claimed_by;  // range -> the workers that claimed it
  int finished = 0, job_done = 0;
  for (int w = 0; w < 3; ++w)
    for (const std::string& line : collect(children[std::size_t(w)])) {
      std::istringstream in(line);
      std::string what;
      std::int64_t id = 0;
      in >> what >> id;
      if (what == "claimed") claimed_by[id].insert(w);
      if (what == "finished") ++finished;
      if (line.find(" job") != std::string::npos) ++job_done;
      CHECK_MESSAGE(what != "error", line);
    }
  CHECK(claimed_by.size() == std::size_t(ranges));
  for (const auto& [id, workers] : claimed_by) CHECK_MESSAGE(workers.size() == 1, "range " << id);
  CHECK(finished == ranges);
  CHECK(job_done == 1);  // exactly one commit saw the job finish
  const auto j = ok(fx.s().load_job(name));
  REQUIRE(j.has_value());
  CHECK(j->status == uplift::job_status::done);
  CHECK(j->ranges_done == std::size_t(ranges));
}

TEST_CASE(
    "postgres: text keys are ordered bytewise under a column collation that orders otherwise") {
  STORE_TEST_FIXTURE(postgres_text, fx);
  // ICU's root collation orders "a" < "A" < "b" < "B" < ... ; bytewise, uppercase comes first.
  REQUIRE(fx.backend.run_sql("SELECT count(*) FROM pg_collation WHERE collname = 'und-x-icu'") ==
          "1");
  uplift::table_spec spec{store_test::unique_name("icu"), "id", "value", uplift::key_type::text};
  fx.backend.run_sql("CREATE TABLE \"" + spec.table +
                     "\" (id text COLLATE \"und-x-icu\" PRIMARY KEY, value bytea NOT NULL)");
  auto s = ok(fx.backend.open(spec));
  const std::vector<std::string> keys{"b", "B", "a", "A", "_", "ab", "aB"};
  for (const std::string& k : keys) ok(s.put(k, record(1)));
  std::vector<row_key> got;
  for (auto& r : ok(s.scan({}, 100))) got.push_back(r.key);
  CHECK(got == std::vector<row_key>{std::string("A"), std::string("B"), std::string("_"),
                                    std::string("a"), std::string("aB"), std::string("ab"),
                                    std::string("b")});
  CHECK(ok(s.max_key()) == row_key{std::string("b")});
  CHECK(ok(s.count({std::string("Z"), std::string("a")})) == 2);  // "_" and "a"
  const auto parts = ok(s.split({}, 7));
  REQUIRE(parts.size() == 7);
  for (const auto& p : parts) CHECK(ok(s.count(p)) == 1);
}

TEST_CASE_TEMPLATE(
    "postgres: a store whose connection was cut in a batch reconnects on its next call", F,
    postgres_int, postgres_distributed_int) {
  STORE_TEST_FIXTURE(F, fx);
  const std::string app = store_test::unique_name("uplift_cut");
  auto s = ok(fx.backend.open(fx.spec, {.application_name = app}));
  ok(s.put(std::int64_t{1}, record(1)));
  const std::string name = fx.spec.table + "-job";
  ok(s.open_job(job(name), {}, 1));
  const auto range = ok(s.claim_range(name, "w", 60s));
  REQUIRE(range);
  const auto b = batch(name, range->id, {{std::int64_t{1}, record(1), record(2)}});
  REQUIRE(fx.backend.run_sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                             "WHERE application_name = '" +
                             app + "'") == "1");
  auto cut = s.commit_batch(b);  // the call that finds the connection gone fails ...
  REQUIRE_FALSE(cut);
  CHECK(cut.error().code == uplift::errc::store_error);
  // ... having written nothing; the next call reconnects and prepares its statements again.
  CHECK(ok(s.get(std::int64_t{1})) == record(1));
  const auto again = ok(s.commit_batch(b));
  CHECK(again.applied == std::vector<bool>{true});
  CHECK(ok(s.get(std::int64_t{1})) == record(2));
  CHECK(ok(s.write_if({std::int64_t{1}, record(2), record(3)})));
}

TEST_CASE_TEMPLATE(
    "postgres: a distributed table is written one statement per row, a plain one a statement per "
    "batch, with the same results",
    F, postgres_int, postgres_distributed_int) {
  STORE_TEST_FIXTURE(F, fx);
  constexpr bool distributed =
      std::is_same_v<typename F::backend_type, store_test::postgres_distributed_backend>;
  // A statement-level trigger counts the statements that write the table (it fires once per
  // statement, whatever the rows it changes; put's INSERT ... ON CONFLICT DO UPDATE counts as an
  // INSERT and an UPDATE).
  fx.backend.run_sql("CREATE TABLE statements (op text NOT NULL)");
  fx.backend.run_sql(
      "CREATE FUNCTION count_statement() RETURNS trigger LANGUAGE plpgsql AS "
      "$$BEGIN INSERT INTO statements VALUES (TG_OP); RETURN NULL; END$$");
  fx.backend.run_sql("CREATE TRIGGER count_statements BEFORE INSERT OR UPDATE ON \"" +
                     fx.spec.table + "\" FOR EACH STATEMENT EXECUTE FUNCTION count_statement()");
  auto statements = [&](const std::string& op) {
    return std::stoi(
        fx.backend.run_sql("SELECT count(*) FROM statements WHERE op = '" + op + "'"));
  };

  fx.fill(1, 12, [](int) { return record(1); });
  CHECK(statements("INSERT") == (distributed ? 12 : 1));
  const int updates_before = statements("UPDATE");

  const std::string name = fx.spec.table + "-job";
  ok(fx.s().open_job(job(name), {}, 12));
  const auto range = ok(fx.s().claim_range(name, "w", 60s));
  REQUIRE(range);
  std::vector<uplift::conditional_write> writes;
  for (int i = 1; i <= 10; ++i)  // rows 4 and 7 do not hold the bytes the writes expect
    writes.push_back({F::key(i), record(i == 4 || i == 7 ? 2 : 1), record(3)});
  auto b = batch(name, range->id, writes);
  b.quarantine.push_back({F::key(11), 1, "broken", 0});
  b.cursor = F::key(12);
  b.counted.scanned = 12;
  b.counted.already_current = 1;
  b.counted.quarantined = 1;
  b.range_done = true;
  const auto r = ok(fx.s().commit_batch(b));
  CHECK(statements("UPDATE") - updates_before == (distributed ? 10 : 1));

  std::vector<bool> want(10, true);
  want[3] = want[6] = false;
  CHECK(r.applied == want);
  CHECK(r.job_done);
  CHECK(ok(fx.s().get(F::key(1))) == record(3));
  CHECK(ok(fx.s().get(F::key(4))) == record(1));
  const auto j = ok(fx.s().load_job(name));
  REQUIRE(j);
  CHECK(j->status == uplift::job_status::done);
  CHECK(j->counters.scanned == 12);
  CHECK(j->counters.upgraded == 8);
  CHECK(j->counters.conflicts == 2);
  CHECK(j->counters.already_current == 1);
  CHECK(j->counters.quarantined == 1);
  const auto q = ok(fx.s().list_quarantine(name, 10));
  REQUIRE(q.size() == 1);
  CHECK(q[0].key == F::key(11));
  CHECK(q[0].error == "broken");
}
