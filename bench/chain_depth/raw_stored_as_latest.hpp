#pragma once
// A wire-compatible chain by hand, trusted: the stored version's bare payload read through the
// latest (v11) accessors, as FlatBuffers allows when fields are only appended or renamed in place.

#include <cstdint>
#include <string_view>

#include "chain_depth/dataset.hpp"

namespace uplift_bench::chain_depth {

template <class Family>
struct raw_stored_as_latest {
  static_assert(Family::wire, "only a wire-compatible chain reads old bytes through new accessors");
  static constexpr std::string_view id = "raw_stored";
  static constexpr std::string_view name = "raw FlatBuffers: the stored payload read as v11";
  static constexpr std::string_view input = "stored payloads";

  std::uint64_t read(const dataset<Family>& d, std::uint32_t i, std::uint64_t h) const {
    return Family::fold(h, *flatbuffers::GetRoot<typename Family::latest_table>(d.stored.data(i)));
  }
  std::size_t input_bytes(const dataset<Family>& d) const { return d.stored.total_bytes(); }
};

}  // namespace uplift_bench::chain_depth
