#pragma once
// The evolution corpus: each case folder holds the versions of one record, `case.txt` (what the
// case is, what flatc's conformance check and uplift-gen say about it, and where uplift reads an
// old record differently from plain FlatBuffers, with the reason), and the golden `check` report.
// This header reads case.txt.

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace evolution {
namespace fs = std::filesystem;

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// What `case.txt` says.
struct manifest {
  std::string title;                 ///< the `#` lines, joined
  std::string rule;                  ///< the rule of docs/SCHEMAS.md the case is about
  std::vector<std::string> conform;  ///< flatc's conformance verdict per step: "ok" or its message
  std::string uplift;                ///< "wire-compatible", "transforming" or "refused"
  std::string reason;                ///< why uplift refuses what flatc's check accepts
  /// Where uplift and FlatBuffers read an old record differently: "<sample> <path>" -> reason.
  std::map<std::string, std::string> differs;
};

inline manifest read_manifest(const fs::path& dir) {
  manifest m;
  std::istringstream in(read_text(dir / "case.txt"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      m.title += (m.title.empty() ? "" : " ") + line.substr(line.find_first_not_of("# "));
      continue;
    }
    const auto colon = line.find(": ");
    REQUIRE_MESSAGE(colon != std::string::npos, ((dir / "case.txt").string() + ": " + line));
    const std::string key = line.substr(0, colon);
    const std::string value = line.substr(colon + 2);
    if (key == "rule") {
      m.rule = value;
    } else if (key == "conform") {
      m.conform.push_back(value);
    } else if (key == "uplift") {
      m.uplift = value;
    } else if (key == "reason") {
      m.reason = value;
    } else if (key == "differs") {
      // "<sample> <path>: <reason>"
      const auto reason = value.find(": ");
      REQUIRE_MESSAGE(reason != std::string::npos, ((dir / "case.txt").string() + ": " + line));
      m.differs[value.substr(0, reason)] = value.substr(reason + 2);
    } else {
      FAIL(((dir / "case.txt").string() + ": unknown key " + key));
    }
  }
  return m;
}

}  // namespace evolution
