#pragma once
// The migration as one would write it by hand with the Object API, trusted input: UnPack the v2
// buffer, convert to v3, Pack v3, read it. The structs and the builder are reused across records,
// so in steady state it allocates little.

#include <cstdint>
#include <string>
#include <string_view>

#include "read_user/dataset.hpp"

namespace uplift_bench::read_user {

class object_api_migration {
 public:
  static constexpr std::string_view name = "hand-written Object API migration v2 -> v3";
  static constexpr std::string_view input = "v2 payloads";

  std::uint64_t run(const dataset& d) {
    std::uint64_t h = checksum_seed;
    for (std::uint32_t i : d.order) {
      flatbuffers::GetRoot<demo::v2::User>(d.raw_v2[i].data())->UnPackTo(&from_);
      convert(from_, to_);
      fbb_.Clear();
      fbb_.Finish(demo::v3::User::Pack(fbb_, &to_));
      h = fold(h, *flatbuffers::GetRoot<demo::v3::User>(fbb_.GetBufferPointer()));
    }
    return h;
  }

 private:
  static void convert(const demo::v2::UserT& from, demo::v3::UserT& to) {
    to.id = from.id;
    const auto space = from.full_name.rfind(' ');
    if (space == std::string::npos) {
      to.given_name = from.full_name;
      to.family_name.clear();
    } else {
      to.given_name.assign(from.full_name, 0, space);
      to.family_name.assign(from.full_name, space + 1);
    }
    to.email = from.email;
    to.age = from.age;
    to.created_at = from.created_at;
  }

  flatbuffers::FlatBufferBuilder fbb_{256};
  demo::v2::UserT from_;
  demo::v3::UserT to_;
};

}  // namespace uplift_bench::read_user
