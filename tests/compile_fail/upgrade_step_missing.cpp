// Compile-failure case: three versions but only the step v1 -> v2; v2 -> v3 is missing.
// With -DUPLIFT_TWIN the step v2 -> v3 is there and the file compiles.
#include "widget_record.hpp"

struct R {
  static constexpr std::string_view name = "compile_fail.Widget";
  static constexpr std::uint32_t type_id = uplift::type_id_of(name);
  using versions = uplift_test::Widget::versions;
#ifdef UPLIFT_TWIN
  static constexpr auto upgrades = uplift::steps(
      uplift::wire_step<1>(), uplift::upgrade_step<2>(&uplift_test::widget_v2_to_v3));
#else
  static constexpr auto upgrades = uplift::steps(uplift::wire_step<1>());
#endif
};

bool reads(uplift::bytes_view bytes) { return uplift::read<R>(bytes).has_value(); }
