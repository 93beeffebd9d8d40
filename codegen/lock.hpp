#pragma once
// Frozen versions: the canonical form and fingerprint of a version, and the record's
// `uplift.lock` that remembers the fingerprint of every released version.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema.hpp"

namespace uplift_gen {

/// The canonical text of one version: namespace, root type, file identifier (when there is one),
/// every table and struct by name with
/// its fields in slot order (`name:type = default`, slot id, deprecated/required/optional, every
/// attribute sorted), every enum and union with its values in order. Comments, whitespace and
/// the order of declarations in the file do not show in it; any default, id, type, attribute or
/// enum value does.
std::string canonical_form(const version_model& v);

/// 64-bit FNV-1a of `text` as 16 lowercase hex digits. It detects edits; it is not a
/// cryptographic hash and does not protect against deliberate collisions.
std::string fnv1a_hex(std::string_view text);

/// The fingerprint of a version: `fnv1a_hex(canonical_form(v))`.
std::string fingerprint(const version_model& v);

/// One line of a lock file: `v<N> <fingerprint>`.
struct lock_entry {
  int version = 0;
  std::string fingerprint;
  location where;  ///< the lock file and the line of the entry
};

/// A record's `uplift.lock`: the released versions, oldest first.
struct lock_file {
  std::string path;
  bool exists = false;  ///< false when there is no lock file (nothing is released yet)
  std::vector<lock_entry> entries;

  /// The entry of version `n`, or null when it is not locked.
  const lock_entry* find(int n) const;
};

/// `<record dir>/uplift.lock`.
std::string lock_path(const std::string& record_dir);

/// Reads a lock file. A missing file is an empty lock (nothing locked). A malformed or repeated
/// line appends an error naming file:line, and the result is nothing.
std::optional<lock_file> read_lock(const std::string& path, std::vector<diagnostic>& errors);

/// The text of a lock file: a comment header, then `v<N> <fingerprint>` per entry.
std::string lock_text(const lock_file& lock);

/// Every locked version must exist in `rec` and have its locked fingerprint; appends an error
/// per version that does not.
void check_lock(const record_model& rec, const lock_file& lock, std::vector<diagnostic>& errors);

/// Adds every version of `rec` that `lock` does not hold yet (the newest, and any older one
/// released without a lock). Never changes a locked fingerprint: when `check_lock` finds a
/// problem, appends the errors and returns nothing, leaving `lock` as it was. Returns the
/// version numbers it added, oldest first (empty when everything was locked already).
std::optional<std::vector<int>> add_to_lock(const record_model& rec, lock_file& lock,
                                            std::vector<diagnostic>& errors);

/// Writes `lock_text(lock)` to `lock.path`; on failure appends an error and returns false.
bool write_lock(const lock_file& lock, std::vector<diagnostic>& errors);

}  // namespace uplift_gen
