#pragma once
// Diffing two consecutive versions of a record: what each field of the newer version is made of.

#include <string>
#include <vector>

#include "schema.hpp"

namespace uplift_gen {

/// How a field of version K+1 is derived from version K.
enum class field_kind {
  copied,    ///< same name, same type
  renamed,   ///< `(renamed_from: "old")`, same type
  widened,   ///< same or renamed field, lossless numeric widening (int -> long, float -> double)
  converted, ///< same or renamed field, a sign change of the same width (int <-> uint): range-checked
  nested,    ///< same name, a table (or vector of tables) whose own fields are derived in turn
  added,     ///< new field: takes the schema default
  computed,  ///< `(computed)`: filled by a hook the user writes
};

const char* to_string(field_kind k);

struct field_step {
  field_kind kind = field_kind::copied;
  const field_model* to = nullptr;    ///< the field in version K+1
  const field_model* from = nullptr;  ///< its source in version K (null for added/computed)
  std::string nested_table;           ///< for `nested`: the table type name (same in both)
  bool in_place = false;  ///< renamed with no annotation: FlatBuffers' rule (same slot, same type)
  bool default_changed = false;  ///< a scalar whose default changes: old records keep their value
};

/// The derivation of one table of version K+1 from the same-named table of version K.
struct table_step {
  std::string name;
  std::vector<field_step> fields;
  std::vector<const field_model*> dropped;  ///< fields of version K no field of K+1 comes from
  std::vector<const field_model*> deprecated;  ///< fields of version K that K+1 marks (deprecated)
  std::vector<const field_model*> refused;     ///< fields of K+1 with an error (see step_report)
  bool wire_compatible = true;
  std::vector<std::string> wire_reasons;    ///< why not, in words, when it is not
};

/// The step vK -> vK+1 of a record.
struct step_report {
  int from = 0, to = 0;
  std::vector<table_step> tables;  ///< the root table first, then nested tables it reaches
  bool wire_compatible = true;
  bool needs_hook = false;         ///< some field is computed
  bool range_checked = false;      ///< some field is converted with a range check (can fail)
  std::vector<std::string> notes;  ///< what else a reader of the report should know, in words
  std::vector<diagnostic> errors;  ///< changes that cannot be derived and are not computed
};

/// Diffs version `a` (K) and `b` (K+1).
step_report classify(const version_model& a, const version_model& b);

/// Classifies every step of `rec` (`steps[i]` is classify(v_i, v_i+1)), then checks wire
/// compatibility across runs of steps: a record of an older version is read with no copy through
/// every version its wire-compatible steps reach, so a field may not take a slot that any version
/// of such a run used for another field (a field deleted outright, then its slot reused later).
std::vector<step_report> classify_record(const record_model& rec);

/// True when `from` and `to` are integers of the same width and opposite signedness (int, uint).
bool sign_change(const std::string& from, const std::string& to);

/// True when a value of scalar type `from` always fits `to` exactly.
bool widens(const std::string& from, const std::string& to);

/// True for the hidden `<name>_type` field FlatBuffers adds in front of a union field.
bool is_union_type_field(const struct_model& t, const field_model& f);

}  // namespace uplift_gen
