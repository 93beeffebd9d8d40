#pragma once
/// `uplift::options`: how records are read and written, in either format (binary or JSON). One
/// struct for the free functions (`read`, `read_object`, `read_json`, ...) and for `codec<R>`.
/// It does not include simdjson: a build that never reads JSON does not pay for the parser.

#include <cstdint>
#include <functional>
#include <string>

namespace uplift {

/// What to do with a record whose version is newer than the latest this binary knows.
enum class newer_policy : std::uint8_t {
  reject,          ///< errc::too_new (the default)
  read_as_latest,  ///< read it as the latest version when its minimum reader version allows it
};

/// A JSON document without a version key, as the sniffer sees it (defined in <uplift/json.hpp>):
/// `has("key")` and the simdjson on-demand object itself.
class json_shape;

/// Guesses the version of a legacy document (one written before versioning) from its shape:
/// returns the version, or 0 when it cannot tell. A wrong guess is not a crash: the document is
/// then read by that version's reader, and a field of the wrong type is an error.
using json_sniffer = std::function<std::uint16_t(json_shape&)>;

/// How records are read and written. The defaults read untrusted input and write the latest
/// version.
///
///     uplift::read<demo::User>(bytes, {.verify = false});             // trusted input
///     uplift::codec<demo::User>::make({.write_version = 2});          // during a rollout
///     uplift::read_json<demo::User>(text, {.default_version = 1});    // legacy documents
struct options {
  /// Binary: verify each record before reading it (docs/FORMAT.md).
  bool verify = true;
  /// Records newer than this binary.
  newer_policy newer = newer_policy::reject;
  /// The deepest nesting a record may have: tables and vectors (binary, the verifier), objects
  /// and arrays (JSON).
  std::uint32_t max_depth = 64;
  /// Binary: the most tables in one record (the verifier).
  std::uint32_t max_tables = 1000000;
  /// `codec<R>`: the version `write` and `write_json` write (0: the latest). The free functions
  /// write each struct at its own version and ignore it.
  std::uint16_t write_version = 0;
  /// JSON: the key holding the version; empty: the record's own (`R::json_version_key`, set with
  /// the schema attribute `json_version_key`) or else "_v".
  std::string version_key{};
  /// JSON: a document without the version key is read as this version (0: no default).
  std::uint16_t default_version = 0;
  /// JSON: a document without the version key is read as the version this returns. Tried before
  /// `default_version`; when it returns 0, `default_version` applies.
  json_sniffer sniffer{};
};

/// The options used when none are given.
inline const options& default_options() noexcept {
  static const options o{};
  return o;
}

}  // namespace uplift
