#pragma once
// uplift::read of the same records stored before uplift: bare v3 FlatBuffers with no header,
// read as the codec's options::untagged says: as a fixed version, or by their shape (the root
// table's slots against each version's, then the candidates' verifiers). What a row written
// before uplift costs per read, against the same record with its header (uplift_read.hpp).

#include <cstdint>
#include <string_view>

#include "harness.hpp"
#include "read_latest/dataset.hpp"
#include "read_latest/uplift_read.hpp"

namespace uplift_bench::read_latest {

template <class Fields, uplift::untagged_binary How>
struct uplift_untagged {
  static_assert(How != uplift::untagged_binary::refuse);
  static constexpr bool by_shape = How == uplift::untagged_binary::by_shape;
  static constexpr std::string_view id = by_shape ? "uplift_untagged_shape" : "uplift_untagged_v3";
  static constexpr std::string_view name =
      by_shape ? "uplift::read, no header, version by shape (verified)"
               : "uplift::read, no header, as_version 3, verified";
  static constexpr std::string_view input = "bare v3 FlatBuffers";
  /// The read options, made once (not on each read). by_shape verifies as it picks the version.
  static inline const uplift::options options{
      .verify = true, .untagged = How, .untagged_version = by_shape ? std::uint16_t{0} : std::uint16_t{3}};

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) const {
    return read_and_fold<Fields>(d.flatbuffers[i], options, h);
  }
  std::size_t input_bytes(const dataset& d) const { return d.flatbuffers.total_bytes(); }
};

}  // namespace uplift_bench::read_latest
