#pragma once
// uplift::read of records stored at the latest version, trusted input (no verifier): a header
// check on top of GetRoot.

#include <cstdint>
#include <string_view>

#include "harness.hpp"
#include "read_user/dataset.hpp"

namespace uplift_bench::read_user {

struct uplift_trusted {
  static constexpr std::string_view name = "uplift::read, trusted (verify=false)";
  static constexpr std::string_view input = "v3 records";

  std::uint64_t run(const dataset& d) const {
    static constexpr uplift::read_options options{.verify = false};
    std::uint64_t h = checksum_seed;
    for (std::uint32_t i : d.order) {
      auto r = uplift::read<demo::User>(d.records_v3[i].span(), options);
      if (!r) [[unlikely]]
        die(r.error().message());
      h = fold(h, **r);
    }
    return h;
  }
};

}  // namespace uplift_bench::read_user
