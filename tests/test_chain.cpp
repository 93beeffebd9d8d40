// The compile-time chain: its tables, zero-copy across wire-compatible steps, hand-written chains
// with lambdas as steps, and dispatch on the stored version.
#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "test_support.hpp"

using namespace uplift_test;
using W = uplift_test::Widget;

namespace {

template <class R>
using chain_of = uplift::detail::chain<R>;

// ---- The facts each test descriptor must have, checked at compile time and again at run time.

// Widget: v1 -> v2 wire-compatible, v2 -> v3 transforming, downgrade v3 -> v2 by hand.
constexpr std::array<bool, 3> widget_wire{true, false, true};
constexpr std::array<std::size_t, 3> widget_zero_copy_from{2, 2, 2};
constexpr std::array<std::uint16_t, 3> widget_min_reader{1, 1, 3};
constexpr std::array<bool, 3> widget_can_write{true, true, true};

// WidgetUpToV2: one wire-compatible step; every record reads zero-copy.
constexpr std::array<bool, 2> upto2_wire{true, true};
constexpr std::array<std::size_t, 2> upto2_zero_copy_from{0, 1};
constexpr std::array<std::uint16_t, 2> upto2_min_reader{1, 1};
constexpr std::array<bool, 2> upto2_can_write{true, true};

// WidgetFromV2: v1 retired; versions 2..3 with a transforming step and its downgrade.
constexpr std::array<bool, 2> from2_wire{false, true};
constexpr std::array<std::size_t, 2> from2_zero_copy_from{1, 1};
constexpr std::array<std::uint16_t, 2> from2_min_reader{2, 3};
constexpr std::array<bool, 2> from2_can_write{true, true};

// WidgetNoDowngrade: like Widget, but v3 -> v2 has no downgrade, so only v3 can be written.
constexpr std::array<bool, 3> nodown_wire{true, false, true};
constexpr std::array<std::size_t, 3> nodown_zero_copy_from{2, 2, 2};
constexpr std::array<std::uint16_t, 3> nodown_min_reader{1, 1, 3};
constexpr std::array<bool, 3> nodown_can_write{false, false, true};

// WidgetLeftOut: v2 -> v1 is wire-compatible but left out, so v1 cannot be written.
constexpr std::array<bool, 3> leftout_can_write{false, true, true};

static_assert(chain_of<W>::count == 3);
static_assert(chain_of<W>::first_version == 1 && chain_of<W>::latest_version == 3);
static_assert(chain_of<W>::wire == widget_wire);
static_assert(chain_of<W>::zero_copy_from == widget_zero_copy_from);
static_assert(chain_of<W>::min_reader == widget_min_reader);
static_assert(chain_of<W>::can_write == widget_can_write);

static_assert(chain_of<WidgetUpToV2>::count == 2);
static_assert(chain_of<WidgetUpToV2>::wire == upto2_wire);
static_assert(chain_of<WidgetUpToV2>::zero_copy_from == upto2_zero_copy_from);
static_assert(chain_of<WidgetUpToV2>::min_reader == upto2_min_reader);
static_assert(chain_of<WidgetUpToV2>::can_write == upto2_can_write);

static_assert(chain_of<WidgetFromV2>::first_version == 2);
static_assert(chain_of<WidgetFromV2>::wire == from2_wire);
static_assert(chain_of<WidgetFromV2>::zero_copy_from == from2_zero_copy_from);
static_assert(chain_of<WidgetFromV2>::min_reader == from2_min_reader);
static_assert(chain_of<WidgetFromV2>::can_write == from2_can_write);

static_assert(chain_of<WidgetNoDowngrade>::wire == nodown_wire);
static_assert(chain_of<WidgetNoDowngrade>::zero_copy_from == nodown_zero_copy_from);
static_assert(chain_of<WidgetNoDowngrade>::min_reader == nodown_min_reader);
static_assert(chain_of<WidgetNoDowngrade>::can_write == nodown_can_write);

static_assert(chain_of<WidgetLeftOut>::wire == widget_wire);
static_assert(chain_of<WidgetLeftOut>::can_write == leftout_can_write);
static_assert(chain_of<WidgetLeftOut>::cannot_write_why[0] == "v1 is left out of this test record");
static_assert(chain_of<WidgetLeftOut>::cannot_write_why[1].empty());

static_assert(uplift::record<W>);
static_assert(uplift::record<WidgetUpToV2>);
static_assert(uplift::record<WidgetOnlyV1>);
static_assert(uplift::record<WidgetFromV2>);
static_assert(uplift::record<WidgetNoDowngrade>);
static_assert(uplift::record<WidgetLeftOut>);
static_assert(!uplift::record<int>);
static_assert(!uplift::record<v1::Widget>);

// ---- A chain written by hand, with lambdas as steps, over the generated Widget types.

/// Every step transforms (no wire steps), and each leaves a mark so the test can tell that the
/// lambdas ran rather than the Widget's own steps.
struct LambdaWidget {
  static constexpr std::string_view name = "uplift_test.LambdaWidget";
  static constexpr std::uint32_t type_id = uplift::type_id_of(name);
  using versions = W::versions;
  static constexpr auto upgrades = uplift::steps(
      uplift::upgrade_step<1>([](const v1::WidgetT& from, v2::WidgetT& to) {
        to.id = from.id;
        to.label = "lambda:" + from.name;
        to.count = from.count * 2;
        to.tags = from.tags;
        to.color = v2::Color::Red;
      }),
      uplift::upgrade_step<2>([](const v2::WidgetT& from, v3::WidgetT& to) {
        to.id = from.id;
        to.label = from.label;
        to.count = std::int64_t{from.count} + 1;
        to.tags = from.tags;
        to.color = static_cast<v3::Color>(from.color);
        to.maker = "made by a lambda";
      }));
  static constexpr auto downgrades = uplift::steps(
      uplift::downgrade_step<1>([](const v2::WidgetT& from, v1::WidgetT& to) {
        to.id = from.id;
        to.name = "down:" + from.label;
        to.count = from.count;
      }),
      uplift::downgrade_step<2>([](const v3::WidgetT& from, v2::WidgetT& to) -> uplift::status {
        if (from.count > std::numeric_limits<std::int32_t>::max()) return uplift::errc::range_error;
        to.id = from.id;
        to.label = from.label;
        to.count = static_cast<std::int32_t>(from.count);
        return {};
      }));
};

/// A chain whose v1 -> v2 step reports failures through uplift::status.
struct FailingWidget {
  static constexpr std::string_view name = "uplift_test.FailingWidget";
  static constexpr std::uint32_t type_id = uplift::type_id_of(name);
  using versions = W::versions;
  static constexpr auto upgrades = uplift::steps(
      uplift::upgrade_step<1>([](const v1::WidgetT& from, v2::WidgetT& to) -> uplift::status {
        if (from.count < 0)
          return uplift::error(uplift::errc::step_failed).with_detail("count must not be negative");
        if (from.count > 1000) return uplift::errc::range_error;  // a code without words
        to.id = from.id;
        to.label = from.name;
        to.count = from.count;
        return {};
      }),
      uplift::upgrade_step<2>(widget_v2_to_v3));
};

static_assert(uplift::record<LambdaWidget>);
static_assert(uplift::record<FailingWidget>);
// No step is wire-compatible: every older record is rebuilt; each version is its own min reader.
static_assert(!chain_of<LambdaWidget>::wire[0] && !chain_of<LambdaWidget>::wire[1]);
static_assert(chain_of<LambdaWidget>::min_reader == std::array<std::uint16_t, 3>{1, 2, 3});
static_assert(chain_of<LambdaWidget>::zero_copy_from == std::array<std::size_t, 3>{2, 2, 2});

uplift::bytes_view payload_of(uplift::bytes_view record) {
  return record.subspan(uplift::header_size);
}

bool same_bytes(uplift::bytes_view a, uplift::bytes_view b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

TEST_CASE("the chain tables of the test descriptors hold the expected facts at run time") {
  // The same facts as the static_asserts above, read at run time.
  SUBCASE("Widget") {
    CHECK(chain_of<W>::wire == widget_wire);
    CHECK(chain_of<W>::zero_copy_from == widget_zero_copy_from);
    CHECK(chain_of<W>::min_reader == widget_min_reader);
    CHECK(chain_of<W>::can_write == widget_can_write);
  }
  SUBCASE("WidgetUpToV2") {
    CHECK(chain_of<WidgetUpToV2>::wire == upto2_wire);
    CHECK(chain_of<WidgetUpToV2>::zero_copy_from == upto2_zero_copy_from);
    CHECK(chain_of<WidgetUpToV2>::min_reader == upto2_min_reader);
    CHECK(chain_of<WidgetUpToV2>::can_write == upto2_can_write);
  }
  SUBCASE("WidgetFromV2") {
    CHECK(chain_of<WidgetFromV2>::wire == from2_wire);
    CHECK(chain_of<WidgetFromV2>::zero_copy_from == from2_zero_copy_from);
    CHECK(chain_of<WidgetFromV2>::min_reader == from2_min_reader);
    CHECK(chain_of<WidgetFromV2>::can_write == from2_can_write);
  }
  SUBCASE("WidgetNoDowngrade") {
    CHECK(chain_of<WidgetNoDowngrade>::wire == nodown_wire);
    CHECK(chain_of<WidgetNoDowngrade>::zero_copy_from == nodown_zero_copy_from);
    CHECK(chain_of<WidgetNoDowngrade>::min_reader == nodown_min_reader);
    CHECK(chain_of<WidgetNoDowngrade>::can_write == nodown_can_write);
  }
  SUBCASE("WidgetLeftOut") {
    CHECK(chain_of<WidgetLeftOut>::can_write == leftout_can_write);
  }
  SUBCASE("record concept") {
    const bool widget_is_record = uplift::record<W>;
    const bool int_is_record = uplift::record<int>;
    CHECK(widget_is_record);
    CHECK_FALSE(int_is_record);
  }
}

TEST_CASE("a header written by the chain carries the table's min reader version") {
  // Every version a record can be written at, through write<R> and through the codec.
  CHECK(uplift::peek(uplift::write<W>(sample_v1()).span())->min_reader_version ==
        widget_min_reader[0]);
  CHECK(uplift::peek(uplift::write<W>(sample_v2()).span())->min_reader_version ==
        widget_min_reader[1]);
  CHECK(uplift::peek(uplift::write<W>(sample_v3()).span())->min_reader_version ==
        widget_min_reader[2]);
  CHECK(uplift::peek(uplift::write<WidgetFromV2>(sample_v2()).span())->min_reader_version ==
        from2_min_reader[0]);
}

TEST_CASE("a v1 record read across a wire-compatible step is zero-copy and re-headed as v2") {
  auto rec = uplift::write<W>(sample_v1());
  auto r = uplift::read<WidgetUpToV2>(rec.span());
  REQUIRE(r);
  CHECK(r->zero_copy());
  CHECK(r->upgraded());
  CHECK_FALSE(r->from_newer());
  CHECK(r->stored_version() == 1);
  CHECK(points_into(r->get(), rec.span()));
  CHECK((*r)->label()->str() == sample_v1().name);
  CHECK((*r)->color() == v2::Color::Blue);  // appended in v2, read as its default
  CHECK((*r)->count() == -7);

  const uplift::bytes_view latest = r->bytes();
  auto h = uplift::peek(latest);
  REQUIRE(h);
  CHECK(h->version == 2);
  CHECK(h->min_reader_version == 1);
  CHECK(h->type_id == WidgetUpToV2::type_id);
  CHECK(same_bytes(payload_of(latest), payload_of(rec.span())));
  CHECK_FALSE(points_into(latest.data(), rec.span()));
  CHECK(r->bytes().data() == latest.data());  // the copy is made once

  auto again = uplift::read<WidgetUpToV2>(latest);
  REQUIRE(again);
  CHECK_FALSE(again->upgraded());
  CHECK(again->zero_copy());
  CHECK(again->stored_version() == 2);
  CHECK((*again)->label()->str() == "acme:sprocket");
  CHECK(again->bytes().data() == latest.data());
}

TEST_CASE("a field only the newer version knows is verified before a wire-compatible read uses it") {
  // A v2 payload (color is set, slot 5) under a v1 header: v1's verifier does not know slot 5,
  // but reading zero-copy as v2, and unpacking through v2 on the way to v3, reads it.
  auto bytes = to_vec(uplift::write<W>(sample_v2()).span());
  bytes[12] = 1;  // the header's version: v1 (the minimum reader version is v1 already)
  const std::size_t payload = uplift::header_size;
  const auto* table = flatbuffers::GetRoot<v2::Widget>(bytes.data() + payload);
  const std::size_t vtable = static_cast<std::size_t>(
      reinterpret_cast<const std::uint8_t*>(table) - bytes.data() -
      flatbuffers::ReadScalar<std::int32_t>(table));
  const std::size_t color_entry = vtable + 4 + 2 * 5;
  REQUIRE(flatbuffers::ReadScalar<std::uint16_t>(bytes.data() + color_entry) != 0);

  // As it stands, the v1 record reads with the color it carries.
  auto r = uplift::read<WidgetUpToV2>(bytes);
  REQUIRE(r);
  CHECK(r->zero_copy());
  CHECK((*r)->color() == v2::Color::Green);

  // The color's offset pointing far past the end: every read path refuses it.
  flatbuffers::WriteScalar<std::uint16_t>(bytes.data() + color_entry, 0xFFF0);
  auto refused = [](const auto& read) {
    REQUIRE_FALSE(read);
    CHECK(read.error().code == uplift::errc::verify_failed);
  };
  refused(uplift::read<WidgetUpToV2>(bytes));         // zero-copy
  refused(uplift::read_object<WidgetUpToV2>(bytes));  // unpacked as v2
  refused(uplift::read<W>(bytes));                    // upgraded past v2
  refused(uplift::read_object<W>(bytes));
}

TEST_CASE("a hand-written chain with lambdas as steps upgrades through every lambda") {
  using L = LambdaWidget;
  auto rec = uplift::write<L>(sample_v1());
  auto h = uplift::peek(rec.span());
  REQUIRE(h);
  CHECK(h->type_id == uplift::type_id_of("uplift_test.LambdaWidget"));
  CHECK(h->version == 1);
  CHECK(h->min_reader_version == 1);

  auto r = uplift::read<L>(rec.span());
  REQUIRE(r);
  CHECK(r->upgraded());
  CHECK_FALSE(r->zero_copy());
  CHECK((*r)->label()->str() == "lambda:acme:sprocket");
  CHECK((*r)->count() == -13);  // -7 * 2 + 1
  CHECK((*r)->color() == v3::Color::Red);
  CHECK((*r)->maker()->str() == "made by a lambda");

  auto o = uplift::read_object<L>(rec.span());
  REQUIRE(o);
  auto in_memory = uplift::upgrade<L>(sample_v1());
  REQUIRE(in_memory);
  CHECK(*o == *in_memory);
  CHECK(o->tags == std::vector<std::string>{"metal", "small"});

  // The same bytes through Widget's own steps give other values: the lambdas made the difference.
  auto as_widget = uplift::read_object<W>(uplift::write<W>(sample_v1()).span());
  REQUIRE(as_widget);
  CHECK_FALSE(as_widget->maker == o->maker);

  // A record of another record type is not read by this chain.
  auto other = uplift::read<L>(uplift::write<W>(sample_v1()).span());
  REQUIRE_FALSE(other);
  CHECK(other.error().code == uplift::errc::wrong_record_type);
}

TEST_CASE("a hand-written chain downgrades through its lambda downgrade steps") {
  using L = LambdaWidget;
  auto c = uplift::codec<L>::make({.write_version = 1});
  REQUIRE(c);
  v3::WidgetT latest;
  latest.id = 77;
  latest.label = "x";
  latest.count = 12;
  auto rec = c->write(latest);
  REQUIRE(rec);
  CHECK(uplift::peek(rec->span())->version == 1);
  // The payload is a v1 table written by the two downgrade lambdas.
  const auto* stored = flatbuffers::GetRoot<v1::Widget>(payload_of(rec->span()).data());
  CHECK(stored->id() == 77);
  CHECK(stored->name()->str() == "down:x");
  CHECK(stored->count() == 12);
  // And it reads back up through the upgrade lambdas.
  auto back = uplift::read_object<L>(rec->span());
  REQUIRE(back);
  CHECK(back->label == "lambda:down:x");
  CHECK(back->count == 25);  // 12 * 2 + 1

  latest.count = std::int64_t{1} << 33;
  auto too_big = c->write(latest);
  REQUIRE_FALSE(too_big);
  CHECK(too_big.error().code == uplift::errc::range_error);
  CHECK(too_big.error().message().find("v3 -> v2") != std::string::npos);
}

TEST_CASE("a step that returns an error status fails the read and names the step") {
  using F = FailingWidget;
  SUBCASE("an error with a code and words") {
    v1::WidgetT bad = sample_v1();  // count -7: the step refuses it
    auto rec = uplift::write<F>(bad);
    const std::vector<std::uint8_t> before = to_vec(rec.span());
    auto r = uplift::read<F>(rec.span());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == uplift::errc::step_failed);
    CHECK(r.error().stored_version == 1);
    CHECK(r.error().latest_version == 3);
    const std::string msg = r.error().message();
    CHECK(msg.find("v1 -> v2") != std::string::npos);
    CHECK(msg.find("count must not be negative") != std::string::npos);
    CHECK(msg.find("uplift_test.FailingWidget") != std::string::npos);
    CHECK(to_vec(rec.span()) == before);  // the record is left as it was

    auto o = uplift::read_object<F>(rec.span());
    REQUIRE_FALSE(o);
    CHECK(o.error().code == uplift::errc::step_failed);
    CHECK(o.error().message().find("v1 -> v2") != std::string::npos);
    auto u = uplift::upgrade<F>(bad);
    REQUIRE_FALSE(u);
    CHECK(u.error().code == uplift::errc::step_failed);
  }
  SUBCASE("the code the step set is kept") {
    v1::WidgetT big = sample_v1();
    big.count = 5000;
    auto r = uplift::read<F>(uplift::write<F>(big).span());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == uplift::errc::range_error);
    CHECK(r.error().message().find("v1 -> v2") != std::string::npos);
  }
  SUBCASE("a step that succeeds reads the record") {
    v1::WidgetT fine = sample_v1();
    fine.count = 3;
    auto r = uplift::read<F>(uplift::write<F>(fine).span());
    REQUIRE(r);
    CHECK((*r)->count() == 3);
    CHECK((*r)->maker()->str() == "acme");
  }
}

TEST_CASE("one descriptor dispatches records of every version to the right stored version") {
  std::vector<uplift::buffer> records;
  records.push_back(uplift::write<W>(sample_v3()));
  records.push_back(uplift::write<W>(sample_v1()));
  records.push_back(uplift::write<W>(sample_v2()));
  records.push_back(uplift::write<W>(sample_v1()));
  const std::array<std::uint16_t, 4> versions{3, 1, 2, 1};
  const std::array<std::uint32_t, 4> ids{43, 41, 42, 41};
  const std::array<const char*, 4> makers{"initech", "acme", "globex", "acme"};

  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < records.size(); ++i) {
      CAPTURE(i);
      auto r = uplift::read<W>(records[i].span());
      REQUIRE(r);
      CHECK(r->stored_version() == versions[i]);
      CHECK(r->upgraded() == (versions[i] != 3));
      CHECK((*r)->id() == ids[i]);
      CHECK((*r)->maker()->str() == makers[i]);
      auto o = uplift::read_object<W>(records[i].span());
      REQUIRE(o);
      CHECK(o->id == ids[i]);
    }
  }

  // A binary that retired v1 dispatches v2 and v3 and names v1 unknown.
  for (std::size_t i = 0; i < records.size(); ++i) {
    CAPTURE(i);
    auto r = uplift::read<WidgetFromV2>(records[i].span());
    if (versions[i] == 1) {
      REQUIRE_FALSE(r);
      CHECK(r.error().code == uplift::errc::unknown_version);
    } else {
      REQUIRE(r);
      CHECK(r->stored_version() == versions[i]);
    }
  }
}

namespace {
/// The bytes Pack writes for a v3 struct: equal structs give equal bytes.
std::vector<std::uint8_t> packed(const v3::WidgetT& w) {
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(v3::Widget::Pack(fbb, &w));
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}
}  // namespace

TEST_CASE("a moving step with a field hook gives what the copying step gives: the hook reads the fields before they are moved") {
  using C = chain_of<W>;
  // v2 -> v3 computes `maker` from `label` by a field hook, and moves `label` and `tags`.
#if defined(UPLIFT_TEST_GENERATED_DESCRIPTOR)
  static_assert(C::has_moving<0> && C::has_moving<1>);  // generated: both steps move
#else
  static_assert(!C::has_moving<0> && !C::has_moving<1>);  // by hand: both copy
#endif
  // Upgrades `src` (at index I) to v3 from a copy taken by rvalue, and checks that it gives what
  // upgrading `src` itself, by const reference, gives.
  auto moved_matches_copied = []<std::size_t I, class Object>(const Object& src) {
    auto copied = uplift::detail::upgrade_object<C, I, 2>(src);
    auto moved = uplift::detail::upgrade_object<C, I, 2>(Object(src));
    REQUIRE(copied);
    REQUIRE(moved);
    CHECK(packed(*moved) == packed(*copied));
    return std::move(*moved);
  };
  SUBCASE("from v2") {
    const v3::WidgetT w = moved_matches_copied.template operator()<1>(sample_v2());
    CHECK(w.maker == "globex");
    CHECK(w.label == "globex:gear");
  }
  SUBCASE("from v1, through both steps") {
    const v3::WidgetT w = moved_matches_copied.template operator()<0>(sample_v1());
    CHECK(w.maker == "acme");
    CHECK(w.tags == std::vector<std::string>{"metal", "small"});
  }
}
