// The hooks the generated header of the kinds test record (tests/schemas/kinds) declares for the
// step v1 -> v2: `summary` joins v1's title and its dropped `legacy` field.
#include <string>

#include "kinds_uplift.hpp"

namespace k {
void upgrade(const v1::ThingT& from, v2::ThingT& to) { to.summary = from.title + "/" + from.legacy; }
void downgrade(const v2::ThingT& from, v1::ThingT& to) {
  const auto slash = from.summary.find('/');
  to.legacy = slash == std::string::npos ? std::string() : from.summary.substr(slash + 1);
}
}  // namespace k
