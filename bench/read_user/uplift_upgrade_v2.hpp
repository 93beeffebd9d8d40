#pragma once
// uplift::read of records stored at v2, trusted input: the transforming step v2 -> v3 runs on
// every read (unpack v2, the split-name hook, pack v3 into an owned buffer).

#include <cstdint>
#include <string_view>

#include "harness.hpp"
#include "read_user/dataset.hpp"

namespace uplift_bench::read_user {

struct uplift_upgrade_v2 {
  static constexpr std::string_view name = "uplift::read, upgrade v2 -> v3, trusted";
  static constexpr std::string_view input = "v2 records";

  std::uint64_t run(const dataset& d) const {
    static constexpr uplift::read_options options{.verify = false};
    std::uint64_t h = checksum_seed;
    for (std::uint32_t i : d.order) {
      auto r = uplift::read<demo::User>(d.records_v2[i].span(), options);
      if (!r) [[unlikely]]
        die(r.error().message());
      h = fold(h, **r);
    }
    return h;
  }
};

}  // namespace uplift_bench::read_user
