// Fuzz target: uplift::read_json<R> of the shipped record demo.User, any version, with and without
// a default version for documents that lack the version key; what reads must write and read back.
#include <string>
#include <string_view>

#include <uplift/json.hpp>

#include "fuzz_support.hpp"
#include "user_uplift_json.hpp"

using uplift_fuzz::expect;

namespace {

void read_one(std::string_view text, const uplift::options& o) {
  auto u = uplift::read_json<demo::User>(text, o);
  if (!u) {
    expect(u.error().code != uplift::errc::ok, "a failed read names its error");
    expect(!u.error().message().empty(), "an error has a message");
    return;
  }
  auto written = uplift::write_json<demo::User>(*u);
  expect(written.has_value(), "a document read writes back as JSON");
  auto again = uplift::read_json<demo::User>(*written);
  expect(again.has_value(), "written JSON reads back");
  expect(again->email == u->email && again->given_name == u->given_name &&
             again->family_name == u->family_name && again->id == u->id && again->age == u->age,
         "written JSON reads back the same");
  expect(uplift::json_to_binary<demo::User>(*written).has_value(), "JSON read converts to binary");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  read_one(text, {});
  read_one(text, {.max_depth = 8, .default_version = 1});
  return 0;
}
