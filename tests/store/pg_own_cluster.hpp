// A PostgreSQL server of one test's own (tests/store/pg_cluster.sh), for the fault tests that
// kill it: never the server the other tests share. Stopped when the object ends, also when the
// test fails. UPLIFT_PG_CLUSTER names the script.
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>

#include "store_fixtures.hpp"

namespace store_test {

class own_cluster {
 public:
  /// Starts it; `durable`: synchronous commits, so a SIGKILL loses no acknowledged commit.
  explicit own_cluster(bool durable = false) : dir_(unique_name("/tmp/uplift-own-pg")) {
    ok_ = run("start", durable ? "UPLIFT_PG_DURABLE=1 " : "");
    std::ifstream in(dir_ + "/conninfo");
    std::getline(in, conninfo_);
  }
  ~own_cluster() { (void)run("stop"); }
  own_cluster(const own_cluster&) = delete;
  own_cluster& operator=(const own_cluster&) = delete;

  bool ok() const { return ok_ && !conninfo_.empty(); }
  const std::string& conninfo() const { return conninfo_; }
  /// SIGKILL of the postmaster (its backends follow); the data stays.
  bool kill() { return run("kill"); }
  /// Starts it again on the same port (crash recovery).
  bool restart() { return run("restart"); }

  /// True where the fault tests can run: a PostgreSQL server is installed (the shared one is up,
  /// or this is CI, where a missing server fails the tests that need it).
  static bool wanted() { return !postgres_conninfo().empty() || under_ci(); }

 private:
  bool run(const char* what, const std::string& env = {}) {
    const std::string cmd = env + "bash '" + UPLIFT_PG_CLUSTER + "' " + what + " '" + dir_ +
                            "' >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  }
  std::string dir_, conninfo_;
  bool ok_ = false;
};

}  // namespace store_test
