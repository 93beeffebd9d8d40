#pragma once
/// Error codes, the error value and `result<T>`: bad input is a value, never a crash.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#include <stdexcept>
#define UPLIFT_DETAIL_EXCEPTIONS 1
#else
#define UPLIFT_DETAIL_EXCEPTIONS 0
#endif

namespace uplift {

/// Everything that can go wrong reading or writing a record.
enum class errc : std::uint8_t {
  ok = 0,              ///< no error
  empty_input,         ///< zero bytes were given where a record was expected
  truncated_header,    ///< fewer bytes than the record header needs
  bad_magic,           ///< the bytes do not start with "UPLF": not an uplift record
  unsupported_header,  ///< a header format version or header size this library does not know
  wrong_record_type,   ///< the header names another record type than the one asked for
  invalid_version,     ///< version 0 or not a positive integer, or a bad minimum reader version
  unknown_version,     ///< older than the oldest version this binary knows (its steps were retired)
  too_new,             ///< newer than the latest version this binary knows, and the policy rejects it
  truncated_payload,   ///< the payload after the header is too short to hold the record
  verify_failed,       ///< the FlatBuffers verifier rejected the payload for its stored version
  misaligned_input,    ///< the payload is not 8-byte aligned and copying was not allowed
  step_failed,         ///< an upgrade or downgrade step (a hook) reported a failure
  range_error,         ///< a value does not fit its target type (a downgrade's narrowing, a JSON number)
  no_downgrade_path,   ///< the requested write version cannot be reached from the latest version
  invalid_option,      ///< a codec option is out of range
  malformed_json,      ///< not valid JSON: syntax, truncation, bad escape, invalid UTF-8, trailing text
  json_type_mismatch,  ///< a JSON value has another type than its field needs
  missing_field,       ///< a required field or a struct member is absent from a JSON object
  duplicate_key,       ///< a JSON object names the same field twice
  missing_version,     ///< a JSON document without the version key, and no rule for legacy documents
  too_deep,            ///< JSON nested deeper than the max_depth option allows
  invalid_utf8,        ///< a string is not valid UTF-8: JSON cannot carry it
  store_error,         ///< the database reported an error (the detail has its words)
  job_mismatch,        ///< a backfill job of that name exists for another record or target version
  lease_lost,          ///< a backfill worker's range lease expired and another worker took it over
  cancelled,           ///< the backfill was cancelled before it finished
  ambiguous_version,   ///< a buffer without uplift's header fits several versions that read it differently
  knob_refused,        ///< a knob flip (or a process attaching) that a live process could not follow
  lock_timeout,        ///< the database gave up waiting for a row another transaction holds locked
  cutover_aborted,     ///< a copy job's cut-over would have outlasted its window, or a step failed
  table_moved,         ///< the table was moved by a copy job's cut-over: it takes no more writes
  key_in_maintenance,  ///< a copy job's cut-over is applying this key's last changes: retry soon
};

/// Number of `errc` values (one past the last); keeps `message` and tests honest.
inline constexpr std::size_t errc_count = static_cast<std::size_t>(errc::key_in_maintenance) + 1;

/// A one-sentence description of `code` that says what to check or do next.
constexpr std::string_view message(errc code) noexcept {
  switch (code) {
    case errc::ok: return "no error";
    case errc::empty_input: return "empty input: no bytes were given; pass the stored record bytes";
    case errc::truncated_header:
      return "truncated header: fewer bytes than the record header needs; the record was cut short";
    case errc::bad_magic:
      return "bad magic: the bytes do not start with \"UPLF\"; this is not an uplift record "
             "(was it written with uplift::write?)";
    case errc::unsupported_header:
      return "unsupported header: the header format or size is unknown to this library; "
             "upgrade uplift to read it";
    case errc::wrong_record_type:
      return "wrong record type: the header names another record type; read it with its own "
             "descriptor";
    case errc::invalid_version:
      return "invalid version: the version is 0 or not a positive integer, or the minimum reader "
             "version is 0 or above the version; the header or version key is corrupt";
    case errc::unknown_version:
      return "unknown version: older than the oldest version this binary knows; its steps were "
             "retired, restore them or backfill first";
    case errc::too_new:
      return "too new: the record is newer than the latest version this binary knows; deploy the "
             "newer code, or allow newer records with newer_policy::read_as_latest";
    case errc::truncated_payload:
      return "truncated payload: the payload is too short for its record; the record was cut "
             "short";
    case errc::verify_failed:
      return "verification failed: the payload is not a valid FlatBuffer of its stored version; "
             "the bytes are corrupt or were written with another schema";
    case errc::misaligned_input:
      return "misaligned input: the payload is not 8-byte aligned";
    case errc::step_failed:
      return "step failed: an upgrade or downgrade step reported a failure";
    case errc::range_error:
      return "range error: a value does not fit the type it must go into (the detail names both); "
             "when writing an older version during a rollout, keep the write version at the "
             "latest until no such values exist";
    case errc::no_downgrade_path:
      return "no downgrade path: some step between the latest version and the write version has "
             "no downgrade; add a downgrade step or choose a newer write version";
    case errc::invalid_option:
      return "invalid option: a codec option is out of range";
    case errc::malformed_json:
      return "malformed JSON: the text is not valid JSON (syntax, truncation, escape, UTF-8 or "
             "trailing text); fix the document where the error points";
    case errc::json_type_mismatch:
      return "wrong JSON type: a value has another JSON type than its field needs; fix the value "
             "at the path shown, or check the document's version key";
    case errc::missing_field:
      return "missing field: a required field or struct member is absent from a JSON object; add "
             "it at the path shown";
    case errc::duplicate_key:
      return "duplicate key: a JSON object names the same field twice; keep one of them";
    case errc::missing_version:
      return "missing version: the JSON document has no version key; add it, or set "
             "options::default_version or a sniffer for documents written before versioning";
    case errc::too_deep:
      return "too deep: the JSON nests deeper than max_depth allows; raise max_depth if the "
             "document is genuine";
    case errc::invalid_utf8:
      return "invalid UTF-8: a string is not valid UTF-8, which JSON cannot carry; fix the data, "
             "or keep raw bytes in a [ubyte] field";
    case errc::store_error:
      return "store error: the database reported an error (its words follow); check the "
             "connection, the table and column names, and the database's own log";
    case errc::job_mismatch:
      return "job mismatch: a backfill job of this name exists for another record type or target "
             "version; give the new job another name, or finish the old one first";
    case errc::lease_lost:
      return "lease lost: this worker held its key range too long without committing and another "
             "worker took it over; nothing of the batch was committed, the range goes on there";
    case errc::cancelled:
      return "cancelled: the backfill was cancelled; its committed progress is kept and a new run "
             "of the same job resumes from it";
    case errc::ambiguous_version:
      return "ambiguous version: a buffer without uplift's header fits several versions that read "
             "it differently; set options::untagged = untagged_binary::as_version with the "
             "version such rows were written at, or an options::untagged_sniffer that tells them "
             "apart";
    case errc::knob_refused:
      return "knob refused: a process attached to the write-version knob could not follow this "
             "version; deploy a binary that reads and writes it there first, or see `uplift knob` "
             "for who refuses and why";
    case errc::lock_timeout:
      return "lock timeout: the database gave up waiting for a row another transaction holds "
             "locked (its lock_timeout); nothing of the statement was applied: try again when the "
             "lock is released (the backfill does, after its other ranges)";
    case errc::cutover_aborted:
      return "cut-over aborted: it would have blocked writes longer than the window allows, or "
             "one of its steps failed (the detail says which); nothing was swapped and writes go "
             "on: catch up further (or widen copy_options::max_window) and cut over again";
    case errc::table_moved:
      return "table moved: a copy job cut this table over to a new place and it takes no more "
             "writes; nothing was written: write the row again there (uplift::moved_to names "
             "it)";
    case errc::key_in_maintenance:
      return "key in maintenance: a copy job's cut-over is applying this row's last changes into "
             "its new table (it takes milliseconds); nothing was read or written: try again in a "
             "moment";
  }
  return "unknown error code";
}

class record_info;

namespace detail {
template <class R>
struct record_info_holder;
}  // namespace detail

/// A record type's name and versions, in static storage: one per record descriptor, made by the
/// library (`uplift::record_info_of<R>()`), so that an error or a record handle that points at it
/// can never dangle. Not copyable: it is passed by reference.
class record_info {
 public:
  record_info(const record_info&) = delete;
  record_info& operator=(const record_info&) = delete;

  /// The descriptor's name, e.g. "demo.User".
  constexpr std::string_view name() const noexcept { return name_; }
  /// The record type id (`type_id_of(name)` unless the descriptor says otherwise).
  constexpr std::uint32_t type_id() const noexcept { return type_id_; }
  /// The oldest version this binary reads.
  constexpr std::uint16_t first_version() const noexcept { return first_; }
  /// The latest version this binary knows.
  constexpr std::uint16_t latest_version() const noexcept { return latest_; }

 private:
  template <class R>
  friend struct detail::record_info_holder;
  constexpr record_info(std::string_view name, std::uint32_t type_id, std::uint16_t first,
                        std::uint16_t latest) noexcept
      : name_(name), type_id_(type_id), first_(first), latest_(latest) {}

  std::string_view name_;
  std::uint32_t type_id_;
  std::uint16_t first_;
  std::uint16_t latest_;
};

/// What went wrong, with the context that is known: the record, the versions, the byte offset.
/// Small (32 bytes) and cheap to make on the read path: the code, versions and offset are plain
/// fields, the record is a pointer to its `record_info`, and words (a detail, a JSON path, a record
/// named by text) live in one allocation made only when some are given. `message()` builds the
/// text, when asked for.
class error {
 public:
  /// Marks an unknown byte offset.
  static constexpr std::uint32_t no_offset = static_cast<std::uint32_t>(-1);
  /// A byte offset as an error holds it: offsets past 4 GiB (no record is that large) saturate.
  static constexpr std::uint32_t offset_at(std::size_t n) noexcept {
    return n >= no_offset ? no_offset - 1 : static_cast<std::uint32_t>(n);
  }

  errc code = errc::ok;                ///< what kind of failure
  std::uint16_t stored_version = 0;    ///< the version in the input's header (0: not known)
  std::uint16_t latest_version = 0;    ///< the latest version this binary knows (0: not known)
  std::uint32_t offset = no_offset;    ///< byte offset in the input where the problem is

  error() noexcept = default;
  error(errc c) noexcept : code(c) {}  // NOLINT: implicit on purpose, `return errc::x;`
  /// An error of record `rec` (a descriptor's record_info: it cannot dangle). Does not allocate.
  error(errc c, const record_info& rec, std::uint16_t stored = 0, std::uint16_t latest = 0,
        std::uint32_t off = no_offset) noexcept
      : code(c), stored_version(stored), latest_version(latest), offset(off), record_(&rec) {}
  /// An error of a record named by text, e.g. from a hand-written step (the name is copied).
  error(errc c, std::string_view record_name, std::uint16_t stored = 0, std::uint16_t latest = 0,
        std::uint32_t off = no_offset)
      : code(c), stored_version(stored), latest_version(latest), offset(off) {
    if (!record_name.empty()) own().record.assign(record_name);
  }
  error(const error& o)
      : code(o.code), stored_version(o.stored_version), latest_version(o.latest_version),
        offset(o.offset), record_(o.record_),
        words_(o.words_ ? std::make_unique<texts>(*o.words_) : nullptr) {}
  error& operator=(const error& o) {
    if (this != &o) *this = error(o);
    return *this;
  }
  error(error&&) noexcept = default;
  error& operator=(error&&) noexcept = default;
  ~error() = default;

  /// The record descriptor's name, when known.
  std::string_view record() const noexcept {
    if (record_ != nullptr) return record_->name();
    return words_ ? std::string_view(words_->record) : std::string_view();
  }
  /// Extra words from a step, the parser or the database, when any.
  std::string_view detail() const noexcept {
    return words_ ? std::string_view(words_->detail) : std::string_view();
  }
  /// JSON: where in the document, e.g. "$.lines[3].qty"; empty when not known.
  std::string_view path() const noexcept {
    return words_ ? std::string_view(words_->path) : std::string_view();
  }

  /// Full text: "<record>: <what> (stored v2, latest v3, at $.lines[3].qty, at byte 16): <detail>".
  std::string message() const {
    std::string out;
    if (const std::string_view rec = record(); !rec.empty()) {
      out.append(rec);
      out.append(": ");
    }
    out.append(uplift::message(code));
    std::string ctx;
    auto add = [&ctx](std::string_view part, const std::string& more) {
      ctx.append(ctx.empty() ? "" : ", ");
      ctx.append(part).append(more);
    };
    if (stored_version != 0) add("stored v", std::to_string(stored_version));
    if (latest_version != 0) add("latest v", std::to_string(latest_version));
    if (!path().empty()) add("at ", std::string(path()));
    if (offset != no_offset) add("at byte ", std::to_string(offset));
    if (!ctx.empty()) out.append(" (").append(ctx).append(")");
    if (!detail().empty()) out.append(": ").append(detail());
    return out;
  }

  /// Adds words to the detail ("; " between) and returns *this, for chaining on error paths.
  error& with_detail(std::string_view words) & {
    std::string& d = own().detail;
    if (!d.empty()) d.append("; ");
    d.append(words);
    return *this;
  }
  error&& with_detail(std::string_view words) && { return std::move(with_detail(words)); }
  /// Puts `words` before the detail: "<words>: <detail>" (or `words` alone when there is none).
  error& with_context(std::string_view words) & {
    std::string& d = own().detail;
    d = d.empty() ? std::string(words) : std::string(words).append(": ").append(d);
    return *this;
  }
  error&& with_context(std::string_view words) && { return std::move(with_context(words)); }
  /// Sets the JSON path of the failure.
  error& at_path(std::string p) & {
    own().path = std::move(p);
    return *this;
  }
  error&& at_path(std::string p) && { return std::move(at_path(std::move(p))); }
  /// Names record `rec` where the error names no record yet.
  error& for_record(const record_info& rec) & noexcept {
    if (record_ == nullptr && (words_ == nullptr || words_->record.empty())) record_ = &rec;
    return *this;
  }
  error&& for_record(const record_info& rec) && noexcept { return std::move(for_record(rec)); }

  friend bool operator==(const error& e, errc c) noexcept { return e.code == c; }

 private:
  struct texts {
    std::string record;  // a record named by text (no record_info)
    std::string detail;
    std::string path;
  };
  texts& own() {
    if (!words_) words_ = std::make_unique<texts>();
    return *words_;
  }

  const record_info* record_ = nullptr;
  std::unique_ptr<texts> words_;
};

#if UPLIFT_DETAIL_EXCEPTIONS
/// Thrown by `result<T>::value()` on an error: the opt-in throwing convenience.
class bad_result_access : public std::runtime_error {
 public:
  explicit bad_result_access(uplift::error e)
      : std::runtime_error(e.message()), error_(std::move(e)) {}
  const uplift::error& error() const noexcept { return error_; }

 private:
  uplift::error error_;
};
#endif

namespace detail {
/// "v<first>..v<latest>": how every error names the versions a binary knows.
inline std::string version_range(std::uint16_t first, std::uint16_t latest) {
  return "v" + std::to_string(first) + "..v" + std::to_string(latest);
}

[[noreturn]] inline void throw_or_abort(const error& e) {
#if UPLIFT_DETAIL_EXCEPTIONS
  throw bad_result_access(e);
#else
  std::fprintf(stderr, "uplift: value() called on an error result: %s\n", e.message().c_str());
  std::abort();
#endif
}
}  // namespace detail

/// A value or an error, modelled on std::expected<T, uplift::error>.
///
///     auto r = uplift::read<demo::User>(bytes);
///     if (!r) return log(r.error().message());
///     use((*r)->name());
template <class T>
class [[nodiscard]] result {
  static_assert(!std::is_reference_v<T> && !std::is_same_v<std::remove_cv_t<T>, uplift::error>,
                "uplift::result<T>: T must be a value type other than uplift::error");

 public:
  using value_type = T;
  using error_type = uplift::error;

  result(T value) noexcept(std::is_nothrow_move_constructible_v<T>)  // NOLINT: implicit
      : state_(std::in_place_index<0>, std::move(value)) {}
  result(uplift::error e) noexcept  // NOLINT: implicit
      : state_(std::in_place_index<1>, std::move(e)) {}
  result(errc code) noexcept : state_(std::in_place_index<1>, code) {}  // NOLINT: implicit
  /// The value made in place from `args`.
  template <class... Args>
  explicit result(std::in_place_t, Args&&... args) noexcept(
      std::is_nothrow_constructible_v<T, Args...>)
      : state_(std::in_place_index<0>, std::forward<Args>(args)...) {}

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  /// The value; only when has_value().
  T& operator*() & noexcept { return *value_ptr(); }
  const T& operator*() const& noexcept { return *value_ptr(); }
  T&& operator*() && noexcept { return std::move(*value_ptr()); }
  T* operator->() noexcept { return value_ptr(); }
  const T* operator->() const noexcept { return value_ptr(); }

  /// The error; only when !has_value().
  const uplift::error& error() const& noexcept { return *error_ptr(); }
  uplift::error&& error() && noexcept { return std::move(*error_ptr()); }

  /// The value, or throws bad_result_access (aborts when built without exceptions).
  T& value() & {
    if (!has_value()) detail::throw_or_abort(error());
    return **this;
  }
  const T& value() const& {
    if (!has_value()) detail::throw_or_abort(error());
    return **this;
  }
  T&& value() && {
    if (!has_value()) detail::throw_or_abort(error());
    return std::move(**this);
  }

 private:
  // The accessors' precondition, told to the compiler: without it GCC sees get_if's null branch
  // and warns about (and keeps) code for a path a correct caller never takes.
  T* value_ptr() noexcept {
    T* p = std::get_if<0>(&state_);
    if (p == nullptr) __builtin_unreachable();
    return p;
  }
  const T* value_ptr() const noexcept {
    const T* p = std::get_if<0>(&state_);
    if (p == nullptr) __builtin_unreachable();
    return p;
  }
  uplift::error* error_ptr() noexcept {
    uplift::error* p = std::get_if<1>(&state_);
    if (p == nullptr) __builtin_unreachable();
    return p;
  }
  const uplift::error* error_ptr() const noexcept {
    const uplift::error* p = std::get_if<1>(&state_);
    if (p == nullptr) __builtin_unreachable();
    return p;
  }

  std::variant<T, uplift::error> state_;
};

/// Success or an error: `result<void>`.
template <>
class [[nodiscard]] result<void> {
 public:
  using value_type = void;
  using error_type = uplift::error;

  result() noexcept = default;
  /// A failure. An error whose code was left at errc::ok still means failure: errc::step_failed.
  result(uplift::error e) noexcept : error_(std::move(e)) {  // NOLINT: implicit
    if (error_.code == errc::ok) error_.code = errc::step_failed;
  }
  result(errc code) noexcept : error_(code) {  // NOLINT: implicit
    if (error_.code == errc::ok) error_.code = errc::step_failed;
  }

  bool has_value() const noexcept { return error_.code == errc::ok; }
  explicit operator bool() const noexcept { return has_value(); }
  const uplift::error& error() const& noexcept { return error_; }
  uplift::error&& error() && noexcept { return std::move(error_); }
  void value() const {
    if (!has_value()) detail::throw_or_abort(error_);
  }

 private:
  uplift::error error_{};
};

/// Success or an error. Steps and hooks return it to report a failure.
using status = result<void>;

}  // namespace uplift

#undef UPLIFT_DETAIL_EXCEPTIONS
