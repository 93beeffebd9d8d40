#pragma once
// uplift::read of records stored at the latest version, untrusted input (the default): the
// header check, then the v3 verifier, then GetRoot.

#include <cstdint>
#include <string_view>

#include "harness.hpp"
#include "read_user/dataset.hpp"

namespace uplift_bench::read_user {

struct uplift_verified {
  static constexpr std::string_view name = "uplift::read, verified (default)";
  static constexpr std::string_view input = "v3 records";

  std::uint64_t run(const dataset& d) const {
    std::uint64_t h = checksum_seed;
    for (std::uint32_t i : d.order) {
      auto r = uplift::read<demo::User>(d.records_v3[i].span());
      if (!r) [[unlikely]]
        die(r.error().message());
      h = fold(h, **r);
    }
    return h;
  }
};

}  // namespace uplift_bench::read_user
