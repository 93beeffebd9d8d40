// The write-version knob across processes (uplift-knob-child, as it is and as its second release),
// on SQLite and PostgreSQL: a flip reaches every process within the bound and each writes the new
// version from the moment it saw it; an older release blocks a flip it cannot follow, by name,
// until it exits or its lease runs out.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <uplift/fleet/knob.hpp>

#include "knob_processes.hpp"
#include "store_fixtures.hpp"
#include "user_uplift.hpp"

using namespace std::chrono_literals;
using knob_test::child;
using store_test::ok;

namespace knob_process_test {

/// The store as uplift-knob-child takes it.
inline std::string store_arg(store_test::sqlite_backend& b) { return "sqlite:" + b.path(); }
inline std::string store_arg(store_test::postgres_backend& b) { return "pg:" + b.conninfo(); }

/// Starts a child of `exe` named `node`, writing keys from `id_base`.
template <class F>
std::unique_ptr<child> start(F& fx, const char* exe, const std::string& node, long long id_base,
                             std::vector<std::string> more = {}) {
  std::vector<std::string> args{exe, store_arg(fx.backend), fx.spec.table, node,
                                std::to_string(id_base)};
  args.insert(args.end(), more.begin(), more.end());
  return std::make_unique<child>(args);
}

/// The words after a line's first one, as numbers: "FLIP 2 3 1700000000" -> {2, 3, 1700000000}.
inline std::vector<long long> numbers(const std::string& line) {
  std::istringstream in(line.substr(line.find(' ') + 1));
  std::vector<long long> out;
  long long n = 0;
  while (in >> n) out.push_back(n);
  return out;
}

}  // namespace knob_process_test

using knob_process_test::numbers;
using knob_process_test::start;

#define KNOB_PROCESS_STORES store_test::sqlite_int, store_test::postgres_int

TEST_CASE_TEMPLATE("knob processes: a flip reaches every process within the bound, and each writes the new version from the moment it saw it", F,
                   KNOB_PROCESS_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  constexpr int n = 4;
  constexpr long long stride = 1000000;
  std::vector<std::unique_ptr<child>> fleet;
  for (int i = 0; i < n; ++i)
    fleet.push_back(start(fx, UPLIFT_KNOB_CHILD, "node-" + std::to_string(i), i * stride,
                          {"--write-version", "2"}));
  for (auto& c : fleet) {
    auto ready = c->line_starting("READY", 30s);
    REQUIRE(ready.has_value());
    CHECK(*ready == "READY 2");
  }
  std::this_thread::sleep_for(300ms);  // rows at v2 first

  const long long before = knob_test::unix_us();
  const auto flip = ok(uplift::set_knob(fx.s(), "demo.User", 3, {.by = "test"}));
  const long long after = knob_test::unix_us();
  CHECK(flip.kind == "set");
  std::vector<long long> seen(n);
  for (int i = 0; i < n; ++i) {
    auto l = fleet[i]->line_starting("FLIP", 10s);
    REQUIRE(l.has_value());
    const auto f = numbers(*l);
    REQUIRE(f.size() == 3);
    CHECK(f[0] == 2);
    CHECK(f[1] == 3);
    seen[i] = f[2];
    // Within knob_options::poll (1 s by default), the bound when no sign of the flip arrives;
    // with the signs, milliseconds.
    CHECK(seen[i] - before < 1000000);
    MESSAGE("node-" << i << " saw the flip " << static_cast<double>(seen[i] - after) / 1000.0 << " ms after set_knob returned");
  }
  std::this_thread::sleep_for(300ms);  // rows at v3 too
  for (auto& c : fleet) c->close_stdin();
  for (auto& c : fleet) {
    CHECK(c->line_starting("DONE", 30s).has_value());
    CHECK(c->wait() == 0);
  }
  CHECK(ok(fx.s().list_knob_nodes("demo.User")).empty());

  // Each process's rows in the order it wrote them: v2 up to the flip, v3 from then on.
  const auto reader = uplift::codec<demo::User>::make({}).value();
  std::map<int, std::vector<std::pair<std::uint16_t, long long>>> rows;  // version, write time
  for (const auto& row : ok(fx.s().scan({}, 10000000))) {
    const auto key = std::get<std::int64_t>(row.key);
    const auto view = reader.read(row.value);
    REQUIRE(view.has_value());
    rows[static_cast<int>(key / stride)].push_back(
        {uplift::peek(uplift::as_bytes_view(row.value)).value().version,
         static_cast<long long>((*view)->created_at())});
  }
  REQUIRE(rows.size() == n);
  for (int i = 0; i < n; ++i) {
    const auto& r = rows[i];
    INFO("node-" << i);
    const auto first_v3 = std::find_if(r.begin(), r.end(), [](auto& x) { return x.first == 3; });
    REQUIRE(first_v3 != r.begin());  // it wrote v2 before
    REQUIRE(first_v3 != r.end());    // and v3 after
    CHECK(std::all_of(r.begin(), first_v3, [](auto& x) { return x.first == 2; }));
    CHECK(std::all_of(first_v3, r.end(), [](auto& x) { return x.first == 3; }));
    // Every write begun after the process saw the flip is at v3 ...
    CHECK(std::prev(first_v3)->second < seen[i]);
    // ... and none at v3 was decided before the flip began: the write after the first v3 one
    // began after set_knob was called.
    if (std::next(first_v3) != r.end()) CHECK(std::next(first_v3)->second > before);
  }
}

TEST_CASE_TEMPLATE("knob processes: an older release blocks a flip it cannot read, by name, until it exits or its lease runs out", F,
                   KNOB_PROCESS_STORES) {
  STORE_TEST_FIXTURE(F, fx);
  const std::vector<std::string> quick_lease{"--lease-ms", "1500", "--heartbeat-ms", "300",
                                             "--every-us", "20000"};
  auto current = start(fx, UPLIFT_KNOB_CHILD, "release-3", 0, quick_lease);
  auto old = start(fx, UPLIFT_KNOB_CHILD_RELEASE2, "release-2-a", 1000000, quick_lease);
  REQUIRE(current->line_starting("READY", 30s) == "READY 3");
  REQUIRE(old->line_starting("READY", 30s) == "READY 2");
  ok(uplift::set_knob(fx.s(), "demo.User", 2));  // both read and write v2
  CHECK(current->line_starting("FLIP", 10s).has_value());

  auto refused = uplift::set_knob(fx.s(), "demo.User", 3);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == uplift::errc::knob_refused);
  CHECK(refused.error().message().find(
            "node \"release-2-a\" reads v1..v2 and cannot read v3") != std::string::npos);

  // Killed: its row stays until the lease runs out, and blocks the flip until then.
  old->kill9();
  old->wait();
  CHECK_FALSE(uplift::set_knob(fx.s(), "demo.User", 3));
  std::this_thread::sleep_for(1700ms);
  CHECK(ok(uplift::set_knob(fx.s(), "demo.User", 3)).kind == "set");
  CHECK(current->line_starting("FLIP", 10s) .has_value());

  // An older release cannot attach while the knob is at v3.
  auto late = start(fx, UPLIFT_KNOB_CHILD_RELEASE2, "release-2-b", 2000000, quick_lease);
  auto refusal = late->line_starting("REFUSED", 30s);
  REQUIRE(refusal.has_value());
  CHECK(refusal->find("node \"release-2-b\" reads v1..v2 and cannot read v3") != std::string::npos);
  CHECK(late->wait() == 3);

  // Back to v2 (the killswitch), an older release attaches; when it exits cleanly, the flip to
  // v3 goes through at once.
  CHECK(ok(uplift::knob_killswitch(fx.s(), "demo.User")).to == 2);
  auto again = start(fx, UPLIFT_KNOB_CHILD_RELEASE2, "release-2-c", 3000000, quick_lease);
  REQUIRE(again->line_starting("READY", 30s) == "READY 2");
  CHECK_FALSE(uplift::set_knob(fx.s(), "demo.User", 3));
  again->close_stdin();
  CHECK(again->line_starting("DONE", 30s).has_value());
  CHECK(again->wait() == 0);
  CHECK(ok(uplift::set_knob(fx.s(), "demo.User", 3)).kind == "set");

  current->close_stdin();
  CHECK(current->wait() == 0);
}
