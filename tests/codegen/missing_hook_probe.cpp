// Uses the generated demo record without defining its hooks: linking must fail and name
// the field hook `demo::upgrade_given_name(const demo::uplift_fields_User::v2&)`. Built only by
// its test.
#include "user_uplift.hpp"

int main() {
  demo::v2::UserT old;
  old.full_name = "Ada Lovelace";
  auto latest = uplift::read_object<demo::User>(uplift::write<demo::User>(old));
  return latest ? 0 : 1;
}
