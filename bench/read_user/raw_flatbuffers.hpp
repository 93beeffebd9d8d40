#pragma once
// Baseline: bare v3 FlatBuffers, trusted: GetRoot and read every field.

#include <cstdint>
#include <string_view>

#include "read_user/dataset.hpp"

namespace uplift_bench::read_user {

struct raw_flatbuffers {
  static constexpr std::string_view name = "raw FlatBuffers: GetRoot (baseline)";
  static constexpr std::string_view input = "v3 payloads";

  std::uint64_t run(const dataset& d) const {
    std::uint64_t h = checksum_seed;
    for (std::uint32_t i : d.order)
      h = fold(h, *flatbuffers::GetRoot<demo::v3::User>(d.raw_v3[i].data()));
    return h;
  }
};

}  // namespace uplift_bench::read_user
