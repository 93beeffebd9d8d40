// The hooks the generated header of the kinds test record (tests/schemas/kinds) declares for the
// step v1 -> v2: `summary` joins v1's title and its dropped `legacy` field.
#include <string>

#include "kinds_uplift.hpp"

namespace k {

uplift::text upgrade_summary(const uplift_fields_Thing::v1& from) {
  return std::string(from.title()) + "/" + std::string(from.legacy());
}

uplift::text downgrade_legacy(const uplift_fields_Thing::v2& from) {
  const std::string_view summary = from.summary();
  const auto slash = summary.find('/');
  return slash == std::string_view::npos ? std::string_view() : summary.substr(slash + 1);
}

}  // namespace k
