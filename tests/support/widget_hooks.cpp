// The hooks of the generated test Widget descriptor (tests/schemas/widget): the semantic parts of
// its steps, the same as the hand-written descriptor's.
#include "widget_record.hpp"

namespace uplift_test {

// v2 -> v3: `maker` is the label's text before ':'.
void upgrade(const v2::WidgetT& from, v3::WidgetT& to) {
  to.maker = from.label.substr(0, from.label.find(':'));
}

// v3 -> v2: `maker` is derived from the label, which v2 keeps: nothing more to fill.
void downgrade(const v3::WidgetT&, v2::WidgetT&) {}

}  // namespace uplift_test
