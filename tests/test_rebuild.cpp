// The fused rebuilds uplift-gen writes for a chain with no hook (tests/schemas/mech): every stored
// version upgraded by one FlatBuffers -> FlatBuffers rebuild must give exactly the record the
// Object API steps give, reject bad input before rebuilding, and allocate nothing per record when
// read into a reused upgrade_buffer.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "counting_new.hpp"
#include "kinds_samples.hpp"
#include "mech_uplift.hpp"

namespace {

using chain = uplift::detail::chain<mech::Thing>;
static_assert(chain::has_rebuild<0> && chain::has_rebuild<1> && chain::has_rebuild<2>,
              "every older version of mech.Thing has a mechanical path: one fused rebuild each");
static_assert(!chain::has_rebuild<3>, "the latest version is read as it is");

std::unique_ptr<mech::v1::PartT> part_v1(std::string name, std::int32_t qty) {
  auto p = std::make_unique<mech::v1::PartT>();
  p->name = std::move(name);
  p->qty = qty;
  return p;
}

/// v1 with every field set: nested tables two deep, a union, vectors of every kind, extremes.
mech::v1::ThingT full_v1() {
  mech::v1::ThingT t;
  t.id = std::numeric_limits<std::uint32_t>::max();
  t.title = "a title longer than the small-string buffer";
  t.color = mech::v1::Color::Green;
  t.size = mech::v1::Size::M;
  t.pos = std::make_unique<mech::v1::Vec2>(1.5f, -2.0f);
  auto lid = part_v1("lid", 4);
  lid->children.push_back(part_v1("hinge", -2));
  lid->children.push_back(part_v1("", 0));
  t.parts.push_back(std::move(lid));
  t.parts.push_back(part_v1("base", std::numeric_limits<std::int32_t>::min()));
  t.main_part = part_v1("main", 9);
  t.main_part->children.push_back(part_v1("screw", 3));
  mech::v1::PartT member;
  member.name = "in a union";
  member.qty = 12;
  member.children.push_back(part_v1("deep", 1));
  t.att.Set(std::move(member));
  t.nums = {1, -2, std::numeric_limits<std::int32_t>::max(), std::numeric_limits<std::int32_t>::min()};
  t.names = {"a", "", "a name well past the small-string buffer"};
  t.points = {mech::v1::Vec2(3.0f, 4.0f), mech::v1::Vec2(5.0f, 6.0f)};
  t.colors = {mech::v1::Color::Red, mech::v1::Color::Green};
  t.sizes = {mech::v1::Size::M, mech::v1::Size::S};
  t.small = std::numeric_limits<std::int16_t>::min();
  t.ratio = 0.25f;
  t.flag = true;
  t.maybe = -17;
  t.raw = {0, 1, 255};
  t.legacy = "dropped in v2";
  return t;
}

/// v1 with nothing set: absent strings, tables, union, vectors and the optional scalar.
mech::v1::ThingT empty_v1() { return {}; }

/// v1 with the other union member, empty (not absent) nested tables and one-element vectors.
mech::v1::ThingT sparse_v1() {
  mech::v1::ThingT t;
  t.id = 7;
  mech::v1::NoteT note;
  note.text = "fragile";
  t.att.Set(std::move(note));
  t.main_part = std::make_unique<mech::v1::PartT>();
  t.parts.push_back(std::make_unique<mech::v1::PartT>());
  t.nums = {0};
  t.names = {"x"};
  t.maybe = 0;
  return t;
}

/// v2 with the fields v1 lacks (extra, meta, Part.note) set.
mech::v2::ThingT full_v2() {
  mech::v2::ThingT t;
  t.id = std::uint64_t{1} << 40;
  t.name = "bin";
  t.color = mech::v2::Color::Blue;
  t.size = mech::v2::Size::L;
  t.pos = std::make_unique<mech::v2::Vec2>(-0.5f, 8.0f);
  auto p = std::make_unique<mech::v2::PartT>();
  p->name = "lid";
  p->qty = std::int64_t{1} << 35;
  p->note = "snap-on";
  t.parts.push_back(std::move(p));
  mech::v2::NoteT note;
  note.text = "a note";
  t.att.Set(std::move(note));
  t.nums = {std::numeric_limits<std::int64_t>::min(), 0, std::numeric_limits<std::int64_t>::max()};
  t.colors = {mech::v2::Color::Blue};
  t.sizes = {mech::v2::Size::L, mech::v2::Size::S};
  t.small = 70000;
  t.ratio = 0.1;
  t.extra = "extra";
  t.meta = std::make_unique<mech::v2::MetaT>();
  t.meta->key = "renamed in v4";
  return t;
}

/// v3 with its appended fields (tag, rank, Part.weight) set.
mech::v3::ThingT full_v3() {
  mech::v3::ThingT t;
  t.id = std::numeric_limits<std::uint64_t>::max();
  t.label = "box";
  t.main_part = std::make_unique<mech::v3::PartT>();
  t.main_part->name = "base";
  t.main_part->weight = 0.0f;
  t.small = std::numeric_limits<std::int32_t>::min();
  t.ratio = -1e300;
  t.maybe = std::numeric_limits<std::int32_t>::max();
  t.meta = std::make_unique<mech::v3::MetaT>();
  t.tag = "t";
  t.rank = -7;
  return t;
}

/// One record of each stored version and shape.
std::vector<uplift::buffer> samples() {
  std::vector<uplift::buffer> out;
  out.push_back(uplift::write<mech::Thing>(full_v1()));
  out.push_back(uplift::write<mech::Thing>(empty_v1()));
  out.push_back(uplift::write<mech::Thing>(sparse_v1()));
  out.push_back(uplift::write<mech::Thing>(full_v2()));
  out.push_back(uplift::write<mech::Thing>(mech::v2::ThingT{}));
  out.push_back(uplift::write<mech::Thing>(full_v3()));
  out.push_back(uplift::write<mech::Thing>(mech::v3::ThingT{}));
  return out;
}

/// The rebuilt record, checked as a v4 payload and unpacked.
mech::v4::ThingT unpack_checked(uplift::bytes_view record) {
  REQUIRE(record.size() > uplift::header_size);
  CHECK(uplift::peek(record)->version == 4);
  const auto payload = record.subspan(uplift::header_size);
  CHECK(reinterpret_cast<std::uintptr_t>(payload.data()) % 8 == 0);
  flatbuffers::Verifier v(payload.data(), payload.size());
  CHECK(v.VerifyBuffer<mech::v4::Thing>(nullptr));
  mech::v4::ThingT out;
  flatbuffers::GetRoot<mech::v4::Thing>(payload.data())->UnPackTo(&out);
  return out;
}

}  // namespace

TEST_CASE("a fused rebuild gives the record the Object API steps give, for every stored version") {
  uplift::upgrade_buffer scratch;
  for (const uplift::buffer& rec : samples()) {
    CAPTURE(uplift::peek(rec)->version);
    auto by_steps = uplift::read_object<mech::Thing>(rec);  // unpack, the steps one by one
    REQUIRE(by_steps);
    auto owned = uplift::read<mech::Thing>(rec);
    REQUIRE(owned);
    CHECK(owned->upgraded());
    CHECK_FALSE(owned->zero_copy());
    CHECK(unpack_checked(owned->bytes()) == *by_steps);
    auto into = uplift::read<mech::Thing>(rec, scratch);
    REQUIRE(into);
    CHECK(unpack_checked(into->bytes()) == *by_steps);
    mech::v4::ThingT through_view;
    (*into)->UnPackTo(&through_view);
    CHECK(through_view == *by_steps);
  }
}

TEST_CASE("a fused rebuild carries renames, widenings, nested tables and unions across steps") {
  auto r = uplift::read<mech::Thing>(uplift::write<mech::Thing>(full_v1()));
  REQUIRE(r);
  const mech::v4::Thing& t = **r;
  CHECK(t.id() == std::numeric_limits<std::uint32_t>::max());               // uint -> ulong
  CHECK(t.label()->str() == "a title longer than the small-string buffer");  // title -> name -> label
  CHECK(t.size() == mech::v4::Size::M);                                       // enum byte -> short
  CHECK(t.small() == std::numeric_limits<std::int16_t>::min());              // short -> int -> long
  CHECK(t.maybe().value() == -17);                                            // optional scalar
  CHECK(t.nums()->Get(3) == std::numeric_limits<std::int32_t>::min());       // [int] -> [long]
  CHECK(t.sizes()->Get(0) == mech::v4::Size::M);
  REQUIRE(t.att_type() == mech::v4::Attachment::Part);
  CHECK(t.att_as_Part()->children()->Get(0)->name()->str() == "deep");
  CHECK(t.parts()->Get(0)->children()->Get(0)->qty() == -2);                 // Part.qty int -> long
  CHECK(t.parts()->Get(0)->weight() == 1.5f);                                 // added: its default
  CHECK(t.rank() == 7);
  CHECK(t.score() == 0.5);
  CHECK(t.extra() == nullptr);
  CHECK(t.meta() == nullptr);

  auto e = uplift::read<mech::Thing>(uplift::write<mech::Thing>(empty_v1()));
  REQUIRE(e);
  CHECK((*e)->label() == nullptr);
  CHECK((*e)->parts() == nullptr);
  CHECK((*e)->att_type() == mech::v4::Attachment::NONE);
  CHECK_FALSE((*e)->maybe().has_value());

  auto m = uplift::read<mech::Thing>(uplift::write<mech::Thing>(full_v2()));
  REQUIRE(m);
  CHECK((*m)->meta()->name()->str() == "renamed in v4");  // Meta.key -> name, in a nested table
  CHECK((*m)->parts()->Get(0)->note()->str() == "snap-on");
}

TEST_CASE("a verified read rejects a corrupt old record before rebuilding it") {
  uplift::buffer rec = uplift::write<mech::Thing>(full_v1());
  std::vector<std::uint8_t> bad(rec.data(), rec.data() + rec.size());
  // Point the root table's vtable far outside the payload.
  const std::size_t root = uplift::header_size +
                           flatbuffers::ReadScalar<flatbuffers::uoffset_t>(bad.data() + uplift::header_size);
  flatbuffers::WriteScalar<flatbuffers::soffset_t>(bad.data() + root, -0x7fff0000);
  uplift::upgrade_buffer scratch;
  auto r = uplift::read<mech::Thing>(uplift::bytes_view(bad), scratch);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == uplift::errc::verify_failed);
  auto owned = uplift::read<mech::Thing>(uplift::bytes_view(bad));
  REQUIRE_FALSE(owned);
  CHECK(owned.error().code == uplift::errc::verify_failed);
}

TEST_CASE("reading old records into a reused upgrade_buffer allocates nothing per record") {
  const std::vector<uplift::buffer> recs = samples();
  uplift::upgrade_buffer scratch;
  for (const uplift::buffer& rec : recs) REQUIRE(uplift::read<mech::Thing>(rec, scratch));  // warm
  std::uint64_t sum = 0;
  const std::size_t before = uplift_test::allocations();
  for (int round = 0; round < 100; ++round)
    for (const uplift::buffer& rec : recs) {
      auto r = uplift::read<mech::Thing>(rec, scratch);
      if (r) sum += (*r)->id();
    }
  const std::size_t during = uplift_test::allocations() - before;
  CHECK(sum != 0);
  CHECK(during == 0);

  // Without an upgrade_buffer, a read owns a copy of the rebuilt record: one allocation.
  for (const uplift::buffer& rec : recs) REQUIRE(uplift::read<mech::Thing>(rec));
  const std::size_t owned_before = uplift_test::allocations();
  for (const uplift::buffer& rec : recs) REQUIRE(uplift::read<mech::Thing>(rec));
  CHECK(uplift_test::allocations() - owned_before == recs.size());
}

TEST_CASE("reading old records through a hook allocates only for the Object API structs") {
  // k.Thing v1 -> v2 has a hook: the record is unpacked, stepped and packed, so its strings and
  // vectors are allocated for the structs; the builder and the upgrade_buffer are not.
  const uplift::buffer rec = uplift::write<k::Thing>(kinds_samples::thing_v1());
  uplift::upgrade_buffer scratch;
  REQUIRE(uplift::read<k::Thing>(rec, scratch));  // warm: the buffer, and each thread's builder
  REQUIRE(uplift::read<k::Thing>(rec));
  std::size_t before = uplift_test::allocations();
  REQUIRE(uplift::read<k::Thing>(rec, scratch));
  const std::size_t into = uplift_test::allocations() - before;
  before = uplift_test::allocations();
  REQUIRE(uplift::read<k::Thing>(rec));
  const std::size_t owned = uplift_test::allocations() - before;
  MESSAGE("allocations per k.Thing v1 read through its hook: " << into << " into an upgrade_buffer, "
          << owned << " owned");
  CHECK(owned == into + 1);  // the view's copy of the record
  auto again = uplift::read<k::Thing>(rec, scratch);
  REQUIRE(again);
  auto expected = uplift::read_object<k::Thing>(rec);
  REQUIRE(expected);
  k::v3::ThingT got;
  (*again)->UnPackTo(&got);
  CHECK(got == *expected);
}
