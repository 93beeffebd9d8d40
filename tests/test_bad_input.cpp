// The bad-input catalogue (tests/support/bad_input_catalogue.hpp) run case by case: each gives its
// exact error through every entry point, read aligned and from an odd address, in bounded time,
// allocating at most a bounded multiple of its input's size (counted by this program's own
// operator new).
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "bad_input_catalogue.hpp"

namespace {

// Counts the bytes allocated by this thread while counting is on.
thread_local bool counting = false;
thread_local std::size_t counted_bytes = 0;

void* counted_new(std::size_t n) {
  if (counting) counted_bytes += n;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}

}  // namespace

// Every form a library may call (simdjson allocates with new (std::nothrow) T[n]), so that each
// allocation is counted and freed by the same pair.
void* operator new(std::size_t n) { return counted_new(n); }
void* operator new[](std::size_t n) { return counted_new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (counting) counted_bytes += n;
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

using namespace uplift_catalogue;

/// A case may allocate this multiple of its input's size, plus a fixed allowance (the parser's
/// and the builder's first blocks).
constexpr std::size_t bytes_per_input_byte = 16;
constexpr std::size_t fixed_allowance = 64 * 1024;
/// And take at most this long (under the sanitizers too).
constexpr auto time_limit = std::chrono::seconds(2);

/// The outcome of reading one case's input: the error of each entry point (errc::ok: it read).
struct outcome {
  std::vector<uplift::error> errors;
  std::size_t allocated = 0;
  std::chrono::steady_clock::duration took{};
};

template <class R>
void read_binary(const bad_input& c, uplift::bytes_view in, std::vector<uplift::error>& errors) {
  auto v = uplift::read<R>(in, c.read);
  errors.push_back(v ? uplift::error{} : v.error());
  auto o = uplift::read_object<R>(in, c.read);
  errors.push_back(o ? uplift::error{} : o.error());
  if (v) (void)v->bytes();  // the write-back copy of a record read through wire-compatible steps
}

template <class R>
void rewrite_row(const bad_input& c, uplift::bytes_view in, std::vector<uplift::error>& errors) {
  auto codec = uplift::codec<R>::make(c.json);
  if (!codec) {
    errors.push_back(codec.error());
    return;
  }
  const uplift::record_handle h = codec->json_handle();
  std::string out;
  auto r = h.rewrite_row(in, uplift::value_format::detect, h.latest_version(), out);
  errors.push_back(r ? uplift::error{} : r.error());
}

template <class R>
void read_text(const bad_input& c, std::string_view in, std::vector<uplift::error>& errors) {
  auto r = uplift::read_json<R>(in, c.json);
  errors.push_back(r ? uplift::error{} : r.error());
}

outcome run(const bad_input& c, std::string_view in) {
  outcome out;
  out.errors.reserve(4);
  const uplift::bytes_view bytes(reinterpret_cast<const std::uint8_t*>(in.data()), in.size());
  counted_bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  counting = true;
  if (c.as == form::binary) {
    switch (c.by) {
      case reader::user: read_binary<demo::User>(c, bytes, out.errors); break;
      case reader::user_from_v2: read_binary<UserFromV2>(c, bytes, out.errors); break;
      case reader::widget: read_binary<uplift_test::Widget>(c, bytes, out.errors); break;
    }
  } else if (c.as == form::row) {
    switch (c.by) {
      case reader::user: rewrite_row<demo::User>(c, bytes, out.errors); break;
      case reader::user_from_v2: rewrite_row<UserFromV2>(c, bytes, out.errors); break;
      case reader::widget: rewrite_row<uplift_test::Widget>(c, bytes, out.errors); break;
    }
  } else {
    switch (c.by) {
      case reader::user: read_text<demo::User>(c, in, out.errors); break;
      case reader::user_from_v2: read_text<UserFromV2>(c, in, out.errors); break;
      case reader::widget: read_text<uplift_test::Widget>(c, in, out.errors); break;
    }
  }
  counting = false;
  out.took = std::chrono::steady_clock::now() - start;
  out.allocated = counted_bytes;
  return out;
}

void check(const bad_input& c, const outcome& got) {
  for (const uplift::error& e : got.errors) {
    INFO("got: " << (e.code == errc::ok ? std::string("success") : e.message()));
    CHECK(e.code == c.code);
    if (c.code == errc::ok || e.code != c.code) continue;
    if (c.offset != any_offset) CHECK(e.offset == c.offset);
    if (c.as == form::json || (c.as == form::row && !c.path.empty())) CHECK(e.path() == c.path);
    if (!c.says.empty()) CHECK(e.message().find(c.says) != std::string::npos);
    // Every error says what to do next: the code's message is never the whole story of a blank.
    CHECK(e.message().size() > 40);
  }
  CHECK(got.took < time_limit);
  CHECK(got.allocated <= bytes_per_input_byte * c.input.size() + fixed_allowance);
}

}  // namespace

TEST_CASE("every case of the bad-input catalogue gives its exact error, aligned or not") {
  const std::vector<bad_input> cases = catalogue();
  std::size_t binary = 0, legacy = 0, json = 0, rows = 0;
  for (const bad_input& c : cases) {
    const bool untagged = c.name.starts_with("legacy: ");
    binary += c.as == form::binary && !untagged;
    legacy += untagged;
    json += c.as == form::json;
    rows += c.as == form::row;
  }
  MESSAGE("bad-input catalogue: " << cases.size() << " named cases: " << binary << " binary records, "
                                  << legacy << " binary rows written before uplift, " << json
                                  << " JSON documents, " << rows << " stored rows");
  CHECK(cases.size() > 300);
  for (const bad_input& c : cases) {
    INFO(c.name);
    INFO("input of " << c.input.size() << " bytes");
    // Aligned to 8 (a std::string's heap buffer is), then from an odd address.
    check(c, run(c, c.input));
    std::string shifted = " " + c.input;
    check(c, run(c, std::string_view(shifted).substr(1)));
  }
}

TEST_CASE("the allocation counter sees the allocations of an upgrading read") {
  const bad_input v1{"v1 record", form::binary, user_records()[0], errc::ok};
  const outcome got = run(v1, v1.input);
  CHECK(got.errors.size() == 2);
  CHECK(got.allocated > 0);  // a v1 record is rebuilt as v3
}

TEST_CASE("the catalogue's names are unique, so a failure names one case") {
  std::vector<std::string> names;
  for (const bad_input& c : catalogue()) names.push_back(c.name);
  std::sort(names.begin(), names.end());
  CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
}
