#pragma once
// The read_user_json scenario's data: the read_user users written once as JSON with
// uplift::write_json, at v3 and at v1, each text in a simdjson::padded_string so that no contender
// copies its input. The read order is read_user's shuffled order. Checksums use read_user's fold.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <simdjson.h>

#include "harness.hpp"
#include "read_user/dataset.hpp"
#include "user_uplift_json.hpp"

namespace uplift_bench::read_user_json {

using read_user::checksum_seed;
using read_user::fold;

/// The users, each written as v3 JSON and as v1 JSON, and the read order.
struct dataset {
  /// What every text holds. v1 has no `created_at`, so a v1 text read as v3 has created_at 0: the
  /// users here have created_at 0 for the v1 and v3 texts to hold the same user.
  std::vector<demo::v3::UserT> users;
  std::vector<simdjson::padded_string> json_v3;  ///< {"_v":3,"id":..,"given_name":..,...}
  std::vector<simdjson::padded_string> json_v1;  ///< {"_v":1,"id":..,"name":..,...}
  std::vector<std::uint32_t> order;              ///< shuffled indices: the read order

  std::size_t size() const noexcept { return order.size(); }

  /// The checksum of every field of every user in `order`, from the source structs.
  std::uint64_t reference_checksum() const {
    std::uint64_t h = checksum_seed;
    for (std::uint32_t i : order) h = fold(h, users[i]);
    return h;
  }
};

/// The v1 form of a v3 user: the names joined with a space, the age as a short, no created_at.
/// The users only have names and ages for which this is lossless.
inline demo::v1::UserT to_v1(const demo::v3::UserT& u) {
  demo::v1::UserT o;
  o.id = u.id;
  o.name = u.family_name.empty() ? u.given_name : u.given_name + " " + u.family_name;
  o.email = u.email;
  o.age = static_cast<std::int16_t>(u.age);
  return o;
}

template <class Object>
simdjson::padded_string to_json(const Object& obj) {
  auto text = uplift::write_json<demo::User>(obj);
  if (!text) die(text.error().message());
  return simdjson::padded_string(*text);
}

/// The JSON texts of read_user's users, read in read_user's order.
inline dataset make_dataset(const read_user::dataset& from) {
  dataset d;
  d.users = from.users;
  d.order = from.order;
  d.json_v3.reserve(d.users.size());
  d.json_v1.reserve(d.users.size());
  for (demo::v3::UserT& u : d.users) {
    u.created_at = 0;  // v1 cannot carry it
    d.json_v3.push_back(to_json(u));
    d.json_v1.push_back(to_json(to_v1(u)));
  }
  return d;
}

}  // namespace uplift_bench::read_user_json
