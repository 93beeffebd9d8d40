// The evolution corpus: what each case's case.txt claims about flatc's conformance check and about
// uplift-gen is what they say. (The reads are checked by uplift-gen-evolution-tests, one test per
// case; the check reports by their goldens.)
#include <doctest/doctest.h>

#include <algorithm>
#include <regex>
#include <set>

#include <flatbuffers/idl.h>

#include "../codegen_test_support.hpp"
#include "evolution_manifest.hpp"

using namespace codegen_test;

namespace {

std::vector<fs::path> case_dirs() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(UPLIFT_EVOLUTION_CASES))
    if (e.is_directory()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

/// The namespace of the root table of `file` (a version of a case), as flatc reads it.
std::string root_namespace(const fs::path& dir, const fs::path& file) {
  flatbuffers::Parser p;
  const std::string text = evolution::read_text(file);
  const std::string include_dir = dir.string();
  const char* includes[] = {include_dir.c_str(), nullptr};
  REQUIRE_MESSAGE(p.Parse(text.c_str(), includes, file.string().c_str()), p.error_);
  REQUIRE(p.root_struct_def_);
  std::string ns;
  for (const auto& c : p.root_struct_def_->defined_namespace->components) ns += (ns.empty() ? "" : ".") + c;
  return ns;
}

/// Every .fbs of `dir` copied into `into`, with namespace `ns` renamed to `conform`: flatc compares
/// the definitions of two schemas by their qualified names, and each version of a record has its
/// own namespace.
void copy_renamed(const fs::path& dir, const std::string& ns, const fs::path& into) {
  fs::create_directories(into);
  const std::regex pattern("\\b" + std::regex_replace(ns, std::regex("\\."), "\\.") + "\\b");
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".fbs")
      write_file(into / e.path().filename(),
                 std::regex_replace(evolution::read_text(e.path()), pattern, "conform"));
}

/// What `flatc --conform` says about version `b` of a case against version `a`: "ok" or its
/// message.
std::string conform(const fs::path& dir, int a, int b, const temp_dir& tmp) {
  auto prepared = [&](int n) {
    const fs::path file = dir / ("v" + std::to_string(n) + ".fbs");
    const std::string ns = root_namespace(dir, file);
    const fs::path into = tmp.path() / (dir.filename().string() + "-" + std::to_string(a) + "-" + std::to_string(n));
    copy_renamed(dir, ns, into);
    return into / file.filename();
  };
  auto parse = [](flatbuffers::Parser& p, const fs::path& file) {
    const std::string text = evolution::read_text(file);
    const std::string include_dir = file.parent_path().string();
    const char* includes[] = {include_dir.c_str(), nullptr};
    REQUIRE_MESSAGE(p.Parse(text.c_str(), includes, file.string().c_str()), p.error_);
  };
  flatbuffers::Parser pa, pb;
  parse(pa, prepared(a));
  parse(pb, prepared(b));
  const std::string verdict = pb.ConformTo(pa);
  return verdict.empty() ? "ok" : verdict;
}

/// The version numbers of a case: N of every vN.fbs, in order.
std::vector<int> versions_of(const fs::path& dir) {
  std::vector<int> out;
  static const std::regex version_file(R"(^v([1-9][0-9]*)\.fbs$)");
  for (const auto& e : fs::directory_iterator(dir)) {
    std::smatch m;
    const std::string f = e.path().filename().string();
    if (std::regex_match(f, m, version_file)) out.push_back(std::stoi(m[1]));
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// The corpus as docs/SCHEMAS.md shows it, made from the case.txt files: a table of every case, the
/// figures, and every disagreement between uplift and FlatBuffers with its reason.
std::string corpus_section() {
  struct row {
    std::string name;
    evolution::manifest m;
    bool conform_ok = true;
  };
  std::vector<row> rows;
  for (const auto& dir : case_dirs()) {
    row r{dir.filename().string(), evolution::read_manifest(dir)};
    for (const auto& c : r.m.conform) r.conform_ok = r.conform_ok && c == "ok";
    rows.push_back(std::move(r));
  }
  std::size_t fb_ok = 0, same = 0, fb_ok_differ = 0, fb_ok_refused = 0, both_refuse = 0, rebuilt = 0;
  std::string table = "| case | rule | flatc --conform | uplift-gen check | reads |\n|---|---|---|---|---|\n";
  std::string disagreements;
  for (const row& r : rows) {
    const bool refused = r.m.uplift == "refused";
    std::string conform;
    for (const auto& c : r.m.conform) conform += (conform.empty() ? "" : "; ") + c;
    const std::string reads = refused ? "-" : r.m.differs.empty() ? "same" : "differ";
    table += "| " + r.name + " | " + r.m.rule + " | " + conform + " | " + r.m.uplift + " | " + reads + " |\n";
    if (r.conform_ok) {
      ++fb_ok;
      if (refused) ++fb_ok_refused;
      else if (r.m.differs.empty()) ++same;
      else ++fb_ok_differ;
    } else {
      if (refused) ++both_refuse;
      else ++rebuilt;
    }
    const bool agree = (r.conform_ok && !refused && r.m.differs.empty()) || (!r.conform_ok && refused);
    if (agree) continue;
    disagreements += "- **" + r.name + "** (" + r.m.rule + "): " + r.m.title;
    if (refused)
      disagreements += " flatc --conform accepts it; uplift-gen refuses it: " + r.m.reason + ".\n";
    else if (r.m.differs.empty())
      disagreements += " flatc --conform refuses it; uplift reads the same values.\n";
    else
      disagreements += "\n";
    for (const auto& [where, reason] : r.m.differs) disagreements += "  - `" + where + "`: " + reason + "\n";
  }
  const auto n = [](std::size_t k) { return std::to_string(k); };
  const std::string figures =
      n(rows.size()) + " cases. flatc --conform accepts " + n(fb_ok) + " of them: there uplift reads every field "
      "of every sample as plain FlatBuffers does in " + n(same) + ", differs in " + n(fb_ok_differ) +
      " and refuses " + n(fb_ok_refused) + ". flatc --conform refuses " +
      n(rows.size() - fb_ok) + ": uplift refuses " + n(both_refuse) + " of them too and rebuilds the other " +
      n(rebuilt) + ", reading the values the records were written with where FlatBuffers reads other bytes or "
      "cannot verify the record. In all, uplift and FlatBuffers agree on " + n(same + both_refuse) + " cases; "
      "each of the other " + n(rows.size() - same - both_refuse) + " is listed below with its reason.\n";
  return figures + "\n" + table + "\n### Every disagreement, with its reason\n\n" + disagreements;
}

}  // namespace

TEST_CASE("docs/SCHEMAS.md shows the evolution corpus as the case.txt files say it") {
  const std::string doc = evolution::read_text(UPLIFT_SCHEMAS_DOC);
  const std::string begin = "<!-- evolution corpus: begin (tests/codegen/evolution) -->\n";
  const std::string end = "<!-- evolution corpus: end -->";
  const auto b = doc.find(begin);
  const auto e = doc.find(end);
  REQUIRE_MESSAGE((b != std::string::npos && e != std::string::npos), "docs/SCHEMAS.md has no corpus section");
  const std::string shown = doc.substr(b + begin.size(), e - b - begin.size());
  const std::string made = corpus_section();
  CHECK_MESSAGE(shown == made, "the corpus section of docs/SCHEMAS.md should read:\n" << made);
}

TEST_CASE("the evolution corpus has at least 40 cases, each with its own namespace, rule and golden report") {
  const auto dirs = case_dirs();
  CHECK(dirs.size() >= 40);
  std::set<std::string> namespaces;
  for (const auto& dir : dirs) {
    CAPTURE(dir);
    const evolution::manifest m = evolution::read_manifest(dir);
    CHECK_FALSE(m.title.empty());
    CHECK_FALSE(m.rule.empty());
    CHECK(fs::exists(dir / "expected.check.txt"));
    std::vector<uplift_gen::diagnostic> errors;
    // A refused case may fail to load (a foreign namespace): its golden report says why.
    if (auto rec = uplift_gen::load_record(dir.string(), errors))
      CHECK_MESSAGE(namespaces.insert(rec->parent_ns).second,
                    "two cases share namespace " << rec->parent_ns << ": their generated types would collide");
  }
}

TEST_CASE("each evolution case's case.txt says what flatc --conform and uplift-gen check say") {
  temp_dir tmp("evolution");
  for (const auto& dir : case_dirs()) {
    CAPTURE(dir);
    const evolution::manifest m = evolution::read_manifest(dir);
    const uplift_gen::record_check c = uplift_gen::check_record(dir.string());
    std::string verdict = "refused";
    if (c.errors.empty()) {
      bool wire = true;
      for (const auto& s : c.steps) wire = wire && s.wire_compatible;
      verdict = wire ? "wire-compatible" : "transforming";
    }
    CHECK_MESSAGE(m.uplift == verdict, "uplift-gen check says: " << verdict);
    std::vector<std::string> verdicts;
    const std::vector<int> versions = versions_of(dir);
    for (std::size_t i = 0; i + 1 < versions.size(); ++i)
      verdicts.push_back(conform(dir, versions[i], versions[i + 1], tmp));
    std::string said;
    for (const auto& v : verdicts) said += "\nconform: " + v;
    CHECK_MESSAGE(m.conform == verdicts, "flatc's conformance check says, step by step:" << said);
    if (verdict == "refused") CHECK_MESSAGE(m.differs.empty(), "a refused case reads nothing");
    const bool conform_ok = std::all_of(verdicts.begin(), verdicts.end(), [](const std::string& v) { return v == "ok"; });
    CHECK_MESSAGE((verdict == "refused" && conform_ok) == !m.reason.empty(),
                  "case.txt gives a reason exactly when uplift refuses what flatc --conform accepts");
  }
}
