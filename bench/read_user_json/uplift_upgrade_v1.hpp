#pragma once
// uplift::read_json of the v1 JSON text: the generated v1 reader into a demo::v1::UserT, then the
// steps v1 -> v2 (rename, created_at 0) and v2 -> v3 (the split-name hook, age widened) on every
// read.

#include <cstdint>
#include <string_view>

#include "harness.hpp"
#include "read_user_json/dataset.hpp"

namespace uplift_bench::read_user_json {

struct uplift_upgrade_v1 {
  static constexpr std::string_view name = "uplift::read_json, upgrade v1 -> v2 -> v3";
  static constexpr std::string_view input = "v1 JSON";

  std::uint64_t run(const dataset& d) const {
    std::uint64_t h = checksum_seed;
    for (std::uint32_t i : d.order) {
      auto r = uplift::read_json<demo::User>(d.json_v1[i]);
      if (!r) [[unlikely]]
        die(r.error().message());
      h = fold(h, *r);
    }
    return h;
  }
};

}  // namespace uplift_bench::read_user_json
