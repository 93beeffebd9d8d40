// The hooks of the computed_hook case: initials from the full name, and nothing to fill back.
#include "computed_hook_uplift.hpp"

namespace evo::computed_hook {
void upgrade(const v1::PersonT& from, v2::PersonT& to) {
  bool start = true;
  for (char c : from.name) {
    if (start && c != ' ') to.initials += c;
    start = c == ' ';
  }
}
void downgrade(const v2::PersonT&, v1::PersonT&) {}
}  // namespace evo::computed_hook
