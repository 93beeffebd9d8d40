#pragma once
// Bare v3 FlatBuffers, trusted, through the Object API: UnPackTo into one reused struct (its strings
// and vectors keep their capacity), then read the struct.

#include <cstdint>
#include <string_view>

#include "read_latest/dataset.hpp"

namespace uplift_bench::read_latest {

class raw_unpack {
 public:
  static constexpr std::string_view id = "raw_unpack";
  static constexpr std::string_view name = "raw FlatBuffers: Object API UnPackTo";
  static constexpr std::string_view input = "v3 payloads";

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) {
    flatbuffers::GetRoot<v3::Record>(d.flatbuffers.data(i))->UnPackTo(&obj_);
    return record::fold_all(h, obj_);
  }
  std::size_t input_bytes(const dataset& d) const { return d.flatbuffers.total_bytes(); }

 private:
  v3::RecordT obj_;
};

}  // namespace uplift_bench::read_latest
