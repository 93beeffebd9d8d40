// The hooks of tests/codegen/schemas/meter, with a deliberate bug: the upgrade overwrites `label`,
// which the generated step copies from v1. The fixture test of the record must fail on it.
#include <string>

#include "meter_uplift.hpp"

namespace meter_test {

void upgrade(const v1::MeterT& from, v2::MeterT& to) {
  to.summary = from.label + " = " + std::to_string(from.reading);
  to.label = "relabelled";  // the bug
}

void downgrade(const v2::MeterT&, v1::MeterT&) {}

}  // namespace meter_test
