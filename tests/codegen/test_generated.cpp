// A record built by uplift_generate: the target it returns is complete (flatc headers, the
// generated descriptor, uplift) and the descriptor reads old records as the latest version.
#include <doctest/doctest.h>

#include "gadget_uplift_json.hpp"

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

TEST_CASE("a record's json_version_key attribute names the key its JSON documents keep the version in") {
  CHECK(G::json_version_key == "rev");
  auto r = uplift::read_json<G>(R"({"title":"sprocket","rev":1,"id":9,"count":-12})");
  REQUIRE(r);
  CHECK(r->name == "sprocket");
  CHECK(r->count == -12);
  const std::string text = uplift::write_json<G>(*r).value();
  CHECK(text.rfind(R"({"rev":3,"id":9,"name":"sprocket","count":-12,)", 0) == 0);

  auto plain = uplift::read_json<G>(R"({"_v":1,"id":9})");  // "_v" is just an unknown key here
  REQUIRE_FALSE(plain);
  CHECK(plain.error().code == uplift::errc::missing_version);

  uplift::options o;
  o.version_key = "_v";  // the option overrides the schema's key
  auto overridden = uplift::read_json<G>(R"({"_v":1,"id":9})", o);
  REQUIRE(overridden);
  CHECK(overridden->id == 9);
}
