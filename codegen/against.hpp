#pragma once
// The compatibility gate: a record folder compared with the same folder at a git revision (or in
// another folder), so that CI fails on an edit to a released version, a version removed, or a step
// that cannot be derived.

#include <string>
#include <vector>

#include "report.hpp"

namespace uplift_gen {

/// Where the released versions are read from: a git revision of the repository that holds the
/// record folder, or a folder holding an older copy of the project (or of the record).
struct reference {
  std::string ref;             ///< as the user gave it: "origin/main", "v1.4.0", "../old-checkout"
  bool allow_retired = false;  ///< versions removed below the oldest one left are a retirement
};

/// Why the reference as a whole cannot be read (not a git repository, an unknown revision, git
/// missing), phrased for the user; empty when it can be.
struct reference_problem {
  std::string text;
  bool empty() const { return text.empty(); }
};

/// Compares the checked record `c` with its folder as it is at `r`: every version there must still
/// be here with the same fingerprint (the newest one there may change when it is not locked there:
/// it was never released), and none may be gone (unless retired with `allow_retired`, and only
/// below the oldest version left). Appends the lines of the comparison to `c.against` and what
/// fails to `c.errors`. Returns a problem when the reference cannot be read at all; then `c` is
/// left as it was.
reference_problem check_against(record_check& c, const reference& r);

}  // namespace uplift_gen
