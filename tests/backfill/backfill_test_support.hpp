// What the backfill's test files share: quick options for small tables, and a table's rows.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include <uplift/rows/backfill.hpp>

#include "store_fixtures.hpp"

namespace backfill_test {

/// Options for small, quick test runs.
inline uplift::backfill_options quick() {
  uplift::backfill_options o;
  o.initial_batch = 40;
  o.min_batch = 10;
  o.max_batch = 200;
  o.idle_poll = std::chrono::milliseconds(20);
  return o;
}

/// Every row of a store's table, by its key as text.
template <class S>
std::map<std::string, std::string> rows_of(S& s) {
  std::map<std::string, std::string> out;
  for (auto& row : store_test::ok(s.scan({}, 100000000))) out[uplift::key_to_string(row.key)] = row.value;
  return out;
}

}  // namespace backfill_test
