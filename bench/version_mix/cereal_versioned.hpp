#pragma once
// cereal with class versioning: the latest struct's versioned load reads any version from a binary
// archive of the record's bytes and migrates it by hand (bench/record/cereal.hpp).

#include <cstdint>
#include <string_view>

#include "version_mix/dataset.hpp"

namespace uplift_bench::version_mix {

class cereal_versioned {
 public:
  static constexpr std::string_view id = "cereal";
  static constexpr std::string_view name = "cereal: versioned load + hand-written migration";
  static constexpr std::string_view input = "cereal binary";

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) {
    return record::cereal_format::fold_all(h, reader_.load(d.peers.cereal.data(i), d.peers.cereal.size(i)));
  }
  std::size_t input_bytes(const dataset& d) const { return d.peers.cereal.total_bytes(); }

 private:
  record::cereal_format::reader reader_;
};

}  // namespace uplift_bench::version_mix
