#pragma once
// Bare v3 FlatBuffers, untrusted: the FlatBuffers Verifier, then GetRoot and read every field.

#include <cstdint>
#include <string_view>

#include "harness.hpp"
#include "read_user/dataset.hpp"

namespace uplift_bench::read_user {

struct raw_verified {
  static constexpr std::string_view name = "raw FlatBuffers: Verifier + GetRoot";
  static constexpr std::string_view input = "v3 payloads";

  std::uint64_t run(const dataset& d) const {
    std::uint64_t h = checksum_seed;
    for (std::uint32_t i : d.order) {
      const flatbuffers::DetachedBuffer& b = d.raw_v3[i];
      flatbuffers::Verifier v(b.data(), b.size());
      if (!v.VerifyBuffer<demo::v3::User>(nullptr)) [[unlikely]]
        die("raw_verified: a v3 payload failed verification");
      h = fold(h, *flatbuffers::GetRoot<demo::v3::User>(b.data()));
    }
    return h;
  }
};

}  // namespace uplift_bench::read_user
