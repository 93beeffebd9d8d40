#pragma once
// Writing `<record>_uplift.hpp`: the record descriptor, the mechanical steps and the hook
// declarations, from the classified steps.

#include <map>
#include <string>
#include <vector>

#include "classify.hpp"
#include "schema.hpp"

namespace uplift_gen {

/// The text of `<record folder name>_uplift.hpp` for `rec`; `steps[i]` is classify(v_i, v_i+1).
std::string emit_header(const record_model& rec, const std::vector<step_report>& steps);

/// Replaces every `{{key}}` of `text` with its value; a key missing from `values` is an error
/// in the generator itself and aborts.
std::string render(const std::string& text, const std::map<std::string, std::string>& values);

}  // namespace uplift_gen
