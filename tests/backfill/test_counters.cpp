// The backfill's counters: every row it scans is counted once, as upgraded, already current, a
// conflict or quarantined, and the job table holds what progress() says; on every store.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <thread>

#include <uplift/rows/backfill.hpp>

#include "store_fixtures.hpp"
#include "user_uplift.hpp"

namespace {

using namespace store_test;
using namespace std::chrono_literals;
using uplift::backfill_counters;

/// Row i of demo.User at `version`.
std::string user_row(int i, std::uint16_t version) {
  const auto id = static_cast<std::uint64_t>(i);
  if (version == 1) {
    demo::v1::UserT u;
    u.id = id;
    u.name = "Ada Lovelace";
    return std::string(uplift::write<demo::User>(u).as_string_view());
  }
  if (version == 2) {
    demo::v2::UserT u;
    u.id = id;
    u.full_name = "Ada Lovelace";
    return std::string(uplift::write<demo::User>(u).as_string_view());
  }
  demo::v3::UserT u;
  u.id = id;
  u.given_name = "Ada";
  u.family_name = "Lovelace";
  return std::string(uplift::write<demo::User>(u).as_string_view());
}

constexpr int rows = 240;

/// Rows 1..240 at v1, v2, v3 in turn (i % 3 == 0: v1, 1: v2, 2: v3), but three a backfill
/// cannot upgrade: 7 is not a record, 10 a v2 record cut short, 20 a v3 record of another record
/// type. Returns how many rows are at v3 of demo.User.
template <class F>
std::uint64_t fill(F& fx) {
  fx.fill(1, rows, [](int i) {
    std::string v = user_row(i, static_cast<std::uint16_t>(1 + i % 3));
    if (i == 7) return std::string("not a record");
    if (i == 10) v.resize(v.size() - 8);
    if (i == 20) v[8] ^= 0x5a;  // the type id
    return v;
  });
  std::uint64_t current = 0;
  for (int i = 1; i <= rows; ++i) current += i % 3 == 2 && i != 20 ? 1 : 0;
  return current;
}

/// The identity every progress report and job row keeps.
void check_sum(const backfill_counters& c) {
  CAPTURE(c.scanned);
  CAPTURE(c.upgraded);
  CAPTURE(c.already_current);
  CAPTURE(c.conflicts);
  CAPTURE(c.quarantined);
  CHECK(c.scanned == c.upgraded + c.already_current + c.conflicts + c.quarantined);
}

/// The job's counters in the store, three ways: its row, the table's job list, its ranges summed.
template <class F>
void check_stored(F& fx, const std::string& job, const backfill_counters& expected) {
  auto stored = ok(fx.s().load_job(job));
  REQUIRE(stored);
  CHECK(stored->counters == expected);
  bool listed = false;
  for (const auto& j : ok(fx.s().list_jobs()))
    if (j.spec.name == job) {
      listed = true;
      CHECK(j.counters == expected);
    }
  CHECK(listed);
  backfill_counters ranges;
  for (const auto& r : ok(fx.s().list_ranges(job))) ranges += r.counters;
  CHECK(ranges == expected);
}

/// Two workers and batches of 8 to 32 rows: many batches, on several ranges.
uplift::backfill_options small_batches(std::string job) {
  return {.job = std::move(job), .workers = 2, .initial_batch = 16, .min_batch = 8, .max_batch = 32,
          .retry_backoff = 1ms, .idle_poll = 20ms};
}

}  // namespace

TEST_CASE_TEMPLATE("every scanned row is counted once: scanned = upgraded + already current + conflicts + quarantined",
                   F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  const std::uint64_t current = fill(fx);
  // The application changes four old rows and deletes a fifth between the backfill's read and
  // its write: five conflicts.
  const std::set<int> changed = {4, 6, 100, 102}, deleted = {9};
  auto writer = fx.connect();
  std::mutex writer_mutex;  // two workers call the hook
  auto o = small_batches("counted");
  o.after_read = [&](std::span<const uplift::stored_row> batch) {
    std::lock_guard lock(writer_mutex);
    for (int i = 1; i <= rows; ++i)
      for (const auto& r : batch) {
        if (r.key != F::key(i)) continue;
        if (changed.count(i) != 0) ok(writer.put(r.key, user_row(1000 + i, 2)));  // other bytes
        if (deleted.count(i) != 0) ok(writer.erase(r.key));
      }
  };
  auto job = ok(uplift::backfill::start(fx.connect(), uplift::codec<demo::User>{}, o));
  ok(job.wait());
  const backfill_counters c = job.progress().counters;
  check_sum(c);
  CHECK(c.scanned == rows);
  CHECK(c.quarantined == 3);
  CHECK(c.conflicts == 5);
  CHECK(c.already_current == current);
  CHECK(c.upgraded == rows - current - 3 - 5);
  CHECK(job.progress().total_rows == rows);
  CHECK(ok(fx.s().list_quarantine("counted", 100)).size() == c.quarantined);
  check_stored(fx, "counted", c);
}

TEST_CASE_TEMPLATE("a resumed job's counters add up over its runs and equal the job table's after each", F,
                   STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  const std::uint64_t current = fill(fx);
  auto o = small_batches("resumed");
  o.rows_per_second = 1000;
  {
    auto job = ok(uplift::backfill::start(fx.connect(), uplift::codec<demo::User>{}, o));
    while (job.progress().counters.scanned < 60 && !job.finished()) std::this_thread::sleep_for(2ms);
    job.cancel();
    (void)job.wait();
    const backfill_counters c = job.progress().counters;
    CHECK(c.scanned < rows);  // cancelled part-way
    check_sum(c);
    check_stored(fx, "resumed", c);
  }
  o.rows_per_second = 0;
  auto job = ok(uplift::backfill::start(fx.connect(), uplift::codec<demo::User>{}, o));
  ok(job.wait());
  const backfill_counters c = job.progress().counters;
  check_sum(c);
  CHECK(c.scanned == rows);
  CHECK(c.already_current == current);
  CHECK(c.quarantined == 3);
  check_stored(fx, "resumed", c);
}

TEST_CASE_TEMPLATE("a batch whose commit applied but whose reply was lost is counted once, in progress() and in the job table",
                   F, memory_int, memory_text) {
  STORE_TEST_FIXTURE(F, fx);
  const std::uint64_t current = fill(fx);
  auto o = small_batches("lost-replies");
  o.workers = 1;
  fx.s().lose_next_commit_replies(4);  // the batches applied; the backfill was told they failed
  auto job = ok(uplift::backfill::start(fx.connect(), uplift::codec<demo::User>{}, o));
  ok(job.wait());
  const backfill_counters c = job.progress().counters;
  check_sum(c);
  CHECK(c.scanned == rows);
  CHECK(c.already_current == current);
  CHECK(c.quarantined == 3);
  CHECK(c.upgraded == rows - current - 3);
  CHECK(c.conflicts == 0);
  check_stored(fx, "lost-replies", c);
}
