#pragma once
// The baseline: bare latest-version (v11) payloads of the same logical data, trusted: GetRoot and
// read every field. What the record costs once it is current.

#include <cstdint>
#include <string_view>

#include "chain_depth/dataset.hpp"

namespace uplift_bench::chain_depth {

template <class Family>
struct raw_latest {
  static constexpr std::string_view id = "raw_latest";
  static constexpr std::string_view name = "raw FlatBuffers: GetRoot + read of v11 (baseline)";
  static constexpr std::string_view input = "v11 payloads";

  std::uint64_t read(const dataset<Family>& d, std::uint32_t i, std::uint64_t h) const {
    return Family::fold(h, *flatbuffers::GetRoot<typename Family::latest_table>(d.latest.data(i)));
  }
  std::size_t input_bytes(const dataset<Family>& d) const { return d.latest.total_bytes(); }
};

}  // namespace uplift_bench::chain_depth
