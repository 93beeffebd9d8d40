// The backfill's promises, each against every store (memory, a real SQLite file, a real
// PostgreSQL server, its table plain and distributed), with the demo record demo.User (v1 -> v2
// wire-compatible, v2 -> v3 transforming); those that do not depend on a row's form also against
// JSON rows (SQLite TEXT, PostgreSQL jsonb and text) and a column of binary and JSON rows.
#include <doctest/doctest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <uplift/json.hpp>
#include <uplift/rows/backfill.hpp>
#include <uplift/rows/histogram.hpp>
#include <uplift/rows/read_repair.hpp>

#include "cli.hpp"
#include "store_fixtures.hpp"
#include "user_uplift.hpp"
#include "user_uplift_json.hpp"
#include "widget_record.hpp"  // a record that cannot be written below its latest version

extern char** environ;

namespace {

using namespace store_test;
using namespace std::chrono_literals;
using User = demo::User;
using uplift::errc;
using uplift::job_status;

// ---- records --------------------------------------------------------------------------------------

/// True when row i of the running test's table is a JSON document: every row of a JSON column,
/// every other row of a column of both forms.
bool json_row(int i) {
  return current_format == uplift::value_format::json ||
         (current_format == uplift::value_format::detect && i % 2 == 1);
}

/// True when row i at `version` was written before versioning, in a column of both forms: half its
/// v1 rows (a plain FlatBuffer without uplift's header, a JSON document without the version key).
bool untagged_row(int i, std::uint16_t version) {
  return current_format == uplift::value_format::detect && version == 1 && i % 4 <= 1;
}

/// The codec the tests read and backfill with: rows written before versioning read as v1.
uplift::codec<User> reading(const uplift::codec<User>& c = {}) {
  if (current_format != uplift::value_format::detect) return c;
  uplift::options o = c.options();
  o.write_version = c.write_version();
  o.default_version = 1;
  o.untagged = uplift::untagged_binary::as_version;
  o.untagged_version = 1;
  return uplift::codec<User>::make(o).value();
}

/// User i, written at `version`; the same person at every version (created_at is 0 below v2), in
/// the form the running test's table holds (json_row), and in a column of both forms sometimes as
/// a release before versioning wrote it (untagged_row).
std::string user(int i, std::uint16_t version, std::string_view tag = "") {
  const std::string given = "Given" + std::to_string(i) + std::string(tag);
  const std::string family = "Family" + std::to_string(i);
  const std::string email = "user" + std::to_string(i) + "@example.com";
  auto encode = [&](const auto& u) {
    const bool untagged = untagged_row(i, version);
    if (json_row(i)) {
      const std::string doc = uplift::write_json<User>(u).value();  // {"_v":1,...}
      return untagged ? "{" + doc.substr(doc.find(',') + 1) : doc;
    }
    const std::string rec(uplift::write<User>(u).as_string_view());
    return untagged ? rec.substr(uplift::header_size) : rec;
  };
  if (version == 1) {
    demo::v1::UserT u;
    u.id = static_cast<std::uint64_t>(i);
    u.name = given + " " + family;
    u.email = email;
    u.age = static_cast<std::int16_t>(i % 90);
    return encode(u);
  }
  if (version == 2) {
    demo::v2::UserT u;
    u.id = static_cast<std::uint64_t>(i);
    u.full_name = given + " " + family;
    u.email = email;
    u.age = static_cast<std::int16_t>(i % 90);
    u.created_at = 1'700'000'000 + i;
    return encode(u);
  }
  demo::v3::UserT u;
  u.id = static_cast<std::uint64_t>(i);
  u.given_name = given;
  u.family_name = family;
  u.email = email;
  u.age = i % 90;
  u.created_at = 1'700'000'000 + i;
  return encode(u);
}

/// The record handle of the tests: it reads rows of both forms.
uplift::record_handle rows_of_user() { return reading().json_handle(); }

/// The version a row is stored at, in its header or version key (0 when it names none).
std::uint16_t version_of(const std::string& bytes) {
  auto info = rows_of_user().inspect(uplift::as_bytes_view(bytes), uplift::value_format::detect);
  return info ? info->version : std::uint16_t{0};
}

/// True when the stored row `stored` is `written` as F's table keeps it: byte for byte, or for a
/// jsonb column the same document (PostgreSQL hands jsonb back in its own normalised text).
template <class F>
bool holds(const std::string& stored, const std::string& written);

/// What a row means, read as the latest version in whichever form it is stored.
uplift::result<demo::v3::UserT> meaning(const std::string& bytes) {
  const auto c = reading();
  if (uplift::format_of(uplift::value_format::detect, uplift::as_bytes_view(bytes)) ==
      uplift::row_format::json)
    return c.read_json(bytes);
  return c.read_object(bytes);
}

template <class F>
bool holds(const std::string& stored, const std::string& written) {
  if (stored == written) return true;
  if constexpr (std::is_same_v<F, postgres_jsonb_rows>) {
    auto a = meaning(stored);
    auto b = meaning(written);
    return a && b && *a == *b && version_of(stored) == version_of(written);
  }
  return false;
}

/// Every row of the table.
template <class F>
std::map<std::string, std::string> snapshot(F& fx) {
  std::map<std::string, std::string> out;
  for (auto& row : ok(fx.s().scan({}, 100000000))) out[uplift::key_to_string(row.key)] = row.value;
  return out;
}

/// Rows 1..n, versions 1, 2, 3 in turn.
template <class F>
void fill_mixed(F& fx, int n) {
  fx.fill(1, n, [](int i) { return user(i, static_cast<std::uint16_t>(1 + i % 3)); });
}

/// Options for small, quick test runs.
uplift::backfill_options quick(std::string job = "") {
  uplift::backfill_options o;
  o.job = std::move(job);
  o.initial_batch = 40;
  o.min_batch = 10;
  o.max_batch = 200;
  o.idle_poll = 20ms;
  o.retry_backoff = 1ms;
  return o;
}

template <class F>
uplift::backfill start(F& fx, uplift::backfill_options o, const uplift::codec<User>& c = {}) {
  return ok(uplift::backfill::start(fx.connect(), reading(c).json_handle(), std::move(o)));
}

/// Checks that every row of `before` is in `after` upgraded to v3 with the same content, and that
/// the rows already at v3 kept their bytes.
void check_upgraded(const std::map<std::string, std::string>& before,
                    const std::map<std::string, std::string>& after) {
  REQUIRE(after.size() == before.size());
  for (const auto& [k, old] : before) {
    CAPTURE(k);
    auto it = after.find(k);
    REQUIRE(it != after.end());
    CHECK(version_of(it->second) == 3);
    if (version_of(old) == 3) CHECK(it->second == old);
    auto want = meaning(old);
    auto got = meaning(it->second);
    REQUIRE(want);
    REQUIRE(got);
    CHECK(*got == *want);
  }
}

}  // namespace

TEST_CASE_TEMPLATE("the backfill rewrites old rows at the target version and leaves current rows as they are",
                   F, STORE_TEST_ALL_STORES, STORE_TEST_JSON_ROWS) {
  STORE_TEST_FIXTURE(F, fx);
  fill_mixed(fx, 600);
  const auto before = snapshot(fx);
  auto h0 = ok(uplift::histogram(fx.s(), rows_of_user()));
  CHECK(h0.at(1) + h0.untagged == 200);  // rows from before versioning have no version of their own
  CHECK(h0.at(2) == 200);
  CHECK(h0.at(3) == 200);

  auto o = quick();
  SUBCASE("each worker reading its next batch while its current one commits") {
    o.read_ahead = true;
  }
  SUBCASE("each batch read, rewritten and committed in turn") { o.read_ahead = false; }
  auto job = start(fx, o);
  ok(job.wait());
  check_upgraded(before, snapshot(fx));
  const auto p = job.progress();
  CHECK(p.status == job_status::done);
  CHECK(p.fraction() == 1.0);
  CHECK(p.counters.scanned == 600);
  CHECK(p.counters.upgraded == 400);
  CHECK(p.counters.already_current == 200);
  CHECK(p.counters.conflicts == 0);
  CHECK(p.counters.quarantined == 0);
  auto h = ok(uplift::histogram(fx.s(), rows_of_user()));
  CHECK(h.below(3) == 0);
  CHECK(h.at(3) == 600);
  auto from_job = ok(job.histogram());
  CHECK(from_job.at(3) == 600);
  CHECK(from_job.rows() == 600);
  // The job's state is in the database.
  auto stored = ok(fx.s().load_job(job.job()));
  REQUIRE(stored);
  CHECK(stored->status == job_status::done);
  CHECK(stored->counters == p.counters);
  CHECK(stored->spec.target_version == 3);
}

TEST_CASE_TEMPLATE("a live write between the backfill's read and its write wins", F, STORE_TEST_ALL_STORES, STORE_TEST_JSON_ROWS) {
  STORE_TEST_FIXTURE(F, fx);
  fill_mixed(fx, 300);
  auto writer = fx.connect();
  const std::string live = user(4, 2, "-live");  // the application's own write, at v2
  std::atomic<int> batches{0};
  auto o = quick();
  o.after_read = [&](std::span<const uplift::stored_row> rows) {
    // Row 4, a v2 row, is in the first batch: the backfill has read it and upgraded it; the
    // application writes it now, before the backfill's write.
    if (batches++ != 0) return;
    for (const auto& r : rows)
      if (r.key == F::key(4)) (void)writer.put(r.key, live);
  };
  auto job = start(fx, o);
  ok(job.wait());
  const auto after = snapshot(fx);
  CHECK(holds<F>(after.at(uplift::key_to_string(F::key(4))), live));  // the writer's, untouched
  CHECK(job.progress().counters.conflicts == 1);
  CHECK(job.progress().counters.upgraded == 199);
  // Every other row got there.
  for (const auto& [k, v] : after)
    if (k != uplift::key_to_string(F::key(4))) CHECK(version_of(v) == 3);
}

TEST_CASE_TEMPLATE("under a concurrent workload of inserts, updates and deletes the table matches the writers' ledger",
                   F, STORE_TEST_ALL_STORES, STORE_TEST_JSON_ROWS) {
  STORE_TEST_FIXTURE(F, fx);
  constexpr int rows = 1500, writers = 3;
  fill_mixed(fx, rows);
  const auto before = snapshot(fx);

  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::mutex first_failure_mutex;
  std::string first_failure;
  auto failed = [&](const uplift::status& st) {
    ++failures;
    std::lock_guard lock(first_failure_mutex);
    if (first_failure.empty()) first_failure = st.error().message();
  };
  // Each writer owns the keys i with i % writers == w, and inserts keys of its own past the
  // scope: the ledger holds what each key must hold at the end (nullopt: deleted).
  std::vector<std::map<std::string, std::optional<std::string>>> ledgers(writers);
  std::vector<typename F::store_type> conns;
  for (int w = 0; w < writers; ++w) conns.push_back(fx.connect());
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937 rng(static_cast<unsigned>(w + 1));
      auto& db = conns[static_cast<std::size_t>(w)];
      auto& ledger = ledgers[static_cast<std::size_t>(w)];
      int inserted = 0;
      for (int op = 0; !stop.load() || op < 200; ++op) {
        const int pick = static_cast<int>(rng() % 3);
        if (pick == 2) {
          const int i = 100000 * (w + 1) + inserted++;
          const auto k = F::key(i);
          const std::string v = user(i, 3, "-new");
          if (auto st = db.put(k, v)) ledger[uplift::key_to_string(k)] = v;
          else failed(st);
        } else {
          // Writer w owns the keys i with i % (2 * writers) == w: half the rows are never
          // written, so the backfill has rows of its own to upgrade whatever the timing.
          int i = 1 + static_cast<int>(rng() % rows);
          i -= i % (2 * writers);
          i += w;
          if (i < 1 || i > rows) continue;
          const auto k = F::key(i);
          if (pick == 0) {
            const std::string v = user(i, 3, "-w" + std::to_string(op));
            if (auto st = db.put(k, v)) ledger[uplift::key_to_string(k)] = v;
            else failed(st);
          } else {
            if (auto st = db.erase(k)) ledger[uplift::key_to_string(k)] = std::nullopt;
            else failed(st);
          }
        }
        // A busy service, not a flood: SQLite serialises writers, and a writer that never pauses
        // would wait on the others past any busy timeout.
        std::this_thread::sleep_for(100us);
      }
    });
  }
  auto o = quick();
  o.workers = 2;
  o.max_batch = 50;
  auto job = start(fx, o);
  ok(job.wait());
  stop = true;
  for (auto& t : threads) t.join();
  INFO("first failed write: ", first_failure);
  CHECK(failures.load() == 0);

  auto after = snapshot(fx);
  std::map<std::string, std::optional<std::string>> ledger;
  for (const auto& l : ledgers) ledger.insert(l.begin(), l.end());
  std::size_t checked_ledger = 0, checked_upgraded = 0;
  for (const auto& [k, want] : ledger) {
    CAPTURE(k);
    auto it = after.find(k);
    if (!want) {
      CHECK(it == after.end());
    } else {
      REQUIRE(it != after.end());
      CHECK(holds<F>(it->second, *want));  // the live write, byte for byte
    }
    ++checked_ledger;
  }
  for (const auto& [k, old] : before) {
    if (ledger.count(k) != 0) continue;
    CAPTURE(k);
    auto it = after.find(k);
    REQUIRE(it != after.end());
    CHECK(version_of(it->second) == 3);
    CHECK(*meaning(it->second) == *meaning(old));
    ++checked_upgraded;
  }
  // Every surviving row is at the target version; nothing else is in the table.
  for (const auto& [k, v] : after) {
    CAPTURE(k);
    CHECK(version_of(v) == 3);
    CHECK((ledger.count(k) != 0 || before.count(k) != 0));
  }
  CHECK(checked_ledger > 0);
  CHECK(checked_upgraded > 0);
  const auto p = job.progress();
  CHECK(p.status == job_status::done);
  MESSAGE("conflicts with live writes: " << p.counters.conflicts << ", rows written by the writers: "
                                         << ledger.size());
}

TEST_CASE_TEMPLATE("a second backfill changes no row and leaves every byte as it was", F, STORE_TEST_ALL_STORES, STORE_TEST_JSON_ROWS) {
  STORE_TEST_FIXTURE(F, fx);
  fill_mixed(fx, 400);
  {
    auto first = start(fx, quick("first"));
    ok(first.wait());
  }
  const auto once = snapshot(fx);
  auto second = start(fx, quick("second"));
  ok(second.wait());
  CHECK(snapshot(fx) == once);
  const auto p = second.progress();
  CHECK(p.counters.scanned == 400);
  CHECK(p.counters.upgraded == 0);
  CHECK(p.counters.already_current == 400);
  // And running the finished job again is a no-op too.
  auto again = start(fx, quick("first"));
  ok(again.wait());
  CHECK(again.progress().status == job_status::done);
  CHECK(snapshot(fx) == once);
}

TEST_CASE_TEMPLATE("the rate limit holds, measured with an injectable clock", F, STORE_TEST_ALL_STORES, STORE_TEST_JSON_ROWS) {
  STORE_TEST_FIXTURE(F, fx);
  fill_mixed(fx, 1000);
  std::atomic<std::int64_t> fake_ns{0};
  auto o = quick();
  o.rows_per_second = 200;  // 1000 rows: 5 s of fake time
  o.burst_seconds = 0.1;
  const auto epoch = std::chrono::steady_clock::time_point{};
  o.clock.now = [&] { return epoch + std::chrono::nanoseconds(fake_ns.load()); };
  o.clock.sleep = [&](std::chrono::nanoseconds d) { fake_ns += d.count(); };
  auto job = start(fx, o);
  ok(job.wait());
  const double elapsed = static_cast<double>(fake_ns.load()) / 1e9;
  CAPTURE(elapsed);
  CHECK(elapsed >= (1000 - 20) / 200.0);  // all rows but the burst waited for their tokens
  CHECK(elapsed <= 1000 / 200.0 + 1.0);   // and not much longer
  CHECK(job.progress().counters.scanned == 1000);
  CHECK(job.progress().rows_per_second == doctest::Approx(200).epsilon(0.25));
}

TEST_CASE_TEMPLATE("pause stops the progress, resume finishes it, and the status is in the database", F,
                   STORE_TEST_ALL_STORES, STORE_TEST_JSON_ROWS) {
  STORE_TEST_FIXTURE(F, fx);
  fill_mixed(fx, 600);
  auto o = quick();
  o.rows_per_second = 1500;
  auto job = start(fx, o);
  while (job.progress().counters.scanned < 100) std::this_thread::sleep_for(5ms);
  job.pause();
  // The batches in flight end (one may be waiting for the rate limit); then nothing moves.
  auto paused_at = job.progress().counters.scanned;
  for (int i = 0; i < 40; ++i) {
    std::this_thread::sleep_for(300ms);
    const auto now = job.progress().counters.scanned;
    if (now == paused_at) break;
    paused_at = now;
  }
  std::this_thread::sleep_for(300ms);
  CHECK(job.progress().counters.scanned == paused_at);
  CHECK(job.progress().status == job_status::paused);
  CHECK(ok(fx.s().load_job(job.job()))->status == job_status::paused);
  CHECK(paused_at < 600);
  job.resume();
  ok(job.wait());
  CHECK(job.progress().counters.scanned == 600);
  CHECK(ok(fx.s().load_job(job.job()))->status == job_status::done);
}

TEST_CASE_TEMPLATE("a cancelled backfill keeps its progress and a new run of the job finishes it", F,
                   STORE_TEST_ALL_STORES, STORE_TEST_JSON_ROWS) {
  STORE_TEST_FIXTURE(F, fx);
  fill_mixed(fx, 600);
  const auto before = snapshot(fx);
  auto o = quick("resumable");
  o.rows_per_second = 1500;
  std::uint64_t scanned_at_cancel = 0;
  {
    auto job = start(fx, o);
    while (job.progress().counters.scanned < 100) std::this_thread::sleep_for(5ms);
    job.cancel();
    auto st = job.wait();
    REQUIRE_FALSE(st);
    CHECK(st.error().code == errc::cancelled);
    scanned_at_cancel = job.progress().counters.scanned;
    CHECK(job.progress().status == job_status::cancelled);
  }
  auto stored = ok(fx.s().load_job("resumable"));
  REQUIRE(stored);
  CHECK(stored->status == job_status::cancelled);
  CHECK(stored->counters.scanned == scanned_at_cancel);
  CHECK(scanned_at_cancel < 600);
  o.rows_per_second = 0;
  auto again = start(fx, o);
  ok(again.wait());
  const auto p = again.progress();
  CHECK(p.counters.scanned == 600);  // each row once, over both runs
  CHECK(p.counters.upgraded == 400);
  check_upgraded(before, snapshot(fx));
}

TEST_CASE_TEMPLATE("progress never goes backwards and ends at 100%", F, STORE_TEST_ALL_STORES, STORE_TEST_JSON_ROWS) {
  STORE_TEST_FIXTURE(F, fx);
  fill_mixed(fx, 800);
  auto o = quick();
  o.rows_per_second = 4000;
  o.workers = 2;
  auto job = start(fx, o);
  uplift::backfill_progress last;
  int samples = 0;
  bool saw_eta = false;
  while (!job.finished()) {
    const auto p = job.progress();
    CHECK(p.counters.scanned >= last.counters.scanned);
    CHECK(p.counters.upgraded >= last.counters.upgraded);
    CHECK(p.fraction() >= last.fraction());
    CHECK(p.fraction() <= 1.0);
    saw_eta = saw_eta || p.eta.has_value();
    last = p;
    ++samples;
    std::this_thread::sleep_for(2ms);
  }
  ok(job.wait());
  const auto p = job.progress();
  CHECK(p.fraction() == 1.0);
  CHECK(p.total_rows == 800);
  CHECK(p.counters.scanned == 800);
  CHECK(p.eta == std::chrono::seconds(0));
  CHECK(samples > 5);
  CHECK(saw_eta);
}

TEST_CASE_TEMPLATE("rows that fail to upgrade are quarantined and left as they were, and the rest finishes",
                   F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  fill_mixed(fx, 300);
  // Three bad rows: not a record, a v1 record whose payload is cut, a record of another type.
  std::string cut = user(10, 1);
  cut.resize(cut.size() - 8);
  std::string other = user(20, 1);
  other[8] ^= 0x5a;  // the type id
  const std::map<int, std::string> bad = {{7, "not a record at all"}, {10, cut}, {20, other}};
  for (const auto& [i, v] : bad) ok(fx.s().put(F::key(i), v));
  auto job = start(fx, quick());
  ok(job.wait());
  const auto after = snapshot(fx);
  for (const auto& [i, v] : bad) CHECK(after.at(uplift::key_to_string(F::key(i))) == v);
  for (const auto& [k, v] : after) {
    bool is_bad = false;
    for (const auto& [i, b] : bad) is_bad = is_bad || k == uplift::key_to_string(F::key(i));
    if (!is_bad) CHECK(version_of(v) == 3);
  }
  const auto p = job.progress();
  CHECK(p.status == job_status::done);
  CHECK(p.counters.quarantined == 3);
  auto q = ok(fx.s().list_quarantine(job.job(), 10));
  REQUIRE(q.size() == 3);
  std::map<std::string, uplift::quarantined_row> by_key;
  for (auto& r : q) by_key[uplift::key_to_string(r.key)] = r;
  const auto& not_record = by_key.at(uplift::key_to_string(F::key(7)));
  CHECK(not_record.stored_version == 0);
  CHECK(not_record.error.find("bad magic") != std::string::npos);
  const auto& truncated = by_key.at(uplift::key_to_string(F::key(10)));
  CHECK(truncated.stored_version == 1);
  CHECK(truncated.error.find("demo.User") != std::string::npos);
  CHECK(by_key.at(uplift::key_to_string(F::key(20))).error.find("wrong record type") != std::string::npos);
}

TEST_CASE_TEMPLATE("a store error is retried, and one that persists stops the job with the error and skips no row",
                   F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  fill_mixed(fx, 300);
  const auto before = snapshot(fx);
  auto o = quick("flaky");
  o.max_retries = 3;
  // A failure that does not go away: the commit of the batch holding row 150 is refused.
  fx.backend.refuse_next_commit(fx.s(), fx.spec, F::key(150));
  if constexpr (std::is_same_v<typename F::backend_type, memory_backend>) fx.s().fail_next_commits(1000);
  {
    auto job = start(fx, o);
    auto st = job.wait();
    REQUIRE_FALSE(st);
    CHECK(st.error().code == errc::store_error);
    CHECK(st.error().message().find("after 3 retries") != std::string::npos);
    CHECK(job.progress().status == job_status::failed);
    auto stored = ok(fx.s().load_job("flaky"));
    REQUIRE(stored);
    CHECK(stored->status == job_status::failed);
    CHECK(stored->error.find(F::backend_type::refusal_words) != std::string::npos);
  }
  // Rows after the failed batch were not skipped: fix the store and run the job again.
  if constexpr (std::is_same_v<typename F::backend_type, memory_backend>) {
    fx.s().fail_next_commits(0);
  } else if constexpr (std::is_same_v<typename F::backend_type, sqlite_backend>) {
    fx.backend.run_sql("DROP TRIGGER refuse");
  } else {
    fx.backend.run_sql("DROP TRIGGER refuse ON \"" + fx.spec.table + "\"");
  }
  auto again = start(fx, o);
  ok(again.wait());
  check_upgraded(before, snapshot(fx));
  CHECK(again.progress().counters.scanned == 300);

  // A failure that goes away within the retries is not an error at all.
  if constexpr (std::is_same_v<typename F::backend_type, memory_backend>) {
    fill_mixed(fx, 300);  // back to the old versions
    fx.s().fail_next_commits(2);
    auto flaky = start(fx, quick("transient"));
    ok(flaky.wait());
    CHECK(flaky.progress().counters.upgraded == 200);
  }
}

TEST_CASE_TEMPLATE("a job is refused when its name is taken by another target version", F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  fill_mixed(fx, 30);
  {
    auto job = start(fx, quick("users-migration"));
    ok(job.wait());
  }
  auto o = quick("users-migration");
  o.target_version = 2;
  auto refused = uplift::backfill::start(fx.connect(), uplift::codec<User>(), o);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::job_mismatch);
}

TEST_CASE_TEMPLATE("a backfill's default target is the latest version, and its job is named after the record and target",
                   F, memory_int) {
  STORE_TEST_FIXTURE(F, fx);
  fill_mixed(fx, 30);
  auto job = start(fx, quick());
  ok(job.wait());
  CHECK(job.job() == "demo.User@v3");
  CHECK(job.target_version() == 3);
  CHECK(ok(fx.s().load_job("demo.User@v3"))->spec.target_version == 3);
}

TEST_CASE_TEMPLATE("a backfill with no target refuses to start while the codec writes an older version than the latest",
                   F, memory_int) {
  STORE_TEST_FIXTURE(F, fx);
  fill_mixed(fx, 30);
  const auto writes_v2 = ok(uplift::codec<User>::make({.write_version = 2}));
  auto refused = uplift::backfill::start(fx.connect(), writes_v2, quick());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::invalid_option);
  CHECK_MESSAGE(refused.error().detail().find("backfill_options::target_version") != std::string::npos,
                refused.error().detail());
  CHECK(refused.error().detail().find("v2") != std::string::npos);
  CHECK(refused.error().detail().find("v3") != std::string::npos);
  CHECK(ok(fx.s().list_jobs()).empty());

  // With the target given, it runs: here at what the codec writes.
  auto o = quick();
  o.target_version = 2;
  auto job = start(fx, o, writes_v2);
  ok(job.wait());
  CHECK(job.job() == "demo.User@v2");
  CHECK(job.progress().counters.upgraded == 10);  // the v1 rows
}

TEST_CASE_TEMPLATE("two tables of one record type in one database both backfill with default options", F,
                   STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  fill_mixed(fx, 90);
  auto archive = fx.open_table(fx.other_table());
  std::vector<uplift::stored_row> rows;
  for (int i = 1; i <= 60; ++i) rows.push_back({F::key(i), user(i, 1)});
  ok(archive.put_many(rows));

  auto users = start(fx, quick());
  ok(users.wait());
  auto archived = ok(uplift::backfill::start(ok(archive.connect()), uplift::codec<User>(), quick()));
  ok(archived.wait());
  CHECK(users.job() == archived.job());  // the same default name, two jobs
  CHECK(users.progress().counters.upgraded == 60);
  CHECK(archived.progress().counters.upgraded == 60);
  for (const auto& row : ok(archive.scan({}, 1000))) CHECK(version_of(row.value) == 3);
  for (const auto& [k, v] : snapshot(fx)) CHECK(version_of(v) == 3);
  CHECK(ok(fx.s().list_jobs()).size() == 1);
  CHECK(ok(archive.list_jobs()).size() == 1);
}

TEST_CASE_TEMPLATE("a done job runs again over a fresh scope with rerun, and starts no worker without it", F,
                   STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  fill_mixed(fx, 60);
  auto first = start(fx, quick());
  ok(first.wait());
  REQUIRE(first.progress().status == job_status::done);

  // A writer that had not flipped yet writes old rows: over an existing key and past the scope.
  ok(fx.s().put(F::key(3), user(3, 1)));
  fx.fill(61, 80, [](int i) { return user(i, 2); });

  auto again = start(fx, quick());
  ok(again.wait());
  CHECK(again.progress().counters.scanned == 60);  // the done run's counters, nothing new
  CHECK(version_of(ok(fx.s().get(F::key(3))).value()) == 1);

  auto o = quick();
  o.rerun = true;
  auto rerun = start(fx, o);
  ok(rerun.wait());
  CHECK(rerun.progress().status == job_status::done);
  CHECK(rerun.progress().counters.scanned == 80);
  CHECK(rerun.progress().counters.upgraded == 21);
  CHECK(rerun.progress().counters.already_current == 59);
  for (const auto& [k, v] : snapshot(fx)) CHECK(version_of(v) == 3);
  const auto jobs = ok(fx.s().list_jobs());
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].counters.scanned == 80);
  CHECK(jobs[0].total_rows == 80);
}

TEST_CASE_TEMPLATE("a backfill to a version the record cannot write is refused at start, saying what to do", F,
                   memory_int) {
  STORE_TEST_FIXTURE(F, fx);
  fill_mixed(fx, 30);
  auto o = quick("unwritable");
  o.target_version = 4;
  auto unknown = uplift::backfill::start(fx.connect(), uplift::codec<User>(), o);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == errc::invalid_option);
  CHECK(unknown.error().record() == "demo.User");
  CHECK(unknown.error().stored_version == 4);
  CHECK(unknown.error().detail() == "the backfill's target version v4 is not one of v1..v3");
  // The test Widget without downgrade steps: v2 is known but cannot be written.
  o.target_version = 2;
  auto no_path =
      uplift::backfill::start(fx.connect(), uplift::codec<uplift_test::WidgetNoDowngrade>(), o);
  REQUIRE_FALSE(no_path);
  CHECK(no_path.error().code == errc::no_downgrade_path);
  CHECK(no_path.error().record() == "uplift_test.Widget");
  CHECK(no_path.error().detail() ==
        "cannot write v2: add downgrade steps for every version between it and v3");
  // A descriptor that leaves a downgrade out on purpose: the refusal says what brings it in.
  o.target_version = 1;
  auto left_out =
      uplift::backfill::start(fx.connect(), uplift::codec<uplift_test::WidgetLeftOut>(), o);
  REQUIRE_FALSE(left_out);
  CHECK(left_out.error().code == errc::no_downgrade_path);
  CHECK(left_out.error().detail() == "cannot write v1: v1 is left out of this test record");
  CHECK_FALSE(ok(fx.s().load_job("unwritable")).has_value());  // no job was made
}

TEST_CASE_TEMPLATE("a backfill to an older target version writes that version and leaves newer rows alone", F,
                   STORE_TEST_ALL_STORES, STORE_TEST_JSON_ROWS) {
  STORE_TEST_FIXTURE(F, fx);
  fill_mixed(fx, 90);
  const auto before = snapshot(fx);
  auto o = quick();
  o.target_version = 2;
  auto job = start(fx, o);
  ok(job.wait());
  const auto after = snapshot(fx);
  for (const auto& [k, old] : before) {
    CAPTURE(k);
    const auto v = version_of(after.at(k));
    CHECK(v == std::max<std::uint16_t>(2, version_of(old)));
    CHECK(*meaning(after.at(k)) == *meaning(old));
  }
  CHECK(job.progress().counters.upgraded == 30);
}

TEST_CASE_TEMPLATE("read-repair writes upgraded records back, conditionally, and drops what does not fit its queue",
                   F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  fill_mixed(fx, 30);
  const auto before = snapshot(fx);
  {
    uplift::read_repair repair = ok(uplift::read_repair::start(fx.connect(), uplift::codec<User>()));
    for (int i = 1; i <= 30; ++i) {
      const auto k = F::key(i);
      auto v = repair.read<User>(k, uplift::as_bytes_view(before.at(uplift::key_to_string(k))));
      REQUIRE(v);
      CHECK((*v)->id() == static_cast<std::uint64_t>(i));
    }
    repair.flush();
    const auto s = repair.stats();
    CHECK(s.queued == 20);
    CHECK(s.written == 20);
    CHECK(s.conflicts == 0);
  }
  check_upgraded(before, snapshot(fx));

  // A row changed after it was read is not overwritten.
  ok(fx.s().put(F::key(1), user(1, 1)));
  ok(fx.s().put(F::key(4), user(4, 1)));
  {
    uplift::read_repair repair = ok(uplift::read_repair::start(fx.connect(), uplift::codec<User>()));
    const std::string old = user(1, 1);
    const std::string live = user(1, 2, "-live");
    ok(fx.s().put(F::key(1), live));  // the application writes between the read and the repair
    REQUIRE(repair.read<User>(F::key(1), uplift::as_bytes_view(old)));
    repair.flush();
    CHECK(repair.stats().conflicts == 1);
    CHECK(*ok(fx.s().get(F::key(1))) == live);
  }
  // During a rollout that still writes v2, rows are repaired to v2 only, and v2 rows not at all.
  {
    auto c = ok(uplift::codec<User>::make({.write_version = 2}));
    uplift::read_repair repair = ok(uplift::read_repair::start(fx.connect(), c));
    REQUIRE(repair.read<User>(F::key(4), uplift::as_bytes_view(user(4, 1))));
    REQUIRE(repair.read<User>(F::key(5), uplift::as_bytes_view(user(5, 2))));
    repair.flush();
    CHECK(repair.stats().written == 1);
    CHECK(version_of(*ok(fx.s().get(F::key(4)))) == 2);
  }
  // A full queue drops, never blocks. (A burst long enough that the writer thread cannot keep
  // up with it however the threads are scheduled: 50 offers once all went through under TSan on
  // a loaded machine.)
  {
    constexpr int burst = 20000;
    uplift::read_repair repair =
        ok(uplift::read_repair::start(fx.connect(), uplift::codec<User>(), {.queue_capacity = 1}));
    int accepted = 0;
    for (int i = 0; i < burst; ++i)
      accepted += repair.offer(F::key(1000 + i), user(1, 1)) ? 1 : 0;
    repair.flush();
    const auto s = repair.stats();
    CHECK(s.dropped + s.queued == burst);
    CHECK(s.dropped > 0);
    CHECK(s.conflicts == s.queued);  // no such rows: nothing written
    CHECK(accepted == static_cast<int>(s.queued));
  }
}

// ---- processes --------------------------------------------------------------------------------------

namespace {

/// Starts uplift-backfill-child with `args`; returns its pid.
pid_t spawn_child(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string exe = UPLIFT_BACKFILL_CHILD;
  argv.push_back(exe.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv.data(), environ) == 0);
  return pid;
}
/// Waits for a child; its exit status, or -signal when a signal ended it.
int reap(pid_t pid) {
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return WEXITSTATUS(status);
}

template <class F>
std::vector<std::string> child_args(F& fx, const std::string& table, const std::string& job) {
  std::vector<std::string> args;
  if constexpr (std::is_same_v<typename F::backend_type, sqlite_backend>)
    args = {"sqlite", fx.backend.path(), table, job};
  else if constexpr (std::is_same_v<typename F::backend_type, postgres_distributed_backend>)
    args = {"postgres-distributed", fx.backend.conninfo(), table, job};
  else
    args = {"postgres", fx.backend.conninfo(), table, job};
  args.insert(args.end(), {"--format", std::string(uplift::to_string(F::format))});
  return args;
}

}  // namespace

TEST_CASE_TEMPLATE("a backfill killed with SIGKILL at random points resumes and ends as an uninterrupted one",
                   F, sqlite_int, postgres_int, postgres_distributed_int, sqlite_json_rows,
                   postgres_jsonb_rows, postgres_text_rows, sqlite_mixed_rows, postgres_mixed_rows) {
  STORE_TEST_FIXTURE(F, fx);
  constexpr int rows = 3000;
  // Two tables with the same rows: one backfilled without interruption, one killed again and
  // again (each run in a child process killed with SIGKILL), then run to its end.
  fill_mixed(fx, rows);
  const uplift::table_spec reference_spec = fx.other_table();
  auto reference = fx.open_table(reference_spec);
  {
    std::vector<uplift::stored_row> all;
    for (int i = 1; i <= rows; ++i) all.push_back({F::key(i), user(i, static_cast<std::uint16_t>(1 + i % 3))});
    ok(reference.put_many(all));
  }
  {
    auto job = ok(uplift::backfill::start(std::move(reference), rows_of_user(), quick("reference")));
    ok(job.wait());
  }
  std::mt19937 rng(2024);
  int killed = 0;
  for (int round = 0; round < 6; ++round) {
    // At 2000 rows/s a run needs 1.5 s for the whole table: six runs of at most 0.2 s each
    // cannot finish it, and each is killed wherever it is (in a batch, in a commit, asleep).
    auto args = child_args(fx, fx.spec.table, "killed");
    for (std::string a : {"--rate", "2000", "--batch", "25"}) args.push_back(a);
    const pid_t pid = spawn_child(args);
    if (round == 0) {
      // The first run is killed only once it has made the job: a slow start (a sanitizer build
      // on a busy machine) would otherwise leave nothing for the later runs to resume.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      for (auto made = fx.s().load_job("killed"); !(made && *made); made = fx.s().load_job("killed")) {
        if (std::chrono::steady_clock::now() > deadline) FAIL("the first run made no job in 30 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 170));
    ::kill(pid, SIGKILL);
    const int end = reap(pid);
    if (end == -SIGKILL) ++killed;
    else CHECK(end == 0);  // it finished before the kill
  }
  CHECK(killed == 6);
  const auto mid = ok(fx.s().load_job("killed"));
  REQUIRE(mid);
  CHECK(mid->counters.scanned < static_cast<std::uint64_t>(rows));
  MESSAGE("after " << killed << " kills: " << mid->counters.scanned << " of " << rows << " rows scanned");
  auto job = start(fx, quick("killed"));  // resumes; the dead runs' leases are taken over
  ok(job.wait());

  auto reference_rows = ok(fx.open_table(reference_spec).scan({}, 100000));
  const auto killed_rows = ok(fx.s().scan({}, 100000));
  REQUIRE(killed_rows.size() == reference_rows.size());
  for (std::size_t i = 0; i < killed_rows.size(); ++i) {
    CHECK(killed_rows[i].key == reference_rows[i].key);
    CHECK(killed_rows[i].value == reference_rows[i].value);
  }
  const auto p = job.progress();
  CHECK(p.counters.scanned == rows);  // committed batches only: no row counted twice
  CHECK(p.counters.upgraded + p.counters.already_current == rows);
}

TEST_CASE_TEMPLATE("two worker processes share one job: no range done twice, none skipped", F, postgres_int,
                   postgres_distributed_int, postgres_jsonb_rows, postgres_text_rows, postgres_mixed_rows) {
  STORE_TEST_FIXTURE(F, fx);
  constexpr int rows = 3000;
  fill_mixed(fx, rows);
  const auto before = snapshot(fx);
  std::vector<pid_t> pids;
  for (int w = 0; w < 2; ++w) {
    auto args = child_args(fx, fx.spec.table, "shared");
    for (std::string a : {"--ranges", "16", "--batch", "40", "--rate", "6000"}) args.push_back(a);
    pids.push_back(spawn_child(args));
  }
  for (pid_t pid : pids) CHECK(reap(pid) == 0);
  const auto job = ok(fx.s().load_job("shared"));
  REQUIRE(job);
  CHECK(job->status == job_status::done);
  CHECK(job->ranges == 16);
  CHECK(job->ranges_done == 16);
  // Each row was scanned exactly once over both workers: a range done twice would count twice.
  CHECK(job->counters.scanned == rows);
  CHECK(job->counters.upgraded == 2000);
  CHECK(job->counters.conflicts == 0);
  for (const auto& r : ok(fx.s().list_ranges("shared"))) {
    CHECK(r.done);
    CHECK(r.counters.scanned > 0);
  }
  check_upgraded(before, snapshot(fx));
}

TEST_CASE_TEMPLATE("a worker killed in the middle of a range has its lease taken over by another", F, postgres_int) {
  STORE_TEST_FIXTURE(F, fx);
  constexpr int rows = 1500;
  fill_mixed(fx, rows);
  const auto before = snapshot(fx);
  // Worker names that do not look like this host's processes: the take-over must wait for the
  // lease, as it would for a worker on another machine.
  auto a_args = child_args(fx, fx.spec.table, "leased");
  for (std::string a : {"--ranges", "1", "--batch", "20", "--rate", "2000", "--lease-ms", "1000",
                        "--owner", "machine-a"})
    a_args.push_back(a);
  const pid_t first = spawn_child(a_args);
  // Kill it once it has committed some batches of its one range.
  for (int i = 0; i < 500; ++i) {
    auto j = ok(fx.s().load_job("leased"));
    if (j && j->counters.scanned >= 200) break;
    std::this_thread::sleep_for(10ms);
  }
  ::kill(first, SIGKILL);
  CHECK(reap(first) == -SIGKILL);
  const auto ranges = ok(fx.s().list_ranges("leased"));
  REQUIRE(ranges.size() == 1);
  CHECK_FALSE(ranges[0].done);
  CHECK(ranges[0].owner.rfind("machine-a", 0) == 0);
  const auto started = std::chrono::steady_clock::now();
  auto b_args = child_args(fx, fx.spec.table, "leased");
  for (std::string arg : {"--lease-ms", "1000", "--owner", "machine-b"}) b_args.push_back(arg);
  CHECK(reap(spawn_child(b_args)) == 0);
  CHECK(std::chrono::steady_clock::now() - started >= 500ms);  // it waited for the lease
  const auto job = ok(fx.s().load_job("leased"));
  REQUIRE(job);
  CHECK(job->status == job_status::done);
  CHECK(job->counters.scanned == rows);
  check_upgraded(before, snapshot(fx));
}

// ---- the uplift command -------------------------------------------------------------------------------

using cli_test::cli_store;
using cli_test::has;
using cli_test::run_cli;

TEST_CASE_TEMPLATE("uplift stats prints each version's rows from the headers and the jobs with their progress", F,
                   sqlite_int, postgres_int) {
  STORE_TEST_FIXTURE(F, fx);
  fill_mixed(fx, 300);
  ok(fx.s().put(F::key(301), "not a record"));
  const std::string table = " --table " + fx.spec.table;
  {
    auto [out, code] = run_cli("stats " + cli_store(fx) + table);
    INFO(out);
    CHECK(code == 0);
    CHECK(has(out, "table " + fx.spec.table + ": 301 rows"));
    CHECK(has(out, "record type " ));
    CHECK(has(out, "\n v1 100 33.2% #############\n"));
    CHECK(has(out, "\n v2 100 33.2%"));
    CHECK(has(out, "\n v3 100 33.2%"));
    CHECK(has(out, "1 rows are not uplift records"));
    CHECK(has(out, "no backfill jobs yet"));
  }
  {
    auto job = start(fx, quick("stats-job"));
    ok(job.wait());
  }
  auto [out, code] = run_cli("stats " + cli_store(fx) + table);
  INFO(out);
  CHECK(code == 0);
  CHECK(has(out, "(demo.User)"));  // the type's name, from the job that knows it
  CHECK(has(out, "\n v3 300 99.7%"));
  CHECK_FALSE(has(out, "\n v1 "));
  CHECK(has(out, "stats-job  done, target v3, 301/301 rows scanned (100.0%)"));
  CHECK(has(out, "upgraded 200, already current 100, conflicts 0, quarantined 1"));

  auto [q, qcode] = run_cli("quarantine " + cli_store(fx) + table + " --job stats-job");
  INFO(q);
  CHECK(qcode == 0);
  CHECK(has(q, "key 301  stored v0"));
  CHECK(has(q, "bad magic"));
}

TEST_CASE("uplift stats says what is wrong and exits non-zero for a store it cannot read") {
  auto [missing, code] = run_cli("stats sqlite:/nonexistent/dir/app.db --table users");
  CHECK(code == 1);
  CHECK(has(missing, "cannot open sqlite:/nonexistent/dir/app.db"));
  CHECK(has(missing, "unable to open database file"));
  auto [usage, ucode] = run_cli("stats sqlite:x.db");
  CHECK(ucode == 2);
  CHECK(has(usage, "--table is required"));
  auto [bad, bcode] = run_cli("stats mysql://x --table t");
  CHECK(bcode == 2);
  CHECK(has(bad, "the store is sqlite:PATH, postgresql://..., or pg:CONNINFO"));
}

TEST_CASE_TEMPLATE("a backfill of an empty table finishes at once and leaves rows inserted later alone", F,
                   STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto job = start(fx, quick("empty"));
  ok(job.wait());
  CHECK(job.progress().status == job_status::done);
  CHECK(job.progress().total_rows == 0);
  // Rows that arrive after the job was created are not in its scope, even for a later run of it.
  ok(fx.s().put(F::key(1), user(1, 1)));
  auto again = start(fx, quick("empty"));
  ok(again.wait());
  CHECK(again.progress().counters.scanned == 0);
  CHECK(version_of(*ok(fx.s().get(F::key(1)))) == 1);
}
