#pragma once
// uplift::read of records at any stored version, trusted or verified: zero-copy for v3, an owned
// rebuild through the generated chain (v1 -> v2 wire-compatible, v2 -> v3 transforming) otherwise.

#include <cstdint>
#include <string_view>

#include "harness.hpp"
#include "version_mix/dataset.hpp"

namespace uplift_bench::version_mix {

template <bool Verify>
struct uplift_read {
  static constexpr std::string_view id = Verify ? "uplift_verified" : "uplift_trusted";
  static constexpr std::string_view name =
      Verify ? "uplift::read, verified (default)" : "uplift::read, trusted";
  static constexpr std::string_view input = "uplift records";
  /// The read options, made once (not on each read).
  static inline const uplift::options options{.verify = Verify};

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) const {
    auto r = uplift::read<record::descriptor>(d.records_uplift[i], options);
    if (!r) [[unlikely]]
      die(r.error().message());
    return record::fold_all(h, **r);
  }
  std::size_t input_bytes(const dataset& d) const { return d.records_uplift.total_bytes(); }
};

/// The same reads into one reused uplift::upgrade_buffer, as the hand-written migrations reuse
/// their builder and the peers their message or struct: a rebuilt record lands in memory the
/// buffer keeps.
template <bool Verify>
struct uplift_read_reused {
  static constexpr std::string_view id = Verify ? "uplift_reused_verified" : "uplift_reused_trusted";
  static constexpr std::string_view name = Verify
                                               ? "uplift::read into an upgrade_buffer, verified"
                                               : "uplift::read into an upgrade_buffer, trusted";
  static constexpr std::string_view input = "uplift records";
  /// The read options, made once (not on each read).
  static inline const uplift::options options{.verify = Verify};

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) {
    auto r = uplift::read<record::descriptor>(d.records_uplift[i], scratch_, options);
    if (!r) [[unlikely]]
      die(r.error().message());
    return record::fold_all(h, **r);
  }
  std::size_t input_bytes(const dataset& d) const { return d.records_uplift.total_bytes(); }

 private:
  uplift::upgrade_buffer scratch_;
};

}  // namespace uplift_bench::version_mix
