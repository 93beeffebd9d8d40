#pragma once
// uplift::read of records stored `depth` steps behind, trusted or verified: zero-copy across
// wire-compatible steps, one rebuild through the whole chain across transforming ones.

#include <cstdint>
#include <string_view>

#include "chain_depth/dataset.hpp"
#include "harness.hpp"

namespace uplift_bench::chain_depth {

template <class Family, bool Verify>
struct uplift_read {
  static constexpr std::string_view id = Verify ? "uplift_verified" : "uplift_trusted";
  static constexpr std::string_view name =
      Verify ? "uplift::read, verified (default)" : "uplift::read, trusted";
  static constexpr std::string_view input = "uplift records";
  /// The read options, made once (not on each read).
  static inline const uplift::options options{.verify = Verify};

  std::uint64_t read(const dataset<Family>& d, std::uint32_t i, std::uint64_t h) const {
    auto r = uplift::read<typename Family::descriptor>(d.records_uplift[i], options);
    if (!r) [[unlikely]]
      die(r.error().message());
    return Family::fold(h, **r);
  }
  std::size_t input_bytes(const dataset<Family>& d) const { return d.records_uplift.total_bytes(); }
};

/// The same reads into one reused uplift::upgrade_buffer: a rebuilt record lands in memory the
/// buffer keeps, so steady-state reads of mechanical chains allocate nothing.
template <class Family, bool Verify>
struct uplift_read_reused {
  static constexpr std::string_view id = Verify ? "uplift_reused_verified" : "uplift_reused_trusted";
  static constexpr std::string_view name = Verify
                                               ? "uplift::read into an upgrade_buffer, verified"
                                               : "uplift::read into an upgrade_buffer, trusted";
  static constexpr std::string_view input = "uplift records";
  /// The read options, made once (not on each read).
  static inline const uplift::options options{.verify = Verify};

  std::uint64_t read(const dataset<Family>& d, std::uint32_t i, std::uint64_t h) {
    auto r = uplift::read<typename Family::descriptor>(d.records_uplift[i], scratch_, options);
    if (!r) [[unlikely]]
      die(r.error().message());
    return Family::fold(h, **r);
  }
  std::size_t input_bytes(const dataset<Family>& d) const { return d.records_uplift.total_bytes(); }

 private:
  uplift::upgrade_buffer scratch_;
};

}  // namespace uplift_bench::chain_depth
