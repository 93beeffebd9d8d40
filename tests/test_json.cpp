// JSON records (read_json, write_json, json_to_binary, binary_to_json and codec<R>'s JSON side),
// tested with real generated records: tests/schemas/widget, tests/schemas/kinds and
// tests/schemas/order (every kind of value a JSON record carries). The bodies that apply to both
// formats run for FlatBuffers and JSON records alike; then exact round trips, key order, unknown
// keys, renames, legacy documents without a version, every bad input, writing, conversions and
// the kinds of input text.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
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
bool same(const shop::v1::OrderT& a, const shop::v1::OrderT& b) { return same_order(a, b); }
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
                       const uplift::json_options& o = {}) {
  auto r = uplift::read_json<R>(json, o);
  INFO("document: ", std::string_view(json));
  if (r) {
    INFO("read as: ", show(*r));
    FAIL_CHECK("the document was read; expected error ", uplift::message(code));
    return uplift::error(errc::ok);
  }
  INFO("error: ", r.error().message());
  CHECK(r.error().code == code);
  CHECK(r.error().path == path);
  CHECK(r.error().code != errc::ok);
  return r.error();
}

template <class R, class Json>
uplift::latest_object_t<R> accepted(const Json& json, const uplift::json_options& o = {}) {
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
    auto text = uplift::write_json<Order>(o);
    REQUIRE(text);
    // No raw control character is left in the text: JSON does not allow them in strings.
    CHECK(std::none_of(text->begin(), text->end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20; }));
    auto back = uplift::read_json<Order>(*text);
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
