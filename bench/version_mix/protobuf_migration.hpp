#pragma once
// protobuf and a hand-written migration: every version is parsed into the latest message (one
// reused message; field numbers never change, so the rename, the appended note and int32 -> int64
// need nothing), then an old record gets its score from the old float field and its email_domain
// computed.

#include <cstdint>
#include <string_view>

#include "harness.hpp"
#include "version_mix/dataset.hpp"

namespace uplift_bench::version_mix {

class protobuf_migration {
 public:
  static constexpr std::string_view id = "protobuf";
  static constexpr std::string_view name = "protobuf: ParseFromArray + hand-written migration";
  static constexpr std::string_view input = "protobuf bytes";

  std::uint64_t read(const dataset& d, std::uint32_t i, std::uint64_t h) {
    if (!msg_.ParseFromArray(d.peers.protobuf.data(i), static_cast<int>(d.peers.protobuf.size(i)))) [[unlikely]]
      die("protobuf: a record failed to parse");
    if (msg_.schema_version() < 3) {
      msg_.set_score(msg_.score_v2());
      const std::string_view domain = record::domain_of(msg_.email());
      msg_.set_email_domain(domain.data(), domain.size());
    }
    return record::fold_all(h, msg_);
  }
  std::size_t input_bytes(const dataset& d) const { return d.peers.protobuf.total_bytes(); }

 private:
  bench::pb::Record msg_;
};

}  // namespace uplift_bench::version_mix
