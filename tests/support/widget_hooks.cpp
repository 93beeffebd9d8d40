// The hooks of the generated test Widget descriptor (tests/schemas/widget): the semantic parts of
// its steps, the same as the hand-written descriptor's.
#include "widget_record.hpp"

namespace uplift_test {

// v2 -> v3: `maker` is the label's text before ':' (a view into the stored label). v2 keeps the
// label, so the downgrade has nothing to fill.
uplift::text upgrade_maker(const uplift_fields_Widget::v2& from) {
  const std::string_view label = from.label();
  return label.substr(0, label.find(':'));
}

}  // namespace uplift_test
