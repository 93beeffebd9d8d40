// The hooks of the demo record (schemas/user): the semantic half of the step v2 -> v3, which
// uplift-gen cannot derive. Everything else (copying id, email, created_at; widening age; the
// whole v1 -> v2 step) is generated into user_uplift.hpp.
#include <string>

#include "user_uplift.hpp"

namespace demo {

// v2 -> v3: split `full_name` at its last space ("Grace Brewster Hopper" -> "Grace Brewster" +
// "Hopper"); a name without a space becomes the given name alone.
void upgrade(const v2::UserT& from, v3::UserT& to) {
  const auto space = from.full_name.rfind(' ');
  if (space == std::string::npos) {
    to.given_name = from.full_name;
  } else {
    to.given_name = from.full_name.substr(0, space);
    to.family_name = from.full_name.substr(space + 1);
  }
}

// v3 -> v2 (writing v2 during a rollout): join the names again. `age` is narrowed to a short by
// the generated step, with a range check.
void downgrade(const v3::UserT& from, v2::UserT& to) {
  to.full_name = from.family_name.empty() ? from.given_name
                                          : from.given_name + " " + from.family_name;
}

}  // namespace demo
