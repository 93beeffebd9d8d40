#pragma once
// uplift::read of records stored at the latest version: the header check, GetRoot, then read the
// fields; trusted (no verifier), or verified (the default: the v3 verifier first).

#include <cstdint>
#include <string_view>

#include "harness.hpp"
#include "read_latest/dataset.hpp"

namespace uplift_bench::read_latest {

/// uplift::read of `bytes` with `o`, its fields folded into `h` (dies on a failed read). Inlined
/// into the harness's loop, as the raw reads are.
template <class Fields>
[[gnu::always_inline]] inline std::uint64_t read_and_fold(uplift::bytes_view bytes, const uplift::options& o, std::uint64_t h) {
  auto r = uplift::read<record::descriptor>(bytes, o);
  if (!r) [[unlikely]]
    die(r.error().message());
  if constexpr (Fields::all)
    return record::fold_all(h, **r);
  else
    return record::fold_two(h, **r);
}

template <class Fields, bool Verify>
struct uplift_read {
  static constexpr std::string_view id = Verify ? "uplift_verified" : "uplift_trusted";
  static constexpr std::string_view name =
      Verify ? "uplift::read, verified (default)" : "uplift::read, trusted";
  static constexpr std::string_view input = "v3 records";
  /// The read options, made once (not on each read).
  static inline const uplift::options options{.verify = Verify};

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) const {
    return read_and_fold<Fields>(d.records_v3[i], options, h);
  }
  std::size_t input_bytes(const dataset& d) const { return d.records_v3.total_bytes(); }
};

}  // namespace uplift_bench::read_latest
