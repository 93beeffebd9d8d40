// Fuzz target: the row engine's door, record_handle::inspect and rewrite_row, of the shipped record
// demo.User, on the bytes of one stored row in a column of each format: `detect` (the sniffer that
// tells a JSON row from a binary one, then either reader), `json` and `binary`; with the default
// options and with the legacy rules (JSON documents without the version key read as v1, binary
// buffers without uplift's header by their shape).
#include <string>
#include <string_view>

#include <uplift/json.hpp>

#include "fuzz_support.hpp"
#include "user_uplift_json.hpp"

using uplift_fuzz::expect;

namespace {

using user_codec = uplift::codec<demo::User>;

void rewrite_one(const uplift::record_handle& h, uplift::bytes_view row, uplift::value_format column) {
  const auto info = h.inspect(row, column);
  constexpr std::string_view before = "kept";  // what `out` held before the call
  std::string out(before);
  const auto r = h.rewrite_row(row, column, 3, out);
  if (!r) {
    expect(!r.error().message().empty(), "an error has a message");
    expect(out == before, "a row that cannot be rewritten leaves the output as it was");
    return;
  }
  // inspect reads a row up to its header or version key, rewrite_row all of it: what rewrites
  // inspects, and both say the same about it.
  expect(info.has_value(), "a row that rewrites inspects");
  expect(info->format == r->stored.format && info->version == r->stored.version &&
             info->untagged == r->stored.untagged,
         "inspect and rewrite_row agree on the row's form and version");
  expect(r->stored.format == uplift::format_of(column, row), "the row's form is the column's rule");
  if (r->outcome == uplift::rewrite_outcome::current) {
    expect(out == before, "a current row leaves the output as it was");
    expect(r->stored.version >= 3 && !r->stored.untagged, "only a tagged row at v3 or newer is current");
    return;
  }
  // The rewritten row: the same form, at v3, tagged, and current when rewritten again.
  const std::string_view written = std::string_view(out).substr(before.size());
  const uplift::bytes_view again(reinterpret_cast<const std::uint8_t*>(written.data()), written.size());
  expect(uplift::format_of(column, again) == r->stored.format, "a rewritten row keeps its form");
  const auto now = h.inspect(again, column);
  expect(now.has_value() && now->version == 3 && !now->untagged, "a rewritten row is tagged v3");
  std::string twice;
  const auto second = h.rewrite_row(again, column, 3, twice);
  expect(second.has_value() && second->outcome == uplift::rewrite_outcome::current,
         "a rewritten row is current");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const user_codec plain = user_codec::make({}).value();
  static const user_codec legacy =
      user_codec::make({.default_version = 1, .untagged = uplift::untagged_binary::by_shape}).value();
  static const uplift::record_handle handles[] = {plain.json_handle(), legacy.json_handle()};
  const uplift::bytes_view row(data, size);
  for (const uplift::record_handle& h : handles)
    for (auto column : {uplift::value_format::detect, uplift::value_format::json,
                        uplift::value_format::binary})
      rewrite_one(h, row, column);
  return 0;
}
