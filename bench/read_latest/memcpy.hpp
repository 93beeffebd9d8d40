#pragma once
// The floor: copying each record's bytes (the bare v3 FlatBuffer) into a buffer and touching its
// first and last byte. No decoding at all.

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "read_latest/dataset.hpp"

namespace uplift_bench::read_latest {

class memcpy_bytes {
 public:
  static constexpr std::string_view id = "memcpy";
  static constexpr std::string_view name = "memcpy of the bytes";
  static constexpr std::string_view input = "v3 payloads";

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) {
    const std::size_t n = d.flatbuffers.size(i);
    if (scratch_.size() < n) scratch_.resize(n);
    std::memcpy(scratch_.data(), d.flatbuffers.data(i), n);
    return mix(mix(h, n), (std::uint64_t{scratch_[0]} << 8) | scratch_[n - 1]);
  }
  std::size_t input_bytes(const dataset& d) const { return d.flatbuffers.total_bytes(); }

  /// Its own reference: the same fold over the original bytes.
  static std::uint64_t expected(const dataset& d) {
    std::uint64_t h = checksum_seed;
    for (std::uint32_t i : d.order) {
      const std::size_t n = d.flatbuffers.size(i);
      h = mix(mix(h, n), (std::uint64_t{d.flatbuffers.data(i)[0]} << 8) | d.flatbuffers.data(i)[n - 1]);
    }
    return h;
  }

 private:
  std::vector<std::uint8_t> scratch_;
};

}  // namespace uplift_bench::read_latest
