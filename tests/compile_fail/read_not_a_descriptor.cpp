// Compile-failure case: uplift::read<R> with an R that is not a record descriptor.
// With -DUPLIFT_TWIN the same call names a real descriptor and compiles.
#include "widget_record.hpp"

#ifdef UPLIFT_TWIN
using R = uplift_test::Widget;
#else
using R = int;
#endif

bool reads(uplift::bytes_view bytes) { return uplift::read<R>(bytes).has_value(); }
