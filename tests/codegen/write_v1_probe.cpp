// Writes a contact at v1 through a header generated with DOWNGRADES (tests/codegen/schemas/contact).
// Built twice: with UPLIFT_TEST_DEFINE_DOWNGRADE it defines both hooks, and must link and run;
// without, it defines the `upgrade` hook only, and linking must fail naming the `downgrade` one
// (built only by its test).
#include <string>

#include "contact_uplift.hpp"

namespace contact_test {

void upgrade(const v1::ContactT& from, v2::ContactT& to) {
  const auto space = from.full_name.rfind(' ');
  to.given_name = from.full_name.substr(0, space);
  if (space != std::string::npos) to.family_name = from.full_name.substr(space + 1);
}

#ifdef UPLIFT_TEST_DEFINE_DOWNGRADE
void downgrade(const v2::ContactT& from, v1::ContactT& to) {
  to.full_name = from.family_name.empty() ? from.given_name : from.given_name + " " + from.family_name;
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
