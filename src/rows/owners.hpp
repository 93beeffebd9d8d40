#pragma once
// The names backfill workers hold ranges under, and how a dead worker of this host is told from a
// live one (owners.cpp: the only POSIX calls of the row engine).

#include <string>

namespace uplift::detail {

/// The default worker name prefix: host, process and a random part (a restarted process on the
/// same host gets a new one, so it does not mistake a dead run's ranges for its own).
std::string default_owner();

/// True when `owner` names a worker of this host (default_owner(): "host:pid:random:index")
/// whose process no longer exists.
bool owner_is_dead(const std::string& owner);

}  // namespace uplift::detail
