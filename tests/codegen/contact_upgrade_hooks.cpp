// The upgrade hooks of tests/codegen/schemas/contact (v1 -> v2: the name split at its last space),
// shared by the programs that use the record, generated with DOWNGRADES or without.
#include <string_view>

#include "contact_uplift.hpp"

namespace contact_test {

uplift::text upgrade_given_name(const uplift_fields_Contact::v1& from) {
  const std::string_view name = from.full_name();
  return name.substr(0, name.rfind(' '));
}

uplift::text upgrade_family_name(const uplift_fields_Contact::v1& from) {
  const std::string_view name = from.full_name();
  const auto space = name.rfind(' ');
  return space == std::string_view::npos ? std::string_view() : name.substr(space + 1);
}

}  // namespace contact_test
