#pragma once
// protobuf: ParseFromArray into one reused message (its strings and repeated fields keep their
// capacity), then read the message. Parsing checks the input, as a verified read does.

#include <cstdint>
#include <string_view>

#include "harness.hpp"
#include "read_latest/dataset.hpp"

namespace uplift_bench::read_latest {

template <class Fields>
class protobuf_parse {
 public:
  static constexpr std::string_view id = "protobuf";
  static constexpr std::string_view name = "protobuf: ParseFromArray";
  static constexpr std::string_view input = "protobuf bytes";

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) {
    if (!msg_.ParseFromArray(d.peers.protobuf.data(i), static_cast<int>(d.peers.protobuf.size(i)))) [[unlikely]]
      die("protobuf: a record failed to parse");
    if constexpr (Fields::all)
      return record::fold_all(h, msg_);
    else
      return record::fold_two(h, msg_);
  }
  std::size_t input_bytes(const dataset& d) const { return d.peers.protobuf.total_bytes(); }

 private:
  bench::pb::Record msg_;
};

}  // namespace uplift_bench::read_latest
