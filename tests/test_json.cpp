// JSON records (read_json, write_json, json_to_binary, binary_to_json and codec<R>'s JSON side),
// tested with real generated records: tests/schemas/widget, tests/schemas/kinds and
// tests/schemas/order (every kind of value a JSON record carries). The bodies that apply to both
// formats run for FlatBuffers and JSON records alike; then exact round trips, key order, unknown
// keys, renames, legacy documents without a version, every bad input, writing, conversions and
// the kinds of input text.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "kinds_uplift_json.hpp"
#include "order_uplift_json.hpp"
#include "kinds_samples.hpp"  // thing_v1() .. thing_v3(), the kinds record's samples
#include "test_support.hpp"   // the widget samples, over the generated widget descriptor
#include "widget_uplift_json.hpp"

namespace {

using kinds_samples::thing_v1;
using kinds_samples::thing_v2;
using kinds_samples::thing_v3;
using uplift::errc;
using Order = shop::Order;
using Thing = k::Thing;
using Widget = uplift_test::Widget;

// ---- samples ------------------------------------------------------------------------------------

template <class Stamp, class Money>
Stamp stamp(std::int64_t units, std::int32_t nanos, std::array<std::uint8_t, 4> flags) {
  return Stamp(Money(units, nanos), flatbuffers::span<const std::uint8_t, 4>(flags.data(), 4));
}

template <class LineT, class Qty, class Unit, class Money>
std::unique_ptr<LineT> line(std::string sku, Qty qty, Unit unit, Money price) {
  auto l = std::make_unique<LineT>();
  l->sku = std::move(sku);
  l->qty = qty;
  l->unit = unit;
  l->price = std::make_unique<Money>(price);
  return l;
}

template <class NodeT>
std::unique_ptr<NodeT> leaf(std::string label) {
  auto n = std::make_unique<NodeT>();
  n->label = std::move(label);
  return n;
}

template <class NodeT>
std::unique_ptr<NodeT> sample_tree() {
  auto root = leaf<NodeT>("root");
  auto a = leaf<NodeT>("a");
  a->children.push_back(leaf<NodeT>("a1"));
  a->children.push_back(leaf<NodeT>("a2 \"quoted\""));
  root->children.push_back(std::move(a));
  root->children.push_back(leaf<NodeT>("b"));
  return root;
}

/// A chain of `levels` nodes below the root: root -> n1 -> n2 -> ...
template <class NodeT>
std::unique_ptr<NodeT> node_chain(std::size_t levels) {
  auto root = leaf<NodeT>("root");
  NodeT* at = root.get();
  for (std::size_t i = 1; i <= levels; ++i) {
    at->children.push_back(leaf<NodeT>("n" + std::to_string(i)));
    at = at->children.back().get();
  }
  return root;
}

/// An order at v1 with every field set, each integer at an extreme of its type.
shop::v1::OrderT order_v1() {
  namespace s = shop::v1;
  s::OrderT o;
  o.id = 18446744073709551557ull;
  o.i8 = std::numeric_limits<std::int8_t>::min();
  o.u8 = std::numeric_limits<std::uint8_t>::max();
  o.i16 = std::numeric_limits<std::int16_t>::min();
  o.u16 = std::numeric_limits<std::uint16_t>::max();
  o.i32 = std::numeric_limits<std::int32_t>::min();
  o.u32 = std::numeric_limits<std::uint32_t>::max();
  o.i64 = std::numeric_limits<std::int64_t>::min();
  o.u64 = std::numeric_limits<std::uint64_t>::max();
  o.f32 = 3.14159274f;
  o.f64 = -2.718281828459045;
  o.paid = true;
  o.discount = 0.125f;
  o.note = "leave at the \"back\" door\\\n\tthanks";
  o.lines.push_back(line<s::LineT>("apple", std::int16_t{3}, s::Unit::Piece, s::Money(2, 500000000)));
  o.lines.push_back(line<s::LineT>("flour", std::int16_t{-32768}, s::Unit::Kilo, s::Money(-1, -5)));
  o.lines.push_back(line<s::LineT>("milk \xc3\xbc", std::int16_t{32767}, s::Unit::Litre,
                                   s::Money(std::numeric_limits<std::int64_t>::max(),
                                            std::numeric_limits<std::int32_t>::max())));
  o.checks = {true, false, true};
  o.units = {s::Unit::Litre, s::Unit::Piece, s::Unit::Kilo};
  o.stamps = {stamp<s::Stamp, s::Money>(1700000000, 1, {1, 2, 3, 4}),
              stamp<s::Stamp, s::Money>(-1, 999999999, {0, 0, 0, 255})};
  o.tags = {"fragile", "", "na\xc3\xafve \xe2\x98\x83 \xf0\x9f\x98\x80"};
  o.created = std::make_unique<s::Stamp>(stamp<s::Stamp, s::Money>(1600000000, 0, {9, 8, 7, 6}));
  s::CardT card;
  card.number = "4111 1111 1111 1111";
  card.expiry_month = 12;
  o.payment.Set(std::move(card));
  o.tree = sample_tree<s::NodeT>();
  return o;
}

/// An order at v2 using what v1 cannot hold: a quantity beyond a short, the unit Dozen.
shop::v2::OrderT order_v2() {
  namespace s = shop::v2;
  s::OrderT o;
  o.id = 1;
  o.i8 = 127;
  o.u8 = 0;
  o.i16 = 32767;
  o.u16 = 1;
  o.u32 = 4000000000u;
  o.i64 = std::numeric_limits<std::int64_t>::max();
  o.u64 = 9007199254740993ull;  // 2^53 + 1: not a double
  o.f32 = -0.1f;
  o.f64 = 1e-300;
  o.comment = "call \xe2\x98\x8e first";
  o.lines.push_back(line<s::LineT>("eggs", 100000, s::Unit::Dozen, s::Money(0, 250000000)));
  o.lines.push_back(line<s::LineT>("salt", -100000, s::Unit::Kilo, s::Money(1, 0)));
  o.checks = {false};
  o.units = {s::Unit::Dozen, s::Unit::Piece};
  o.stamps = {stamp<s::Stamp, s::Money>(5, 6, {7, 8, 9, 10})};
  o.tags = {"x"};
  o.created = std::make_unique<s::Stamp>(stamp<s::Stamp, s::Money>(-5, -6, {255, 254, 253, 252}));
  s::CashT cash;
  cash.currency = "EUR";
  cash.amount = std::numeric_limits<std::int64_t>::min();
  o.payment.Set(std::move(cash));
  o.tree = sample_tree<s::NodeT>();
  o.channel = "web";
  o.priority = s::Unit::Dozen;
  return o;
}

// ---- comparing ----------------------------------------------------------------------------------

// flatc 2.0.8's --gen-compare compares a struct's fixed-length array member by address (it
// compares the pointers `flags()` returns), so two equal Stamps at different addresses differ.
// Orders are compared with their stamps compared by value, everything else by operator==.
template <class Stamp>
bool same_stamp(const Stamp& a, const Stamp& b) {
  return a.when() == b.when() &&
         std::equal(a.flags()->begin(), a.flags()->end(), b.flags()->begin(), b.flags()->end());
}

template <class OrderT>
bool same_order(const OrderT& a, const OrderT& b) {
  using Stamp = typename decltype(a.stamps)::value_type;
  if (!std::equal(a.stamps.begin(), a.stamps.end(), b.stamps.begin(), b.stamps.end(),
                  same_stamp<Stamp>))
    return false;
  if (static_cast<bool>(a.created) != static_cast<bool>(b.created)) return false;
  if (a.created && !same_stamp(*a.created, *b.created)) return false;
  OrderT x(a), y(b);
  x.stamps.clear();
  y.stamps.clear();
  x.created.reset();
  y.created.reset();
  return x == y;
}

template <class T>
bool same(const T& a, const T& b) {
  return a == b;
}
bool same(const shop::v2::OrderT& a, const shop::v2::OrderT& b) { return same_order(a, b); }

/// Any version's struct as JSON, for failure messages (the writer under test, but only to show).
template <class T>
std::string show(const T& obj) {
  std::string s;
  uplift::json::writer w(s, 100000);
  w.value(obj);
  return s;
}

#define CHECK_SAME(a, b)                                         \
  do {                                                           \
    INFO("left:  ", show(a));                                    \
    INFO("right: ", show(b));                                    \
    CHECK(same(a, b));                                           \
  } while (false)

/// Reads `json` expecting it to fail with `code` at `path`; returns the error for more checks.
template <class R, class Json>
uplift::error rejected(const Json& json, errc code, std::string_view path,
                       const uplift::options& o = {}) {
  auto r = uplift::read_json<R>(json, o);
  INFO("document: ", std::string_view(json));
  if (r) {
    INFO("read as: ", show(*r));
    FAIL_CHECK("the document was read; expected error ", uplift::message(code));
    return uplift::error(errc::ok);
  }
  INFO("error: ", r.error().message());
  CHECK(r.error().code == code);
  CHECK(r.error().path() == path);
  CHECK(r.error().code != errc::ok);
  return r.error();
}

template <class R, class Json>
uplift::latest_object_t<R> accepted(const Json& json, const uplift::options& o = {}) {
  auto r = uplift::read_json<R>(json, o);
  INFO("document: ", std::string_view(json));
  if (!r) {
    FAIL_CHECK("the document was rejected: ", r.error().message());
    return {};
  }
  return std::move(*r);
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// ---- formats: the test bodies that run for FlatBuffers and JSON records alike -------------------

/// FlatBuffers records: write<R>, read_object<R>, codec<R>::write / read_object.
struct flatbuffers_format {
  using stored = uplift::buffer;
  template <class R, class Object>
  static uplift::result<stored> write(const Object& obj) {
    return uplift::write<R>(obj);
  }
  template <class R>
  static uplift::result<uplift::latest_object_t<R>> read(const stored& s) {
    return uplift::read_object<R>(s.span());
  }
  template <class R>
  static uplift::result<stored> write_with(const uplift::codec<R>& c,
                                           const uplift::latest_object_t<R>& obj) {
    return c.write(obj);
  }
  template <class R>
  static uplift::result<uplift::latest_object_t<R>> read_with(const uplift::codec<R>& c,
                                                              const stored& s) {
    return c.read_object(s.span());
  }
  static std::uint16_t version_of(const stored& s) {
    auto h = uplift::peek(s.span());
    return h ? h->version : std::uint16_t{0};
  }
};

/// JSON records: write_json<R>, read_json<R>, codec<R>::write_json / read_json.
struct json_format {
  using stored = std::string;
  template <class R, class Object>
  static uplift::result<stored> write(const Object& obj) {
    return uplift::write_json<R>(obj);
  }
  template <class R>
  static uplift::result<uplift::latest_object_t<R>> read(const stored& s) {
    return uplift::read_json<R>(s);
  }
  template <class R>
  static uplift::result<stored> write_with(const uplift::codec<R>& c,
                                           const uplift::latest_object_t<R>& obj) {
    return c.write_json(obj);
  }
  template <class R>
  static uplift::result<uplift::latest_object_t<R>> read_with(const uplift::codec<R>& c,
                                                              const stored& s) {
    return c.read_json(s);
  }
  /// The version key's value, which write_json puts first: `{"_v":K,`.
  static std::uint16_t version_of(const stored& s) {
    if (s.rfind("{\"_v\":", 0) != 0) return 0;
    return static_cast<std::uint16_t>(std::stoul(s.substr(6)));
  }
};

/// Writes `obj` (version K of R) at version K, reads it as the latest and compares with the
/// in-memory upgrade of `obj`.
template <class F, class R, class Object>
void check_reads_as_latest(const Object& obj, std::uint16_t k) {
  CAPTURE(k);
  auto expected = uplift::upgrade<R>(Object(obj));
  REQUIRE(expected);
  auto stored = F::template write<R>(obj);
  REQUIRE(stored);
  CHECK(F::version_of(*stored) == k);
  auto got = F::template read<R>(*stored);
  REQUIRE_MESSAGE(got, got.error().message());
  CHECK_SAME(*got, *expected);
}

}  // namespace

TYPE_TO_STRING(flatbuffers_format);
TYPE_TO_STRING(json_format);

TEST_CASE_TEMPLATE("a record written at any version reads as the latest, equal to its upgrade", F,
                   flatbuffers_format, json_format) {
  SUBCASE("widget v1, v2, v3") {
    check_reads_as_latest<F, Widget>(uplift_test::sample_v1(), 1);
    check_reads_as_latest<F, Widget>(uplift_test::sample_v2(), 2);
    check_reads_as_latest<F, Widget>(uplift_test::sample_v3(), 3);
  }
  SUBCASE("kinds v1, v2, v3") {
    check_reads_as_latest<F, Thing>(thing_v1(), 1);
    check_reads_as_latest<F, Thing>(thing_v2(), 2);
    check_reads_as_latest<F, Thing>(thing_v3(), 3);
  }
  SUBCASE("order v1, v2") {
    check_reads_as_latest<F, Order>(order_v1(), 1);
    check_reads_as_latest<F, Order>(order_v2(), 2);
  }
  SUBCASE("default-constructed structs of every version") {
    check_reads_as_latest<F, Widget>(uplift_test::v1::WidgetT{}, 1);
    check_reads_as_latest<F, Thing>(k::v2::ThingT{}, 2);
    // A default v1 order has an empty tree, no lines: the required Line.sku is not involved.
    check_reads_as_latest<F, Order>(shop::v1::OrderT{}, 1);
    check_reads_as_latest<F, Order>(shop::v2::OrderT{}, 2);
  }
}

TEST_CASE_TEMPLATE("a v1 record's fields arrive in the latest struct under their new names", F,
                   flatbuffers_format, json_format) {
  auto w = F::template read<Widget>(*F::template write<Widget>(uplift_test::sample_v1()));
  REQUIRE(w);
  CHECK(w->label == "acme:sprocket");  // v1 `name`, renamed to `label` in v2
  CHECK(w->maker == "acme");           // the v2 -> v3 hook
  CHECK(w->count == -7);
  CHECK(w->color == uplift_test::v3::Color::Blue);  // added in v2 with its default

  auto t = F::template read<Thing>(*F::template write<Thing>(thing_v1()));
  REQUIRE(t);
  CHECK(t->label == "crate");  // title -> name -> label
  CHECK(t->summary == "crate/kept in summary");
  CHECK(t->rank == 7);
  REQUIRE(t->att.type == k::v3::Attachment::Note);
  CHECK(t->att.AsNote()->text == "fragile");

  auto o = F::template read<Order>(*F::template write<Order>(order_v1()));
  REQUIRE(o);
  CHECK(o->comment == order_v1().note);
  CHECK(o->lines.at(1)->qty == -32768);  // widened short -> int
  CHECK(o->priority == shop::v2::Unit::Piece);
  CHECK(o->channel.empty());
  CHECK(o->i32 == std::numeric_limits<std::int32_t>::min());
}

TEST_CASE_TEMPLATE("a record newer than the binary knows is rejected as too new", F,
                   flatbuffers_format, json_format) {
  auto v3 = F::template write<Widget>(uplift_test::sample_v3());
  REQUIRE(v3);
  auto r = F::template read<uplift_test::WidgetUpToV2>(*v3);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::too_new);
  CHECK(r.error().stored_version == 3);
  CHECK(r.error().latest_version == 2);
}

TEST_CASE_TEMPLATE("a record of a retired version is rejected as an unknown version", F,
                   flatbuffers_format, json_format) {
  auto v1 = F::template write<Widget>(uplift_test::sample_v1());
  REQUIRE(v1);
  auto r = F::template read<uplift_test::WidgetFromV2>(*v1);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::unknown_version);
  CHECK(r.error().stored_version == 1);
}

TEST_CASE_TEMPLATE("codec<R> writes at its write version and reads back the same latest struct", F,
                   flatbuffers_format, json_format) {
  for (std::uint16_t v : {std::uint16_t{1}, std::uint16_t{2}, std::uint16_t{3}}) {
    CAPTURE(v);
    auto c = uplift::codec<Thing>::make({.write_version = v});
    REQUIRE(c);
    const auto latest = uplift::upgrade<Thing>(thing_v1());  // every value fits v1
    REQUIRE(latest);
    auto stored = F::write_with(*c, *latest);
    REQUIRE_MESSAGE(stored, stored.error().message());
    CHECK(F::version_of(*stored) == v);
    auto back = F::read_with(*c, *stored);
    REQUIRE_MESSAGE(back, back.error().message());
    CHECK_SAME(*back, *latest);
  }
  SUBCASE("order at v1") {
    auto c = uplift::codec<Order>::make({.write_version = 1});
    REQUIRE(c);
    const auto latest = uplift::upgrade<Order>(order_v1());
    REQUIRE(latest);
    auto stored = F::write_with(*c, *latest);
    REQUIRE_MESSAGE(stored, stored.error().message());
    CHECK(F::version_of(*stored) == 1);
    auto back = F::read_with(*c, *stored);
    REQUIRE_MESSAGE(back, back.error().message());
    CHECK_SAME(*back, *latest);
  }
}

TEST_CASE_TEMPLATE("codec<R> refuses to write a value its write version cannot hold", F,
                   flatbuffers_format, json_format) {
  auto c = uplift::codec<Order>::make({.write_version = 1});
  REQUIRE(c);
  const auto latest = order_v2();  // Line.qty 100000 does not fit v1's short
  auto stored = F::write_with(*c, latest);
  REQUIRE_FALSE(stored);
  CHECK(stored.error().code == errc::range_error);
  CHECK(contains(stored.error().message(), "Line.qty"));

  auto dozen = uplift::upgrade<Order>(order_v1());
  REQUIRE(dozen);
  dozen->units.push_back(shop::v2::Unit::Dozen);  // a value new in v2
  auto s2 = F::write_with(*c, *dozen);
  REQUIRE_FALSE(s2);
  CHECK(s2.error().code == errc::range_error);
  CHECK(contains(s2.error().message(), "Order.units"));
}

TEST_CASE("FlatBuffers and JSON records of the same struct read as the same latest struct") {
  auto check = []<class R, class Object>(const Object& obj) {
    auto via_binary = uplift::read_object<R>(uplift::write<R>(obj));
    auto text = uplift::write_json<R>(obj);
    REQUIRE(text);
    auto via_json = uplift::read_json<R>(*text);
    REQUIRE(via_binary);
    REQUIRE_MESSAGE(via_json, via_json.error().message());
    CHECK_SAME(*via_binary, *via_json);
  };
  check.operator()<Widget>(uplift_test::sample_v1());
  check.operator()<Widget>(uplift_test::sample_v2());
  check.operator()<Widget>(uplift_test::sample_v3());
  check.operator()<Thing>(thing_v1());
  check.operator()<Thing>(thing_v2());
  check.operator()<Thing>(thing_v3());
  check.operator()<Order>(order_v1());
  check.operator()<Order>(order_v2());
}

// ---- exact round trips ----------------------------------------------------------------------------

TEST_CASE("write_json then read_json gives back the latest struct exactly") {
  const auto o = order_v2();
  auto text = uplift::write_json<Order>(o);
  REQUIRE(text);
  CHECK(text->rfind("{\"_v\":2,", 0) == 0);
  auto back = uplift::read_json<Order>(*text);
  REQUIRE_MESSAGE(back, back.error().message());
  CHECK_SAME(*back, o);
  // And once more: the text of the read struct is the text it was read from.
  auto again = uplift::write_json<Order>(*back);
  REQUIRE(again);
  CHECK(*again == *text);

  const auto t = thing_v3();
  auto tt = uplift::write_json<Thing>(t);
  REQUIRE(tt);
  auto tb = uplift::read_json<Thing>(*tt);
  REQUIRE(tb);
  CHECK_SAME(*tb, t);
}

TEST_CASE("every integer width round-trips at its minimum, maximum and around zero") {
  auto check = [](auto set) {
    shop::v2::OrderT o;
    set(o);
    auto text = uplift::write_json<Order>(o);
    REQUIRE(text);
    auto back = uplift::read_json<Order>(*text);
    REQUIRE_MESSAGE(back, back.error().message());
    INFO("text: ", *text);
    CHECK_SAME(*back, o);
  };
  auto extremes = [&](auto member) {
    using T = std::remove_reference_t<decltype(std::declval<shop::v2::OrderT&>().*member)>;
    for (T v : {std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), T{0}, T{1},
                static_cast<T>(std::numeric_limits<T>::max() - 1),
                static_cast<T>(std::numeric_limits<T>::min() + 1)}) {
      CAPTURE(+v);
      check([&](shop::v2::OrderT& o) { o.*member = v; });
    }
  };
  extremes(&shop::v2::OrderT::i8);
  extremes(&shop::v2::OrderT::u8);
  extremes(&shop::v2::OrderT::i16);
  extremes(&shop::v2::OrderT::u16);
  extremes(&shop::v2::OrderT::i32);
  extremes(&shop::v2::OrderT::u32);
  extremes(&shop::v2::OrderT::i64);
  extremes(&shop::v2::OrderT::u64);
  extremes(&shop::v2::OrderT::id);

  // 64-bit values are JSON numbers written in full, not strings or doubles.
  shop::v2::OrderT o;
  o.i64 = std::numeric_limits<std::int64_t>::min();
  o.u64 = std::numeric_limits<std::uint64_t>::max();
  auto text = uplift::write_json<Order>(o);
  REQUIRE(text);
  CHECK(contains(*text, "\"i64\":-9223372036854775808,"));
  CHECK(contains(*text, "\"u64\":18446744073709551615,"));
  // Integers in nested tables, structs, fixed-length arrays, unions and vectors too.
  auto line64 = accepted<Order>(
      R"({"_v":2,"lines":[{"sku":"a","qty":-2147483648,"price":{"units":-9223372036854775808,"nanos":2147483647}}],)"
      R"("created":{"when":{"units":9223372036854775807,"nanos":-2147483648},"flags":[0,255,1,254]},)"
      R"("payment_type":"Cash","payment":{"amount":-9223372036854775808}})");
  REQUIRE(line64.lines.size() == 1);
  CHECK(line64.lines[0]->qty == std::numeric_limits<std::int32_t>::min());
  CHECK(line64.lines[0]->price->units() == std::numeric_limits<std::int64_t>::min());
  CHECK(line64.lines[0]->price->nanos() == std::numeric_limits<std::int32_t>::max());
  REQUIRE(line64.created);
  CHECK(line64.created->when().units() == std::numeric_limits<std::int64_t>::max());
  CHECK(line64.created->when().nanos() == std::numeric_limits<std::int32_t>::min());
  CHECK(line64.created->flags()->Get(1) == 255);
  CHECK(line64.created->flags()->Get(3) == 254);
  REQUIRE(line64.payment.type == shop::v2::Payment::Cash);
  CHECK(line64.payment.AsCash()->amount == std::numeric_limits<std::int64_t>::min());
  auto thing = accepted<Thing>(R"({"_v":3,"nums":[-9223372036854775808,9223372036854775807],"id":18446744073709551615})");
  CHECK(thing.nums == std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(),
                                               std::numeric_limits<std::int64_t>::max()});
  CHECK(thing.id == std::numeric_limits<std::uint64_t>::max());
}

namespace {
/// Writes an order holding `f` and `d`, reads it back and returns the struct read.
shop::v2::OrderT float_round_trip(float f, double d, std::string* text_out = nullptr) {
  shop::v2::OrderT o;
  o.f32 = f;
  o.f64 = d;
  o.discount = f;
  auto text = uplift::write_json<Order>(o);
  REQUIRE(text);
  if (text_out != nullptr) *text_out = *text;
  auto back = uplift::read_json<Order>(*text);
  REQUIRE_MESSAGE(back, (back.error().message() + " in " + *text));
  return std::move(*back);
}
}  // namespace

TEST_CASE("floats and doubles round-trip bit for bit") {
  std::vector<float> floats = {0.0f,
                               1.0f,
                               -1.0f,
                               0.1f,
                               1.0f / 3.0f,
                               16777216.0f,
                               16777217.0f,
                               std::numeric_limits<float>::min(),
                               std::numeric_limits<float>::denorm_min(),
                               -std::numeric_limits<float>::denorm_min(),
                               std::nextafter(std::numeric_limits<float>::max(), 0.0f),
                               std::numeric_limits<float>::epsilon(),
                               std::nextafter(std::numeric_limits<float>::min(), 0.0f)};
  std::vector<double> doubles = {0.0,
                                 1.0,
                                 0.1,
                                 1.0 / 3.0,
                                 9007199254740993.0,
                                 5e-324,
                                 std::numeric_limits<double>::min(),
                                 std::numeric_limits<double>::denorm_min(),
                                 std::numeric_limits<double>::max(),
                                 std::numeric_limits<double>::lowest(),
                                 std::numeric_limits<double>::epsilon(),
                                 1e300,
                                 -1e-300,
                                 123456789012345678.0};
  std::mt19937_64 rng(20240521);
  while (floats.size() < 20000) {
    const float f = std::bit_cast<float>(static_cast<std::uint32_t>(rng()));
    if (std::isfinite(f)) floats.push_back(f);
  }
  while (doubles.size() < 20000) {
    const double d = std::bit_cast<double>(static_cast<std::uint64_t>(rng()));
    if (std::isfinite(d)) doubles.push_back(d);
  }
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < floats.size(); ++i) {
    std::string text;
    const auto back = float_round_trip(floats[i], doubles[i], &text);
    const bool ok = std::bit_cast<std::uint32_t>(back.f32) == std::bit_cast<std::uint32_t>(floats[i]) &&
                    std::bit_cast<std::uint64_t>(back.f64) == std::bit_cast<std::uint64_t>(doubles[i]) &&
                    back.discount.has_value() &&
                    std::bit_cast<std::uint32_t>(*back.discount) ==
                        std::bit_cast<std::uint32_t>(floats[i]);
    if (!ok && ++mismatches <= 5) {
      INFO("text: ", text);
      CHECK(std::bit_cast<std::uint32_t>(back.f32) == std::bit_cast<std::uint32_t>(floats[i]));
      CHECK(std::bit_cast<std::uint64_t>(back.f64) == std::bit_cast<std::uint64_t>(doubles[i]));
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("the largest finite floats round-trip, and a double beyond them is a range error") {
  for (float f : {std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest()}) {
    CAPTURE(f);
    shop::v2::OrderT o;
    o.f32 = f;
    auto text = uplift::write_json<Order>(o);
    REQUIRE(text);
    auto back = uplift::read_json<Order>(*text);
    REQUIRE_MESSAGE(back, back.error().message());
    CHECK(back->f32 == f);
  }
  // FLT_MAX's shortest text reads as a double slightly above it, which rounds back to it.
  CHECK(accepted<Order>(R"({"_v":2,"f32":3.4028235e38})").f32 == std::numeric_limits<float>::max());
  CHECK(accepted<Order>(R"({"_v":2,"f32":-3.4028235677e38})").f32 ==
        std::numeric_limits<float>::lowest());
  // A double at or beyond the midpoint between FLT_MAX and 2^128 would round to infinity.
  rejected<Order>(R"({"_v":2,"f32":3.4028236e38})", errc::range_error, "$.f32");
  rejected<Order>(R"({"_v":2,"f32":-3.4028235677973366e38})", errc::range_error, "$.f32");
  rejected<Order>(R"({"_v":2,"discount":1e39})", errc::range_error, "$.discount");
}

TEST_CASE("negative zero keeps its sign") {
  std::string text;
  const auto back = float_round_trip(-0.0f, -0.0, &text);
  INFO("text: ", text);
  CHECK(std::signbit(back.f32));
  CHECK(std::signbit(back.f64));
  REQUIRE(back.discount.has_value());
  CHECK(std::signbit(*back.discount));
  const auto pos = float_round_trip(0.0f, 0.0);
  CHECK_FALSE(std::signbit(pos.f32));
  CHECK_FALSE(std::signbit(pos.f64));
}

TEST_CASE("NaN and the infinities are written as strings and read back") {
  const float nan_f = std::numeric_limits<float>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  std::string text;
  auto back = float_round_trip(nan_f, inf, &text);
  CHECK(contains(text, "\"f32\":\"nan\""));
  CHECK(contains(text, "\"f64\":\"inf\""));
  CHECK(std::isnan(back.f32));
  CHECK(back.f64 == inf);
  REQUIRE(back.discount.has_value());
  CHECK(std::isnan(*back.discount));

  back = float_round_trip(-std::numeric_limits<float>::infinity(), std::nan(""), &text);
  CHECK(contains(text, "\"f32\":\"-inf\""));
  CHECK(contains(text, "\"f64\":\"nan\""));
  CHECK(back.f32 == -std::numeric_limits<float>::infinity());
  CHECK(std::isnan(back.f64));

  back = float_round_trip(std::numeric_limits<float>::infinity(), -inf, &text);
  CHECK(back.f32 == std::numeric_limits<float>::infinity());
  CHECK(back.f64 == -inf);

  // In a struct member, too.
  auto w = accepted<Widget>(R"({"_v":3,"dims":{"w":"nan","h":"-inf"}})");
  REQUIRE(w.dims);
  CHECK(std::isnan(w.dims->w()));
  CHECK(w.dims->h() == -std::numeric_limits<float>::infinity());
}

TEST_CASE("an optional scalar is written only when set and reads back as unset when absent") {
  shop::v2::OrderT o;
  auto text = uplift::write_json<Order>(o);
  REQUIRE(text);
  CHECK_FALSE(contains(*text, "discount"));
  auto back = uplift::read_json<Order>(*text);
  REQUIRE(back);
  CHECK_FALSE(back->discount.has_value());
  o.discount = 0.0f;  // set to the value a plain scalar would default to: still written
  text = uplift::write_json<Order>(o);
  REQUIRE(text);
  CHECK(contains(*text, "\"discount\":0"));
  back = uplift::read_json<Order>(*text);
  REQUIRE(back);
  REQUIRE(back->discount.has_value());
  CHECK(*back->discount == 0.0f);
  CHECK_FALSE(accepted<Order>(R"({"_v":2,"discount":null})").discount.has_value());
}

namespace {
/// `o` written as JSON, checked to hold no raw control character (JSON allows none in strings),
/// and read back.
uplift::result<shop::v2::OrderT> written_and_read_back(const shop::v2::OrderT& o) {
  auto text = uplift::write_json<Order>(o);
  REQUIRE(text);
  CHECK(std::none_of(text->begin(), text->end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20; }));
  return uplift::read_json<Order>(*text);
}
}  // namespace

TEST_CASE("strings with quotes, backslashes, control characters and UTF-8 round-trip") {
  std::string every_control;
  for (int c = 0; c < 0x20; ++c) every_control.push_back(static_cast<char>(c));
  every_control += "\x7f";
  const std::vector<std::string> strings = {
      "",
      "\"",
      "\\",
      "\\\"",
      "\"\\\"\\",
      every_control,
      std::string("nul\0inside", 10),
      "\xc3\xa9t\xc3\xa9",                       // 2-byte sequences
      "\xe2\x82\xac \xe2\x98\x83",              // 3-byte sequences
      "\xf0\x9f\x98\x80\xf0\x9f\x8f\xb3\xef\xb8\x8f",  // 4-byte emoji, variation selector
      "\xef\xbf\xbf\xf4\x8f\xbf\xbf",           // U+FFFF and U+10FFFF
      "</script>\u2028\u2029",
      std::string(3000, 'x') + "\n" + std::string(3000, '"')};
  for (const auto& s : strings) {
    CAPTURE(s);
    shop::v2::OrderT o;
    o.comment = s;
    o.tags = {s, s};
    o.lines.push_back(line<shop::v2::LineT>(s, 1, shop::v2::Unit::Piece, shop::v2::Money(0, 0)));
    o.tree = leaf<shop::v2::NodeT>(s);
    shop::v2::CardT card;
    card.number = s;
    o.payment.Set(std::move(card));
    auto back = written_and_read_back(o);
    REQUIRE_MESSAGE(back, back.error().message());
    CHECK(back->comment == s);
    CHECK(back->tags == std::vector<std::string>{s, s});
    CHECK(back->lines.at(0)->sku == s);
    CHECK(back->tree->label == s);
    CHECK(back->payment.AsCard()->number == s);
  }
  // The short escapes are used where JSON has them.
  shop::v2::OrderT o;
  o.comment = "\"\\\n\r\t\b\f\x01\x1f";
  auto text = uplift::write_json<Order>(o);
  REQUIRE(text);
  CHECK(contains(*text, R"("comment":"\"\\\n\r\t\b\f\u0001\u001f")"));
}

TEST_CASE("a byte to escape or a non-ASCII byte is written right at every place in a string") {
  // The writer passes over plain ASCII eight bytes at a time: put each kind of byte before,
  // inside and after such blocks, and at their edges.
  const std::vector<std::string> specials = {"\"", "\\", "\n", std::string(1, '\x1f'),
                                             std::string(1, '\0'), "\x7f", "\xc3\xa9",
                                             "\xf0\x9f\x98\x80"};
  for (const std::string& special : specials) {
    for (std::size_t at = 0; at <= 25; ++at) {
      std::string s = "abcdefghijklmnopqrstuvwxy";
      s.insert(at, special);
      CAPTURE(special);
      CAPTURE(at);
      shop::v2::OrderT o;
      o.comment = s;
      auto back = written_and_read_back(o);
      REQUIRE_MESSAGE(back, back.error().message());
      CHECK(back->comment == s);
    }
  }
  for (std::size_t at = 0; at <= 25; ++at) {  // an invalid byte anywhere is refused
    CAPTURE(at);
    shop::v2::OrderT o;
    o.comment = std::string(25, 'x');
    o.comment.insert(at, "\xff");
    std::string out;
    auto w = uplift::write_json<Order>(o, out);
    REQUIRE_FALSE(w);
    CHECK(w.error().code == errc::invalid_utf8);
    CHECK(w.error().path() == "$.comment");
    CHECK(out.empty());
  }
}

TEST_CASE("escaped keys and escaped strings in the input are unescaped") {
  // A key written with escapes names the same field.
  auto w = accepted<Widget>(R"({"_v":1,"\u006eame":"acme:x","c\u006funt":3})");
  CHECK(w.label == "acme:x");
  CHECK(w.count == 3);
  auto o = accepted<Order>(R"({"_v":2,"lin\u0065s":[{"\u0073ku":"a\/b"}],"comm\u0065nt":"x"})");
  REQUIRE(o.lines.size() == 1);
  CHECK(o.lines[0]->sku == "a/b");
  CHECK(o.comment == "x");

  auto s = accepted<Order>(
      R"({"_v":2,"comment":"a\nb\tc\"d\\e\/f\u00e9\u20ac\ud83d\ude00\u0000g","tags":["\b\f\r"]})");
  using namespace std::string_literals;
  CHECK(s.comment == "a\nb\tc\"d\\e/f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\0g"s);
  CHECK(s.tags == std::vector<std::string>{"\b\f\r"});
}

TEST_CASE("the version key is found when written with escapes, and may not appear twice") {
  auto w = accepted<Widget>(R"({"\u005fv":1,"name":"acme:x"})");
  CHECK(w.label == "acme:x");
  auto late = accepted<Widget>(R"({"name":"acme:y","count":2,"_\u0076":1})");
  CHECK(late.label == "acme:y");
  // Two version keys, however written, are a duplicate key: the document cannot say two versions.
  rejected<Widget>(R"({"_v":2,"\u005fv":1})", errc::duplicate_key, "$._v");
  rejected<Widget>(R"({"_v":1,"name":"a","_v":1})", errc::duplicate_key, "$._v");
  rejected<Widget>(R"({"name":"a","_v":3,"count":1,"_v":3})", errc::duplicate_key, "$._v");
  // A nested object may have a key of that name: only the root's is the version.
  auto o = accepted<Order>(R"({"_v":2,"tree":{"label":"x","_v":9,"children":[{"_v":1}]}})");
  REQUIRE(o.tree);
  CHECK(o.tree->label == "x");
}

TEST_CASE("enums are written by name, read by name or number, and numbers without a name survive") {
  auto by_name = accepted<Order>(R"({"_v":2,"priority":"Litre","units":["Dozen","Piece"]})");
  auto by_number = accepted<Order>(R"({"_v":2,"priority":2,"units":[3,0]})");
  CHECK(by_name.priority == shop::v2::Unit::Litre);
  CHECK(by_number.priority == shop::v2::Unit::Litre);
  CHECK(by_name.units == by_number.units);
  CHECK(by_number.units ==
        std::vector<shop::v2::Unit>{shop::v2::Unit::Dozen, shop::v2::Unit::Piece});

  shop::v2::OrderT o;
  o.priority = shop::v2::Unit::Kilo;
  o.units = {shop::v2::Unit::Litre, static_cast<shop::v2::Unit>(200)};
  auto text = uplift::write_json<Order>(o);
  REQUIRE(text);
  CHECK(contains(*text, "\"priority\":\"Kilo\""));
  CHECK(contains(*text, "\"units\":[\"Litre\",200]"));
  auto back = uplift::read_json<Order>(*text);
  REQUIRE(back);
  CHECK(back->units == o.units);
  // A v1 document's enum names are v1's: Dozen is not one of them.
  rejected<Order>(R"({"_v":1,"units":["Dozen"]})", errc::json_type_mismatch, "$.units[0]");
}

TEST_CASE("unions round-trip with either member, and an empty union writes no keys") {
  for (int member = 0; member < 3; ++member) {
    CAPTURE(member);
    shop::v2::OrderT o;
    if (member == 1) {
      shop::v2::CardT card;
      card.number = "1";
      card.expiry_month = 255;
      o.payment.Set(std::move(card));
    } else if (member == 2) {
      shop::v2::CashT cash;
      cash.currency = "JPY";
      cash.amount = -1;
      o.payment.Set(std::move(cash));
    }
    auto text = uplift::write_json<Order>(o);
    REQUIRE(text);
    CHECK(contains(*text, "payment") == (member != 0));
    auto back = uplift::read_json<Order>(*text);
    REQUIRE(back);
    CHECK_SAME(*back, o);
  }
  // NONE with no value, or a null value, is an empty union.
  CHECK(accepted<Order>(R"({"_v":2,"payment_type":"NONE"})").payment.type == shop::v2::Payment::NONE);
  CHECK(accepted<Order>(R"({"_v":2,"payment_type":"NONE","payment":null})").payment.type ==
        shop::v2::Payment::NONE);
  // The type by number.
  auto cash = accepted<Order>(R"({"_v":2,"payment_type":2,"payment":{"currency":"CHF"}})");
  REQUIRE(cash.payment.type == shop::v2::Payment::Cash);
  CHECK(cash.payment.AsCash()->currency == "CHF");
}

// ---- key order, unknown keys, renames ------------------------------------------------------------

namespace {

/// `json` rewritten with the keys of every object in another order (`rng` decides; `reverse`
/// reverses them instead), values unchanged. Through simdjson's DOM, which the readers do not use.
void reorder(simdjson::dom::element e, std::string& out, std::mt19937* rng) {
  if (e.is_object()) {
    std::vector<std::pair<std::string_view, simdjson::dom::element>> members;
    for (auto [k, v] : simdjson::dom::object(e)) members.emplace_back(k, v);
    if (rng != nullptr) std::shuffle(members.begin(), members.end(), *rng);
    else std::reverse(members.begin(), members.end());
    out.push_back('{');
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i != 0) out.push_back(',');
      uplift::json::writer w(out, 1000);
      w.string(members[i].first);
      out.push_back(':');
      reorder(members[i].second, out, rng);
    }
    out.push_back('}');
  } else if (e.is_array()) {
    out.push_back('[');
    bool first = true;
    for (auto item : simdjson::dom::array(e)) {
      if (!first) out.push_back(',');
      first = false;
      reorder(item, out, rng);
    }
    out.push_back(']');
  } else {
    out.append(simdjson::minify(e));
  }
}

std::string reordered(const std::string& json, std::mt19937* rng) {
  simdjson::dom::parser p;
  simdjson::dom::element root = p.parse(json);
  std::string out;
  reorder(root, out, rng);
  return out;
}

}  // namespace

TEST_CASE("the order of keys does not matter, at the root or in nested objects") {
  auto check = [](const auto& obj, auto tag) {
    using R = decltype(tag);
    auto text = uplift::write_json<R>(obj);
    REQUIRE(text);
    auto in_order = uplift::read_json<R>(*text);
    REQUIRE_MESSAGE(in_order, in_order.error().message());
    const std::string backwards = reordered(*text, nullptr);
    CHECK(backwards != *text);
    auto back = uplift::read_json<R>(backwards);
    INFO("reversed: ", backwards);
    REQUIRE_MESSAGE(back, back.error().message());
    CHECK_SAME(*back, *in_order);
    std::mt19937 rng(7);
    for (int round = 0; round < 25; ++round) {
      const std::string shuffled = reordered(*text, &rng);
      INFO("shuffled: ", shuffled);
      auto s = uplift::read_json<R>(shuffled);
      REQUIRE_MESSAGE(s, s.error().message());
      CHECK_SAME(*s, *in_order);
    }
  };
  check(order_v1(), Order{});  // v1: the version key ends up anywhere, unions' keys either way
  check(order_v2(), Order{});
  check(thing_v1(), Thing{});
  check(thing_v2(), Thing{});
  check(thing_v3(), Thing{});
  check(uplift_test::sample_v1(), Widget{});
  check(uplift_test::sample_v3(), Widget{});
}

TEST_CASE("a union's value may come before its type key") {
  auto o = accepted<Order>(R"({"payment":{"number":"42","expiry_month":3},"_v":2,"payment_type":"Card"})");
  REQUIRE(o.payment.type == shop::v2::Payment::Card);
  CHECK(o.payment.AsCard()->number == "42");
  CHECK(o.payment.AsCard()->expiry_month == 3);
  // Inside a vector element too (kinds v3: att is a union of Part and Note).
  auto t = accepted<Thing>(R"({"_v":3,"att":{"text":"hi"},"att_type":"Note"})");
  REQUIRE(t.att.type == k::v3::Attachment::Note);
  CHECK(t.att.AsNote()->text == "hi");
  // A value without any type key is an error, not an empty union.
  auto e = rejected<Order>(R"({"_v":2,"payment":{"number":"42"}})", errc::missing_field, "$");
  CHECK(contains(e.detail(), "\"payment_type\""));
}

TEST_CASE("unknown keys are skipped at every level, whatever they hold") {
  auto w = accepted<Widget>(
      R"({"_v":3,"zzz":{"deep":[1,{"x":[null,true,"s"]}]},"label":"L","extra":[],"n":-1.5e300,)"
      R"("parts":[{"name":"p","qty":2,"colour":"red","more":{"a":{"b":{}}}}],"s":"\u00e9\"","t":null})");
  CHECK(w.label == "L");
  REQUIRE(w.parts.size() == 1);
  CHECK(w.parts[0]->name == "p");
  CHECK(w.parts[0]->qty == 2);
  // A struct's unknown member is skipped too.
  auto d = accepted<Widget>(R"({"_v":3,"dims":{"w":1,"depth":9,"h":2}})");
  REQUIRE(d.dims);
  CHECK(d.dims->h() == 2.0f);
  // An unknown key must still hold well-formed JSON, at any depth.
  rejected<Widget>(R"({"_v":3,"zzz":[1,2,,3],"label":"L"})", errc::malformed_json, "$.zzz[2]");
  rejected<Widget>(R"({"_v":3,"zzz":{"a":[01]}})", errc::malformed_json, "$.zzz.a[0]");
  rejected<Widget>(R"({"_v":3,"zzz":{"a":"\x"}})", errc::malformed_json, "$.zzz.a");
  rejected<Widget>(R"({"_v":3,"zzz":tru})", errc::malformed_json, "$.zzz");
  rejected<Widget>(R"({"_v":3,"zzz":nul})", errc::malformed_json, "$.zzz");
  rejected<Widget>(R"({"_v":3,"parts":[{"x":-}]})", errc::malformed_json, "$.parts[0].x");
  // In known fields too: a misspelt literal is malformed, not a value of another type.
  rejected<Order>(R"({"_v":2,"paid":tru})", errc::malformed_json, "$.paid");
  rejected<Order>(R"({"_v":2,"paid":nul})", errc::malformed_json, "$.paid");
  rejected<Order>(R"({"_v":2,"comment":falsey})", errc::malformed_json, "$.comment");
  rejected<Order>(R"({"_v":2,"tree":nulll})", errc::malformed_json, "$.tree");
}

TEST_CASE("each version's document uses that version's field names; a later name is unknown") {
  // v1 says `name`; v2 renamed it `label`.
  auto v1 = accepted<Widget>(R"({"_v":1,"name":"acme:one","count":1})");
  CHECK(v1.label == "acme:one");
  CHECK(v1.maker == "acme");
  // `label` in a v1 document is not v1's: it is skipped, and the name stays empty.
  auto v1_label = accepted<Widget>(R"({"_v":1,"label":"acme:two"})");
  CHECK(v1_label.label.empty());
  // A v2 document says `label`; `name` is unknown there.
  auto v2 = accepted<Widget>(R"({"_v":2,"label":"globex:x","name":"ignored"})");
  CHECK(v2.label == "globex:x");
  // Kinds: title (v1) -> name (v2) -> label (v3).
  CHECK(accepted<Thing>(R"({"_v":1,"title":"a"})").label == "a");
  CHECK(accepted<Thing>(R"({"_v":2,"name":"b"})").label == "b");
  CHECK(accepted<Thing>(R"({"_v":3,"label":"c"})").label == "c");
  CHECK(accepted<Thing>(R"({"_v":3,"title":"a","name":"b"})").label.empty());
  // A deprecated field is not read: it is an unknown key.
  CHECK(accepted<Order>(R"({"_v":1,"old_code":"anything"})").i32 == -5);
}

TEST_CASE("absent fields take their schema defaults and null means absent") {
  auto o = accepted<Order>(R"({"_v":2})");
  CHECK(o.i32 == -5);
  CHECK(o.priority == shop::v2::Unit::Piece);
  CHECK(o.comment.empty());
  CHECK_FALSE(o.tree);
  auto n = accepted<Order>(R"({"_v":2,"i32":null,"comment":null,"tree":null,"lines":null,"created":null})");
  CHECK(n.i32 == -5);
  CHECK_FALSE(n.tree);
  CHECK(n.lines.empty());
  CHECK_FALSE(n.created);
  auto l = accepted<Order>(R"({"_v":2,"lines":[{"sku":"x"}]})");
  REQUIRE(l.lines.size() == 1);
  CHECK(l.lines[0]->unit == shop::v2::Unit::Kilo);  // the nested table's own default
  CHECK_FALSE(l.lines[0]->price);
}

// ---- the version key and legacy documents --------------------------------------------------------

TEST_CASE("the version key may be renamed per read, and the record's own key is the default") {
  uplift::options o;
  o.version_key = "schema";
  auto w = accepted<Widget>(R"({"name":"acme:a","schema":1})", o);
  CHECK(w.label == "acme:a");
  // With another key configured, "_v" is an ordinary unknown key.
  rejected<Widget>(R"({"_v":1,"name":"acme:a"})", errc::missing_version, "$", o);
  auto text = uplift::write_json<Widget>(uplift_test::sample_v2(), o);
  REQUIRE(text);
  CHECK(text->rfind("{\"schema\":2,", 0) == 0);
  auto c = uplift::codec<Widget>::make(o);
  REQUIRE(c);
  auto back = c->read_json(*text);
  REQUIRE(back);
  CHECK(back->label == "globex:gear");
}

TEST_CASE("a document without a version is read at the default version when one is set") {
  uplift::options o;
  o.default_version = 1;
  auto w = accepted<Widget>(R"({"name":"acme:legacy","count":3})", o);
  CHECK(w.label == "acme:legacy");
  CHECK(w.count == 3);
  // A document that has the key is read at its own version, whatever the default.
  CHECK(accepted<Widget>(R"({"_v":2,"label":"x"})", o).label == "x");
  // Without a rule there is no guessing.
  rejected<Widget>(R"({"name":"acme:legacy"})", errc::missing_version, "$");
  // The default is checked when a codec is made.
  auto bad = uplift::codec<Widget>::make({.default_version = 9});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::invalid_option);
}

TEST_CASE("a sniffer reads legacy documents by their shape, and a wrong guess is an error") {
  uplift::options o;
  int calls = 0;
  o.sniffer = [&calls](uplift::json_shape& doc) -> std::uint16_t {
    ++calls;
    if (doc.has("label")) return 2;
    if (doc.has("name")) return 1;
    if (doc.has("count")) return 1;  // a guess: every old document had a count
    return 0;
  };
  auto v1 = accepted<Widget>(R"({"count":4,"name":"acme:sniffed"})", o);
  CHECK(v1.label == "acme:sniffed");
  CHECK(v1.count == 4);
  auto v2 = accepted<Widget>(R"({"label":"globex:sniffed","color":"Red"})", o);
  CHECK(v2.label == "globex:sniffed");
  CHECK(v2.color == uplift_test::v3::Color::Red);
  CHECK(calls == 2);
  // A key written with escapes is seen by has() too.
  CHECK(accepted<Widget>(R"({"\u006cabel":"esc"})", o).label == "esc");
  // The sniffer is not asked when the version key is there.
  calls = 0;
  CHECK(accepted<Widget>(R"({"_v":3,"label":"x","name":"y"})", o).label == "x");
  CHECK(calls == 0);

  // A wrong guess: v1's count is an int, and this document's does not fit one.
  auto e = rejected<Widget>(R"({"count":5000000000})", errc::range_error, "$.count", o);
  CHECK(e.stored_version == 1);
  CHECK(contains(e.message(), "v1 was the sniffer's guess"));
  // No guess and no default: missing_version. A guess beyond the latest: too_new.
  rejected<Widget>(R"({"id":1})", errc::missing_version, "$", o);
  o.sniffer = [](uplift::json_shape&) -> std::uint16_t { return 7; };
  rejected<Widget>(R"({"id":1})", errc::too_new, "$", o);
  // No guess falls back to the default version.
  o.sniffer = [](uplift::json_shape&) -> std::uint16_t { return 0; };
  o.default_version = 1;
  CHECK(accepted<Widget>(R"({"name":"acme:d"})", o).label == "acme:d");
}

TEST_CASE("a sniffer may look into the document's values, and may itself read JSON") {
  uplift::options o;
  o.sniffer = [](uplift::json_shape& doc) -> std::uint16_t {
    // Looks at a value: a string count means a hand-edited v1 document, which is not readable.
    simdjson::ondemand::value v;
    if (doc.object().find_field_unordered("count").get(v) == simdjson::SUCCESS) {
      std::int64_t n = 0;
      if (v.get_int64().get(n) == simdjson::SUCCESS && n > 100) return 2;
    }
    // Reads another record on the same thread: it must get a parser of its own.
    auto inner = uplift::read_json<Widget>(std::string(R"({"_v":1,"name":"inner:x"})"));
    return inner && inner->label == "inner:x" ? 1 : 0;
  };
  CHECK(accepted<Widget>(R"({"count":101,"label":"big"})", o).label == "big");
  CHECK(accepted<Widget>(R"({"count":3,"name":"acme:small"})", o).label == "acme:small");
}

// ---- bad input -----------------------------------------------------------------------------------

TEST_CASE("malformed JSON is an error with where it went wrong, never a crash") {
  struct bad {
    const char* json;
    errc code;
  };
  const bad cases[] = {
      {"", errc::empty_input},
      {"   ", errc::empty_input},
      {"{", errc::malformed_json},
      {"}", errc::malformed_json},
      {R"({"_v":1,"name":})", errc::malformed_json},
      {R"({"_v":1 "name":"x"})", errc::malformed_json},
      {R"({"_v":1,"name":"x",})", errc::malformed_json},
      {R"({"_v":1,"name":"x"})" "}", errc::malformed_json},
      {R"({"_v":1,"name":"x"} {"_v":1})", errc::malformed_json},
      {R"({"_v":1,"name":"x"} x)", errc::malformed_json},
      {R"({"_v":1,"name":"unterminated})", errc::malformed_json},
      {R"({"_v":1,"name":"bad \q escape"})", errc::malformed_json},
      {R"({"_v":1,"name":"\ud800"})", errc::malformed_json},  // a lone surrogate
      {R"({"_v":1,"count":01})", errc::malformed_json},
      {R"({"_v":1,"count":1.})", errc::malformed_json},
      {R"({"_v":1,"count":-})", errc::malformed_json},
      {R"({"_v":1,"tags":["a" "b"]})", errc::malformed_json},
      {R"({'_v':1})", errc::malformed_json},
      {"{\"_v\":1,\"name\":\"tab\tinside\"}", errc::malformed_json},  // raw control character
      {R"(nul)", errc::malformed_json},
      {R"(-)", errc::malformed_json},
      {R"("open)", errc::malformed_json},
      {R"({"_v":01,"name":"x"})", errc::malformed_json},
      {R"({"name":"x","_v":1.})", errc::malformed_json},
  };
  for (const bad& b : cases) {
    CAPTURE(b.json);
    auto r = uplift::read_json<Widget>(std::string_view(b.json));
    REQUIRE_FALSE(r);
    INFO("error: ", r.error().message());
    CHECK(r.error().code == b.code);
    CHECK(contains(r.error().message(), "demo") == false);
    CHECK(r.error().record() == "uplift_test.Widget");
  }
}

TEST_CASE("a record that is not a JSON object is a type error at the root") {
  for (const char* json : {"[1,2]", "42", R"("text")", "null", "true"}) {
    CAPTURE(json);
    rejected<Widget>(std::string_view(json), errc::json_type_mismatch, "$");
  }
}

TEST_CASE("every truncation of a valid document is an error, never a partial success") {
  for (const std::string& text : {*uplift::write_json<Order>(order_v1()),
                                  *uplift::write_json<Order>(order_v2()),
                                  *uplift::write_json<Thing>(thing_v1())}) {
    REQUIRE(uplift::read_json<Order>(text).has_value() != text.empty());
    std::size_t failures = 0;
    for (std::size_t n = 0; n < text.size(); ++n) {
      const std::string prefix = text.substr(0, n);
      auto r = uplift::read_json<Order>(prefix);
      if (r) {
        INFO("a prefix of ", n, " bytes was read: ", prefix);
        CHECK_FALSE(r);
        ++failures;
      } else {
        CHECK((r.error().code == errc::malformed_json || r.error().code == errc::empty_input ||
               r.error().code == errc::missing_version || r.error().code == errc::invalid_version));
      }
      if (failures > 3) break;
    }
  }
}

TEST_CASE("a value of the wrong JSON type names its path") {
  rejected<Widget>(R"({"_v":1,"count":"5"})", errc::json_type_mismatch, "$.count");
  rejected<Widget>(R"({"_v":1,"name":5})", errc::json_type_mismatch, "$.name");
  rejected<Widget>(R"({"_v":1,"tags":"a"})", errc::json_type_mismatch, "$.tags");
  rejected<Widget>(R"({"_v":1,"tags":["a",2]})", errc::json_type_mismatch, "$.tags[1]");
  rejected<Widget>(R"({"_v":1,"dims":[1,2]})", errc::json_type_mismatch, "$.dims");
  rejected<Widget>(R"({"_v":1,"dims":{"w":"x","h":1}})", errc::json_type_mismatch, "$.dims.w");
  rejected<Order>(R"({"_v":2,"paid":1})", errc::json_type_mismatch, "$.paid");
  rejected<Order>(R"({"_v":2,"checks":[true,"false"]})", errc::json_type_mismatch, "$.checks[1]");
  rejected<Order>(R"({"_v":2,"f64":"1.5"})", errc::json_type_mismatch, "$.f64");
  rejected<Order>(R"({"_v":2,"priority":"Gallon"})", errc::json_type_mismatch, "$.priority");
  rejected<Order>(R"({"_v":2,"priority":true})", errc::json_type_mismatch, "$.priority");
  // The example path of the issue: the fourth line's quantity.
  auto e = rejected<Order>(
      R"({"_v":2,"lines":[{"sku":"a","qty":1},{"sku":"b","qty":2},{"sku":"c","qty":3},{"sku":"d","qty":"four"}]})",
      errc::json_type_mismatch, "$.lines[3].qty");
  CHECK(contains(e.message(), "at $.lines[3].qty"));
  CHECK(contains(e.detail(), "\"four\""));
  // Deeper: a node's child's label.
  rejected<Order>(R"({"_v":2,"tree":{"children":[{"label":"a"},{"children":[{"label":[]}]}]}})",
                  errc::json_type_mismatch, "$.tree.children[1].children[0].label");
  rejected<Order>(R"({"_v":2,"stamps":[{"when":{"units":1,"nanos":2},"flags":[1,2,3,"4"]}]})",
                  errc::json_type_mismatch, "$.stamps[0].flags[3]");
  rejected<Order>(R"({"_v":2,"payment_type":"Cash","payment":{"amount":"1"}})",
                  errc::json_type_mismatch, "$.payment.amount");
  rejected<Order>(R"({"_v":2,"payment_type":"Cheque","payment":{}})", errc::json_type_mismatch,
                  "$.payment_type");
  rejected<Order>(R"({"_v":2,"payment_type":9,"payment":{}})", errc::range_error, "$.payment");
  rejected<Order>(R"({"_v":2,"payment_type":"NONE","payment":{}})", errc::json_type_mismatch,
                  "$.payment");
}

TEST_CASE("integers out of their field's range, and non-integers, are errors") {
  rejected<Order>(R"({"_v":2,"i8":128})", errc::range_error, "$.i8");
  rejected<Order>(R"({"_v":2,"i8":-129})", errc::range_error, "$.i8");
  rejected<Order>(R"({"_v":2,"u8":-1})", errc::range_error, "$.u8");
  rejected<Order>(R"({"_v":2,"u8":256})", errc::range_error, "$.u8");
  rejected<Order>(R"({"_v":2,"i16":32768})", errc::range_error, "$.i16");
  rejected<Order>(R"({"_v":2,"u16":65536})", errc::range_error, "$.u16");
  rejected<Order>(R"({"_v":2,"i32":2147483648})", errc::range_error, "$.i32");
  rejected<Order>(R"({"_v":2,"u32":4294967296})", errc::range_error, "$.u32");
  rejected<Order>(R"({"_v":2,"i64":9223372036854775808})", errc::range_error, "$.i64");
  rejected<Order>(R"({"_v":2,"i64":-9223372036854775809})", errc::range_error, "$.i64");
  rejected<Order>(R"({"_v":2,"u64":18446744073709551616})", errc::range_error, "$.u64");
  rejected<Order>(R"({"_v":2,"u64":-1})", errc::range_error, "$.u64");
  rejected<Order>(R"({"_v":2,"u64":123456789012345678901234567890})", errc::range_error, "$.u64");
  rejected<Order>(R"({"_v":1,"lines":[{"sku":"a","qty":40000}]})", errc::range_error,
                  "$.lines[0].qty");
  rejected<Order>(R"({"_v":2,"units":[1,300]})", errc::range_error, "$.units[1]");
  auto e = rejected<Order>(R"({"_v":2,"i8":1000})", errc::range_error, "$.i8");
  CHECK(contains(e.detail(), "-128..127"));
  // A number with a fraction or exponent is not an integer, even when its value is whole.
  rejected<Order>(R"({"_v":2,"i32":1.0})", errc::json_type_mismatch, "$.i32");
  rejected<Order>(R"({"_v":2,"i32":1e3})", errc::json_type_mismatch, "$.i32");
  rejected<Order>(R"({"_v":2,"u64":2.5})", errc::json_type_mismatch, "$.u64");
  // Doubles beyond a double are a range error, not infinity.
  rejected<Order>(R"({"_v":2,"f64":1e400})", errc::range_error, "$.f64");
  rejected<Order>(R"({"_v":2,"f32":"infinity"})", errc::json_type_mismatch, "$.f32");
}

TEST_CASE("a version key that is not a positive integer up to 65535 is an invalid version") {
  for (const char* v : {"0", "-1", "1.5", "1e0", "\"1\"", "null", "true", "65536", "[1]", "{}",
                        "99999999999999999999"}) {
    CAPTURE(v);
    const std::string json = std::string(R"({"name":"x","_v":)") + v + "}";
    auto e = rejected<Widget>(json, errc::invalid_version, "$._v");
    CHECK(contains(e.detail(), "positive integer"));
  }
  auto too_new = rejected<Widget>(R"({"_v":4,"label":"x"})", errc::too_new, "$._v");
  CHECK(too_new.stored_version == 4);
  CHECK(too_new.latest_version == 3);
  rejected<Widget>(R"({"_v":65535})", errc::too_new, "$._v");
  rejected<uplift_test::WidgetFromV2>(R"({"_v":1,"name":"x"})", errc::unknown_version, "$._v");
}

TEST_CASE("duplicate keys, missing required fields and nulls where a value must be are errors") {
  rejected<Widget>(R"({"_v":1,"name":"a","count":1,"name":"b"})", errc::duplicate_key, "$.name");
  rejected<Widget>(R"({"_v":1,"dims":{"w":1,"h":2,"w":3}})", errc::duplicate_key, "$.dims.w");
  rejected<Order>(R"({"_v":2,"lines":[{"sku":"a","sku":"a"}]})", errc::duplicate_key,
                  "$.lines[0].sku");
  rejected<Order>(R"({"_v":2,"payment_type":"Card","payment_type":"Card","payment":{}})",
                  errc::duplicate_key, "$.payment_type");
  // Line.sku is (required).
  auto m = rejected<Order>(R"({"_v":2,"lines":[{"sku":"a"},{"qty":1}]})", errc::missing_field,
                           "$.lines[1]");
  CHECK(contains(m.detail(), "\"sku\""));
  rejected<Order>(R"({"_v":2,"lines":[{"sku":null}]})", errc::missing_field, "$.lines[0].sku");
  // Every member of a struct is required.
  auto s = rejected<Widget>(R"({"_v":1,"dims":{"w":1}})", errc::missing_field, "$.dims");
  CHECK(contains(s.detail(), "\"h\""));
  rejected<Widget>(R"({"_v":1,"dims":{"w":1,"h":null}})", errc::missing_field, "$.dims.h");
  rejected<Order>(R"({"_v":2,"created":{"when":{"units":1},"flags":[1,2,3,4]}})",
                  errc::missing_field, "$.created.when");
  // A fixed-length array must have exactly its length.
  rejected<Order>(R"({"_v":2,"created":{"when":{"units":1,"nanos":0},"flags":[1,2,3]}})",
                  errc::json_type_mismatch, "$.created.flags");
  rejected<Order>(R"({"_v":2,"created":{"when":{"units":1,"nanos":0},"flags":[1,2,3,4,5]}})",
                  errc::json_type_mismatch, "$.created.flags");
  // null is not an element.
  rejected<Widget>(R"({"_v":1,"tags":["a",null]})", errc::json_type_mismatch, "$.tags[1]");
  rejected<Order>(R"({"_v":2,"lines":[null]})", errc::json_type_mismatch, "$.lines[0]");
}

TEST_CASE("nesting deeper than max_depth is an error, however deep the input goes") {
  // A tree 70 levels deep: beyond the default 64.
  shop::v2::OrderT deep;
  deep.tree = node_chain<shop::v2::NodeT>(70);
  uplift::options wide;
  wide.max_depth = 1000;
  auto text = uplift::write_json<Order>(deep, wide);
  REQUIRE(text);
  auto r = uplift::read_json<Order>(*text);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::too_deep);
  CHECK(contains(r.error().path(), "$.tree.children[0].children[0]"));
  auto ok = uplift::read_json<Order>(*text, wide);
  REQUIRE_MESSAGE(ok, ok.error().message());
  // Writing it with the default limit fails and writes nothing.
  std::string out = "keep";
  auto w = uplift::write_json<Order>(deep, out);
  REQUIRE_FALSE(w);
  CHECK(w.error().code == errc::too_deep);
  CHECK(out == "keep");
  // A failure 20 levels down names every level of its path.
  shop::v2::OrderT bad;
  bad.tree = node_chain<shop::v2::NodeT>(20);
  shop::v2::NodeT* last = bad.tree.get();
  while (!last->children.empty()) last = last->children.back().get();
  last->label = "bad \xff byte";
  auto wb = uplift::write_json<Order>(bad);
  REQUIRE_FALSE(wb);
  CHECK(wb.error().code == errc::invalid_utf8);
  std::string path = "$.tree";
  for (int i = 0; i < 20; ++i) path += ".children[0]";
  CHECK(wb.error().path() == path + ".label");
  // 10,000 levels of arrays in an unknown key, and in a known one: an error, not a stack overflow.
  for (const char* key : {"zzz", "tags", "tree"}) {
    CAPTURE(key);
    std::string bomb = std::string(R"({"_v":2,")") + key + "\":";
    bomb += std::string(10000, '[');
    bomb += std::string(10000, ']');
    bomb += "}";
    auto b = uplift::read_json<Order>(bomb);
    REQUIRE_FALSE(b);
    CHECK((b.error().code == errc::too_deep || b.error().code == errc::json_type_mismatch));
  }
  std::string objects = R"({"_v":2,"tree":)";
  for (int i = 0; i < 10000; ++i) objects += R"({"children":[)";
  for (int i = 0; i < 10000; ++i) objects += "]}";
  objects += "}";
  auto b = uplift::read_json<Order>(objects);
  REQUIRE_FALSE(b);
  CHECK(b.error().code == errc::too_deep);
}

TEST_CASE("invalid UTF-8 is an error in values and keys, when reading and when writing") {
  rejected<Widget>(std::string("{\"_v\":1,\"name\":\"bad \xff byte\"}"), errc::invalid_utf8, "$");
  rejected<Widget>(std::string("{\"_v\":1,\"n\xc3\x28me\":\"x\"}"), errc::invalid_utf8, "$");
  rejected<Widget>(std::string("{\"_v\":1,\"name\":\"overlong \xc0\xaf\"}"), errc::invalid_utf8, "$");
  rejected<Widget>(std::string("{\"_v\":1,\"name\":\"surrogate \xed\xa0\x80\"}"), errc::invalid_utf8,
                   "$");
  rejected<Widget>(std::string("{\"_v\":1,\"name\":\"cut \xe2\x82\"}"), errc::invalid_utf8, "$");
  shop::v2::OrderT o;
  o.lines.push_back(line<shop::v2::LineT>("ok", 1, shop::v2::Unit::Piece, shop::v2::Money(0, 0)));
  o.lines.push_back(line<shop::v2::LineT>("bad \xfe", 1, shop::v2::Unit::Piece, shop::v2::Money(0, 0)));
  std::string out = "prefix";
  auto w = uplift::write_json<Order>(o, out);
  REQUIRE_FALSE(w);
  CHECK(w.error().code == errc::invalid_utf8);
  CHECK(w.error().path() == "$.lines[1].sku");
  CHECK(out == "prefix");
}

TEST_CASE("a document that fails late returns no part of what it read") {
  // Everything is fine until the last field; the result is an error and nothing else.
  std::string text = *uplift::write_json<Order>(order_v2());
  text.insert(text.size() - 1, R"(,"u8":-3)");
  auto dup = uplift::read_json<Order>(text);
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == errc::duplicate_key);
  std::string late = *uplift::write_json<Order>(shop::v2::OrderT{});
  const auto tags = late.find(R"("tags":[])");
  REQUIRE(tags != std::string::npos);
  late.replace(tags, 9, R"("tags":["a","b",7])");
  CHECK(late.find(R"("tags")") < late.size() - 40);  // not the last key
  rejected<Order>(late, errc::json_type_mismatch, "$.tags[2]");
  // And the write of a record that fails late leaves the output as it was.
  shop::v2::OrderT o = order_v2();
  o.tags.push_back("\xc3");
  std::string out;
  CHECK_FALSE(uplift::write_json<Order>(o, out));
  CHECK(out.empty());
}

// ---- writing and converting -----------------------------------------------------------------------

TEST_CASE("write_json appends to a string and writes each version with its own names") {
  std::string out = "[";
  REQUIRE(uplift::write_json<Widget>(uplift_test::sample_v1(), out));
  out += ",";
  REQUIRE(uplift::write_json<Widget>(uplift_test::sample_v3(), out));
  out += "]";
  CHECK(out.rfind(R"([{"_v":1,"id":41,"name":"acme:sprocket","count":-7,)", 0) == 0);
  CHECK(contains(out, R"({"_v":3,"id":43,"label":"initech:stapler","count":5000000000,)"));
  CHECK(contains(out, R"("dims":{"w":1.5,"h":2.25})"));
  CHECK(contains(out, R"("parts":[{"name":"spring","qty":2}])"));
}

TEST_CASE("codec<R> writes JSON at its write version through the downgrade steps") {
  auto c = uplift::codec<Widget>::make({.write_version = 2});
  REQUIRE(c);
  auto latest = uplift::upgrade<Widget>(uplift_test::sample_v1());
  REQUIRE(latest);
  auto text = c->write_json(*latest);
  REQUIRE(text);
  CHECK(text->rfind(R"({"_v":2,"id":41,"label":"acme:sprocket",)", 0) == 0);
  REQUIRE(c->set_write_version(1));
  text = c->write_json(*latest);
  REQUIRE(text);
  CHECK(text->rfind(R"({"_v":1,"id":41,"name":"acme:sprocket",)", 0) == 0);
  // A value v1 cannot hold: nothing is written.
  latest->count = 5'000'000'000LL;
  std::string out = "x";
  auto st = c->write_json(*latest, out);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == errc::range_error);
  CHECK(out == "x");
}

TEST_CASE("records convert between JSON and FlatBuffers at the latest or the codec's version") {
  for (const std::string& text : {*uplift::write_json<Order>(order_v1()),
                                  *uplift::write_json<Order>(order_v2())}) {
    auto bin = uplift::json_to_binary<Order>(text);
    REQUIRE_MESSAGE(bin, bin.error().message());
    CHECK(uplift::peek(*bin)->version == 2);
    auto from_bin = uplift::read_object<Order>(*bin);
    auto from_json = uplift::read_json<Order>(text);
    REQUIRE(from_bin);
    REQUIRE(from_json);
    CHECK_SAME(*from_bin, *from_json);
    auto back = uplift::binary_to_json<Order>(*bin);
    REQUIRE(back);
    CHECK(back->rfind("{\"_v\":2,", 0) == 0);
    auto again = uplift::read_json<Order>(*back);
    REQUIRE(again);
    CHECK_SAME(*again, *from_json);
  }
  // From an old FlatBuffers record to the latest JSON.
  auto old = uplift::write<Widget>(uplift_test::sample_v1());
  auto j = uplift::binary_to_json<Widget>(old);
  REQUIRE(j);
  CHECK(j->rfind(R"({"_v":3,"id":41,"label":"acme:sprocket",)", 0) == 0);
  // Through a codec, at its write version, both ways.
  auto c = uplift::codec<Widget>::make({.write_version = 1});
  REQUIRE(c);
  auto b1 = c->json_to_binary(*j);
  REQUIRE(b1);
  CHECK(uplift::peek(*b1)->version == 1);
  auto j1 = c->binary_to_json(*b1);
  REQUIRE(j1);
  CHECK(j1->rfind(R"({"_v":1,)", 0) == 0);
  // Bad input on either side is the reader's error.
  auto bad = uplift::json_to_binary<Widget>(std::string_view(R"({"_v":1,"count":"x"})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().path() == "$.count");
  std::vector<std::uint8_t> junk = {1, 2, 3};
  auto bad_bin = uplift::binary_to_json<Widget>(uplift::bytes_view(junk));
  REQUIRE_FALSE(bad_bin);
  CHECK(bad_bin.error().code == errc::bad_magic);
}

// ---- the kinds of input text ---------------------------------------------------------------------

TEST_CASE("every kind of input text reads the same, with or without simdjson's padding") {
  const std::string text = *uplift::write_json<Order>(order_v1());
  const auto expected = *uplift::read_json<Order>(text);
  std::string tight = text;
  tight.shrink_to_fit();
  std::string roomy;
  roomy.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  roomy = text;
  const simdjson::padded_string padded(text);
  // The text at the very end of a buffer: reading past it would be caught by ASan.
  auto exact = std::make_unique<char[]>(text.size());
  std::memcpy(exact.get(), text.data(), text.size());
  const std::string_view at_end(exact.get(), text.size());

  CHECK_SAME(accepted<Order>(tight), expected);
  CHECK_SAME(accepted<Order>(roomy), expected);
  CHECK_SAME(accepted<Order>(std::string_view(text)), expected);
  CHECK_SAME(accepted<Order>(at_end), expected);
  CHECK_SAME(accepted<Order>(text.c_str()), expected);
  CHECK_SAME(accepted<Order>(padded), expected);
  CHECK_SAME(accepted<Order>(simdjson::padded_string_view(padded)), expected);
  // A string_view of part of a larger text reads only its part.
  const std::string two = text + text;
  CHECK_SAME(accepted<Order>(std::string_view(two).substr(0, text.size())), expected);
}

TEST_CASE("threads read JSON at once, each with its own parser") {
  std::vector<std::string> docs = {*uplift::write_json<Order>(order_v1()),
                                   *uplift::write_json<Order>(order_v2())};
  std::vector<shop::v2::OrderT> expected;
  for (const auto& d : docs) expected.push_back(*uplift::read_json<Order>(d));
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::size_t k = static_cast<std::size_t>(i + t) % docs.size();
        auto r = uplift::read_json<Order>(docs[k]);
        if (!r || !same(*r, expected[k])) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong.load() == 0);
}
