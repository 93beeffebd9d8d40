#pragma once
// Sample records and frozen fixtures: a deterministic value for every field of a version, the
// fixture files `uplift-gen fixtures` writes once per released version, and what reading each
// fixture at the latest version must give.

#include <optional>
#include <string>
#include <vector>

#include "classify.hpp"
#include "report.hpp"
#include "schema.hpp"

namespace uplift_gen {

struct sample_member;

/// A JSON value of a sample record, kept as a tree so that it can be carried across versions.
struct sample_value {
  enum class kind { number, boolean, string, name, object, array };
  kind k = kind::number;
  std::string text;  ///< number (as written), "true"/"false", string contents, or an enum name
  std::vector<sample_member> members;  ///< objects, in order
  std::vector<sample_value> items;     ///< arrays

  /// Appends the member `key` to an object.
  void add(std::string key, sample_value value);
  /// The value as compact JSON: `{"id":100000,"name":"name"}`.
  std::string json() const;
};

/// One member of a sample object.
struct sample_member {
  std::string key;
  sample_value value;
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

/// Reads a JSON document (a fixture) into a sample tree; `null` members are left out. On bad JSON
/// returns nothing and says why in `error`.
std::optional<sample_value> parse_sample(const std::string& json, std::string& error);

/// `<record dir>/fixtures/v<N>.bin` and `.json`.
std::string fixture_path(const std::string& record_dir, int version, const char* extension);

/// Writes the fixtures of every released (locked) version of the checked record `c` that has none
/// yet: `fixtures/v<N>.bin` (uplift's header and the payload) and `fixtures/v<N>.json` (the
/// document with its version key), both of the version's sample record. A fixture already there is
/// kept as it is: fixtures are frozen. Appends what it did to `lines` and failures to `errors`.
void write_fixtures(const record_check& c, std::vector<std::string>& lines,
                    std::vector<diagnostic>& errors);

/// The source of a test program that reads every fixture of the checked records `checks` with the
/// generated chain (it includes `<folder>_uplift_json.hpp`) and compares each with what its values
/// must read as at the latest version. `file` names the program's source in its banner.
std::string emit_fixture_test(const std::vector<const record_check*>& checks, const std::string& file,
                              std::vector<diagnostic>& errors);

}  // namespace uplift_gen
