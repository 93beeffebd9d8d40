// The hooks of the demo record (schemas/user): the semantic half of the step v2 -> v3, which
// uplift-gen cannot derive. Everything else (copying id, email, created_at; widening age; the
// whole v1 -> v2 step) is generated into user_uplift.hpp.
//
// Each is a field hook: it fills one field of the newer version from the fields of the older one,
// which it reads in place (a stored v1 or v2 record is not unpacked: its strings are views into
// its bytes). uplift-gen calls them inside the one rebuild that takes an old record to v3.
#include <string>
#include <string_view>

#include "user_uplift.hpp"

namespace demo {

// v2 -> v3: split `full_name` at its last space ("Grace Brewster Hopper" -> "Grace Brewster" +
// "Hopper"); a name without a space becomes the given name alone. Both halves are views into the
// stored name: nothing is allocated.
uplift::text upgrade_given_name(const uplift_fields_User::v2& from) {
  const std::string_view name = from.full_name();
  const auto space = name.rfind(' ');
  return space == std::string_view::npos ? name : name.substr(0, space);
}

uplift::text upgrade_family_name(const uplift_fields_User::v2& from) {
  const std::string_view name = from.full_name();
  const auto space = name.rfind(' ');
  return space == std::string_view::npos ? std::string_view() : name.substr(space + 1);
}

// v3 -> v2 (writing v2 during a rollout): join the names again, a string of its own. `age` is
// narrowed to a short by the generated step, with a range check.
uplift::text downgrade_full_name(const uplift_fields_User::v3& from) {
  if (from.family_name().empty()) return from.given_name();
  std::string full(from.given_name());
  full += ' ';
  full += from.family_name();
  return full;
}

}  // namespace demo
