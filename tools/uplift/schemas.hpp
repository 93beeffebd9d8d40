#pragma once
// Schema folders, as the uplift command reads them: a record's folder holds v1.fbs, v2.fbs, ...,
// and FlatBuffers' own parser reads each version. uplift inspect prints records with them;
// uplift stats names the record types they describe.

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <flatbuffers/idl.h>

namespace uplift_cli {

/// Why the command cannot go on: a message and exit status 1.
struct failure {
  std::string text;
};

/// One version of the record, as FlatBuffers' parser read it.
struct version_schema {
  int number = 0;
  std::string file;
  std::string text;
  std::vector<std::uint8_t> bfbs;  ///< the binary schema, for the verifier
  std::string identifier;          ///< file_identifier, when the schema declares one
  int slots = 0;                   ///< how many vtable slots the root table has
};

/// A record's schema folder, every version parsed.
struct record_schemas {
  std::string dir;
  std::string name;         ///< "demo.User", the name its type id is made from (type_id_of)
  std::string version_key;  ///< "_v", or the root table's json_version_key
  std::map<int, version_schema> versions;

  std::string range() const {
    return "v" + std::to_string(versions.begin()->first) + "..v" + std::to_string(versions.rbegin()->first);
  }
};

std::string read_all(std::istream& in);

/// A parser holding version `v`'s schema, set to print every field as strict JSON.
std::unique_ptr<flatbuffers::Parser> parser_for(const record_schemas& s, const version_schema& v);

/// Reads the record's schema folder `dir` (v1.fbs, v2.fbs, ...). Throws failure.
record_schemas load(const std::string& dir);

/// The record schema folders `dir` names: itself when it holds vN.fbs files, else its
/// subfolders that do (a project's schemas/, one folder per record). Throws failure when there
/// is none.
std::vector<std::string> record_folders(const std::string& dir);

}  // namespace uplift_cli
