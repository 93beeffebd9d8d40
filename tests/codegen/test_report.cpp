// The report of `uplift-gen check`.
#include <doctest/doctest.h>

#include <string>

#include "codegen_test_support.hpp"
#include "report.hpp"

using namespace codegen_test;
using namespace uplift_gen;

namespace {

const std::string shop_v1 = R"(// A shop item, first version.
namespace shop.v1;

table Item {
  id:ulong;
  title:string;
  price:short;
}

root_type Item;
)";

const std::string shop_v2 = R"(// Renames title in place and appends three fields: wire-compatible.
namespace shop.v2;

attribute "renamed_from";

enum Size : byte { Small, Large }

table Maker {
  name:string;
}

table Item {
  id:ulong;
  name:string (renamed_from: "title");
  price:short;
  size:Size = Large;
  maker:Maker;
  in_stock:bool = true;
}

root_type Item;
)";

const std::string shop_v3 = R"(// Computes a label, widens the price, grows Size and Maker: transforming.
namespace shop.v3;

attribute "computed";

enum Size : byte { Small, Large, Huge }

table Maker {
  name:string;
  country:string;
}

table Item {
  id:ulong;
  label:string (computed);
  price:int;
  size:Size = Large;
  maker:Maker;
  in_stock:bool = true;
}

root_type Item;
)";

}  // namespace

TEST_CASE("the check report lists each step field by field with its hooks and downgrade") {
  temp_dir tmp("report");
  const fs::path dir = tmp.sub("item");
  write_file(dir / "v1.fbs", shop_v1);
  write_file(dir / "v2.fbs", shop_v2);
  write_file(dir / "v3.fbs", shop_v3);
  const std::string d = dir.string();

  const record_check c = check_record(d);
  CHECK(c.errors.empty());
  CHECK(check_report(c) ==
        "record shop.Item\n"
        "  folder:   " + d + "\n"
        "  versions: v1, v2, v3 (latest v3)\n"
        "\n"
        "step v1 -> v2: wire-compatible (old records are read with no copy)\n"
        "  table Item\n"
        "    copied    id\n"
        "    renamed   name      <- title\n"
        "    copied    price\n"
        "    added     size      = Large\n"
        "    added     maker     = null\n"
        "    added     in_stock  = true\n"
        "  downgrade v2 -> v1:\n"
        "    Item.size is left out (v1 has no such field)\n"
        "    Item.maker is left out (v1 has no such field)\n"
        "    Item.in_stock is left out (v1 has no such field)\n"
        "\n"
        "step v2 -> v3: transforming (old records are rebuilt on read)\n"
        "  because Item.label is computed; Item.price is widened\n"
        "  table Item\n"
        "    copied    id\n"
        "    computed  label     (hook)\n"
        "    widened   price     short -> int\n"
        "    copied    size\n"
        "    nested    maker     Maker\n"
        "    copied    in_stock\n"
        "    dropped   name\n"
        "  table Maker\n"
        "    copied    name\n"
        "    added     country  = \"\"\n"
        "  field hooks to write, in namespace shop (each fills one field from the v2 fields, read in place:\n"
        "  one rebuild, no Object API):\n"
        "    uplift::text upgrade_label(const shop::uplift_fields_Item::v2& from);\n"
        "  and, to write v2 or older (generated with DOWNGRADES):\n"
        "    uplift::text downgrade_name(const shop::uplift_fields_Item::v3& from);\n"
        "  downgrade v3 -> v2:\n"
        "    Item.price is narrowed int -> short with a range check: a value that does not fit is an error\n"
        "    Item.size is range-checked: a value new in v3 is an error\n"
        "    Item.name is filled by its hook, downgrade_name\n"
        "    Maker.country is left out (v2 has no such field)\n"
        "\n"
        "lock: nothing is locked yet (no " + d + "/uplift.lock)\n"
        "  the newest, v3, is not locked: run `uplift-gen lock " + d + "` when it is released\n"
        "\n"
        "no errors\n");
}

TEST_CASE("the check report says which versions are locked and whether the newest is") {
  temp_dir tmp("report-lock");
  const fs::path dir = tmp.sub("item");
  write_file(dir / "v1.fbs", shop_v1);
  write_file(dir / "v2.fbs", shop_v2);
  const std::string d = dir.string();
  {
    record_check c = check_record(d);
    const std::string first_line = "v1 " + fingerprint(c.record->versions[0]) + "\n";
    write_file(dir / "uplift.lock", "# lock\n" + first_line);
  }
  const std::string partly = check_report(check_record(d));
  CHECK(partly.find("\nlock: v1 locked\n  the newest, v2, is not locked: run `uplift-gen lock " + d +
                    "` when it is released\n\nno errors\n") != std::string::npos);

  {
    record_check c = check_record(d);
    std::vector<diagnostic> errors;
    REQUIRE(add_to_lock(*c.record, *c.lock, errors));
    REQUIRE(write_lock(*c.lock, errors));
  }
  const std::string fully = check_report(check_record(d));
  CHECK(fully.find("\nlock: v1, v2 locked, the newest included\n\nno errors\n") != std::string::npos);
}

TEST_CASE("the check report ends with every error as file:line: text") {
  temp_dir tmp("report-errors");
  const fs::path dir = tmp.sub("item");
  write_file(dir / "v1.fbs", shop_v1);
  write_file(dir / "v2.fbs", R"(namespace shop.v2;
table Item {
  id:ulong;
  title:int;
  price:short;
}
root_type Item;
)");
  const record_check c = check_record(dir.string());
  REQUIRE(c.errors.size() == 1);
  const std::string report = check_report(c);
  const std::string tail = "\n1 error:\n" + (dir / "v2.fbs").string() + ":4: ";
  const auto at = report.find(tail);
  REQUIRE(at != std::string::npos);
  CHECK(report.find("`Item.title`", at) != std::string::npos);
  CHECK(report.back() == '\n');
  CHECK(report.find('\n', at + tail.size()) == report.size() - 1);  // the error is the last line
}

TEST_CASE("the check report of an unreadable record names the folder and its errors") {
  temp_dir tmp("report-unreadable");
  const fs::path dir = tmp.sub("empty");
  const record_check c = check_record(dir.string());
  CHECK_FALSE(c.record);
  CHECK(check_report(c) == "record in " + dir.string() + ": cannot be read\n\n1 error:\n" +
                               dir.string() + ": " + c.errors[0].text + "\n");
}

TEST_CASE("a diagnostic is formatted as file:line: text, file: text, or text") {
  CHECK(format_diagnostic({{"a/v2.fbs", 7}, "boom"}) == "a/v2.fbs:7: boom");
  CHECK(format_diagnostic({{"a/v2.fbs", 0}, "boom"}) == "a/v2.fbs: boom");
  CHECK(format_diagnostic({{}, "boom"}) == "boom");
}

TEST_CASE("a long list of wire reasons wraps between reasons before column 100") {
  temp_dir tmp("report-wrap");
  const fs::path dir = tmp.sub("item");
  write_file(dir / "v1.fbs", R"(namespace shop.v1;
table Item { alpha:int; bravo:int; charlie:int; delta:int; echo:int; foxtrot:int; }
root_type Item;
)");
  write_file(dir / "v2.fbs", R"(namespace shop.v2;
table Item { zulu:int; alpha:int; bravo:int; charlie:int; delta:int; echo:int; foxtrot:int; }
root_type Item;
)");
  const std::string report = check_report(check_record(dir.string()));
  const auto start = report.find("\n  because ");
  REQUIRE(start != std::string::npos);
  std::string joined;
  std::size_t lines = 0;
  for (std::size_t at = start + 1;; ++lines) {
    const auto end = report.find('\n', at);
    const std::string l = report.substr(at, end - at);
    if (lines > 0 && l.rfind(std::string(10, ' '), 0) != 0) break;  // past the continuation lines
    CHECK(l.size() <= 100);
    joined += (joined.empty() ? "" : " ") + l.substr(10);
    at = end + 1;
  }
  CHECK(lines >= 2);
  CHECK(joined ==
        "Item.zulu is added at slot 0, which v1 used; Item.alpha moves from slot 0 to 1; "
        "Item.bravo moves from slot 1 to 2; Item.charlie moves from slot 2 to 3; "
        "Item.delta moves from slot 3 to 4; Item.echo moves from slot 4 to 5; "
        "Item.foxtrot moves from slot 5 to 6");
}

namespace {

/// The check report of the shop record with v3's computed `label` declared as `label_line`.
std::string report_with_label(const std::string& label_line) {
  temp_dir tmp("report-label");
  const fs::path dir = tmp.sub("item");
  write_file(dir / "v1.fbs", shop_v1);
  write_file(dir / "v2.fbs", shop_v2);
  std::string v3 = shop_v3;
  const std::string computed = "  label:string (computed);";
  v3.replace(v3.find(computed), computed.size(), label_line);
  write_file(dir / "v3.fbs", v3);
  const record_check c = check_record(dir.string());
  REQUIRE(c.errors.empty());
  return check_report(c);
}

}  // namespace

TEST_CASE("the check report names the record hooks a step takes instead of field hooks, and why") {
  struct variant {
    std::string label_line, why;
  };
  const variant variants[] = {
      {"  label:string (computed: \"record\");",
       "`Item.label` asks for one (computed: \"record\")"},
      {"  label:[Maker] (computed);",
       "`Item.label` is a [Maker]; field hooks fill strings, scalars and enums that are not "
       "optional, and vectors of them"},
      {"  label:int = null (computed);",
       "`Item.label` is an optional int; field hooks fill strings, scalars and enums that are not "
       "optional, and vectors of them"},
  };
  for (const variant& v : variants) {
    CAPTURE(v.label_line);
    const std::string report = report_with_label(v.label_line);
    std::string flat;  // the report's wrapped lines joined again
    for (char ch : report) flat += ch == '\n' ? ' ' : ch;
    while (flat.find("  ") != std::string::npos) flat.replace(flat.find("  "), 2, " ");
    CHECK(flat.find("record hooks to write, in namespace shop (on Object API structs, because " +
                    v.why + "):") != std::string::npos);
    CHECK(report.find("    void upgrade(const shop::v2::ItemT& from, shop::v3::ItemT& to);\n") !=
          std::string::npos);
    CHECK(report.find("    void downgrade(const shop::v3::ItemT& from, shop::v2::ItemT& to);\n") !=
          std::string::npos);
    CHECK(report.find("upgrade_label") == std::string::npos);
  }
}

TEST_CASE("the check report gives a computed vector of strings, scalars or enums a field hook returning a std::vector") {
  struct variant {
    std::string label_line, hook;
  };
  const variant variants[] = {
      {"  label:[string] (computed);",
       "    std::vector<uplift::text> upgrade_label(const shop::uplift_fields_Item::v2& from);\n"},
      {"  label:[short] (computed);",
       "    std::vector<std::int16_t> upgrade_label(const shop::uplift_fields_Item::v2& from);\n"},
      {"  label:[bool] (computed);",
       "    std::vector<bool> upgrade_label(const shop::uplift_fields_Item::v2& from);\n"},
      {"  label:[Size] (computed);",
       "    std::vector<shop::v3::Size> upgrade_label(const shop::uplift_fields_Item::v2& from);\n"},
  };
  for (const variant& v : variants) {
    CAPTURE(v.label_line);
    const std::string report = report_with_label(v.label_line);
    CHECK(report.find("  field hooks to write, in namespace shop") != std::string::npos);
    CHECK(report.find(v.hook) != std::string::npos);
    CHECK(report.find("record hooks to write") == std::string::npos);
  }
}
