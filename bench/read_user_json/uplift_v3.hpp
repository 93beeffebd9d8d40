#pragma once
// uplift::read_json of the v3 JSON text: the "_v" lookup, the generated v3 reader (keys in any
// order, duplicates rejected, unknown keys skipped), no upgrade.

#include <cstdint>
#include <string_view>

#include "harness.hpp"
#include "read_user_json/dataset.hpp"

namespace uplift_bench::read_user_json {

struct uplift_v3 {
  static constexpr std::string_view name = "uplift::read_json, no upgrade";
  static constexpr std::string_view input = "v3 JSON";

  std::uint64_t run(const dataset& d) const {
    std::uint64_t h = checksum_seed;
    for (std::uint32_t i : d.order) {
      auto r = uplift::read_json<demo::User>(d.json_v3[i]);
      if (!r) [[unlikely]]
        die(r.error().message());
      h = fold(h, *r);
    }
    return h;
  }
};

}  // namespace uplift_bench::read_user_json
