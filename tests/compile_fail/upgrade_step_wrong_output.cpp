// Compile-failure case: the step v2 -> v3 writes into a v2 object instead of a v3 object.
// With -DUPLIFT_TWIN it writes into the v3 object and the file compiles.
#include "widget_record.hpp"

#ifdef UPLIFT_TWIN
using step_output = uplift_test::v3::WidgetT;
#else
using step_output = uplift_test::v2::WidgetT;
#endif

inline void to_v3(const uplift_test::v2::WidgetT& from, step_output& to) { to.id = from.id; }

struct R {
  static constexpr std::string_view name = "compile_fail.Widget";
  static constexpr std::uint32_t type_id = uplift::type_id_of(name);
  using versions = uplift_test::Widget::versions;
  static constexpr auto upgrades =
      uplift::steps(uplift::wire_step<1>(), uplift::upgrade_step<2>(&to_v3));
};

bool reads(uplift::bytes_view bytes) { return uplift::read<R>(bytes).has_value(); }
