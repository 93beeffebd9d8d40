// Compile-failure case: uplift::upgrade<R>(obj) with a v3 object for a record that knows only
// v1..v2. With -DUPLIFT_TWIN the object is a v1 object and the file compiles.
#include "widget_record.hpp"

#ifdef UPLIFT_TWIN
using object = uplift_test::v1::WidgetT;
#else
using object = uplift_test::v3::WidgetT;
#endif

bool upgrades(object obj) {
  return uplift::upgrade<uplift_test::WidgetUpToV2>(std::move(obj)).has_value();
}
