// Compile-failure case: downgrade_step<2> given the upgrade function v2 -> v3 instead of a
// function v3 -> v2. With -DUPLIFT_TWIN it is given widget_v3_to_v2 and the file compiles.
#include "widget_record.hpp"

struct R {
  static constexpr std::string_view name = "compile_fail.Widget";
  static constexpr std::uint32_t type_id = uplift::type_id_of(name);
  using versions = uplift_test::Widget::versions;
  static constexpr auto upgrades = uplift_test::Widget::upgrades;
#ifdef UPLIFT_TWIN
  static constexpr auto downgrades =
      uplift::steps(uplift::downgrade_step<2>(&uplift_test::widget_v3_to_v2));
#else
  static constexpr auto downgrades =
      uplift::steps(uplift::downgrade_step<2>(&uplift_test::widget_v2_to_v3));
#endif
};

bool writes_at_v2() { return uplift::codec<R>::make({.write_version = 2}).has_value(); }
