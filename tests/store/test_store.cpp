// The store contract, one test body per property, run against every store (memory, SQLite,
// PostgreSQL) with integer and text keys.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "store_fixtures.hpp"

using namespace std::chrono_literals;
using store_test::job;
using store_test::ok;
using store_test::record;
using uplift::batch_commit;
using uplift::conditional_write;
using uplift::errc;
using uplift::job_status;
using uplift::key_range;
using uplift::quarantined_row;
using uplift::row_key;

namespace {

/// Unix seconds by this machine's clock (the databases run on it too).
std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The number of rows of each range, checking that the ranges cover `r` exactly, in key order.
template <class F>
std::vector<std::uint64_t> check_cover(F& fx, const std::vector<key_range>& parts,
                                       const key_range& r) {
  REQUIRE_FALSE(parts.empty());
  CHECK(parts.front().after == r.after);
  CHECK(parts.back().upto == r.upto);
  std::vector<std::uint64_t> rows;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i + 1 < parts.size()) {
      REQUIRE(parts[i].upto.has_value());
      CHECK(parts[i].upto == parts[i + 1].after);
    }
    rows.push_back(ok(fx.s().count(parts[i])));
  }
  return rows;
}

/// A batch of `owner` on range `id`.
batch_commit batch(const std::string& job_name, std::int64_t id, const std::string& owner) {
  batch_commit b;
  b.job = job_name;
  b.range_id = id;
  b.owner = owner;
  return b;
}

}  // namespace

TEST_CASE_TEMPLATE("put overwrites a row and erase removes it", F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  CHECK_FALSE(ok(s.get(F::key(1))).has_value());
  ok(s.put(F::key(1), record(1)));
  CHECK(ok(s.get(F::key(1))) == record(1));
  ok(s.put(F::key(1), record(2)));
  CHECK(ok(s.get(F::key(1))) == record(2));
  CHECK(ok(s.count({})) == 1);
  ok(s.erase(F::key(1)));
  CHECK_FALSE(ok(s.get(F::key(1))).has_value());
  ok(s.erase(F::key(1)));  // erasing a missing row is not an error
  CHECK(ok(s.count({})) == 0);
}

TEST_CASE_TEMPLATE("values with NUL bytes round-trip through put, get, scan and writes", F,
                   STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  const std::string nuls("\0a\0\xff\0", 5);
  const std::string other = record(3, std::string("\0\0tail\0", 7));
  ok(s.put(F::key(1), nuls));
  ok(s.put(F::key(2), ""));
  CHECK(ok(s.get(F::key(1))) == nuls);
  CHECK(ok(s.get(F::key(2))) == std::string());  // an empty value is a value, not a missing row
  auto rows = ok(s.scan({}, 10));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].value == nuls);
  CHECK(rows[1].value.empty());
  CHECK(ok(s.write_if({F::key(1), nuls, other})));
  CHECK(ok(s.get(F::key(1))) == other);
  ok(s.put_many({{F::key(3), other}}));
  CHECK(ok(s.get(F::key(3))) == other);
}

TEST_CASE_TEMPLATE("a conditional write applies only when the row holds exactly the bytes read", F,
                   STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  const std::string read = record(1);
  ok(s.put(F::key(1), read));
  CHECK_FALSE(ok(s.write_if({F::key(1), record(2), record(3)})));                    // other bytes
  CHECK_FALSE(ok(s.write_if({F::key(1), read.substr(0, 15), record(3)})));           // a prefix
  CHECK_FALSE(ok(s.write_if({F::key(1), read + std::string(1, '\0'), record(3)})));  // longer
  CHECK(ok(s.get(F::key(1))) == read);
  CHECK(ok(s.write_if({F::key(1), read, record(3)})));
  CHECK(ok(s.get(F::key(1))) == record(3));
  // The row now holds other bytes than were read: a second write on the old read fails.
  CHECK_FALSE(ok(s.write_if({F::key(1), read, record(2)})));
  CHECK(ok(s.get(F::key(1))) == record(3));
}

TEST_CASE_TEMPLATE("a conditional write never creates a row", F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  CHECK_FALSE(ok(s.write_if({F::key(5), "", record(2)})));
  CHECK_FALSE(ok(s.write_if({F::key(5), record(1), record(2)})));
  ok(s.put(F::key(6), record(1)));
  ok(s.erase(F::key(6)));  // a row deleted after it was read
  CHECK_FALSE(ok(s.write_if({F::key(6), record(1), record(2)})));
  CHECK(ok(s.count({})) == 0);
}

TEST_CASE_TEMPLATE("scan returns rows in key order within the range", F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  std::vector<uplift::stored_row> rows;
  for (int i : {7, 3, 20, 1, 12, 5, 9, 16, 2, 18, 4, 11, 6, 15, 8, 19, 10, 14, 13, 17})
    rows.push_back({F::key(i), record(1, "row " + std::to_string(i))});
  ok(s.put_many(rows));
  auto keys = [&](std::initializer_list<int> is) {
    std::vector<row_key> out;
    for (int i : is) out.push_back(F::key(i));
    return out;
  };
  std::vector<row_key> all;
  for (int i = 1; i <= 20; ++i) all.push_back(F::key(i));
  CHECK(fx.keys() == all);
  CHECK(fx.keys({F::key(5), F::key(9)}) == keys({6, 7, 8, 9}));  // after < k <= upto
  CHECK(fx.keys({F::key(5), std::nullopt}, 3) == keys({6, 7, 8}));
  CHECK(fx.keys({std::nullopt, F::key(3)}) == keys({1, 2, 3}));
  CHECK(fx.keys({F::key(20), std::nullopt}).empty());
  CHECK(fx.keys({F::key(9), F::key(9)}).empty());
  CHECK(fx.keys({}, 0).empty());
  auto scanned = ok(s.scan({F::key(10), F::key(11)}, 5));
  REQUIRE(scanned.size() == 1);
  CHECK(scanned[0].value == record(1, "row 11"));
}

TEST_CASE_TEMPLATE("keys are ordered as compare_keys orders them", F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  std::vector<row_key> keys;
  if constexpr (F::kind == uplift::key_type::integer) {
    const std::vector<std::int64_t> ints{5,
                                         -1,
                                         0,
                                         10,
                                         -1'000'000'000'000,
                                         std::int64_t{1} << 40,
                                         std::numeric_limits<std::int64_t>::max(),
                                         std::numeric_limits<std::int64_t>::min(),
                                         9};
    keys.assign(ints.begin(), ints.end());
  } else {  // bytewise: uppercase before lowercase, "10" before "9", UTF-8 after ASCII
    for (const char* k : {"b", "B", "a", "A", "_", "a b", "ab", "10", "9", "\xc3\xa4", "\x7f", "Z"})
      keys.push_back(std::string(k));
  }
  for (const row_key& k : keys) ok(s.put(k, record(1)));
  std::vector<row_key> sorted = keys;
  std::sort(sorted.begin(), sorted.end(),
            [](const row_key& a, const row_key& b) { return uplift::compare_keys(a, b) < 0; });
  CHECK(fx.keys() == sorted);
  CHECK(ok(s.max_key()) == sorted.back());
  // Bounds compare the same way: the keys after the third, up to the second to last.
  const key_range middle{sorted[2], sorted[sorted.size() - 2]};
  CHECK(fx.keys(middle) == std::vector<row_key>(sorted.begin() + 3, sorted.end() - 1));
  CHECK(ok(s.count(middle)) == sorted.size() - 4);
}

TEST_CASE_TEMPLATE("count and max_key see the rows of a range", F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  CHECK(ok(s.count({})) == 0);
  CHECK_FALSE(ok(s.max_key()).has_value());
  fx.fill(1, 10, [](int) { return record(1); });
  CHECK(ok(s.count({})) == 10);
  CHECK(ok(s.count({F::key(3), F::key(7)})) == 4);
  CHECK(ok(s.count({F::key(3), std::nullopt})) == 7);
  CHECK(ok(s.count({std::nullopt, F::key(3)})) == 3);
  CHECK(ok(s.max_key()) == F::key(10));
  ok(s.erase(F::key(10)));
  CHECK(ok(s.max_key()) == F::key(9));
}

TEST_CASE_TEMPLATE("split covers the range exactly with balanced parts", F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  fx.fill(1, 100, [](int) { return record(1); });

  auto quarters = check_cover(fx, ok(s.split({}, 4)), {});
  CHECK(quarters == std::vector<std::uint64_t>{25, 25, 25, 25});

  const key_range middle{F::key(10), F::key(50)};  // 40 rows
  auto thirds = check_cover(fx, ok(s.split(middle, 3)), middle);
  REQUIRE(thirds.size() == 3);
  CHECK(thirds[0] + thirds[1] + thirds[2] == 40);
  for (std::uint64_t n : thirds) CHECK((n == 13 || n == 14));

  auto ones = check_cover(fx, ok(s.split({}, 1000)), {});  // more parts than rows: one row each
  CHECK(ones == std::vector<std::uint64_t>(100, 1));

  auto whole = ok(s.split({}, 1));
  REQUIRE(whole.size() == 1);
  CHECK_FALSE(whole[0].after.has_value());
  CHECK_FALSE(whole[0].upto.has_value());
  CHECK(ok(s.split({}, 0)).size() == 1);
}

TEST_CASE_TEMPLATE("split of a range without rows is the range itself", F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  auto empty_table = ok(s.split({}, 8));
  REQUIRE(empty_table.size() == 1);
  CHECK_FALSE(empty_table[0].after.has_value());
  CHECK_FALSE(empty_table[0].upto.has_value());
  fx.fill(1, 3, [](int) { return record(1); });
  fx.fill(20, 22, [](int) { return record(1); });
  const key_range gap{F::key(5), F::key(9)};
  auto parts = ok(s.split(gap, 8));
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].after == gap.after);
  CHECK(parts[0].upto == gap.upto);
}

TEST_CASE_TEMPLATE("count_by_prefix counts rows by their header bytes", F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  // Payloads differ within a version: only the header's first 14 bytes (through the version)
  // may decide the group.
  fx.fill(1, 3, [](int i) { return record(1, "v1 payload " + std::to_string(i)); });
  fx.fill(4, 5, [](int i) { return record(2, std::string(std::size_t(i) * 10, 'x')); });
  fx.fill(6, 6, [](int) { return record(3); });
  ok(s.put(F::key(7), "xy"));  // shorter than a header: its whole value is its prefix
  auto counts = ok(s.count_by_prefix(14));
  std::map<std::string, std::uint64_t> got;
  for (const auto& c : counts) got[c.prefix] += c.rows;
  CHECK(got.size() == counts.size());  // one entry per prefix
  const std::map<std::string, std::uint64_t> want{{record(1).substr(0, 14), 3},
                                                  {record(2).substr(0, 14), 2},
                                                  {record(3).substr(0, 14), 1},
                                                  {"xy", 1}};
  CHECK(got == want);
  for (const auto& [prefix, rows] : got)  // bytes 12..13 are the version, little-endian
    if (prefix.size() == 14)
      CHECK(rows == std::uint64_t(prefix[12] == 1 ? 3 : prefix[12] == 2 ? 2 : 1));
}

TEST_CASE_TEMPLATE("open_job creates the job once, with its ranges, and loads it after", F,
                   STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  fx.fill(1, 30, [](int) { return record(1); });
  const auto ranges = ok(s.split({}, 3));
  const auto spec = job(fx.spec.table + "@v2");
  const auto created = ok(s.open_job(spec, ranges, 30));
  CHECK(created.spec.name == spec.name);
  CHECK(created.spec.record == spec.record);
  CHECK(created.spec.type_id == spec.type_id);
  CHECK(created.spec.target_version == spec.target_version);
  CHECK(created.status == job_status::running);
  CHECK(created.total_rows == 30);
  CHECK(created.ranges == 3);
  CHECK(created.ranges_done == 0);
  CHECK(created.counters == uplift::backfill_counters{});
  CHECK(created.error.empty());
  CHECK(std::abs(created.created_at - unix_now()) < 300);
  CHECK(created.updated_at == created.created_at);

  auto stored = ok(s.list_ranges(spec.name));
  REQUIRE(stored.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(stored[i].id == std::int64_t(i) + 1);
    CHECK(stored[i].range.after == ranges[i].after);
    CHECK(stored[i].range.upto == ranges[i].upto);
    CHECK_FALSE(stored[i].cursor.has_value());
    CHECK_FALSE(stored[i].done);
    CHECK(stored[i].owner.empty());
    CHECK(stored[i].counters == uplift::backfill_counters{});
  }

  // Opened again (another run, another scope): the job as it was created.
  const auto again = ok(s.open_job(spec, {key_range{}}, 99));
  CHECK(again.ranges == 3);
  CHECK(again.total_rows == 30);
  auto loaded = ok(s.load_job(spec.name));
  REQUIRE(loaded.has_value());
  CHECK(loaded->ranges == 3);
  CHECK(loaded->created_at == created.created_at);
  CHECK_FALSE(ok(s.load_job("no such job")).has_value());
  CHECK(ok(s.list_ranges("no such job")).empty());

  // No ranges given: one range, the whole table.
  const auto whole = ok(s.open_job(job(fx.spec.table + "@v3", 3), {}, 30));
  CHECK(whole.ranges == 1);
  auto whole_ranges = ok(s.list_ranges(whole.spec.name));
  REQUIRE(whole_ranges.size() == 1);
  CHECK_FALSE(whole_ranges[0].range.after.has_value());
  CHECK_FALSE(whole_ranges[0].range.upto.has_value());
}

TEST_CASE_TEMPLATE("open_job refuses a job of another record or target version", F,
                   STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  const auto spec = job(fx.spec.table + "-job", 2);
  ok(s.open_job(spec, {key_range{}}, 0));

  auto other_version = spec;
  other_version.target_version = 3;
  auto r = s.open_job(other_version, {key_range{}}, 0);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::job_mismatch);
  CHECK(r.error().detail().find("v2") != std::string::npos);
  CHECK(r.error().detail().find("v3") != std::string::npos);

  auto other_record = spec;
  other_record.record = "test.Other";
  other_record.type_id = uplift::type_id_of("test.Other");
  CHECK(s.open_job(other_record, {key_range{}}, 0).error().code == errc::job_mismatch);
  auto other_type = spec;
  other_type.type_id += 1;
  CHECK(s.open_job(other_type, {key_range{}}, 0).error().code == errc::job_mismatch);

  const auto still = ok(s.load_job(spec.name));
  REQUIRE(still.has_value());
  CHECK(still->spec.target_version == 2);
  CHECK(still->spec.record == "test.Thing");
}

TEST_CASE_TEMPLATE("a job is known by its table and its name: jobs of one name on two tables never collide", F,
                   STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  auto other = fx.open_table(fx.other_table());
  const std::string name = "test.Thing@v2";  // the default name a backfill gives both tables
  ok(s.open_job(job(name, 2), {key_range{std::nullopt, F::key(10)}, key_range{F::key(10), std::nullopt}}, 20));
  const auto theirs = ok(other.open_job(job(name, 2), {key_range{}}, 5));
  CHECK(theirs.ranges == 1);
  CHECK(theirs.total_rows == 5);
  CHECK(ok(s.load_job(name))->ranges == 2);
  CHECK(ok(other.load_job(name))->ranges == 1);

  // Work on one table's job leaves the other's alone: claims, progress, status, quarantine.
  auto mine = ok(s.claim_range(name, "w", 60s));
  REQUIRE(mine.has_value());
  auto b = batch(name, mine->id, "w");
  b.counted.scanned = 7;
  b.range_done = true;
  b.quarantine = {{F::key(3), 1, "three", 0}};
  ok(s.commit_batch(b));
  ok(s.set_job_status(name, job_status::paused, ""));
  CHECK(ok(s.load_job(name))->counters.scanned == 7);
  CHECK(ok(other.load_job(name))->counters.scanned == 0);
  CHECK(ok(other.load_job(name))->status == job_status::running);
  CHECK(ok(other.list_quarantine(name, 10)).empty());
  CHECK(ok(s.list_quarantine(name, 10)).size() == 1);
  auto theirs_range = ok(other.claim_range(name, "w", 60s));
  REQUIRE(theirs_range.has_value());
  CHECK(theirs_range->id == 1);
  CHECK_FALSE(theirs_range->range.upto.has_value());
}

TEST_CASE_TEMPLATE("drop_done_job deletes a done job and its ranges, and nothing else", F,
                   STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  auto other = fx.open_table(fx.other_table());
  const std::string name = fx.spec.table + "-rerun";
  ok(s.open_job(job(name, 2), {key_range{}}, 3));
  ok(other.open_job(job(name, 2), {key_range{}}, 3));
  CHECK_FALSE(ok(s.drop_done_job(name)));  // running: kept
  CHECK_FALSE(ok(s.drop_done_job("no such job")));
  auto r = ok(s.claim_range(name, "w", 60s));
  REQUIRE(r.has_value());
  auto b = batch(name, r->id, "w");
  b.range_done = true;
  b.quarantine = {{F::key(2), 1, "two", 0}};
  CHECK(ok(s.commit_batch(b)).job_done);
  REQUIRE(ok(s.load_job(name))->status == job_status::done);

  CHECK(ok(s.drop_done_job(name)));
  CHECK_FALSE(ok(s.load_job(name)).has_value());
  CHECK(ok(s.list_ranges(name)).empty());
  CHECK(ok(s.list_quarantine(name, 10)).size() == 1);  // the quarantine stays
  CHECK(ok(other.load_job(name)).has_value());          // another table's job of that name too
  // Created afresh under the same name.
  const auto again = ok(s.open_job(job(name, 2), {key_range{}}, 9));
  CHECK(again.status == job_status::running);
  CHECK(again.total_rows == 9);
  CHECK(again.counters.scanned == 0);
}

TEST_CASE_TEMPLATE("list_jobs lists the jobs of this table only", F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  CHECK(ok(s.list_jobs()).empty());
  ok(s.open_job(job("b-" + fx.spec.table), {key_range{}}, 0));
  ok(s.open_job(job("a-" + fx.spec.table), {key_range{}}, 0));
  auto other = fx.open_table(fx.other_table());
  ok(other.open_job(job("c-" + fx.spec.table), {key_range{}}, 0));
  auto jobs = ok(s.list_jobs());
  REQUIRE(jobs.size() == 2);
  // Oldest first; created in the same second, by name.
  CHECK(jobs[0].created_at <= jobs[1].created_at);
  if (jobs[0].created_at == jobs[1].created_at) {
    CHECK(jobs[0].spec.name == "a-" + fx.spec.table);
    CHECK(jobs[1].spec.name == "b-" + fx.spec.table);
  }
  CHECK(ok(other.list_jobs()).size() == 1);
}

TEST_CASE_TEMPLATE("two workers never hold one range at once", F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  const std::string name = fx.spec.table + "-job";
  std::vector<key_range> ranges;
  for (int i = 0; i < 12; ++i)
    ranges.push_back({i == 0 ? std::nullopt : std::optional<row_key>(F::key(i * 10)),
                      i == 11 ? std::nullopt : std::optional<row_key>(F::key(i * 10 + 10))});
  ok(s.open_job(job(name), ranges, 0));

  // Two threads, each on its own connection, claim until nothing is free: each claim is a
  // worker of its own (a worker claiming again would get back the range it holds).
  std::vector<std::int64_t> claimed[2];
  std::string failures[2];
  {
    auto first = fx.connect();
    auto second = fx.connect();
    auto work = [&](auto& store, int t) {
      for (int n = 0;; ++n) {
        auto r =
            store.claim_range(name, "worker-" + std::to_string(t) + "-" + std::to_string(n), 60s);
        if (!r) {
          failures[t] = r.error().message();
          return;
        }
        if (!*r) return;
        claimed[t].push_back((*r)->id);
      }
    };
    std::thread a([&] { work(first, 0); });
    std::thread b([&] { work(second, 1); });
    a.join();
    b.join();
  }
  CHECK(failures[0].empty());
  CHECK(failures[1].empty());
  std::set<std::int64_t> all(claimed[0].begin(), claimed[0].end());
  for (std::int64_t id : claimed[1]) CHECK(all.insert(id).second);  // never claimed twice
  CHECK(all.size() == 12);
  CHECK(claimed[0].size() + claimed[1].size() == 12);
  // Every range is held: another worker gets none.
  CHECK_FALSE(ok(s.claim_range(name, "late", 60s)).has_value());
  for (const auto& r : ok(s.list_ranges(name))) {
    const bool by_first = std::count(claimed[0].begin(), claimed[0].end(), r.id) == 1;
    CHECK(r.owner.rfind(by_first ? "worker-0-" : "worker-1-", 0) == 0);
    CHECK(r.lease_until_ms > unix_now() * 1000);
  }
}

TEST_CASE_TEMPLATE("a worker claiming again gets back the range it holds", F,
                   STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  const std::string name = fx.spec.table + "-job";
  ok(s.open_job(job(name), {{std::nullopt, F::key(10)}, {F::key(10), std::nullopt}}, 0));
  const auto first = ok(s.claim_range(name, "w1", 60s));
  REQUIRE(first.has_value());
  CHECK(first->id == 1);
  CHECK(first->owner == "w1");
  const auto again = ok(s.claim_range(name, "w1", 120s));
  REQUIRE(again.has_value());
  CHECK(again->id == 1);
  CHECK(again->lease_until_ms >= first->lease_until_ms + 50'000);  // renewed to the new lease
  const auto other = ok(s.claim_range(name, "w2", 60s));
  REQUIRE(other.has_value());
  CHECK(other->id == 2);
}

TEST_CASE_TEMPLATE("an expired lease is taken over", F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  const std::string name = fx.spec.table + "-job";
  ok(s.open_job(job(name), {key_range{}}, 0));
  REQUIRE(ok(s.claim_range(name, "w1", 1ms)).has_value());
  std::this_thread::sleep_for(50ms);
  const auto taken = ok(s.claim_range(name, "w2", 60s));
  REQUIRE(taken.has_value());
  CHECK(taken->id == 1);
  CHECK(taken->owner == "w2");
  CHECK_FALSE(ok(s.claim_range(name, "w1", 60s)).has_value());  // w2's lease holds now
  CHECK(ok(s.list_ranges(name))[0].owner == "w2");
}

TEST_CASE_TEMPLATE("a released range can be claimed by another worker", F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  const std::string name = fx.spec.table + "-job";
  ok(s.open_job(job(name), {key_range{}}, 0));
  REQUIRE(ok(s.claim_range(name, "w1", 60s)).has_value());
  CHECK_FALSE(ok(s.claim_range(name, "w2", 60s)).has_value());
  ok(s.release_range(name, 1, "w1"));
  const auto r = ok(s.list_ranges(name));
  CHECK(r[0].owner.empty());
  CHECK(r[0].lease_until_ms == 0);
  REQUIRE(ok(s.claim_range(name, "w2", 60s)).has_value());
  ok(s.release_range(name, 1, "w1"));  // w1 holds it no more: nothing happens
  CHECK(ok(s.list_ranges(name))[0].owner == "w2");
}

TEST_CASE_TEMPLATE("claim_range_except passes over the ranges it is given, and claims nothing when only those are free", F,
                   STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  const std::string name = fx.spec.table + "-job";
  const std::vector<key_range> three{key_range{std::nullopt, F::key(10)},
                                     key_range{F::key(10), F::key(20)},
                                     key_range{F::key(20), std::nullopt}};
  ok(s.open_job(job(name), three, 0));
  const auto second = ok(s.claim_range_except(name, "w1", 60s, {1}));
  REQUIRE(second.has_value());
  CHECK(second->id == 2);
  ok(s.release_range(name, 2, "w1"));
  const auto third = ok(s.claim_range_except(name, "w1", 60s, {1, 2}));
  REQUIRE(third.has_value());
  CHECK(third->id == 3);
  // Only passed-over ranges are free (the held one is passed over too): nothing.
  CHECK_FALSE(ok(s.claim_range_except(name, "w2", 60s, {1, 2})).has_value());
  CHECK_FALSE(ok(s.claim_range_except(name, "w1", 60s, {1, 2, 3})).has_value());
  // An id that is also a prefix of another (1 of 12) passes over only itself.
  CHECK(ok(s.claim_range_except(name, "w2", 60s, {12})).value().id == 1);
  // No list: claim_range.
  CHECK(ok(s.claim_range_except(name, "w3", 60s, {})).value().id == 2);
}

TEST_CASE_TEMPLATE("a batch commits writes, cursor, counters and quarantine together", F,
                   STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  fx.fill(1, 10, [](int i) { return record(1, "row " + std::to_string(i)); });
  const std::string name = fx.spec.table + "-job";
  ok(s.open_job(job(name), {key_range{}}, 10));
  const auto range = ok(s.claim_range(name, "w1", 60s));
  REQUIRE(range.has_value());

  auto b = batch(name, range->id, "w1");
  for (int i : {1, 2, 3, 4})
    b.writes.push_back(
        {F::key(i), record(1, "row " + std::to_string(i)), record(2, "row " + std::to_string(i))});
  b.writes.push_back({F::key(11), record(1, "row 11"), record(2, "row 11")});  // no such row
  b.quarantine.push_back({F::key(5), 1, "step failed: the hook said no", 0});
  b.cursor = F::key(5);
  b.counted.scanned = 5;
  b.counted.quarantined = 1;
  ok(s.put(F::key(3), record(1, "changed by the application")));  // after the read: it wins

  const auto done = ok(s.commit_batch(b));
  CHECK(done.applied == std::vector<bool>{true, true, false, true, false});
  CHECK_FALSE(done.job_done);
  CHECK(ok(s.get(F::key(1))) == record(2, "row 1"));
  CHECK(ok(s.get(F::key(3))) == record(1, "changed by the application"));
  CHECK(ok(s.get(F::key(4))) == record(2, "row 4"));
  CHECK(ok(s.get(F::key(5))) == record(1, "row 5"));  // quarantined rows stay as they were
  CHECK_FALSE(ok(s.get(F::key(11))).has_value());

  const auto after = ok(s.list_ranges(name));
  REQUIRE(after.size() == 1);
  CHECK(after[0].cursor == F::key(5));
  CHECK(after[0].counters == uplift::backfill_counters{5, 3, 0, 2, 1});
  CHECK_FALSE(after[0].done);
  CHECK(after[0].owner == "w1");
  CHECK(after[0].lease_until_ms > unix_now() * 1000);

  const auto q = ok(s.list_quarantine(name, 10));
  REQUIRE(q.size() == 1);
  CHECK(q[0].key == F::key(5));
  CHECK(q[0].stored_version == 1);
  CHECK(q[0].error == "step failed: the hook said no");
  CHECK(std::abs(q[0].at - unix_now()) < 300);

  const auto j = ok(s.load_job(name));
  REQUIRE(j.has_value());
  CHECK(j->counters == uplift::backfill_counters{5, 3, 0, 2, 1});
  CHECK(j->status == job_status::running);

  // The next batch adds to the counters and moves the cursor on.
  auto next = batch(name, range->id, "w1");
  next.cursor = F::key(10);
  next.counted.scanned = 5;
  next.counted.already_current = 5;
  const auto second = ok(s.commit_batch(next));
  CHECK(second.applied.empty());
  const auto later = ok(s.list_ranges(name));
  CHECK(later[0].cursor == F::key(10));
  CHECK(later[0].counters == uplift::backfill_counters{10, 3, 5, 2, 1});
}

TEST_CASE_TEMPLATE("a batch whose lease was lost commits nothing", F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  fx.fill(1, 5, [](int) { return record(1); });
  const std::string name = fx.spec.table + "-job";
  ok(s.open_job(job(name), {key_range{}}, 5));

  auto b = batch(name, 1, "w1");
  b.writes.push_back({F::key(1), record(1), record(2)});
  b.quarantine.push_back({F::key(2), 1, "bad", 0});
  b.cursor = F::key(2);
  b.counted.scanned = 2;
  b.counted.quarantined = 1;
  // Never claimed.
  CHECK(s.commit_batch(b).error().code == errc::lease_lost);

  REQUIRE(ok(s.claim_range(name, "w1", 1ms)).has_value());
  std::this_thread::sleep_for(50ms);
  REQUIRE(ok(s.claim_range(name, "w2", 60s)).has_value());  // w1's lease expired: taken over
  auto lost = s.commit_batch(b);
  REQUIRE_FALSE(lost);
  CHECK(lost.error().code == errc::lease_lost);
  CHECK(lost.error().detail().find("w1") != std::string::npos);

  CHECK(ok(s.get(F::key(1))) == record(1));
  const auto r = ok(s.list_ranges(name));
  CHECK_FALSE(r[0].cursor.has_value());
  CHECK(r[0].counters == uplift::backfill_counters{});
  CHECK(r[0].owner == "w2");
  CHECK(ok(s.list_quarantine(name, 10)).empty());

  // The new owner's batch commits.
  b.owner = "w2";
  CHECK(ok(s.commit_batch(b)).applied == std::vector<bool>{true});
  CHECK(ok(s.get(F::key(1))) == record(2));
}

TEST_CASE_TEMPLATE("the job is done when its last range commits", F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  const std::string name = fx.spec.table + "-job";
  ok(s.open_job(job(name), {{std::nullopt, F::key(10)}, {F::key(10), std::nullopt}}, 0));
  const auto first = ok(s.claim_range(name, "w1", 60s));
  const auto second = ok(s.claim_range(name, "w2", 60s));
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());

  auto b1 = batch(name, first->id, "w1");
  b1.range_done = true;
  CHECK_FALSE(ok(s.commit_batch(b1)).job_done);
  auto j = ok(s.load_job(name));
  CHECK(j->status == job_status::running);
  CHECK(j->ranges_done == 1);

  auto b2 = batch(name, second->id, "w2");
  b2.range_done = true;
  b2.cursor = F::key(42);
  CHECK(ok(s.commit_batch(b2)).job_done);
  j = ok(s.load_job(name));
  CHECK(j->status == job_status::done);
  CHECK(j->ranges_done == 2);
  for (const auto& r : ok(s.list_ranges(name))) {
    CHECK(r.done);
    CHECK(r.owner.empty());
  }
  CHECK(ok(s.list_ranges(name))[1].cursor == F::key(42));
  // A finished range is nobody's: nothing more commits to it, and nothing is left to claim.
  CHECK(s.commit_batch(b2).error().code == errc::lease_lost);
  CHECK_FALSE(ok(s.claim_range(name, "w3", 60s)).has_value());
}

TEST_CASE_TEMPLATE("a failed batch commits nothing", F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  fx.fill(1, 6, [](int) { return record(1); });
  const std::string name = fx.spec.table + "-job";
  ok(s.open_job(job(name), {key_range{}}, 6));
  REQUIRE(ok(s.claim_range(name, "w1", 60s)).has_value());

  auto b = batch(name, 1, "w1");
  for (int i = 1; i <= 4; ++i) b.writes.push_back({F::key(i), record(1), record(2)});
  b.quarantine.push_back({F::key(5), 1, "bad", 0});
  b.cursor = F::key(6);
  b.counted.scanned = 6;
  b.range_done = true;
  fx.backend.refuse_next_commit(s, fx.spec, F::key(3));  // the third write fails
  auto failed = s.commit_batch(b);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == errc::store_error);
  CHECK(failed.error().detail().find("committing a batch") != std::string::npos);
  CHECK(failed.error().detail().find(F::backend_type::refusal_words) != std::string::npos);

  for (int i = 1; i <= 6; ++i) CHECK(ok(s.get(F::key(i))) == record(1));  // 1 and 2 too
  const auto r = ok(s.list_ranges(name));
  CHECK_FALSE(r[0].cursor.has_value());
  CHECK_FALSE(r[0].done);
  CHECK(r[0].counters == uplift::backfill_counters{});
  CHECK(r[0].owner == "w1");
  CHECK(ok(s.list_quarantine(name, 10)).empty());
  CHECK(ok(s.load_job(name))->status == job_status::running);
}

TEST_CASE_TEMPLATE("a database error is a store_error that says what was being done", F,
                   STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  fx.backend.break_table(s, fx.spec);
  auto r = s.scan({}, 10);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::store_error);
  CHECK(r.error().detail().find("scanning") != std::string::npos);
  CHECK(r.error().detail().find(fx.spec.table) != std::string::npos);
  CHECK(r.error().message().find("store error") != std::string::npos);
}

TEST_CASE_TEMPLATE("set_job_status records the status, and the error of a failed job", F,
                   STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  const std::string name = fx.spec.table + "-job";
  ok(s.open_job(job(name), {key_range{}}, 0));
  ok(s.set_job_status(name, job_status::paused, "ignored unless failed"));
  auto j = ok(s.load_job(name));
  CHECK(j->status == job_status::paused);
  CHECK(j->error.empty());
  ok(s.set_job_status(name, job_status::failed, "the disk is full"));
  j = ok(s.load_job(name));
  CHECK(j->status == job_status::failed);
  CHECK(j->error == "the disk is full");
  ok(s.set_job_status(name, job_status::running, ""));
  j = ok(s.load_job(name));
  CHECK(j->status == job_status::running);
  CHECK(j->error.empty());
  auto missing = s.set_job_status("no such job", job_status::paused, "");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == errc::store_error);
  CHECK(missing.error().detail().find("no such job") != std::string::npos);
}

TEST_CASE_TEMPLATE("list_quarantine lists rows oldest first, for one job or the table's jobs", F,
                   STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  const std::string a = fx.spec.table + "-a";
  const std::string b = fx.spec.table + "-b";
  ok(s.open_job(job(a), {key_range{}}, 0));
  ok(s.open_job(job(b, 3), {key_range{}}, 0));
  REQUIRE(ok(s.claim_range(a, "w", 60s)).has_value());
  REQUIRE(ok(s.claim_range(b, "w", 60s)).has_value());
  auto qa = batch(a, 1, "w");
  qa.quarantine = {{F::key(3), 1, "three", 0}, {F::key(1), 1, "one", 0}};
  ok(s.commit_batch(qa));
  auto qb = batch(b, 1, "w");
  qb.quarantine = {{F::key(2), 2, "two", 0}};
  ok(s.commit_batch(qb));
  // Another table's job is not listed with this table's.
  auto other = fx.open_table(fx.other_table());
  const std::string c = fx.spec.table + "-c";
  ok(other.open_job(job(c), {key_range{}}, 0));
  REQUIRE(ok(other.claim_range(c, "w", 60s)).has_value());
  auto qc = batch(c, 1, "w");
  qc.quarantine = {{F::key(9), 1, "nine", 0}};
  ok(other.commit_batch(qc));

  auto keys_of = [](const std::vector<quarantined_row>& rows) {
    std::vector<row_key> out;
    for (const auto& r : rows) out.push_back(r.key);
    return out;
  };
  CHECK(keys_of(ok(s.list_quarantine(a, 10))) == std::vector<row_key>{F::key(3), F::key(1)});
  CHECK(keys_of(ok(s.list_quarantine(b, 10))) == std::vector<row_key>{F::key(2)});
  CHECK(keys_of(ok(s.list_quarantine("", 10))) ==
        std::vector<row_key>{F::key(3), F::key(1), F::key(2)});
  CHECK(keys_of(ok(s.list_quarantine("", 2))) == std::vector<row_key>{F::key(3), F::key(1)});
  CHECK(ok(s.list_quarantine(b, 10))[0].stored_version == 2);

  // Quarantined again in the job: one row, with the latest error.
  auto again = batch(a, 1, "w");
  again.quarantine = {{F::key(1), 1, "one, again", 0}};
  ok(s.commit_batch(again));
  const auto rows = ok(s.list_quarantine(a, 10));
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].error == "one, again");
}

TEST_CASE_TEMPLATE("a key of the other kind than the table's is refused", F,
                   STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  ok(s.put(F::key(1), record(1)));
  const row_key wrong = F::wrong_key();
  auto put = s.put(wrong, record(1));
  REQUIRE_FALSE(put);
  CHECK(put.error().code == errc::store_error);
  CHECK(put.error().detail().find("table_spec::key") != std::string::npos);
  CHECK(s.get(wrong).error().code == errc::store_error);
  CHECK(s.scan({wrong, std::nullopt}, 10).error().code == errc::store_error);
  CHECK(s.split({std::nullopt, wrong}, 2).error().code == errc::store_error);

  const std::string name = fx.spec.table + "-job";
  CHECK(s.open_job(job(name), {{wrong, std::nullopt}}, 0).error().code == errc::store_error);
  CHECK_FALSE(ok(s.load_job(name)).has_value());
  ok(s.open_job(job(name), {key_range{}}, 0));
  REQUIRE(ok(s.claim_range(name, "w", 60s)).has_value());
  auto b = batch(name, 1, "w");
  b.writes = {{F::key(1), record(1), record(2)}, {wrong, record(1), record(2)}};
  CHECK(s.commit_batch(b).error().code == errc::store_error);
  CHECK(ok(s.get(F::key(1))) == record(1));
}

TEST_CASE_TEMPLATE("connect shares the table and the job tables", F, STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  auto& s = fx.s();
  auto other = fx.connect();
  CHECK(other.spec().table == fx.spec.table);
  ok(s.put(F::key(1), record(1)));
  CHECK(ok(other.get(F::key(1))) == record(1));
  const std::string name = fx.spec.table + "-job";
  ok(other.open_job(job(name), {key_range{}}, 1));
  REQUIRE(ok(s.load_job(name)).has_value());
  REQUIRE(ok(s.claim_range(name, "w1", 60s)).has_value());
  CHECK_FALSE(ok(other.claim_range(name, "w2", 60s)).has_value());
}

TEST_CASE_TEMPLATE("two workers opening one job at once both get the one job", F,
                   STORE_TEST_ALL_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  const std::string name = fx.spec.table + "-job";
  std::vector<key_range> two{{std::nullopt, F::key(10)}, {F::key(10), std::nullopt}};
  std::vector<key_range> five;
  for (int i = 0; i < 5; ++i)
    five.push_back({i == 0 ? std::nullopt : std::optional<row_key>(F::key(i * 10)),
                    i == 4 ? std::nullopt : std::optional<row_key>(F::key(i * 10 + 10))});
  for (int round = 0; round < 3; ++round) {
    const std::string round_name = name + std::to_string(round);
    std::optional<uplift::result<uplift::job_record>> got[2];
    {
      auto first = fx.connect();
      auto second = fx.connect();
      std::atomic<int> ready{0};
      auto open = [&](auto& store, int w) {
        ++ready;
        while (ready < 2) std::this_thread::yield();
        got[w].emplace(store.open_job(job(round_name), w == 0 ? two : five, w == 0 ? 2 : 5));
      };
      std::thread a([&] { open(first, 0); });
      std::thread b([&] { open(second, 1); });
      a.join();
      b.join();
    }
    const auto r0 = ok(std::move(*got[0]));
    const auto r1 = ok(std::move(*got[1]));
    CHECK(r0.ranges == r1.ranges);
    CHECK(r0.total_rows == r1.total_rows);
    CHECK(r0.created_at == r1.created_at);
    CHECK((r0.ranges == 2 || r0.ranges == 5));
    CHECK(ok(fx.s().list_ranges(round_name)).size() == r0.ranges);
  }
}

TEST_CASE_TEMPLATE("job tables of the first edition's layout are upgraded in place and their jobs resume", F,
                   store_test::sqlite_int, store_test::postgres_int) {
  STORE_TEST_FIXTURE(F, fx);
  constexpr bool sqlite = std::is_same_v<typename F::backend_type, store_test::sqlite_backend>;
  // The job tables as the first edition created them: jobs keyed by their name alone.
  fx.backend.run_sql(
      "DROP TABLE uplift_backfill; DROP TABLE uplift_backfill_ranges; DROP TABLE uplift_quarantine;");
  fx.backend.run_sql(std::string(
      "CREATE TABLE uplift_backfill (name TEXT NOT NULL PRIMARY KEY, table_name TEXT NOT NULL, "
      "record TEXT NOT NULL, type_id BIGINT NOT NULL, target_version BIGINT NOT NULL, "
      "key_type TEXT NOT NULL, status TEXT NOT NULL, total_rows BIGINT NOT NULL, "
      "error TEXT NOT NULL DEFAULT '', created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
      "CREATE TABLE uplift_backfill_ranges (job TEXT NOT NULL, id BIGINT NOT NULL, "
      "after_key TEXT, upto_key TEXT, cursor_key TEXT, done BOOLEAN NOT NULL DEFAULT FALSE, "
      "owner TEXT NOT NULL DEFAULT '', lease_until_ms BIGINT NOT NULL DEFAULT 0, "
      "scanned BIGINT NOT NULL DEFAULT 0, upgraded BIGINT NOT NULL DEFAULT 0, "
      "already_current BIGINT NOT NULL DEFAULT 0, conflicts BIGINT NOT NULL DEFAULT 0, "
      "quarantined BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (job, id));"
      "CREATE TABLE uplift_quarantine (id ") +
      (sqlite ? "INTEGER PRIMARY KEY" : "BIGSERIAL PRIMARY KEY") +
      ", job TEXT NOT NULL, \"key\" TEXT NOT NULL, stored_version BIGINT NOT NULL, "
      "error TEXT NOT NULL, at BIGINT NOT NULL, UNIQUE (job, \"key\"));");
  const std::string t = fx.spec.table;
  fx.backend.run_sql(
      "INSERT INTO uplift_backfill VALUES ('test.Thing@v2', '" + t +
      "', 'test.Thing', " + std::to_string(uplift::type_id_of("test.Thing")) +
      ", 2, 'integer', 'running', 20, '', 1, 1);"
      "INSERT INTO uplift_backfill_ranges (job, id, upto_key, cursor_key, scanned, upgraded) "
      "VALUES ('test.Thing@v2', 1, '10', '4', 4, 3);"
      "INSERT INTO uplift_backfill_ranges (job, id, after_key) VALUES ('test.Thing@v2', 2, '10');"
      "INSERT INTO uplift_quarantine (job, \"key\", stored_version, error, at) "
      "VALUES ('test.Thing@v2', '2', 1, 'two', 5);");

  auto& s = fx.s();
  ok(s.ensure_job_tables());
  ok(s.ensure_job_tables());  // once upgraded, left as it is
  const auto loaded = ok(s.load_job("test.Thing@v2"));
  REQUIRE(loaded.has_value());
  CHECK(loaded->status == job_status::running);
  CHECK(loaded->ranges == 2);
  CHECK(loaded->counters.scanned == 4);
  CHECK(loaded->counters.upgraded == 3);
  CHECK(ok(s.list_quarantine("test.Thing@v2", 10)).size() == 1);
  CHECK(ok(s.list_quarantine("", 10)).size() == 1);
  // The job resumes from its cursor, and a job of that name on another table is its own.
  auto r = ok(s.claim_range("test.Thing@v2", "w", 60s));
  REQUIRE(r.has_value());
  CHECK(r->id == 1);
  CHECK(r->cursor == std::optional<row_key>(F::key(4)));
  auto other = fx.open_table(fx.other_table());
  CHECK(ok(other.open_job(job("test.Thing@v2", 2), {key_range{}}, 0)).ranges == 1);
  // New quarantine rows still get ids after the copied ones.
  auto b = batch("test.Thing@v2", 1, "w");
  b.quarantine = {{F::key(3), 1, "three", 0}};
  ok(s.commit_batch(b));
  CHECK(ok(s.list_quarantine("test.Thing@v2", 10)).size() == 2);
}
