// A record generated without DOWNGRADES (tests/codegen/schemas/contact) in a program that defines
// only its `upgrade` hook: the program links, reads old records and writes the latest version, and
// a write version below the step whose `downgrade` hook was left out is refused, naming the hook
// and the option that brings it in.
#include <doctest/doctest.h>

#include <string>

#include <uplift/uplift.hpp>

#include "contact_uplift_json.hpp"

// The upgrade hooks are in contact_upgrade_hooks.cpp. No `downgrade_full_name`: this program
// never writes v1.

namespace {

using Contact = contact_test::Contact;

uplift::buffer ada_at_v1() {
  contact_test::v1::ContactT old;
  old.id = 7;
  old.full_name = "Ada Lovelace";
  return uplift::write<Contact>(old);
}

constexpr const char* left_out_v1 =
    "cannot write v1: the step v2 -> v1 calls the hook contact_test::downgrade_full_name(const "
    "contact_test::uplift_fields_Contact::v2&), which contact_uplift.hpp was "
    "generated without: generate it with DOWNGRADES (uplift_generate) or --downgrades "
    "(uplift-gen generate) and define the hook";

}  // namespace

TEST_CASE("a record generated without DOWNGRADES needs only its upgrade hooks to read old records and write the latest") {
  const uplift::buffer old = ada_at_v1();
  uplift::codec<Contact> c;
  auto latest = c.read_object(old.span());
  REQUIRE(latest);
  CHECK(latest->given_name == "Ada");
  CHECK(latest->family_name == "Lovelace");

  latest->phone = "555-0100";
  auto rec = c.write(*latest);
  REQUIRE(rec);
  CHECK(uplift::peek(*rec)->version == 3);
  auto json = c.write_json(*latest);
  REQUIRE(json);
  CHECK(json->rfind(R"({"_v":3,"id":7,)", 0) == 0);

  std::string row;
  auto rewritten = c.handle().rewrite(old.span(), 3, row);
  REQUIRE(rewritten);
  CHECK(*rewritten == uplift::rewrite_outcome::rewritten);
  CHECK(uplift::peek(row)->version == 3);
}

TEST_CASE("without DOWNGRADES a step with no hook still downgrades: the latest is written at v2") {
  auto c = uplift::codec<Contact>::make({.write_version = 2});
  REQUIRE(c);
  auto latest = c->read_object(ada_at_v1().span());
  REQUIRE(latest);
  latest->phone = "555-0100";
  auto rec = c->write(*latest);
  REQUIRE(rec);
  CHECK(uplift::peek(*rec)->version == 2);
  auto back = c->read_object(rec->span());
  REQUIRE(back);
  CHECK(back->given_name == "Ada");
  CHECK(back->phone.empty());  // v2 has no phone
}

TEST_CASE("without DOWNGRADES a write version below a hook's step is refused, naming the hook and the option") {
  auto made = uplift::codec<Contact>::make({.write_version = 1});
  REQUIRE_FALSE(made);
  CHECK(made.error().code == uplift::errc::no_downgrade_path);
  CHECK(made.error().record() == "contact_test.Contact");
  CHECK(made.error().detail() == left_out_v1);

  uplift::codec<Contact> c;
  auto set = c.set_write_version(1);
  REQUIRE_FALSE(set);
  CHECK(set.error().detail() == left_out_v1);
  CHECK(c.write_version() == 3);

  const uplift::record_handle h = c;
  CHECK_FALSE(h.can_write(1));
  CHECK(h.can_write(2));
  auto check = h.check_write_version(1);
  REQUIRE_FALSE(check);
  CHECK(check.error().code == uplift::errc::no_downgrade_path);
  CHECK(check.error().detail() == left_out_v1);
  CHECK(h.check_write_version(2));

  std::string row;
  auto rewrite = h.rewrite(ada_at_v1().span(), 1, row);
  REQUIRE_FALSE(rewrite);
  CHECK(rewrite.error().detail() == left_out_v1);
  CHECK(row.empty());
}
