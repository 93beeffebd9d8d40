// Compile-failure case: downgrade_step<3> for a record whose latest version is 3 (there is no v4
// to come down from). With -DUPLIFT_TWIN it is downgrade_step<2> and the file compiles.
#include "widget_record.hpp"

#ifdef UPLIFT_TWIN
constexpr std::uint16_t down_to = 2;
#else
constexpr std::uint16_t down_to = 3;
#endif

struct R {
  static constexpr std::string_view name = "compile_fail.Widget";
  static constexpr std::uint32_t type_id = uplift::type_id_of(name);
  using versions = uplift_test::Widget::versions;
  static constexpr auto upgrades = uplift_test::Widget::upgrades;
  static constexpr auto downgrades =
      uplift::steps(uplift::downgrade_step<down_to>(&uplift_test::widget_v3_to_v2));
};

bool writes_at_v2() { return uplift::codec<R>::make({.write_version = 2}).has_value(); }
