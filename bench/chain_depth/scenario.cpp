// The chain_depth scenario: for each kind of step, records stored 0, 1, 3 and 10 steps behind the
// latest version, read by uplift and by hand.
#include <cstdio>
#include <string>
#include <utility>

#include "chain_depth/dataset.hpp"
#include "chain_depth/fused_rebuild.hpp"
#include "chain_depth/object_api_migration.hpp"
#include "chain_depth/raw_latest.hpp"
#include "chain_depth/raw_stored_as_latest.hpp"
#include "chain_depth/uplift_read.hpp"
#include "scenarios.hpp"

namespace uplift_bench {

namespace {

using namespace chain_depth;

template <class Family, int Depth>
void run_depth(std::size_t n, const settings& s, results& out) {
  constexpr auto stored = static_cast<std::uint16_t>(latest_version - Depth);
  const dataset<Family> d = make_dataset<Family>(Depth, n, 20240603);
  const std::uint64_t expected = record::reference(
      d.records, d.order, [](std::uint64_t h, const logical& r) { return Family::fold(h, r); });
  char title[256];
  std::snprintf(title, sizeof title, "%.*s, depth %d (stored at v%d, latest v%d; %zu records, in cache)",
                static_cast<int>(Family::title.size()), Family::title.data(), Depth, stored,
                latest_version, n);
  suite<dataset<Family>> su(d, checksum_seed, s);
  raw_latest<Family> base;
  su.add(base, expected);  // the baseline
  uplift_read<Family, false> trusted;
  uplift_read<Family, true> verified;
  uplift_read_reused<Family, false> reused_trusted;
  uplift_read_reused<Family, true> reused_verified;
  // Runs the table; the hand-written contenders of each branch below live until it returns.
  auto finish = [&] {
    su.add(trusted, expected);
    su.add(verified, expected);
    su.add(reused_trusted, expected);
    su.add(reused_verified, expected);
    out.table("chain_depth/" + std::string(Family::id) + "/" + std::to_string(Depth), title, "", n,
              su.run());
  };
  if constexpr (Depth == 0) {
    finish();
  } else if constexpr (Family::wire) {
    raw_stored_as_latest<Family> by_hand;
    su.add(by_hand, expected);
    finish();
  } else {
    object_api_migration<Family, stored> object_api;
    fused_rebuild<Family, stored> fused;
    su.add(object_api, expected);
    su.add(fused, expected);
    finish();
  }
}

template <class Family>
void run_family(const settings& s, results& out) {
  const std::size_t n = s.smoke ? 24 : 2048;
  run_depth<Family, 0>(n, s, out);
  run_depth<Family, 1>(n, s, out);
  run_depth<Family, 3>(n, s, out);
  run_depth<Family, 10>(n, s, out);
}

}  // namespace

void run_chain_depth(const settings& s, results& out) {
  run_family<added>(s, out);
  run_family<rename>(s, out);
  run_family<widen>(s, out);
  run_family<computed>(s, out);
}

}  // namespace uplift_bench
