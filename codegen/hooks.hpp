#pragma once
// The hooks of a step: which kind each step takes (field hooks, fused into the rebuild, or record
// hooks on Object API structs) and why, their C++ signatures, and the field inputs that field hooks
// read. The emitter and `uplift-gen check` both take them from here.

#include <string>
#include <vector>

#include "classify.hpp"
#include "schema.hpp"

namespace uplift_gen {

/// One field hook: computes one root-table field of the version it fills.
struct field_hook {
  const field_model* field = nullptr;  ///< the field it fills, in the version it fills
  int input_version = 0;               ///< the version whose fields it reads
  std::string name;                    ///< "upgrade_given_name", "downgrade_full_name"
  std::string returns;                 ///< "uplift::text", "std::int64_t", "::demo::v3::Color"
  std::string input;                   ///< "uplift_fields_User::v2", in the record's namespace
};

/// The hooks of step vK -> vK+1 (both directions).
struct step_hooks {
  enum class kind { none, field, record };
  kind k = kind::none;
  /// Why the step takes record hooks, in words (empty for the other kinds).
  std::string why;
  std::vector<field_hook> up;    ///< for kind::field: one per computed field of vK+1
  std::vector<field_hook> down;  ///< for kind::field: one per field of vK that vK+1 dropped
};

/// Plans the hooks of step `i` (rec.versions[i] -> rec.versions[i + 1]).
step_hooks plan_hooks(const record_model& rec, const step_report& step, std::size_t i);

/// The table `name` of a step, or null when the step has none of that name.
const table_step* find_table(const step_report& step, const std::string& name);

/// The C++ type of a scalar as flatc writes it: "std::int64_t", "bool", "float".
std::string scalar_cpp(const std::string& scalar);
/// The C++ type flatc uses for a scalar in vectors (a bool is a byte there).
std::string element_cpp(const std::string& scalar);

/// True when a field hook's input offers `f` (a root-table field of `v`): a scalar or an enum that
/// is not optional, or a string.
bool offered_to_field_hooks(const version_model& v, const field_model& f);

/// True when a field hook can fill `f` (a root-table field of `v`): what an input offers, and a
/// vector of strings, scalars or enums (returned as a std::vector of uplift::text, of the scalar,
/// of the enum).
bool filled_by_field_hooks(const version_model& v, const field_model& f);

/// For a vector `f` of `v` that a field hook fills: the element type the hook returns a
/// std::vector of ("uplift::text", "std::int16_t", "::ns::v3::Level"), and the element type of the
/// FlatBuffers vector it is written into (the enum itself, std::uint8_t for bool).
std::string vector_element_cpp(const version_model& v, const field_model& f);
std::string vector_stored_cpp(const version_model& v, const field_model& f);

/// Where field `f` of version index `j` comes from in a record stored at version index `k`
/// (k <= j), through the steps between.
struct field_origin {
  enum class kind { stored, computed, absent };
  kind k = kind::absent;
  /// stored: the field in version k; computed: the field a hook of step `step` fills (in version
  /// step + 1); absent: the field as it was added (its default is what old records read).
  const field_model* field = nullptr;
  std::size_t step = 0;
};
field_origin trace_field(const std::vector<step_report>& steps, const std::string& table,
                         const field_model& f, std::size_t j, std::size_t k);

/// The generated field inputs (`uplift_fields_<Record>::vK`) every field hook of the record reads,
/// and the hook declarations: `classes` goes first, then `hooks` (the declarations), then
/// `definitions` (the inputs' accessors, which call earlier hooks).
struct field_inputs_text {
  std::string classes, hooks, definitions;
};
field_inputs_text emit_field_inputs(const record_model& rec, const std::vector<step_report>& steps,
                                    const std::vector<step_hooks>& plans, bool downgrades);

}  // namespace uplift_gen
