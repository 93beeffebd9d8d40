// Compile-failure case: uplift::write<R>(obj) with a v1 object for a record whose v1 was retired.
// With -DUPLIFT_TWIN the object is a v2 object and the file compiles.
#include "widget_record.hpp"

#ifdef UPLIFT_TWIN
using object = uplift_test::v2::WidgetT;
#else
using object = uplift_test::v1::WidgetT;
#endif

std::size_t writes(const object& obj) {
  return uplift::write<uplift_test::WidgetFromV2>(obj).size();
}
