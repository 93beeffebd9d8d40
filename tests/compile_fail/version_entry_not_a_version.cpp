// Compile-failure case: an entry of R::versions is a raw FlatBuffers table, not uplift::version.
// With -DUPLIFT_TWIN the entry is wrapped in uplift::version<1, ...> and the file compiles.
#include "widget_record.hpp"

struct R {
  static constexpr std::string_view name = "compile_fail.Widget";
  static constexpr std::uint32_t type_id = uplift::type_id_of(name);
#ifdef UPLIFT_TWIN
  using versions = uplift::versions<uplift::version<1, uplift_test::v1::Widget>,
                                    uplift::version<2, uplift_test::v2::Widget>>;
#else
  using versions = uplift::versions<uplift_test::v1::Widget,
                                    uplift::version<2, uplift_test::v2::Widget>>;
#endif
  static constexpr auto upgrades = uplift::steps(uplift::wire_step<1>());
};

bool reads(uplift::bytes_view bytes) { return uplift::read_object<R>(bytes).has_value(); }
