// Worker names and dead-owner detection (owners.hpp).
#include "owners.hpp"

#include <cerrno>
#include <csignal>
#include <random>

#include <sys/types.h>
#include <unistd.h>

namespace uplift::detail {

std::string default_owner() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::random_device rd;
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + std::to_string(rd() % 1000000);
}

bool owner_is_dead(const std::string& owner) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) return false;
  const std::string prefix = std::string(host) + ":";
  if (owner.rfind(prefix, 0) != 0) return false;
  const std::size_t end = owner.find(':', prefix.size());
  if (end == std::string::npos || end == prefix.size()) return false;
  long long pid = 0;
  for (std::size_t i = prefix.size(); i < end; ++i) {
    if (owner[i] < '0' || owner[i] > '9' || pid > 100000000) return false;
    pid = pid * 10 + (owner[i] - '0');
  }
  if (pid <= 0 || pid == getpid()) return false;
  return kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace uplift::detail
