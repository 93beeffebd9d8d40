#pragma once
/// Writing FlatBuffers records at a chosen version.

#include <cstddef>
#include <type_traits>
#include <utility>

#include "bytes.hpp"
#include "chain.hpp"
#include "detail/chain_impl.hpp"
#include "error.hpp"
#include "header.hpp"

namespace uplift {

/// Writes `obj`, the Object API struct of any version of R, as a record at exactly that version:
/// header and payload in one owned, 8-byte aligned buffer. To write the latest struct at an older
/// version during a rollout, use `codec<R>::write`.
///
///     demo::v3::UserT u; u.id = 7; u.email = "a@example.com";
///     uplift::buffer rec = uplift::write<demo::User>(u);
template <class R, class Object>
buffer write(const Object& obj) {
  UPLIFT_REQUIRE_RECORD("uplift::write<R>", R);
  if constexpr (detail::valid_record<R>) {
    using C = detail::chain<R>;
    constexpr std::size_t i = detail::index_of_object<C, Object>();
    static_assert(i < C::count,
                  "uplift::write<R>(obj): obj must be the Object API struct of one of R's "
                  "versions (a vK::TableT listed in R::versions)");
    if constexpr (i < C::count)
      return detail::pack_record<typename C::template table_at<i>>(obj, C::header_at(i));
    else
      return {};
  } else {
    return {};
  }
}

}  // namespace uplift
