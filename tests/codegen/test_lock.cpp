// Fingerprints of released versions and the uplift.lock file.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "codegen_test_support.hpp"
#include "lock.hpp"
#include "report.hpp"

using namespace codegen_test;
using namespace uplift_gen;

namespace {

const std::string base_schema = R"(// A shop item.
namespace shop.v1;

attribute "renamed_from";

enum Size : byte { Small, Large }

struct Point {
  x:float;
  y:float;
}

table Item {
  id:ulong (id: 0);
  name:string (id: 1, renamed_from: "title");
  size:Size = Large (id: 2);
  price:int = 5 (id: 3);
  at:Point (id: 4);
  discount:short = null (id: 5);
}

root_type Item;
)";

/// `base_schema` with the first occurrence of `from` replaced by `to`.
std::string edited(const std::string& from, const std::string& to) {
  std::string s = base_schema;
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

std::string fingerprint_of(const temp_dir& tmp, const std::string& schema) {
  return fingerprint(load_one(tmp.path() / "record", schema));
}

const std::string v2_schema = R"(namespace shop.v2;
table Item { id:ulong; title:string; }
root_type Item;
)";
const std::string v1_schema = R"(namespace shop.v1;
table Item { id:ulong; title:string; }
root_type Item;
)";

}  // namespace

TEST_CASE("the fingerprint is 16 hex digits of FNV-1a over the canonical form") {
  CHECK(fnv1a_hex("") == "cbf29ce484222325");  // the FNV-1a 64-bit offset basis
  CHECK(fnv1a_hex("a") == "af63dc4c8601ec8c");
  temp_dir tmp("fingerprint");
  const version_model v = load_one(tmp.path() / "record", base_schema);
  CHECK(fingerprint(v) == fnv1a_hex(canonical_form(v)));
  CHECK(fingerprint(v).size() == 16);
}

TEST_CASE("the canonical form keeps namespace, root, fields in slot order, attributes and enum values") {
  temp_dir tmp("canonical");
  const std::string text = canonical_form(load_one(tmp.path() / "record", base_schema));
  CHECK(text ==
        "namespace shop.v1\n"
        "root_type Item\n"
        "table Item\n"
        "  id:ulong = \"0\"; slot 0; attribute id = \"0\"\n"
        "  name:string = \"0\"; slot 1; attribute id = \"1\"; attribute renamed_from = \"title\"\n"
        "  size:Size = \"1\"; slot 2; attribute id = \"2\"\n"
        "  price:int = \"5\"; slot 3; attribute id = \"3\"\n"
        "  at:Point = \"0\"; slot 4; attribute id = \"4\"\n"
        "  discount:short = \"null\"; slot 5; optional; attribute id = \"5\"\n"
        "struct Point\n"
        "  x:float = \"0.0\"; slot 0\n"
        "  y:float = \"0.0\"; slot 1\n"
        "enum Size : byte\n"
        "  Small = 0\n"
        "  Large = 1\n");
}

TEST_CASE("comments and whitespace do not change the fingerprint") {
  temp_dir tmp("whitespace");
  const std::string before = fingerprint_of(tmp, base_schema);
  const std::string reformatted = R"(
// A different comment, and a different layout.
namespace   shop.v1;
attribute "renamed_from";
enum Size:byte{Small,Large}   // sizes
struct Point { x: float; y: float; }
/* the item */
table Item
{
    id : ulong (id:0);
    name : string (id:1, renamed_from:"title");   // was title
    size : Size = Large (id:2);


    price : int = 5 (id:3);
    at : Point (id:4);
    discount : short = null (id:5);
}
root_type Item;)";
  CHECK(fingerprint_of(tmp, reformatted) == before);
}

TEST_CASE("a changed default changes the fingerprint") {
  temp_dir tmp("default");
  CHECK(fingerprint_of(tmp, edited("price:int = 5", "price:int = 6")) !=
        fingerprint_of(tmp, base_schema));
  CHECK(fingerprint_of(tmp, edited("size:Size = Large", "size:Size = Small")) !=
        fingerprint_of(tmp, base_schema));
}

TEST_CASE("a changed slot id changes the fingerprint") {
  temp_dir tmp("id");
  const std::string swapped =
      edited("size:Size = Large (id: 2);\n  price:int = 5 (id: 3);",
             "size:Size = Large (id: 3);\n  price:int = 5 (id: 2);");
  CHECK(fingerprint_of(tmp, swapped) != fingerprint_of(tmp, base_schema));
}

TEST_CASE("a changed field type changes the fingerprint") {
  temp_dir tmp("type");
  CHECK(fingerprint_of(tmp, edited("price:int", "price:long")) != fingerprint_of(tmp, base_schema));
  CHECK(fingerprint_of(tmp, edited("x:float", "x:double")) != fingerprint_of(tmp, base_schema));
}

TEST_CASE("a changed or added attribute changes the fingerprint") {
  temp_dir tmp("attribute");
  CHECK(fingerprint_of(tmp, edited("\"title\"", "\"heading\"")) != fingerprint_of(tmp, base_schema));
  CHECK(fingerprint_of(tmp, edited("price:int = 5 (id: 3)", "price:int = 5 (id: 3, deprecated)")) !=
        fingerprint_of(tmp, base_schema));
}

TEST_CASE("a changed enum value changes the fingerprint") {
  temp_dir tmp("enum");
  CHECK(fingerprint_of(tmp, edited("{ Small, Large }", "{ Small, Large = 2 }")) !=
        fingerprint_of(tmp, base_schema));
  CHECK(fingerprint_of(tmp, edited("{ Small, Large }", "{ Small, Large, Huge }")) !=
        fingerprint_of(tmp, base_schema));
}

TEST_CASE("a changed or added file_identifier changes the fingerprint") {
  temp_dir tmp("identifier");
  const std::string with = base_schema + "file_identifier \"ITEM\";\n";
  CHECK(fingerprint_of(tmp, with) != fingerprint_of(tmp, base_schema));
  const std::string changed = base_schema + "file_identifier \"ITM2\";\n";
  CHECK(fingerprint_of(tmp, changed) != fingerprint_of(tmp, with));
}

TEST_CASE("a lock file reads back the versions and fingerprints it was written with") {
  temp_dir tmp("roundtrip");
  lock_file lock;
  lock.path = (tmp.path() / "uplift.lock").string();
  lock.entries = {{1, "0123456789abcdef", {}}, {2, "fedcba9876543210", {}}};
  std::vector<diagnostic> errors;
  REQUIRE(write_lock(lock, errors));
  const std::string text = read_file(lock.path);
  CHECK(text.rfind("# uplift.lock", 0) == 0);
  CHECK(text.find("Do not edit this file by hand") != std::string::npos);
  CHECK(text.substr(text.size() - 40) == "v1 0123456789abcdef\nv2 fedcba9876543210\n");

  const auto back = read_lock(lock.path, errors);
  CHECK(errors.empty());
  REQUIRE(back);
  CHECK(back->exists);
  REQUIRE(back->entries.size() == 2);
  CHECK(back->entries[0].version == 1);
  CHECK(back->entries[0].fingerprint == "0123456789abcdef");
  CHECK(back->entries[1].version == 2);
  CHECK(back->entries[1].fingerprint == "fedcba9876543210");
  CHECK(back->find(2) == &back->entries[1]);
  CHECK(back->find(3) == nullptr);
  CHECK(lock_text(*back) == text);
}

TEST_CASE("a missing lock file means nothing is locked") {
  temp_dir tmp("missing");
  std::vector<diagnostic> errors;
  const auto lock = read_lock((tmp.path() / "uplift.lock").string(), errors);
  CHECK(errors.empty());
  REQUIRE(lock);
  CHECK_FALSE(lock->exists);
  CHECK(lock->entries.empty());
}

TEST_CASE("a malformed lock line is an error naming the file and line") {
  temp_dir tmp("malformed");
  const fs::path path = tmp.path() / "uplift.lock";
  write_file(path, "# comment\nv1 0123456789abcdef\n\nv2 0123456789ABCDEF\n");
  std::vector<diagnostic> errors;
  CHECK_FALSE(read_lock(path.string(), errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].where.file == path.string());
  CHECK(errors[0].where.line == 4);
  CHECK(format_diagnostic(errors[0]).rfind(path.string() + ":4: cannot read `v2 0123456789ABCDEF`", 0) == 0);

  errors.clear();
  write_file(path, "v1 0123456789abcdef\nv1 0123456789abcdef\n");
  CHECK_FALSE(read_lock(path.string(), errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].where.line == 2);
  CHECK(errors[0].text.find("v1 is locked twice (also at line 1)") != std::string::npos);
}

TEST_CASE("check on an edited locked version fails with the frozen message naming the file") {
  temp_dir tmp("frozen");
  const fs::path dir = tmp.sub("item");
  write_file(dir / "v1.fbs", v1_schema);
  write_file(dir / "v2.fbs", v2_schema);
  {
    record_check c = check_record(dir.string());
    REQUIRE(c.errors.empty());
    std::vector<diagnostic> errors;
    REQUIRE(add_to_lock(*c.record, *c.lock, errors));
    REQUIRE(write_lock(*c.lock, errors));
  }
  const std::string locked_v1 = fingerprint(check_record(dir.string()).record->versions[0]);

  write_file(dir / "v1.fbs", "// only a comment is new\n" + v1_schema);
  CHECK(check_record(dir.string()).errors.empty());

  write_file(dir / "v1.fbs", R"(namespace shop.v1;
table Item { id:ulong = 7; title:string; }
root_type Item;
)");
  const record_check c = check_record(dir.string());
  const std::string now = fingerprint(c.record->versions[0]);
  REQUIRE(now != locked_v1);
  CHECK(all_errors(c.errors) ==
        (dir / "v1.fbs").string() + ": v1 is released (uplift.lock has " + locked_v1 +
            ") but its schema changed (now " + now +
            "); released versions are frozen: undo the edit and add v3.fbs for the change\n");
}

TEST_CASE("a locked version whose file is gone is an error at its lock line") {
  temp_dir tmp("gone");
  const fs::path dir = tmp.sub("item");
  write_file(dir / "v2.fbs", v2_schema);
  write_file(dir / "uplift.lock", "# lock\nv1 0123456789abcdef\n");
  const record_check c = check_record(dir.string());
  REQUIRE(c.errors.size() == 1);
  CHECK(format_diagnostic(c.errors[0]).rfind(
            (dir / "uplift.lock").string() + ":2: v1 is released (uplift.lock has 0123456789abcdef) but " +
                (dir / "v1.fbs").string() + " is missing",
            0) == 0);
}

TEST_CASE("lock adds every unlocked version and never rewrites a locked fingerprint") {
  temp_dir tmp("relock");
  const fs::path dir = tmp.sub("item");
  write_file(dir / "v1.fbs", v1_schema);
  std::vector<diagnostic> errors;
  {
    record_check c = check_record(dir.string());
    const auto added = add_to_lock(*c.record, *c.lock, errors);
    REQUIRE(added);
    CHECK(*added == std::vector<int>{1});
    REQUIRE(write_lock(*c.lock, errors));
  }
  const std::string v1_line = "v1 " + fingerprint(check_record(dir.string()).record->versions[0]) + "\n";

  SUBCASE("a new version is added below the locked one, which stays as it was") {
    write_file(dir / "v2.fbs", v2_schema);
    record_check c = check_record(dir.string());
    REQUIRE(c.errors.empty());
    const auto added = add_to_lock(*c.record, *c.lock, errors);
    REQUIRE(added);
    CHECK(*added == std::vector<int>{2});
    REQUIRE(write_lock(*c.lock, errors));
    const std::string text = read_file(dir / "uplift.lock");
    CHECK(text.find(v1_line) != std::string::npos);
    CHECK(text.find("\nv2 " + fingerprint(c.record->versions[1]) + "\n") != std::string::npos);
  }
  SUBCASE("locking again with nothing new adds nothing") {
    record_check c = check_record(dir.string());
    const auto added = add_to_lock(*c.record, *c.lock, errors);
    REQUIRE(added);
    CHECK(added->empty());
  }
  SUBCASE("an edited locked version is refused with the frozen message and the lock is kept") {
    write_file(dir / "v1.fbs", R"(namespace shop.v1;
table Item { id:ulong; title:string; extra:int; }
root_type Item;
)");
    const std::string before = read_file(dir / "uplift.lock");
    record_check c = check_record(dir.string());  // reports the same problem
    REQUIRE(c.lock);
    const lock_file kept = *c.lock;
    CHECK_FALSE(add_to_lock(*c.record, *c.lock, errors));
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].text.find("released versions are frozen") != std::string::npos);
    CHECK(c.lock->entries.size() == kept.entries.size());
    CHECK(c.lock->entries[0].fingerprint == kept.entries[0].fingerprint);
    CHECK(read_file(dir / "uplift.lock") == before);
  }
}

TEST_CASE("lock adds older versions that were released without a lock") {
  temp_dir tmp("older");
  const fs::path dir = tmp.sub("item");
  write_file(dir / "v1.fbs", v1_schema);
  write_file(dir / "v2.fbs", v2_schema);
  record_check c = check_record(dir.string());
  std::vector<diagnostic> errors;
  const auto added = add_to_lock(*c.record, *c.lock, errors);
  REQUIRE(added);
  CHECK(*added == std::vector<int>{1, 2});
  CHECK(c.lock->entries.size() == 2);
}
