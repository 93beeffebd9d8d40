// The errors of a JSON read that need no parser, compiled once.

#include <uplift/json.hpp>

#include <string>
#include <string_view>
#include <utility>

namespace uplift::detail {

error json_error(errc code, const record_info& info, std::string_view detail, std::string path,
                 std::uint16_t stored) {
  error e(code, info, stored, info.latest_version());
  if (!detail.empty()) e.with_detail(detail);
  if (!path.empty()) e.at_path(std::move(path));
  return e;
}

}  // namespace uplift::detail
