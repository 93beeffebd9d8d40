#pragma once
// Reading one record folder (v1.fbs, v2.fbs, ...) into a plain model the generator diffs.
// Parsing is FlatBuffers' own parser; nothing here knows about C++ output.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace uplift_gen {

/// Where something was written, for messages: "schemas/user/v2.fbs:7".
struct location {
  std::string file;
  int line = 0;
  std::string str() const { return file + ":" + std::to_string(line); }
};

/// A field's type, independent of any parser object.
struct type_ref {
  enum class kind { scalar, string, table, structure, enumeration, union_type, vector, array };
  kind k = kind::scalar;
  std::string scalar;    ///< for scalars and enum underlying types: "int", "ulong", "bool", ...
  std::string name;      ///< for tables, structs, enums, unions: the unqualified name
  std::string element;   ///< for vectors and arrays: the element type written like the schema
  kind element_kind = kind::scalar;
  std::string element_scalar;
  int fixed_length = 0;  ///< for arrays
  /// The type as the schema spells it: "int", "string", "[Part]", "Color", "[ubyte:4]".
  std::string spelling() const;
};

struct field_model {
  std::string name;
  int id = 0;               ///< slot index: the vtable position (declaration order or `id:`)
  type_ref type;
  std::string default_value;  ///< as the parser normalised it ("0", "Blue" is "2", "0.0")
  bool deprecated = false;
  bool required = false;
  bool optional = false;    ///< `= null` scalars
  std::optional<std::string> renamed_from;
  bool computed = false;
  int byte_offset = 0;      ///< for a struct's members: the member's offset in the struct
  std::map<std::string, std::string> attributes;  ///< every attribute, for the fingerprint
  location where;
};

struct struct_model {
  std::string name;
  bool fixed = false;  ///< a FlatBuffers struct, not a table
  std::size_t bytesize = 0;  ///< for structs: the size of the struct, padding included
  std::size_t minalign = 1;  ///< for structs: the alignment the struct needs
  std::vector<field_model> fields;  ///< in slot order for tables, declaration order for structs
  std::map<std::string, std::string> attributes;  ///< the table's or struct's own attributes
  location where;
  const field_model* field(const std::string& n) const;
};

struct enum_model {
  std::string name;
  bool is_union = false;
  std::string underlying;  ///< scalar name of the underlying type
  std::vector<std::pair<std::string, std::int64_t>> values;  ///< in declaration order
  location where;
};

/// One parsed version of a record: `vN.fbs`.
struct version_model {
  int number = 0;
  std::string file;
  std::string ns;          ///< e.g. "demo.v3"
  std::string parent_ns;   ///< e.g. "demo"
  std::string root;        ///< root table name
  std::string file_identifier;  ///< `file_identifier "ABCD";`, empty when the schema has none
  std::map<std::string, struct_model> structs;  ///< tables and structs by unqualified name
  std::map<std::string, enum_model> enums;      ///< enums and unions by unqualified name
  std::string source;      ///< the file's text
  std::vector<std::string> includes;  ///< the files it includes (recursively), as the parser found them
};

/// A record folder, all its versions, oldest first.
struct record_model {
  std::string dir;
  std::string name;        ///< the root table's name, the same in every version
  std::string parent_ns;   ///< the namespace the descriptor lives in
  std::vector<version_model> versions;
  /// The JSON version key set with the root table's `json_version_key` attribute; empty: "_v".
  std::string json_version_key;
};

/// "v3": how versions are named in files and messages.
inline std::string vname(int n) { return "v" + std::to_string(n); }

/// A problem found while reading schemas, already phrased for a person: where, what, what to do.
struct diagnostic {
  location where;
  std::string text;
  std::string str() const { return (where.file.empty() ? "" : where.str() + ": ") + text; }
};

/// One version's schema text and the file it is named after in messages.
struct schema_source {
  int number = 0;     ///< N of vN.fbs
  std::string file;   ///< the file's path, for messages
  std::string text;   ///< the file's text
};

/// Reads every vN.fbs of `dir`. On failure returns nothing and appends to `errors`.
std::optional<record_model> load_record(const std::string& dir, std::vector<diagnostic>& errors);

/// Reads the versions of one record from their texts, contiguous and oldest first, as load_record
/// does after reading the files (an `include` is looked up in `dir`). On failure returns nothing
/// and appends to `errors`. Any text is safe to give: a bad schema is a diagnostic.
std::optional<record_model> load_record_sources(const std::string& dir,
                                                std::vector<schema_source> sources,
                                                std::vector<diagnostic>& errors);

}  // namespace uplift_gen
