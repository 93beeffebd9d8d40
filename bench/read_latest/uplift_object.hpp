#pragma once
// uplift::read_object of records stored at the latest version, trusted input: a fresh v3 Object API
// struct per record (the API returns one by value), then read the struct.

#include <cstdint>
#include <string_view>

#include "harness.hpp"
#include "read_latest/dataset.hpp"

namespace uplift_bench::read_latest {

struct uplift_object {
  static constexpr std::string_view id = "uplift_object";
  static constexpr std::string_view name = "uplift::read_object, trusted";
  static constexpr std::string_view input = "v3 records";
  /// The read options, made once (not on each read).
  static inline const uplift::options options{.verify = false};

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) const {
    auto r = uplift::read_object<record::descriptor>(d.records_v3[i], options);
    if (!r) [[unlikely]]
      die(r.error().message());
    return record::fold_all(h, *r);
  }
  std::size_t input_bytes(const dataset& d) const { return d.records_v3.total_bytes(); }
};

}  // namespace uplift_bench::read_latest
