#pragma once
// The compile-time facts of a valid descriptor and the Object API machinery that the read and
// write paths share: running steps, re-reading packed bytes, packing with a header.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/hana/at.hpp>
#include <boost/hana/tuple.hpp>
#include <flatbuffers/flatbuffers.h>

#include "../bytes.hpp"
#include "../descriptor.hpp"
#include "../error.hpp"
#include "../conversions.hpp"
#include "../header.hpp"

namespace uplift::detail {

/// A placeholder descriptor used in place of an invalid one, so that a broken descriptor gives
/// one static_assert message instead of a cascade.
struct placeholder_object {
  placeholder_object() = default;
  template <class T>
  placeholder_object(const T&) noexcept {}  // NOLINT: accepts anything, so no second error
};
struct placeholder_table : flatbuffers::Table {
  using NativeTableType = placeholder_object;
};

template <class R, bool Valid = valid_record<R>>
struct chain;

template <class R>
struct chain<R, false> {
  static constexpr std::size_t count = 1;
  template <std::size_t>
  using version_at = version<1, placeholder_table>;
  using latest = version_at<0>;
};

template <class R>
struct chain<R, true> {
  using descriptor = R;
  using list = typename R::versions;
  static constexpr std::size_t count = list::size;
  static constexpr std::size_t last = count - 1;
  template <std::size_t I>
  using version_at = typename list::template at<I>;
  template <std::size_t I>
  using object_at = typename version_at<I>::object;
  template <std::size_t I>
  using table_at = typename version_at<I>::table;
  using latest = version_at<last>;

  static constexpr std::uint16_t first_version = version_at<0>::number;
  static constexpr std::uint16_t latest_version = latest::number;
  static constexpr std::string_view name = R::name;
  static constexpr std::uint32_t type_id = R::type_id;

  static constexpr auto downgrades() {
    if constexpr (has_downgrades<R>)
      return R::downgrades;
    else
      return boost::hana::make_tuple();
  }

  static constexpr auto rebuilds() {
    if constexpr (has_rebuilds<R>)
      return R::rebuilds;
    else
      return boost::hana::make_tuple();
  }
  static constexpr auto moving_upgrades() {
    if constexpr (has_moving_upgrades<R>)
      return R::moving_upgrades;
    else
      return boost::hana::make_tuple();
  }

  static constexpr std::size_t none = static_cast<std::size_t>(-1);
  /// positions[I]: where in `List` (a steps(...) list) the entry keyed by index I is (by its
  /// `from`, or a downgrade's `to`), or `none`. Read off the list's type in one pass, so that
  /// looking up each index is cheap to compile.
  template <class List>
  static constexpr std::array<std::size_t, count> keyed_positions() {
    std::array<std::size_t, count> out{};
    out.fill(none);
    const auto& keys = step_list<List>::keys;
    for (std::size_t p = 0; p < keys.size(); ++p) {
      if (keys[p] < first_version) continue;
      const auto at = static_cast<std::size_t>(keys[p] - first_version);
      if (at < count) out[at] = p;
    }
    return out;
  }
  /// True when entry `Pos` of `List` is callable with `Args` and returns `Ret` (or void, when
  /// `Ret` is status). An entry of the wrong shape is not used.
  template <std::size_t Pos, class List, class Ret, class... Args>
  static constexpr bool keyed_callable() {
    if constexpr (Pos == none) {
      return false;
    } else {
      return callable_as<typename step_list<List>::template at<Pos>::function_type, Ret, Args...>();
    }
  }

  static constexpr std::array<std::size_t, count> rebuild_at =
      keyed_positions<decltype(rebuilds())>();
  /// True when the record stored at index I is upgraded by one fused rebuild.
  template <std::size_t I>
  static constexpr bool has_rebuild =
      keyed_callable<rebuild_at[I], decltype(rebuilds()), flatbuffers::Offset<typename latest::table>,
                     gen::rebuild_context&, const table_at<I>&>();
  /// The fused rebuild from index I to the latest (when has_rebuild<I>).
  template <std::size_t I>
  static constexpr auto rebuild_fn() {
    return boost::hana::at_c<rebuild_at[I]>(rebuilds()).fn;
  }

  static constexpr std::array<std::size_t, count> moving_at =
      keyed_positions<decltype(moving_upgrades())>();
  /// True when the step from index I has a moving variant.
  template <std::size_t I>
  static constexpr bool has_moving =
      keyed_callable<moving_at[I], decltype(moving_upgrades()), status, object_at<I>&&,
                     object_at<I + 1>&>();
  /// The moving variant of the step from index I (when has_moving<I>).
  template <std::size_t I>
  static constexpr auto moving_fn() {
    return boost::hana::at_c<moving_at[I]>(moving_upgrades()).fn;
  }

  /// The upgrade step from index I to I+1.
  template <std::size_t I>
  using upgrade_at = typename step_list<std::remove_cvref_t<decltype(R::upgrades)>>::template at<I>;

  template <std::size_t I>
  static constexpr bool step_is_wire() {
    if constexpr (I < last)
      return upgrade_at<I>::wire_compatible;
    else
      return true;
  }
  template <std::size_t I>
  static constexpr bool step_is_plain_wire() {
    if constexpr (I < last)
      return upgrade_at<I>::wire_compatible && !upgrade_at<I>::has_fn;
    else
      return false;
  }

  /// wire[I]: the step from index I to I+1 is wire-compatible (the last entry is true).
  static constexpr std::array<bool, count> wire = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<bool, count>{step_is_wire<I>()...};
  }(std::make_index_sequence<count>{});

  /// plain_wire[I]: the step from index I is wire-compatible and has no function of its own.
  static constexpr std::array<bool, count> plain_wire =
      []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<bool, count>{step_is_plain_wire<I>()...};
      }(std::make_index_sequence<count>{});

  /// zero_copy_from[I]: the lowest J >= I from which every step to the latest is wire-compatible;
  /// a record stored at index J or above is read through the latest accessor with no rebuild.
  static constexpr std::array<std::size_t, count> zero_copy_from = [] {
    std::array<std::size_t, count> out{};
    std::size_t j = last;
    while (j > 0 && wire[j - 1]) --j;
    for (std::size_t i = 0; i < count; ++i) out[i] = i < j ? j : i;
    return out;
  }();

  /// min_reader[I]: the minimum reader version of a record written at index I: the lowest
  /// version whose code reads it safely (it differs only across wire-compatible steps).
  static constexpr std::array<std::uint16_t, count> min_reader = [] {
    std::array<std::uint16_t, count> out{};
    for (std::size_t i = 0; i < count; ++i) {
      std::size_t m = i;
      while (m > 0 && wire[m - 1]) --m;
      out[i] = static_cast<std::uint16_t>(first_version + m);
    }
    return out;
  }();

  /// downgrade_at[I]: where in the descriptor's downgrades the step to index I (from I+1) is, or
  /// `none`.
  static constexpr std::array<std::size_t, count> downgrade_at =
      keyed_positions<decltype(downgrades())>();
  template <std::size_t I>
  static constexpr bool lists_downgrade = downgrade_at[I] != none;
  /// The downgrade step to index I (when lists_downgrade<I>).
  template <std::size_t I>
  static constexpr const auto& downgrade_to() {
    return boost::hana::at_c<downgrade_at[I]>(R::downgrades);
  }
  /// True when the descriptor leaves the downgrade step to index I out (uplift::downgrade_left_out).
  template <std::size_t I>
  static constexpr bool left_out_downgrade = [] {
    if constexpr (lists_downgrade<I>)
      return is_downgrade_left_out<
          typename step_list<decltype(downgrades())>::template at<downgrade_at[I]>>::value;
    else
      return false;
  }();
  template <std::size_t I>
  static constexpr bool has_explicit_downgrade = lists_downgrade<I> && !left_out_downgrade<I>;
  /// What a step the descriptor leaves out says would bring it in (empty for any other step).
  template <std::size_t I>
  static constexpr std::string_view left_out_why() {
    if constexpr (left_out_downgrade<I>)
      return downgrade_to<I>().why;
    else
      return {};
  }

  /// down_ok[I]: the step from index I+1 down to I exists: a downgrade step, or a re-read across a
  /// wire-compatible step the descriptor does not leave out (the last entry is false).
  static constexpr std::array<bool, count> down_ok = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<bool, count>{
        (I < last && (has_explicit_downgrade<I> || (wire[I] && !left_out_downgrade<I>)))...};
  }(std::make_index_sequence<count>{});

  /// can_write[I]: a latest object can be written at index I through downgrade steps.
  static constexpr std::array<bool, count> can_write = [] {
    std::array<bool, count> out{};
    for (std::size_t i = 0; i < count; ++i) {
      bool ok = true;
      for (std::size_t k = i; k < last; ++k) ok = ok && down_ok[k];
      out[i] = ok;
    }
    return out;
  }();

  /// cannot_write_why[I]: when a latest object cannot be written at index I and the newest step
  /// missing on the way is one the descriptor leaves out, what that step says; else empty.
  static constexpr std::array<std::string_view, count> cannot_write_why =
      []<std::size_t... I>(std::index_sequence<I...>) {
        const std::array<std::string_view, count> why{left_out_why<I>()...};
        std::array<std::string_view, count> out{};
        for (std::size_t i = 0; i < count; ++i) {
          std::size_t k = last;
          while (k > i && down_ok[k - 1]) --k;
          if (k > i) out[i] = why[k - 1];
        }
        return out;
      }(std::make_index_sequence<count>{});

  static constexpr bool knows(std::uint16_t v) noexcept {
    return v >= first_version && v <= latest_version;
  }
  static constexpr std::size_t index_of(std::uint16_t v) noexcept { return v - first_version; }
  /// "v1..v3": the versions this chain knows, as its errors name them.
  static std::string known_versions() { return version_range(first_version, latest_version); }

  /// The header of a record written at index I.
  static constexpr record_header header_at(std::size_t i) noexcept {
    record_header h;
    h.type_id = type_id;
    h.version = static_cast<std::uint16_t>(first_version + i);
    h.min_reader_version = min_reader[i];
    return h;
  }

  /// Ok when a latest object can be written at version `v`; else errc::invalid_option (a version
  /// this binary does not know) or errc::no_downgrade_path, saying what to do. The codec, the
  /// record handle and the backfill all refuse a write version with these words.
  static status check_write_version(std::uint16_t v) {
    if (!knows(v))
      return make_error(errc::invalid_option, v)
          .with_detail("write version v" + std::to_string(v) + " is not one of " +
                       known_versions());
    if (!can_write[index_of(v)]) {
      const std::string_view why = cannot_write_why[index_of(v)];
      return make_error(errc::no_downgrade_path, v)
          .with_detail("cannot write v" + std::to_string(v) + ": " +
                       (why.empty() ? "add downgrade steps for every version between it and v" +
                                          std::to_string(latest_version)
                                    : std::string(why)));
    }
    return {};
  }

  /// An error with this record's name and versions filled in.
  static error make_error(errc code, std::uint16_t stored = 0,
                          std::size_t offset = error::no_offset) noexcept {
    return error(code, info(), stored, latest_version,
                 offset == error::no_offset ? error::no_offset : error::offset_at(offset));
  }
  /// The record's name and versions, in static storage.
  static constexpr const record_info& info() noexcept { return record_info_holder<R>::value; }
};

/// The one per-version dispatch table: entry I is `&Op::template at<I>`, for version index I of
/// chain C. Every format's reads and writes go through it, so dispatch from a runtime version is
/// one indexed call, with no virtual call and no loop over the steps.
template <class C, class Op>
inline constexpr auto version_table = []<std::size_t... I>(std::index_sequence<I...>) {
  return std::array{&Op::template at<I>...};
}(std::make_index_sequence<C::count>{});

/// Calls a step function and turns a void return into success.
template <class F, class From, class To>
status invoke_step(const F& fn, From&& from, To& to) {
  if constexpr (std::is_void_v<std::invoke_result_t<const F&, From&&, To&>>) {
    fn(std::forward<From>(from), to);
    return {};
  } else {
    return fn(std::forward<From>(from), to);
  }
}

/// Fills in a step's error with the record's context when the step left it out.
template <class C>
error step_error(error e, std::uint16_t from_version, std::uint16_t to_version) {
  if (e.code == errc::ok) e.code = errc::step_failed;
  e.for_record(C::info());
  if (e.latest_version == 0) e.latest_version = C::latest_version;
  return std::move(e).with_context("in the step v" + std::to_string(from_version) + " -> v" +
                                   std::to_string(to_version));
}

/// Converts an Object API struct across wire-compatible versions: pack as `From`, unpack as `To`.
template <class FromTable, class ToTable, class FromObject, class ToObject>
void reinterpret_object(const FromObject& from, ToObject& to) {
  flatbuffers::FlatBufferBuilder fbb(256);
  fbb.Finish(FromTable::Pack(fbb, &from));
  flatbuffers::GetRoot<ToTable>(fbb.GetBufferPointer())->UnPackTo(&to);
}

/// The highest index reached from I across wire-compatible steps: a payload stored at I unpacks
/// straight into that version's struct. With `Plain`, only across steps with no function of their
/// own (what read_object does); without, across all (what a zero-copy read does: it never calls a
/// wire-compatible step's function).
template <class C, bool Plain>
constexpr std::size_t wire_reach(std::size_t i) {
  while (i < C::last && (Plain ? C::plain_wire[i] : C::wire[i])) ++i;
  return i;
}

/// Upgrades an Object API struct from index I into `out`, the default-constructed struct of index
/// J (I < J), through the steps; the last step writes into `out` itself, so nothing is moved
/// after it. Consecutive wire-compatible steps without a function are crossed with one re-read.
/// Given an rvalue, and for the intermediate structs it makes, it calls a step's moving variant
/// when the descriptor has one. On failure `out` may be partly filled.
template <class C, std::size_t I, std::size_t J, class Object>
status upgrade_object_into(Object&& obj, typename C::template object_at<J>& out) {
  static_assert(I < J);
  static_assert(std::is_same_v<std::remove_cvref_t<Object>, typename C::template object_at<I>>);
  constexpr std::size_t next_index = [] {
    if (!C::plain_wire[I]) return I + 1;
    std::size_t k = I;
    while (k < J && C::plain_wire[k]) ++k;
    return k;
  }();
  // The step from I writes into `out` when it reaches J, else into a struct of its own.
  auto step = [&](typename C::template object_at<next_index>& next) -> status {
    if constexpr (C::plain_wire[I]) {
      reinterpret_object<typename C::template table_at<I>,
                         typename C::template table_at<next_index>>(obj, next);
      return {};
    } else {
      constexpr bool owned = !std::is_lvalue_reference_v<Object> && !std::is_const_v<Object>;
      status st;
      if constexpr (owned && C::template has_moving<I>)
        st = invoke_step(C::template moving_fn<I>(), std::move(obj), next);
      else
        st = invoke_step(boost::hana::at_c<I>(C::descriptor::upgrades).fn, std::as_const(obj), next);
      if (!st)
        return step_error<C>(std::move(st).error(), C::template version_at<I>::number,
                             C::template version_at<I + 1>::number);
      return st;
    }
  };
  if constexpr (next_index == J) {
    return step(out);
  } else {
    typename C::template object_at<next_index> next{};
    if (auto st = step(next); !st) return st;
    return upgrade_object_into<C, next_index, J>(std::move(next), out);
  }
}

/// Upgrades an Object API struct from index I to index J (I < J) through the steps, as
/// upgrade_object_into does, into a struct of its own.
template <class C, std::size_t I, std::size_t J, class Object>
result<typename C::template object_at<J>> upgrade_object(Object&& obj) {
  result<typename C::template object_at<J>> out{typename C::template object_at<J>{}};
  if (auto st = upgrade_object_into<C, I, J>(std::forward<Object>(obj), *out); !st)
    out = std::move(st).error();
  return out;
}

}  // namespace uplift::detail

namespace uplift::detail {

/// Downgrades an Object API struct from index I to index J (J < I), one step at a time:
/// an explicit downgrade step where there is one, else a re-read across a wire-compatible step.
template <class C, std::size_t I, std::size_t J>
result<typename C::template object_at<J>> downgrade_object(
    const typename C::template object_at<I>& obj) {
  static_assert(J < I);
  typename C::template object_at<I - 1> next{};
  if constexpr (C::template has_explicit_downgrade<I - 1>) {
    status st = invoke_step(C::template downgrade_to<I - 1>().fn, obj, next);
    if (!st)
      return step_error<C>(std::move(st).error(), C::template version_at<I>::number,
                           C::template version_at<I - 1>::number);
  } else if constexpr (C::down_ok[I - 1]) {  // across a wire-compatible step: a re-read
    reinterpret_object<typename C::template table_at<I>, typename C::template table_at<I - 1>>(
        obj, next);
  } else {
    return C::make_error(errc::no_downgrade_path)
        .with_detail("no downgrade step from v" +
                     std::to_string(C::template version_at<I>::number) + " to v" +
                     std::to_string(C::template version_at<I - 1>::number));
  }
  if constexpr (I - 1 == J)
    return next;
  else
    return downgrade_object<C, I - 1, J>(next);
}

/// Index of the version whose FlatBuffers table is `Table`, or `count` when none is.
template <class C, class Table>
constexpr std::size_t index_of_table() {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    std::size_t found = C::count;
    ((found = (found == C::count && std::is_same_v<typename C::template table_at<I>, Table>)
                  ? I
                  : found),
     ...);
    return found;
  }(std::make_index_sequence<C::count>{});
}

/// Index of the version whose Object API struct is `Object`, or `count` when none is.
template <class C, class Object>
constexpr std::size_t index_of_object() {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    std::size_t found = C::count;
    ((found = (found == C::count && std::is_same_v<typename C::template object_at<I>, Object>)
                  ? I
                  : found),
     ...);
    return found;
  }(std::make_index_sequence<C::count>{});
}

}  // namespace uplift::detail
