#pragma once
// Sample records and frozen fixtures: a deterministic value for every field of a version, the
// fixture files `uplift-gen fixtures` writes once per released version, and what reading each
// fixture at the latest version must give.

#include <optional>
#include <string>
#include <vector>

#include "classify.hpp"
#include "schema.hpp"

namespace uplift_gen {

/// A JSON value of a sample record, kept as a tree so that it can be carried across versions.
struct sample_value {
  enum class kind { number, boolean, string, name, object, array };
  kind k = kind::number;
  std::string text;  ///< number (as written), "true"/"false", string contents, or an enum name
  std::vector<std::pair<std::string, sample_value>> members;  ///< objects, in order
  std::vector<sample_value> items;                             ///< arrays

  /// The value as compact JSON: `{"id":100000,"name":"name"}`.
  std::string json() const;
};

/// A sample of version `v`'s root table: every field set to a value that is not its default
/// (so that a writer stores it), the same value for the same field every time. Integers are
/// 10 + slot (byte), 1000 + slot (short), 100000 + slot (int) or 10000000000 + slot (long), for
/// unsigned types too, so that a value fits either sign of its width; floats are slot + 0.5;
/// strings are the field's name; enums their second value; vectors hold two elements; nested
/// tables stop at a depth of 3; a union holds its first member.
sample_value sample_record(const version_model& v);

/// The sample as FlatBuffers JSON, which flatc and uplift's JSON readers both read.
std::string sample_json(const version_model& v);

/// What reading a record of version `from` holding `sample` at the latest version of `rec` gives,
/// field by field, traced through `steps` (renames, widenings, conversions, enum values by number;
/// added fields left out, since they read as their defaults). Fields a hook fills on the way, and
/// the members of those that contain one, are left out too and named in `unchecked` as
/// `Table.field`.
sample_value expected_latest(const record_model& rec, const std::vector<step_report>& steps,
                             int from, const sample_value& sample,
                             std::vector<std::string>& unchecked);

}  // namespace uplift_gen
