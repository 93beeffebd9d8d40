// The failure paths of json::writer, compiled once.

#include <uplift/json/writer.hpp>

#include <string>
#include <utility>

namespace uplift::json {

writer::segment& writer::far(std::uint32_t depth) {
  const std::size_t i = depth - near_levels;
  if (i >= far_.size()) far_.resize(i + 1);
  return far_[i];
}

void writer::fail(errc c, std::string detail) {
  if (code_ != errc::ok) return;
  code_ = c;
  detail_ = std::move(detail);
  failed_path_.assign(1, '$');  // not = "$": GCC 12 warns of a false -Wrestrict there at -O3
  const std::uint32_t top = depth_ < max_depth_ ? depth_ : max_depth_;
  for (std::uint32_t d = 1; d <= top; ++d) {
    const segment& s = at(d);
    if (s.is_key && s.key.size() >= 3) {
      failed_path_.push_back('.');
      failed_path_.append(s.key.substr(1, s.key.size() - 3));  // "name": -> name
    } else if (!s.is_key && s.index != static_cast<std::size_t>(-1)) {
      failed_path_.append("[").append(std::to_string(s.index)).append("]");
    }
  }
}

uplift::error writer::take_error(const record_info& record, std::uint16_t version) {
  uplift::error e(code_, record, version);
  if (!detail_.empty()) e.with_detail(detail_);
  if (!failed_path_.empty()) e.at_path(std::move(failed_path_));
  return e;
}

}  // namespace uplift::json
