// uplift knob (knob.cpp): what the command was asked to do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <uplift/store/store.hpp>

namespace uplift_cli {

struct knob_request {
  std::string record;       ///< --record NAME
  std::uint16_t set = 0;    ///< --set N (0: show only)
  bool killswitch = false;  ///< --killswitch
  bool force = false;       ///< --force
  std::string by;           ///< --by WHO
  std::size_t log = 10;     ///< --limit N: the flips shown
};

/// Shows the knob of r.record, or flips it; the command's exit status.
int knob(uplift::store& db, const knob_request& r);

}  // namespace uplift_cli
