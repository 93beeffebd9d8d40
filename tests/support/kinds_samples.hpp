#pragma once
// Samples of the kinds test record (tests/schemas/kinds), one per version, each setting every
// field. Its hooks are in kinds_hooks.cpp.

#include <cstdint>
#include <limits>
#include <memory>

#include "kinds_uplift.hpp"

namespace kinds_samples {

inline k::v1::ThingT thing_v1() {
  k::v1::ThingT t;
  t.id = 4000000000u;
  t.title = "crate";
  t.color = k::v1::Color::Green;
  t.pos = std::make_unique<k::v1::Vec2>(1.5f, -2.0f);
  auto lid = std::make_unique<k::v1::PartT>();
  lid->name = "lid";
  lid->qty = 4;
  t.parts.push_back(std::move(lid));
  auto hinge = std::make_unique<k::v1::PartT>();
  hinge->name = "hinge";
  hinge->qty = -2;
  t.parts.push_back(std::move(hinge));
  t.main_part = std::make_unique<k::v1::PartT>();
  t.main_part->name = "base";
  t.main_part->qty = 1;
  k::v1::NoteT note;
  note.text = "fragile";
  t.att.Set(std::move(note));
  t.nums = {1, -2, std::numeric_limits<std::int32_t>::max()};
  t.names = {"a", "b"};
  t.points = {k::v1::Vec2(3.0f, 4.0f), k::v1::Vec2(5.0f, 6.0f)};
  t.colors = {k::v1::Color::Red, k::v1::Color::Green};
  t.small = -5;
  t.ratio = 0.25f;
  t.legacy = "kept in summary";
  return t;
}

inline k::v2::ThingT thing_v2() {
  k::v2::ThingT t;
  t.id = std::uint64_t{1} << 40;
  t.name = "bin";
  t.color = k::v2::Color::Blue;
  t.pos = std::make_unique<k::v2::Vec2>(-0.5f, 8.0f);
  auto lid = std::make_unique<k::v2::PartT>();
  lid->name = "lid";
  lid->qty = std::int64_t{1} << 35;
  lid->note = "snap-on";
  t.parts.push_back(std::move(lid));
  k::v2::PartT screw;
  screw.name = "screw";
  screw.qty = -3;
  t.att.Set(std::move(screw));
  t.nums = {std::numeric_limits<std::int64_t>::min(), 0, std::numeric_limits<std::int64_t>::max()};
  t.names = {"x"};
  t.points = {k::v2::Vec2(1.0f, 2.0f)};
  t.colors = {k::v2::Color::Blue, k::v2::Color::Red};
  t.small = 70000;
  t.ratio = 0.1;
  t.summary = "bin/old";
  return t;
}

inline k::v3::ThingT thing_v3() {
  k::v3::ThingT t;
  t.id = std::numeric_limits<std::uint64_t>::max();
  t.label = "box";
  t.color = k::v3::Color::Red;
  t.main_part = std::make_unique<k::v3::PartT>();
  t.main_part->name = "base";
  t.main_part->qty = -1;
  t.main_part->weight = 0.0f;
  auto p = std::make_unique<k::v3::PartT>();
  p->name = "wheel";
  p->weight = 2.5f;
  t.parts.push_back(std::move(p));
  t.nums = {7};
  t.colors = {k::v3::Color::Green};
  t.small = std::numeric_limits<std::int32_t>::min();
  t.ratio = -1e300;
  t.summary = "s";
  t.tag = "t";
  t.rank = -7;
  return t;
}

}  // namespace kinds_samples
