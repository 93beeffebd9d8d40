// The claims of docs/THREADS.md, one test each: what may be shared across threads is shared by
// several threads at once here, and these tests run under ThreadSanitizer in `make test`.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <uplift/json.hpp>
#include <uplift/rows/backfill.hpp>
#include <uplift/rows/histogram.hpp>
#include <uplift/rows/read_repair.hpp>

#include "store_fixtures.hpp"
#include "user_uplift_json.hpp"

namespace {

using namespace store_test;
using namespace std::chrono_literals;
using User = demo::User;

constexpr int thread_count = 4;

/// User i at `version`; the same person at every version.
std::string user_at(int i, std::uint16_t version) {
  demo::v3::UserT u;
  u.id = static_cast<std::uint64_t>(i);
  u.given_name = "Given" + std::to_string(i);
  u.family_name = "Family" + std::to_string(i);
  u.email = "user" + std::to_string(i) + "@example.com";
  u.age = i % 90;
  u.created_at = version >= 2 ? 1'700'000'000 + i : 0;
  auto c = uplift::codec<User>::make({.write_version = version}).value();
  return std::string(c.write(u).value().as_string_view());
}

/// Runs `work(t)` on thread_count threads at once.
template <class Work>
void on_threads(Work work) {
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t) threads.emplace_back(work, t);
  for (auto& th : threads) th.join();
}

}  // namespace

TEST_CASE("threads: one codec reads binary and JSON records of every version on many threads while "
          "its write version flips") {
  auto c = uplift::codec<User>::make({.write_version = 2}).value();
  std::vector<std::string> records, documents;
  for (int i = 0; i < 30; ++i) {
    records.push_back(user_at(i, static_cast<std::uint16_t>(1 + i % 3)));
    documents.push_back(c.binary_to_json(uplift::as_bytes_view(records.back())).value());
  }
  std::atomic<int> wrong{0};
  std::atomic<bool> stop{false};
  std::thread flipper([&] {
    for (int n = 0; !stop.load(); ++n) (void)c.set_write_version(n % 2 == 0 ? 3 : 2);
  });
  on_threads([&](int t) {
    for (int round = 0; round < 20; ++round) {
      for (int i = t; i < 30; i += 1) {
        auto v = c.read(records[i]);
        auto o = c.read_object(records[i]);
        auto j = c.read_json(documents[i]);
        if (!v || !o || !j || (*v)->id() != static_cast<std::uint64_t>(i) || !(*o == *j)) ++wrong;
        auto again = c.write(*o);  // at whichever write version is current
        if (!again || !uplift::read_object<User>(again->span())) ++wrong;
      }
    }
  });
  stop = true;
  flipper.join();
  CHECK(wrong.load() == 0);
}

TEST_CASE_TEMPLATE("threads: each thread works on its own connection of one store", F,
                   memory_int, sqlite_int, postgres_int) {
  STORE_TEST_FIXTURE(F, fx);
  std::vector<typename F::store_type> connections;
  for (int t = 0; t < thread_count; ++t) connections.push_back(fx.connect());
  std::atomic<int> failures{0};
  on_threads([&](int t) {
    auto& s = connections[static_cast<std::size_t>(t)];
    for (int i = 0; i < 25; ++i) {
      const auto key = F::key(t * 1000 + i);
      const std::string v1 = user_at(i, 1);
      if (!s.put(key, v1)) ++failures;
      auto got = s.get(key);
      if (!got || !*got || **got != v1) ++failures;
      auto w = s.write_if({key, v1, user_at(i, 3)});
      if (!w || !*w) ++failures;
    }
  });
  CHECK(failures.load() == 0);
  CHECK(fx.keys().size() == static_cast<std::size_t>(thread_count * 25));
}

TEST_CASE_TEMPLATE("threads: one backfill handle is watched, paused and resumed from several threads",
                   F, memory_int, sqlite_int, postgres_int) {
  STORE_TEST_FIXTURE(F, fx);
  fx.fill(1, 600, [](int i) { return user_at(i, static_cast<std::uint16_t>(1 + i % 3)); });
  uplift::backfill_options o;
  o.workers = 2;
  o.initial_batch = 20;
  o.min_batch = 10;
  o.max_batch = 50;
  o.rows_per_second = 3000;
  o.idle_poll = 5ms;
  auto b = uplift::backfill::start(fx.connect(), uplift::codec<User>(), o).value();
  std::atomic<int> failures{0};
  on_threads([&](int t) {
    if (t == 1 || t == 2) {
      // Two threads pause and resume at once; each ends with a resume, so the job finishes.
      for (int i = 0; i < 5; ++i) {
        b.pause();
        std::this_thread::sleep_for(3ms);
        b.resume();
        std::this_thread::sleep_for(10ms);
      }
      return;
    }
    double last = 0;
    while (!b.finished()) {
      const auto p = b.progress();
      if (p.fraction() < last) ++failures;  // never backwards, whoever asks
      last = p.fraction();
      if (t == 0 && !b.histogram()) ++failures;
      std::this_thread::sleep_for(2ms);
    }
  });
  CHECK(b.wait());
  CHECK(failures.load() == 0);
  const auto h = b.histogram().value();
  CHECK(h.below(3) == 0);
}

TEST_CASE_TEMPLATE("threads: one read-repair is read through and watched from several threads", F,
                   memory_int, sqlite_int, postgres_int) {
  STORE_TEST_FIXTURE(F, fx);
  fx.fill(1, 200, [](int i) { return user_at(i, 1); });
  uplift::read_repair repair = uplift::read_repair::start(fx.connect(), uplift::codec<User>()).value();
  std::atomic<int> failures{0};
  on_threads([&](int t) {
    for (int i = 1 + t; i <= 200; i += thread_count) {
      const std::string old = user_at(i, 1);
      auto v = repair.read<User>(F::key(i), uplift::as_bytes_view(old));
      if (!v || (*v)->id() != static_cast<std::uint64_t>(i)) ++failures;
      if (repair.stats().written > 200) ++failures;
    }
  });
  repair.flush();
  CHECK(failures.load() == 0);
  const auto s = repair.stats();
  CHECK(s.queued + s.dropped == 200);
  CHECK(s.written + s.conflicts + s.failed == s.queued);
}
