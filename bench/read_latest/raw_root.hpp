#pragma once
// Bare v3 FlatBuffers, trusted: GetRoot and one scalar (the id). What reaching a record costs.

#include <cstdint>
#include <string_view>

#include "read_latest/dataset.hpp"

namespace uplift_bench::read_latest {

struct raw_root {
  static constexpr std::string_view id = "raw_root";
  static constexpr std::string_view name = "raw FlatBuffers: GetRoot + the id";
  static constexpr std::string_view input = "v3 payloads";

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) const {
    return mix(h, flatbuffers::GetRoot<v3::Record>(d.flatbuffers.data(i))->id());
  }
  std::size_t input_bytes(const dataset& d) const { return d.flatbuffers.total_bytes(); }
};

}  // namespace uplift_bench::read_latest
