// Compile-failure case: the step v2 -> v3 (a lambda) returns int instead of void or
// uplift::status. With -DUPLIFT_TWIN it returns uplift::status and the file compiles.
#include "widget_record.hpp"

struct R {
  static constexpr std::string_view name = "compile_fail.Widget";
  static constexpr std::uint32_t type_id = uplift::type_id_of(name);
  using versions = uplift_test::Widget::versions;
  static constexpr auto upgrades = uplift::steps(
      uplift::wire_step<1>(),
      uplift::upgrade_step<2>([](const uplift_test::v2::WidgetT& from,
                                 uplift_test::v3::WidgetT& to) {
        uplift_test::widget_v2_to_v3(from, to);
#ifdef UPLIFT_TWIN
        return uplift::status{};
#else
        return 0;
#endif
      }));
};

bool reads(uplift::bytes_view bytes) { return uplift::read<R>(bytes).has_value(); }
