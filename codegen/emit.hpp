#pragma once
// Writing `<record>_uplift.hpp`: the record descriptor, the mechanical steps and the hook
// declarations, from the classified steps.

#include <map>
#include <string>
#include <vector>

#include "classify.hpp"
#include "hooks.hpp"
#include "schema.hpp"

namespace uplift_gen {

/// What `generate` is asked for beyond the schemas.
struct generate_options {
  /// The downgrade steps that call `downgrade` hooks (--downgrades, DOWNGRADES in uplift_generate).
  /// Without them each such step is listed as left out, and nothing calls those hooks: a program
  /// need not define them, and the versions below those steps are not written.
  bool downgrades = false;
};

/// The text of `<record folder name>_uplift.hpp` for `rec`; `steps[i]` is classify(v_i, v_i+1).
std::string emit_header(const record_model& rec, const std::vector<step_report>& steps,
                        const generate_options& options = {});

/// The text of `<record folder name>_uplift.cpp` for `rec`: the read paths through every version,
/// compiled once for a program (the header declares them when UPLIFT_SEPARATE_INSTANTIATION is on).
std::string emit_separate_source(const record_model& rec);
/// The fused rebuilds of `rec`: appends their declarations and definitions and returns the
/// descriptor's `rebuilds` member (empty when no stored version has a transforming path to the
/// latest whose steps are all mechanical or take field hooks).
std::string emit_rebuilds(const record_model& rec, const std::vector<step_report>& steps,
                          const std::vector<step_hooks>& plans, std::string& declarations,
                          std::string& definitions);

/// The text of `<record folder name>_uplift_json.hpp` for `rec`: per version, a JSON reader and
/// writer for every table, struct, enum and union, on top of <uplift/json.hpp>.
std::string emit_json_header(const record_model& rec);

/// "::demo::v3" for "demo.v3".
std::string cpp_ns(const std::string& dotted);
/// The namespace a record's descriptor and hooks live in: "::demo", or "::uplift_records" for a
/// record whose schemas have no namespace above the versions'.
std::string record_ns(const record_model& rec);
/// The record folder's name: "user" for "schemas/user/".
std::string folder_name(const record_model& rec);
/// "0.1.0": the generator's version, printed in generated files.
std::string generator_version();

/// Replaces every `{{key}}` of `text` with its value; a key missing from `values` is an error
/// in the generator itself and aborts.
std::string render(const std::string& text, const std::map<std::string, std::string>& values);

}  // namespace uplift_gen
