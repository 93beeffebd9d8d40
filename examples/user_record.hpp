#pragma once
// The hand-written descriptor of the demo record `demo::User` (schemas/user):
//   v1 -> v2  wire-compatible: `name` renamed in place to `full_name`, `created_at` appended;
//   v2 -> v3  transforming: `full_name` split into `given_name` and `family_name`,
//             `age` widened short -> int.
// Downgrades: v3 -> v2 by the hook below (names joined, age narrowed with a range check);
// v2 -> v1 by re-reading (the step is wire-compatible).

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <uplift/uplift.hpp>

#include "user/v1_generated.h"
#include "user/v2_generated.h"
#include "user/v3_generated.h"

namespace demo {

/// v2 -> v3: split `full_name` at its last space ("Grace Brewster Hopper" -> "Grace Brewster" +
/// "Hopper"); a name without a space becomes the given name alone. `age` widens losslessly.
inline void user_v2_to_v3(const v2::UserT& from, v3::UserT& to) {
  to.id = from.id;
  const auto space = from.full_name.rfind(' ');
  if (space == std::string::npos) {
    to.given_name = from.full_name;
  } else {
    to.given_name = from.full_name.substr(0, space);
    to.family_name = from.full_name.substr(space + 1);
  }
  to.email = from.email;
  to.age = from.age;
  to.created_at = from.created_at;
}

/// v3 -> v2: join the names with a space, narrow `age` to a short or fail with
/// errc::range_error (nothing is written then).
inline uplift::status user_v3_to_v2(const v3::UserT& from, v2::UserT& to) {
  if (from.age < std::numeric_limits<std::int16_t>::min() ||
      from.age > std::numeric_limits<std::int16_t>::max())
    return uplift::error(uplift::errc::range_error)
        .with_detail("age " + std::to_string(from.age) + " does not fit v2's short");
  to.id = from.id;
  to.full_name = from.family_name.empty() ? from.given_name
                                          : from.given_name + " " + from.family_name;
  to.email = from.email;
  to.age = static_cast<std::int16_t>(from.age);
  to.created_at = from.created_at;
  return {};
}

/// The demo record: a user account, versions v1..v3.
struct User {
  static constexpr std::string_view name = "demo.User";
  static constexpr std::uint32_t type_id = uplift::type_id_of(name);
  using versions = uplift::versions<uplift::version<1, v1::User>,
                                    uplift::version<2, v2::User>,
                                    uplift::version<3, v3::User>>;
  static constexpr auto upgrades =
      uplift::steps(uplift::wire_step<1>(), uplift::upgrade_step<2>(&user_v2_to_v3));
  static constexpr auto downgrades = uplift::steps(uplift::downgrade_step<2>(&user_v3_to_v2));
};

}  // namespace demo
