// A record built by uplift_generate: the target it returns is complete (flatc headers, the
// generated descriptor, uplift) and the descriptor reads old records as the latest version.
#include <doctest/doctest.h>

#include "gadget_uplift.hpp"

using G = gadget_test::Gadget;

TEST_CASE("uplift_generate gives a linkable record: a v1 gadget is read as v3") {
  gadget_test::v1::GadgetT old;
  old.id = 9;
  old.title = "sprocket";
  old.count = -12;
  old.maker = std::make_unique<gadget_test::v1::MakerT>();
  old.maker->name = "acme";
  const uplift::buffer rec = uplift::write<G>(old);

  auto r = uplift::read_object<G>(rec.span());
  REQUIRE(r);
  CHECK(r->id == 9);
  CHECK(r->name == "sprocket");                   // renamed in place v1 -> v2
  CHECK(r->count == -12);                         // widened int -> long
  CHECK(r->color == gadget_test::v3::Color::Green);  // added in v2 with its default
  REQUIRE(r->maker);
  CHECK(r->maker->name == "acme");                // nested table carried through both steps
  CHECK(r->maker->country.empty());
}

TEST_CASE("uplift_generate's descriptor is named after the table in the parent namespace") {
  CHECK(G::name == "gadget_test.Gadget");
  CHECK(G::latest_version == 3);
}
