// Writes a contact at v1 through a header generated with DOWNGRADES (tests/codegen/schemas/contact).
// Built twice, with the upgrade hooks of contact_upgrade_hooks.cpp: with
// UPLIFT_TEST_DEFINE_DOWNGRADE it defines the downgrade hook too, and must link and run; without,
// linking must fail naming the downgrade hook (built only by its test).
#include <string>

#include "contact_uplift.hpp"

namespace contact_test {

#ifdef UPLIFT_TEST_DEFINE_DOWNGRADE
uplift::text downgrade_full_name(const uplift_fields_Contact::v2& from) {
  if (from.family_name().empty()) return from.given_name();
  return std::string(from.given_name()) + " " + std::string(from.family_name());
}
#endif

}  // namespace contact_test

int main() {
  auto c = uplift::codec<contact_test::Contact>::make({.write_version = 1});
  if (!c) return 1;
  contact_test::v3::ContactT latest;
  latest.id = 7;
  latest.given_name = "Ada";
  latest.family_name = "Lovelace";
  auto rec = c->write(latest);
  if (!rec || uplift::peek(*rec)->version != 1) return 2;
  auto back = uplift::read_object<contact_test::Contact>(rec->span());  // up again, through v1
  return back && back->given_name == "Ada" && back->family_name == "Lovelace" ? 0 : 3;
}
