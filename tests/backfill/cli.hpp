#pragma once
// Running the uplift command (tools/uplift) from the tests: its output and exit status, and the
// STORE argument that names a fixture's database.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <type_traits>
#include <utility>

#include "store_fixtures.hpp"

namespace cli_test {

/// Runs the uplift command with `args`; its output (stdout and stderr) and exit status.
inline std::pair<std::string, int> run_cli(const std::string& args) {
  const std::string cmd = std::string(UPLIFT_CLI) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

/// The command's STORE argument for the database of fixture `fx` (SQLite or PostgreSQL).
template <class F>
std::string cli_store(F& fx) {
  if constexpr (std::is_same_v<typename F::backend_type, store_test::sqlite_backend>)
    return "sqlite:" + fx.backend.path();
  else
    return "\"pg:" + fx.backend.conninfo() + "\"";  // the conninfo has single quotes
}

/// True when `text` holds `part`, runs of spaces counting as one (the command aligns columns).
inline bool has(const std::string& text, const std::string& part) {
  auto squeeze = [](const std::string& in) {
    std::string out;
    for (char c : in)
      if (!(c == ' ' && !out.empty() && out.back() == ' ')) out.push_back(c);
    return out;
  };
  return squeeze(text).find(squeeze(part)) != std::string::npos;
}

}  // namespace cli_test
