#pragma once
// Shared helpers for uplift's tests: sample records of the test Widget at every version.

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "widget_record.hpp"

namespace uplift_test {

inline v1::WidgetT sample_v1() {
  v1::WidgetT w;
  w.id = 41;
  w.name = "acme:sprocket";
  w.count = -7;
  w.tags = {"metal", "small"};
  w.dims = std::make_unique<v1::Dims>(1.5f, 2.25f);
  return w;
}

inline v2::WidgetT sample_v2() {
  v2::WidgetT w;
  w.id = 42;
  w.label = "globex:gear";
  w.count = 1000;
  w.tags = {"plastic"};
  w.dims = std::make_unique<v2::Dims>(3.0f, 4.0f);
  w.color = v2::Color::Green;
  return w;
}

inline v3::WidgetT sample_v3() {
  v3::WidgetT w;
  w.id = 43;
  w.label = "initech:stapler";
  w.count = 5'000'000'000LL;
  w.tags = {"office", "red"};
  w.dims = std::make_unique<v3::Dims>(0.5f, 0.75f);
  w.color = v3::Color::Red;
  w.maker = "initech";
  auto part = std::make_unique<v3::PartT>();
  part->name = "spring";
  part->qty = 2;
  w.parts.push_back(std::move(part));
  return w;
}

/// Bytes as a std::vector, e.g. to mutate a copy of a record.
inline std::vector<std::uint8_t> to_vec(uplift::bytes_view b) { return {b.begin(), b.end()}; }

/// True when `p` points inside `b`.
inline bool points_into(const void* p, uplift::bytes_view b) {
  auto* c = static_cast<const std::uint8_t*>(p);
  return c >= b.data() && c < b.data() + b.size();
}

}  // namespace uplift_test
