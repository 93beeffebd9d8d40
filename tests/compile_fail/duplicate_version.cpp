// Compile-failure case: R::versions lists version 2 twice.
// With -DUPLIFT_TWIN the second entry is version 3 and the file compiles.
#include "widget_record.hpp"

struct R {
  static constexpr std::string_view name = "compile_fail.Widget";
  static constexpr std::uint32_t type_id = uplift::type_id_of(name);
#ifdef UPLIFT_TWIN
  using versions = uplift::versions<uplift::version<2, uplift_test::v2::Widget>,
                                    uplift::version<3, uplift_test::v3::Widget>>;
#else
  using versions = uplift::versions<uplift::version<2, uplift_test::v2::Widget>,
                                    uplift::version<2, uplift_test::v3::Widget>>;
#endif
  static constexpr auto upgrades =
      uplift::steps(uplift::upgrade_step<2>(&uplift_test::widget_v2_to_v3));
};

bool reads(uplift::bytes_view bytes) { return uplift::read<R>(bytes).has_value(); }
