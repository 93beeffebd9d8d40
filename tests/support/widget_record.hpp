#pragma once
// The descriptor of the three-version test record (tests/schemas/widget): written by hand, or,
// when UPLIFT_TEST_GENERATED_DESCRIPTOR is defined, the one uplift-gen generates (the test suite
// runs against both and must behave the same):
//   v1 -> v2  wire-compatible: `name` renamed in place to `label`, `color` appended;
//   v2 -> v3  transforming: `count` widened int -> long, `maker` computed, `parts` added.
// Downgrades: v3 -> v2 by hand (range-checked narrowing), v2 -> v1 by re-reading (wire).

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <uplift/uplift.hpp>

#if defined(UPLIFT_TEST_GENERATED_DESCRIPTOR)

#include "widget_uplift.hpp"  // generated: uplift_test::Widget, its steps, the hook declarations

namespace uplift_test {
/// The generated steps v2 -> v3 and back, for the hand-written variants below.
inline constexpr auto widget_v2_to_v3 =
    static_cast<uplift::status (*)(const v2::WidgetT&, v3::WidgetT&)>(&uplift_steps_Widget::up);
inline constexpr auto widget_v3_to_v2 =
    static_cast<uplift::status (*)(const v3::WidgetT&, v2::WidgetT&)>(&uplift_steps_Widget::down);
}  // namespace uplift_test

#else

#include "widget/v1_generated.h"
#include "widget/v2_generated.h"
#include "widget/v3_generated.h"

namespace uplift_test {

/// v2 -> v3: copy, widen `count`, compute `maker` as the label's text before ':'.
inline void widget_v2_to_v3(const v2::WidgetT& from, v3::WidgetT& to) {
  to.id = from.id;
  to.label = from.label;
  to.count = from.count;
  to.tags = from.tags;
  if (from.dims) to.dims = std::make_unique<v3::Dims>(from.dims->w(), from.dims->h());
  to.color = static_cast<v3::Color>(from.color);
  to.maker = from.label.substr(0, from.label.find(':'));
}

/// v3 -> v2: drop `maker` and `parts`, narrow `count` with a range check.
inline uplift::status widget_v3_to_v2(const v3::WidgetT& from, v2::WidgetT& to) {
  if (from.count < std::numeric_limits<std::int32_t>::min() ||
      from.count > std::numeric_limits<std::int32_t>::max())
    return uplift::error(uplift::errc::range_error)
        .with_detail("count " + std::to_string(from.count) + " does not fit v2's int");
  to.id = from.id;
  to.label = from.label;
  to.count = static_cast<std::int32_t>(from.count);
  to.tags = from.tags;
  if (from.dims) to.dims = std::make_unique<v2::Dims>(from.dims->w(), from.dims->h());
  to.color = static_cast<v2::Color>(from.color);
  return {};
}

struct Widget {
  static constexpr std::string_view name = "uplift_test.Widget";
  static constexpr std::uint32_t type_id = uplift::type_id_of(name);
  using versions = uplift::versions<uplift::version<1, v1::Widget>,
                                    uplift::version<2, v2::Widget>,
                                    uplift::version<3, v3::Widget>>;
  static constexpr auto upgrades =
      uplift::steps(uplift::wire_step<1>(), uplift::upgrade_step<2>(widget_v2_to_v3));
  static constexpr auto downgrades = uplift::steps(uplift::downgrade_step<2>(widget_v3_to_v2));
};

}  // namespace uplift_test

#endif

namespace uplift_test {

/// The same record as seen by an older binary that knows v1..v2 only (last step wire-compatible:
/// a v1 record reads zero-copy as v2; v3 records are newer than it knows).
struct WidgetUpToV2 {
  static constexpr std::string_view name = Widget::name;
  static constexpr std::uint32_t type_id = Widget::type_id;
  using versions = uplift::versions<uplift::version<1, v1::Widget>, uplift::version<2, v2::Widget>>;
  static constexpr auto upgrades = uplift::steps(uplift::wire_step<1>());
};

/// The same record as seen by a binary that knows v1 only.
struct WidgetOnlyV1 {
  static constexpr std::string_view name = Widget::name;
  static constexpr std::uint32_t type_id = Widget::type_id;
  using versions = uplift::versions<uplift::version<1, v1::Widget>>;
  static constexpr auto upgrades = uplift::steps();
};

/// The record after v1 was retired: versions 2..3.
struct WidgetFromV2 {
  static constexpr std::string_view name = Widget::name;
  static constexpr std::uint32_t type_id = Widget::type_id;
  using versions = uplift::versions<uplift::version<2, v2::Widget>, uplift::version<3, v3::Widget>>;
  static constexpr auto upgrades = uplift::steps(uplift::upgrade_step<2>(widget_v2_to_v3));
  static constexpr auto downgrades = uplift::steps(uplift::downgrade_step<2>(widget_v3_to_v2));
};

/// The record with its step v2 -> v1 left out on purpose: wire-compatible, yet not taken, so it can
/// be written at v3 and v2 only, and writing v1 is refused with the words it leaves.
struct WidgetLeftOut {
  static constexpr std::string_view name = Widget::name;
  static constexpr std::uint32_t type_id = Widget::type_id;
  using versions = Widget::versions;
  static constexpr auto upgrades = Widget::upgrades;
  static constexpr auto downgrades =
      uplift::steps(uplift::downgrade_left_out<1>("v1 is left out of this test record"),
                    uplift::downgrade_step<2>(widget_v3_to_v2));
};

/// The record without downgrade steps: it can only be written at v3.
struct WidgetNoDowngrade {
  static constexpr std::string_view name = Widget::name;
  static constexpr std::uint32_t type_id = Widget::type_id;
  using versions = Widget::versions;
  static constexpr auto upgrades = Widget::upgrades;
};

}  // namespace uplift_test
