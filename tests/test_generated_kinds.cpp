// The chain uplift-gen generates for tests/schemas/kinds, exercised with real records: every
// classification case (copied, renamed, widened, nested tables, vectors of tables, unions, structs,
// enums, added, computed, dropped) written at an old version and read as the latest.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "kinds_samples.hpp"
#include "kinds_uplift.hpp"

using kinds_samples::thing_v1;

TEST_CASE("a generated chain carries every field kind from v1 to the latest version") {
  const auto v1 = thing_v1();
  auto o = uplift::read_object<k::Thing>(uplift::write<k::Thing>(v1));
  REQUIRE(o);
  CHECK(o->id == 4000000000u);                           // widened uint -> ulong
  CHECK(o->label == "crate");                            // renamed title -> name -> label
  CHECK(o->color == k::v3::Color::Green);                // enum, values appended later
  REQUIRE(o->pos);                                       // struct
  CHECK(o->pos->x() == 1.5f);
  CHECK(o->pos->y() == -2.0f);
  REQUIRE(o->parts.size() == 2);                         // vector of nested tables
  CHECK(o->parts[0]->name == "lid");
  CHECK(o->parts[1]->qty == -2);                         // widened inside the nested table
  CHECK(o->parts[1]->weight == 1.5f);                    // added in v3 with its default
  REQUIRE(o->main_part);                                 // nested table
  CHECK(o->main_part->name == "base");
  REQUIRE(o->att.type == k::v3::Attachment::Note);       // union
  CHECK(o->att.AsNote()->text == "fragile");
  CHECK(o->nums == std::vector<std::int64_t>{1, -2, std::numeric_limits<std::int32_t>::max()});
  CHECK(o->names == std::vector<std::string>{"a", "b"});
  REQUIRE(o->points.size() == 2);                        // vector of structs
  CHECK(o->points[1].y() == 6.0f);
  CHECK(o->colors == std::vector<k::v3::Color>{k::v3::Color::Red, k::v3::Color::Green});
  CHECK(o->small == -5);                                 // widened short -> int
  CHECK(o->ratio == 0.25);                               // widened float -> double
  CHECK(o->summary == "crate/kept in summary");          // computed by the hook from a dropped field
  CHECK(o->tag.empty());                                 // added in v3
  CHECK(o->rank == 7);                                   // added in v3 with default 7
}

TEST_CASE("a generated wire-compatible step reads the older record with no copy") {
  auto v2 = uplift::upgrade<k::Thing>(thing_v1());  // to v3, then written back at v2
  REQUIRE(v2);
  auto c = uplift::codec<k::Thing>::make({.write_version = 2});
  REQUIRE(c);
  auto rec = c->write(*v2);
  REQUIRE(rec);
  CHECK(uplift::peek(*rec)->version == 2);
  CHECK(uplift::peek(*rec)->min_reader_version == 2);
  auto r = uplift::read<k::Thing>(*rec);
  REQUIRE(r);
  CHECK(r->zero_copy());
  CHECK(r->upgraded());
  CHECK((*r)->label()->str() == "crate");
  CHECK((*r)->rank() == 7);
  CHECK((*r)->parts()->Get(0)->weight() == 1.5f);
}

TEST_CASE("generated downgrades restore the oldest version exactly when the hooks do") {
  const auto v1 = thing_v1();
  auto latest = uplift::read_object<k::Thing>(uplift::write<k::Thing>(v1));
  REQUIRE(latest);
  auto c = uplift::codec<k::Thing>::make({.write_version = 1});
  REQUIRE(c);
  auto rec = c->write(*latest);
  REQUIRE(rec);
  CHECK(uplift::peek(*rec)->version == 1);
  k::v1::ThingT again;
  flatbuffers::GetRoot<k::v1::Thing>(rec->data() + uplift::header_size)->UnPackTo(&again);
  CHECK(again == v1);
}

TEST_CASE("generated downgrades refuse values the older version cannot hold") {
  auto latest = uplift::read_object<k::Thing>(uplift::write<k::Thing>(thing_v1()));
  REQUIRE(latest);
  auto c = uplift::codec<k::Thing>::make({.write_version = 1});
  REQUIRE(c);

  auto big = *latest;
  big.nums[0] = std::int64_t{1} << 40;
  auto r1 = c->write(big);
  REQUIRE_FALSE(r1);
  CHECK(r1.error().code == uplift::errc::range_error);
  CHECK(r1.error().message().find("Thing.nums") != std::string::npos);

  auto blue = *latest;
  blue.color = k::v3::Color::Blue;  // appended in v2: v1 does not know it
  auto r2 = c->write(blue);
  REQUIRE_FALSE(r2);
  CHECK(r2.error().code == uplift::errc::range_error);
  CHECK(r2.error().message().find("Thing.color") != std::string::npos);

  auto qty = *latest;
  qty.parts[1]->qty = std::int64_t{1} << 33;  // narrowing inside a nested table
  auto r3 = c->write(qty);
  REQUIRE_FALSE(r3);
  CHECK(r3.error().message().find("Part.qty") != std::string::npos);

  // Written at v2 the same values fit (v2 has long and Blue).
  auto c2 = uplift::codec<k::Thing>::make({.write_version = 2});
  REQUIRE(c2);
  CHECK(c2->write(big));
  CHECK(c2->write(blue));
}

TEST_CASE("the generated descriptor describes the schemas") {
  using C = uplift::detail::chain<k::Thing>;
  static_assert(k::Thing::latest_version == 3);
  static_assert(k::Thing::name == "k.Thing");
  CHECK_FALSE(C::wire[0]);  // v1 -> v2 transforms
  CHECK(C::wire[1]);        // v2 -> v3 is wire-compatible
  CHECK(C::min_reader[2] == 2);
  CHECK(C::can_write[0]);
  CHECK(C::can_write[1]);
}
