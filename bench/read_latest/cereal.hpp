#pragma once
// cereal: the versioned struct loaded from a binary archive of the record's bytes
// (bench/record/cereal.hpp), all at v3 here.

#include <cstdint>
#include <string_view>

#include "read_latest/dataset.hpp"

namespace uplift_bench::read_latest {

template <class Fields>
class cereal_load {
 public:
  static constexpr std::string_view id = "cereal";
  static constexpr std::string_view name = "cereal: versioned load";
  static constexpr std::string_view input = "cereal binary";

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) {
    const auto& r = reader_.load(d.peers.cereal.data(i), d.peers.cereal.size(i));
    if constexpr (Fields::all)
      return record::cereal_format::fold_all(h, r);
    else
      return record::cereal_format::fold_two(h, r);
  }
  std::size_t input_bytes(const dataset& d) const { return d.peers.cereal.total_bytes(); }

 private:
  record::cereal_format::reader reader_;
};

}  // namespace uplift_bench::read_latest
