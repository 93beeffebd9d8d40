#pragma once
// Checking a record folder (schemas, lock, every step) and the report `uplift-gen check` prints.

#include <optional>
#include <string>
#include <vector>

#include "classify.hpp"
#include "lock.hpp"
#include "schema.hpp"

namespace uplift_gen {

/// `file:line: text`; `file: text` when the problem has no line; `text` when it has no file.
std::string format_diagnostic(const diagnostic& d);

/// Everything known about one record folder after reading and checking it.
/// `steps` points into `record`, so a check is moved, never copied.
struct record_check {
  std::string dir;
  std::optional<record_model> record;  ///< nothing when the schemas could not be read
  std::optional<lock_file> lock;       ///< nothing when uplift.lock could not be read
  std::vector<step_report> steps;      ///< steps[i] is classify(v_i, v_i+1)
  std::vector<diagnostic> errors;      ///< schema, then lock, then classification errors
  std::string against_ref;             ///< the reference of `check --against`, when given
  std::vector<std::string> against;    ///< what the comparison with it found, line by line

  record_check() = default;
  record_check(record_check&&) = default;
  record_check& operator=(record_check&&) = default;
  record_check(const record_check&) = delete;
  record_check& operator=(const record_check&) = delete;
};

/// Reads `dir`'s versions, reads its uplift.lock and checks the locked versions, and classifies
/// every step. Problems are collected in `errors`; the result is complete when there are none.
record_check check_record(const std::string& dir);

/// The text of `uplift-gen check` for one record: its name, folder and versions; per step whether
/// it is wire-compatible (and why not), one line per field, the dropped fields, the hooks to
/// write as C++ declarations and what a downgrade does; the lock status; then every error as
/// `file:line: text`. Deterministic: the same folder always gives the same text.
std::string check_report(const record_check& c);

}  // namespace uplift_gen
