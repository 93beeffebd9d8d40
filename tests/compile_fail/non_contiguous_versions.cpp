// Compile-failure case: R::versions skips a number (versions 1 and 3).
// With -DUPLIFT_TWIN the versions are 1 and 2 and the file compiles.
#include "widget_record.hpp"

struct R {
  static constexpr std::string_view name = "compile_fail.Widget";
  static constexpr std::uint32_t type_id = uplift::type_id_of(name);
#ifdef UPLIFT_TWIN
  using versions = uplift::versions<uplift::version<1, uplift_test::v1::Widget>,
                                    uplift::version<2, uplift_test::v2::Widget>>;
#else
  using versions = uplift::versions<uplift::version<1, uplift_test::v1::Widget>,
                                    uplift::version<3, uplift_test::v2::Widget>>;
#endif
  static constexpr auto upgrades = uplift::steps(uplift::wire_step<1>());
};

bool reads(uplift::bytes_view bytes) { return uplift::read<R>(bytes).has_value(); }
