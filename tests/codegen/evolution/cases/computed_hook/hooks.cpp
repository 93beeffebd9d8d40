// The hooks of the computed_hook case: initials from the full name (a string of their own).
#include <string>

#include "computed_hook_uplift.hpp"

namespace evo::computed_hook {

uplift::text upgrade_initials(const uplift_fields_Person::v1& from) {
  std::string initials;
  bool start = true;
  for (char c : from.name()) {
    if (start && c != ' ') initials += c;
    start = c == ' ';
  }
  return initials;
}

}  // namespace evo::computed_hook
