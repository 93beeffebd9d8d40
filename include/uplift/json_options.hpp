#pragma once
/// Options of JSON records, without simdjson: `codec_options` carries them, and a build that never
/// reads JSON does not pay for the parser's header. The JSON functions are in <uplift/json.hpp>.

#include <cstdint>
#include <functional>
#include <string>

namespace uplift {

/// A JSON document without a version key, as the sniffer sees it (defined in <uplift/json.hpp>):
/// `has("key")` and the simdjson on-demand object itself.
class json_shape;

/// Guesses the version of a legacy document (one written before versioning) from its shape:
/// returns the version, or 0 when it cannot tell. A wrong guess is not a crash: the document is
/// then read by that version's reader, and a field of the wrong type is an error.
using json_sniffer = std::function<std::uint16_t(json_shape&)>;

/// How JSON records are read.
struct json_options {
  /// The key holding the version; empty: the record's own (`R::json_version_key`, set with the
  /// schema attribute `json_version_key`) or else "_v".
  std::string version_key{};
  /// A document without the version key is read as this version (0: no default).
  std::uint16_t default_version = 0;
  /// A document without the version key is read as the version this returns. Tried before
  /// `default_version`; when it returns 0, `default_version` applies.
  json_sniffer sniffer{};
  /// The deepest nesting of objects and arrays a document may have.
  std::uint32_t max_depth = 64;
};

namespace detail {
/// The JSON side of `codec<R>`, defined by <uplift/json.hpp>.
template <class R>
struct json_codec;
}  // namespace detail

}  // namespace uplift
