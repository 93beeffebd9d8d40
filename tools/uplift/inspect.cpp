// uplift inspect: any stored record printed as JSON from its record's schema folder alone, with no
// generated code. FlatBuffers' own parser reads the schemas (schemas/<record>/vN.fbs), its verifier
// checks the bytes before anything reads them, and its text printer writes them. Useful when a row
// is quarantined: it shows what the row holds even when the chain cannot upgrade it.
//
//   uplift inspect --schemas DIR [--version N] FILE|-
//   uplift inspect STORE --table T --key K --schemas DIR [--key-column C] [--value V]
//                  [--key-type integer|text] [--version N]
//
// The input is an uplift record (its header names the version), a JSON document (its version key
// names it), or, written before versioning, a plain FlatBuffers buffer or a JSON document without
// the key: then the version is the only one the input reads as, or the one --version names.
// The record is printed on standard output, what it is on standard error.
// Exit status: 0 when the record is printed, 1 when it cannot be (the reason is printed), 2 on a
// usage error.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <flatbuffers/idl.h>
#include <flatbuffers/reflection.h>
#include <simdjson.h>

#include <uplift/header.hpp>
#include <uplift/store/postgres.hpp>
#include <uplift/store/sqlite.hpp>

#include "schemas.hpp"

namespace uplift_cli {
namespace {
namespace fs = std::filesystem;

constexpr const char* inspect_usage = R"(usage:
  uplift inspect --schemas DIR [--version N] FILE|-
  uplift inspect STORE --table T --key K --schemas DIR [--key-column C] [--value V]
                 [--key-type integer|text] [--version N]

Prints a stored record as JSON, read with the schemas of its record folder (DIR holds v1.fbs,
v2.fbs, ...) and no generated code: an uplift record, a JSON document with its version key, or,
written before versioning, a FlatBuffers buffer or a JSON document without one (then --version N
says which version it is when more than one reads it). FILE - reads standard input. STORE is
sqlite:PATH, a PostgreSQL URL (postgresql://...) or pg:CONNINFO; --key is the row's key,
--key-column its column (default id), --value the record's column (default value).
)";

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr, "uplift inspect: %s\n\n%s", what.c_str(), inspect_usage);
  std::exit(2);
}

struct arguments {
  std::string input;  ///< FILE, "-", or STORE
  bool row = false;   ///< STORE --table --key
  std::string schemas;
  std::string key;
  uplift::table_spec spec;
  int version = 0;  ///< --version N; 0 when not given
};

arguments parse(int argc, char** argv) {
  arguments a;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::fputs(inspect_usage, stdout);
      std::exit(0);
    } else if (arg == "--schemas") {
      a.schemas = value();
    } else if (arg == "--table") {
      a.spec.table = value();
    } else if (arg == "--key") {
      a.key = value();
    } else if (arg == "--key-column") {
      a.spec.key_column = value();
    } else if (arg == "--value") {
      a.spec.value_column = value();
    } else if (arg == "--key-type") {
      const std::string t = value();
      if (t == "integer") a.spec.key = uplift::key_type::integer;
      else if (t == "text") a.spec.key = uplift::key_type::text;
      else usage_error("--key-type is integer or text, not " + t);
    } else if (arg == "--version") {
      const std::string n = value();
      char* end = nullptr;
      const long v = std::strtol(n.c_str(), &end, 10);
      if (n.empty() || *end != '\0' || v < 1 || v > 65535) usage_error("--version is a version number, not " + n);
      a.version = static_cast<int>(v);
    } else if (arg.size() > 1 && arg[0] == '-') {
      usage_error("unknown option " + std::string(arg));
    } else {
      positional.emplace_back(arg);
    }
  }
  if (positional.size() != 1) usage_error("give one input: a file, - for standard input, or a store");
  if (a.schemas.empty()) usage_error("--schemas DIR is required: the record's schema folder (v1.fbs, v2.fbs, ...)");
  a.input = positional[0];
  a.row = !a.spec.table.empty() || !a.key.empty();
  if (a.row && (a.spec.table.empty() || a.key.empty()))
    usage_error("a row is named by --table T and --key K");
  return a;
}

// ---- printing -----------------------------------------------------------------------------------

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

/// FlatBuffers' text of a table, with the version key put first as a record's JSON has it.
std::string with_version(const std::string& text, const std::string& key, int version) {
  const std::string field = "  " + json_string(key) + ": " + std::to_string(version);
  if (text.rfind("{\n}", 0) == 0 || text.rfind("{}", 0) == 0) return "{\n" + field + "\n}\n";
  std::string out = "{\n" + field + ",\n" + text.substr(2);
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

/// True when `payload` verifies as version `v`'s root table (nothing reads an unverified byte).
bool verifies(const version_schema& v, const std::vector<std::uint8_t>& payload) {
  if (payload.size() < 8 || payload.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) return false;
  const auto* schema = reflection::GetSchema(v.bfbs.data());
  return flatbuffers::Verify(*schema, *schema->root_table(), payload.data(), payload.size());
}

std::string binary_text(const record_schemas& s, const version_schema& v, const std::vector<std::uint8_t>& payload) {
  auto p = parser_for(s, v);
  std::string text;
  if (!flatbuffers::GenerateText(*p, payload.data(), &text))
    throw failure{"the payload verifies as v" + std::to_string(v.number) +
                  " but FlatBuffers cannot print it as JSON (a string that is not UTF-8?)"};
  return with_version(text, s.version_key, v.number);
}

/// The first bytes of `bytes` in hex, for a message about bytes that cannot be read.
std::string hex_start(const std::vector<std::uint8_t>& bytes) {
  std::string out;
  char buf[4];
  for (std::size_t i = 0; i < bytes.size() && i < 32; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", bytes[i]);
    out += (i ? " " : "") + std::string(buf);
  }
  return out + (bytes.size() > 32 ? " ..." : "");
}

std::string list(const std::vector<int>& versions) {
  std::string out;
  for (std::size_t i = 0; i < versions.size(); ++i)
    out += (i == 0 ? "" : i + 1 == versions.size() ? " and " : ", ") + ("v" + std::to_string(versions[i]));
  return out;
}

const version_schema& known(const record_schemas& s, int n, const std::string& what) {
  auto it = s.versions.find(n);
  if (it == s.versions.end())
    throw failure{what + " v" + std::to_string(n) + ", which " + s.dir + " does not have (" + s.range() +
                  "): give --schemas the schema folder of the release that wrote it"};
  return it->second;
}

/// An uplift record: the header names the record type and the version.
std::string inspect_record(const record_schemas& s, const std::string& bytes, int forced, std::string& what) {
  auto h = uplift::peek(std::string_view(bytes));
  if (!h) throw failure{"an uplift record with a bad header: " + h.error().message()};
  if (h->type_id != uplift::type_id_of(s.name)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%08x, not %s's %08x", static_cast<unsigned>(h->type_id), s.name.c_str(),
                  static_cast<unsigned>(uplift::type_id_of(s.name)));
    throw failure{"an uplift record of another record type (" + std::string(buf) +
                  "): give --schemas that record's schema folder"};
  }
  if (forced != 0 && forced != h->version)
    throw failure{"the record's header says v" + std::to_string(h->version) + ", --version says v" +
                  std::to_string(forced) + ": leave --version out"};
  const version_schema& v = known(s, h->version, "an uplift record of");
  std::vector<std::uint8_t> payload(bytes.begin() + h->size, bytes.end());
  what = s.name + " v" + std::to_string(h->version) + ": an uplift record (header of " + std::to_string(h->size) +
         " bytes, readable from v" + std::to_string(h->min_reader_version) + "), a payload of " +
         std::to_string(payload.size()) + " bytes";
  if (!verifies(v, payload))
    throw failure{what + " that does not verify as v" + std::to_string(h->version) +
                  " (damaged, or written by other code): its first bytes are " + hex_start(payload)};
  return binary_text(s, v, payload);
}

/// A FlatBuffers buffer without uplift's header: the versions it verifies as, narrowed by its file
/// identifier and by how many slots its root table's vtable has.
std::string inspect_legacy_binary(const record_schemas& s, const std::string& bytes, int forced, std::string& what) {
  const std::vector<std::uint8_t> payload(bytes.begin(), bytes.end());
  if (forced != 0) {
    const version_schema& v = known(s, forced, "--version names");
    if (!verifies(v, payload))
      throw failure{"the input does not verify as v" + std::to_string(forced) + " (its first bytes are " +
                    hex_start(payload) + ")"};
    what = s.name + " v" + std::to_string(forced) + ": a FlatBuffers buffer without uplift's header, read as --version says";
    return binary_text(s, v, payload);
  }
  std::vector<int> candidates;
  for (const auto& [n, v] : s.versions)
    if (verifies(v, payload)) candidates.push_back(n);
  if (candidates.empty())
    throw failure{"neither an uplift record nor a JSON document, and not a FlatBuffers buffer of any version in " +
                  s.dir + " (" + s.range() + "): its first bytes are " + hex_start(payload)};
  // It verified: its root table and vtable can be read.
  const std::string id(bytes.begin() + 4, bytes.begin() + 8);
  auto narrowed = [&](auto keep) {
    std::vector<int> out;
    for (int n : candidates)
      if (keep(s.versions.at(n))) out.push_back(n);
    if (!out.empty()) candidates = out;
  };
  narrowed([&](const version_schema& v) { return !v.identifier.empty() && v.identifier == id; });
  const auto root = flatbuffers::ReadScalar<flatbuffers::uoffset_t>(payload.data());
  const auto vtable = static_cast<std::size_t>(static_cast<std::int64_t>(root) -
                                               flatbuffers::ReadScalar<flatbuffers::soffset_t>(payload.data() + root));
  const int slots = (flatbuffers::ReadScalar<flatbuffers::voffset_t>(payload.data() + vtable) - 4) / 2;
  narrowed([&](const version_schema& v) { return v.slots >= slots; });
  if (candidates.size() > 1)
    throw failure{"a FlatBuffers buffer without uplift's header, which reads as " + list(candidates) +
                  " of " + s.name + " alike: say which with --version N"};
  what = s.name + " v" + std::to_string(candidates[0]) +
         ": a FlatBuffers buffer without uplift's header; v" + std::to_string(candidates[0]) +
         " is the only version it reads as";
  return binary_text(s, s.versions.at(candidates[0]), payload);
}

/// `doc` without its member `skip`, as compact JSON.
std::string without(simdjson::dom::object doc, std::string_view skip) {
  std::string out = "{";
  for (auto [key, value] : doc) {
    if (key == skip) continue;
    out += (out.size() > 1 ? "," : "") + json_string(key) + ":" + simdjson::minify(value);
  }
  return out + "}";
}

/// The document read as version `v`, or nothing with FlatBuffers' complaint in `error`.
std::optional<std::string> json_as(const record_schemas& s, const version_schema& v, const std::string& doc,
                                   std::string& error) {
  auto p = parser_for(s, v);
  if (!p->Parse(doc.c_str())) {
    error = p->error_;
    return std::nullopt;
  }
  std::string text;
  if (!flatbuffers::GenerateText(*p, p->builder_.GetBufferPointer(), &text)) {
    error = "FlatBuffers cannot print it";
    return std::nullopt;
  }
  return with_version(text, s.version_key, v.number);
}

std::string inspect_json(const record_schemas& s, const std::string& bytes, int forced, std::string& what) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto e = parser.parse(bytes).get(doc)) throw failure{std::string("not JSON: ") + simdjson::error_message(e)};
  simdjson::dom::object object;
  if (doc.get(object)) throw failure{"a JSON document that is not an object"};
  const std::string plain = without(object, s.version_key);
  simdjson::dom::element key;
  if (!object[s.version_key].get(key)) {
    std::uint64_t n = 0;
    if (key.get(n) || n < 1 || n > 65535)
      throw failure{"a JSON document whose \"" + s.version_key + "\" is not a version number: " + simdjson::minify(key)};
    if (forced != 0 && forced != static_cast<int>(n))
      throw failure{"the document says v" + std::to_string(n) + ", --version says v" + std::to_string(forced) +
                    ": leave --version out"};
    const version_schema& v = known(s, static_cast<int>(n), "a JSON document of");
    what = s.name + " v" + std::to_string(n) + ": a JSON document (\"" + s.version_key + "\": " + std::to_string(n) + ")";
    std::string error;
    if (auto text = json_as(s, v, plain, error)) return *text;
    throw failure{what + " that does not read as v" + std::to_string(n) + ": " + error + "\n  the document: " +
                  simdjson::minify(doc)};
  }
  if (forced != 0) {
    const version_schema& v = known(s, forced, "--version names");
    what = s.name + " v" + std::to_string(forced) + ": a JSON document without \"" + s.version_key +
           "\", read as --version says";
    std::string error;
    if (auto text = json_as(s, v, plain, error)) return *text;
    throw failure{"the document does not read as v" + std::to_string(forced) + ": " + error};
  }
  std::vector<int> candidates;
  std::string text, errors;
  for (const auto& [n, v] : s.versions) {
    std::string error;
    if (auto t = json_as(s, v, plain, error)) {
      candidates.push_back(n);
      text = *t;
    } else {
      errors += "\n  as v" + std::to_string(n) + ": " + error;
    }
  }
  if (candidates.empty())
    throw failure{"a JSON document without \"" + s.version_key + "\" that reads as no version in " + s.dir + ":" +
                  errors};
  if (candidates.size() > 1)
    throw failure{"a JSON document without \"" + s.version_key + "\", which reads as " + list(candidates) +
                  " of " + s.name + " alike: say which with --version N"};
  what = s.name + " v" + std::to_string(candidates[0]) + ": a JSON document without \"" + s.version_key +
         "\"; v" + std::to_string(candidates[0]) + " is the only version it reads as";
  return text;
}

std::string inspect_bytes(const record_schemas& s, const std::string& bytes, int forced, std::string& what) {
  if (bytes.empty()) throw failure{"the input is empty"};
  if (bytes.size() >= 4 && bytes.compare(0, 4, "UPLF") == 0) return inspect_record(s, bytes, forced, what);
  const auto first = bytes.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && bytes[first] == '{') return inspect_json(s, bytes, forced, what);
  return inspect_legacy_binary(s, bytes, forced, what);
}

/// The row's bytes from the store.
template <class S>
std::string row(uplift::result<S> db, const arguments& a) {
  if (!db) throw failure{"cannot open " + a.input + ": " + db.error().message()};
  uplift::row_key key;
  if (a.spec.key == uplift::key_type::integer) {
    char* end = nullptr;
    const long long k = std::strtoll(a.key.c_str(), &end, 10);
    if (a.key.empty() || *end != '\0') usage_error("--key " + a.key + " is not an integer: give --key-type text");
    key = static_cast<std::int64_t>(k);
  } else {
    key = a.key;
  }
  auto value = db->get(key);
  if (!value) throw failure{"cannot read key " + a.key + " of " + a.spec.table + ": " + value.error().message()};
  if (!*value) throw failure{"no row with key " + a.key + " in " + a.spec.table};
  return std::move(**value);
}

}  // namespace

/// `uplift inspect ...`: argv[0] is "inspect".
int inspect(int argc, char** argv) {
  const arguments a = parse(argc, argv);
  try {
    const record_schemas schemas = load(a.schemas);
    std::string bytes;
    const std::string_view in = a.input;
    if (a.row) {
      if (in.rfind("sqlite:", 0) == 0) {
        const std::string path(in.substr(7));
        std::error_code ec;
        if (!fs::exists(path, ec)) throw failure{path + ": no such SQLite database"};
        bytes = row(uplift::sqlite_store::open(path, a.spec), a);
      }
      else if (in.rfind("postgresql://", 0) == 0 || in.rfind("postgres://", 0) == 0)
        bytes = row(uplift::postgres_store::open(std::string(in), a.spec), a);
      else if (in.rfind("pg:", 0) == 0)
        bytes = row(uplift::postgres_store::open(std::string(in.substr(3)), a.spec), a);
      else
        usage_error("the store is sqlite:PATH, postgresql://..., or pg:CONNINFO, not " + a.input);
    } else if (a.input == "-") {
      bytes = read_all(std::cin);
    } else {
      std::ifstream file(a.input, std::ios::binary);
      if (!file) throw failure{a.input + ": cannot be read"};
      bytes = read_all(file);
    }
    std::string what;
    const std::string text = inspect_bytes(schemas, bytes, a.version, what);
    std::fprintf(stderr, "%s\n", what.c_str());
    std::fputs(text.c_str(), stdout);
    return 0;
  } catch (const failure& f) {
    std::fprintf(stderr, "uplift inspect: %s\n", f.text.c_str());
    return 1;
  }
}

}  // namespace uplift_cli
