#pragma once
// uplift::read_json: the version key, the generated reader of the stored version (keys in any
// order, duplicates rejected, unknown keys skipped), then the steps to v3 for an old text.

#include <cstdint>
#include <string_view>

#include "harness.hpp"
#include "read_json/dataset.hpp"

namespace uplift_bench::read_json {

template <text Input>
struct uplift_read_json {
  static constexpr std::string_view id = Input == text::v3            ? "uplift"
                                         : Input == text::v3_reversed ? "uplift_reversed"
                                                                      : "uplift_v1";
  static constexpr std::string_view name = Input == text::v1
                                               ? "uplift::read_json, upgrade v1 -> v2 -> v3"
                                               : "uplift::read_json";
  static constexpr std::string_view input = name_of(Input);

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) const {
    auto r = uplift::read_json<record::descriptor>(d.texts(Input)[i]);
    if (!r) [[unlikely]]
      die(r.error().message());
    return record::fold_all(h, *r);
  }
  std::size_t input_bytes(const dataset& d) const { return d.bytes(Input); }
};

}  // namespace uplift_bench::read_json
