// uplift-example-records: users written at v1, v2 and v3 are all read back as v3; then a codec writes a v3
// user as a v2 record, as a service does during a rolling deploy. Exits non-zero if any read
// fails or any value read back differs from what was written.

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <uplift/uplift.hpp>

#include "user_uplift.hpp"

namespace {

/// One user as written, and the v3 fields it must read back as.
struct sample {
  std::uint16_t version;        // the version it is written at
  std::uint64_t id;
  std::string full_name;        // v1 `name` / v2 `full_name` (unused at v3)
  std::string given, family;    // the v3 names: written at v3, expected after reading
  std::string email;
  std::int32_t age;
  std::int64_t created_at;      // 0 at v1, which has no such field
};

const std::vector<sample> samples = {
    {1, 1, "Ada Lovelace", "Ada", "Lovelace", "ada@example.com", 36, 0},
    {1, 2, "Plato", "Plato", "", "plato@example.org", 80, 0},
    {2, 3, "Grace Brewster Hopper", "Grace Brewster", "Hopper", "grace@example.com", 85,
     1'700'000'000},
    {2, 4, "Alan Turing", "Alan", "Turing", "alan@example.org", 41, 1'700'003'600},
    {3, 5, "", "Katherine", "Johnson", "katherine@example.com", 101, 1'700'007'200},
    {3, 6, "", "Edsger", "Dijkstra", "edsger@example.org", 72, 1'700'010'800},
};

int failures = 0;

void fail(std::uint64_t id, std::string_view what, std::string_view got, std::string_view want) {
  ++failures;
  std::printf("  MISMATCH user %llu %.*s: got \"%.*s\", expected \"%.*s\"\n",
              static_cast<unsigned long long>(id), static_cast<int>(what.size()), what.data(),
              static_cast<int>(got.size()), got.data(), static_cast<int>(want.size()),
              want.data());
}
void expect(std::uint64_t id, std::string_view what, std::string_view got, std::string_view want) {
  if (got != want) fail(id, what, got, want);
}
void expect(std::uint64_t id, std::string_view what, std::int64_t got, std::int64_t want) {
  if (got != want) fail(id, what, std::to_string(got), std::to_string(want));
}

std::string_view str(const flatbuffers::String* s) { return s ? s->string_view() : ""; }

/// The sample as a v3 (latest) user.
demo::v3::UserT v3_user(const sample& s) {
  demo::v3::UserT u;
  u.id = s.id;
  u.given_name = s.given;
  u.family_name = s.family;
  u.email = s.email;
  u.age = s.age;
  u.created_at = s.created_at;
  return u;
}

uplift::buffer write_sample(const sample& s) {
  switch (s.version) {
    case 1: {
      demo::v1::UserT u;
      u.id = s.id;
      u.name = s.full_name;
      u.email = s.email;
      u.age = static_cast<std::int16_t>(s.age);
      return uplift::write<demo::User>(u);
    }
    case 2: {
      demo::v2::UserT u;
      u.id = s.id;
      u.full_name = s.full_name;
      u.email = s.email;
      u.age = static_cast<std::int16_t>(s.age);
      u.created_at = s.created_at;
      return uplift::write<demo::User>(u);
    }
    default:
      return uplift::write<demo::User>(v3_user(s));
  }
}

/// The header bytes grouped by field (magic, format+size, flags, type id, version, min reader),
/// then the first payload bytes.
std::string hex_prefix(uplift::bytes_view b) {
  static constexpr int groups[] = {4, 2, 2, 4, 2, 2};
  std::string out;
  char h[3];
  std::size_t at = 0;
  for (int g : groups) {
    for (int i = 0; i < g && at < b.size(); ++i, ++at) {
      std::snprintf(h, sizeof h, "%02x", b[at]);
      out += h;
    }
    out += ' ';
  }
  out += "|";
  for (std::size_t i = 0; i < 8 && at < b.size(); ++i, ++at) {
    if (i % 4 == 0) out += ' ';
    std::snprintf(h, sizeof h, "%02x", b[at]);
    out += h;
  }
  return out;
}

void print_stored(std::uint64_t id, uplift::bytes_view rec) {
  auto h = uplift::peek(rec);
  if (!h) {
    ++failures;
    std::printf("  user %llu: peek failed: %s\n", static_cast<unsigned long long>(id),
                h.error().message().c_str());
    return;
  }
  std::printf("  %4llu  v%u       v%u          %5zu  %s\n", static_cast<unsigned long long>(id),
              unsigned{h->version}, unsigned{h->min_reader_version}, rec.size(),
              hex_prefix(rec).c_str());
}

/// Checks every v3 field of `u` against the sample.
void check_fields(const sample& s, const demo::v3::User& u) {
  expect(s.id, "id", static_cast<std::int64_t>(u.id()), static_cast<std::int64_t>(s.id));
  expect(s.id, "given_name", str(u.given_name()), s.given);
  expect(s.id, "family_name", str(u.family_name()), s.family);
  expect(s.id, "email", str(u.email()), s.email);
  expect(s.id, "age", u.age(), s.age);
  expect(s.id, "created_at", u.created_at(), s.created_at);
}

}  // namespace

int main() {
  std::printf("uplift demo: record %.*s (type id 0x%08x), versions v1..v3\n",
              static_cast<int>(demo::User::name.size()), demo::User::name.data(),
              demo::User::type_id);
  std::printf("  v1 -> v2  wire-compatible: name renamed in place to full_name, created_at added\n");
  std::printf("  v2 -> v3  transforming: full_name split into given/family name, age short -> int\n");

  std::vector<uplift::buffer> stored;
  std::printf("\nStored records: a 16-byte header (little-endian: magic, format and size, flags,"
              "\n  record type id, version, min reader version), then the FlatBuffers payload\n");
  std::printf("  user  version  min reader  bytes  magic    fmt  flag type id  ver  min  | payload\n");
  for (const sample& s : samples) {
    stored.push_back(write_sample(s));
    print_stored(s.id, stored.back());
  }

  std::printf("\nEvery record read back as v3 with uplift::read (verified)\n");
  std::printf("  user  stored  how                given_name      family_name  email"
              "                  age  created_at\n");
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const sample& s = samples[i];
    auto r = uplift::read<demo::User>(stored[i].span());
    if (!r) {
      ++failures;
      std::printf("  %4llu  read failed: %s\n", static_cast<unsigned long long>(s.id),
                  r.error().message().c_str());
      continue;
    }
    const char* how = r->zero_copy() ? (r->upgraded() ? "upgraded, zero-copy" : "zero-copy")
                                     : (r->upgraded() ? "upgraded, rebuilt" : "copied");
    const demo::v3::User& u = **r;
    std::printf("  %4llu  v%u      %-18s %-15s %-12s %-22s %3d  %10lld\n",
                static_cast<unsigned long long>(u.id()), unsigned{r->stored_version()}, how,
                std::string(str(u.given_name())).c_str(),
                std::string(str(u.family_name())).c_str(), std::string(str(u.email())).c_str(),
                u.age(), static_cast<long long>(u.created_at()));
    expect(s.id, "stored version", r->stored_version(), s.version);
    check_fields(s, u);
  }

  // A rolling deploy: this code knows v3, but older nodes still read only v1..v2.
  std::printf("\nRolling deploy: codec<demo::User> with write_version = 2\n");
  auto c = uplift::codec<demo::User>::make({.write_version = 2});
  if (!c) {
    std::printf("  codec: %s\n", c.error().message().c_str());
    return 1;
  }
  const sample liskov{3, 7, "Barbara Liskov", "Barbara", "Liskov", "barbara@example.com", 84,
                      1'700'014'400};
  const demo::v3::UserT u7 = v3_user(liskov);
  auto rec = c->write(u7);
  if (!rec) {
    ++failures;
    std::printf("  user 7: write failed: %s\n", rec.error().message().c_str());
  } else {
    std::printf("  user 7, a v3 object, stored as:\n");
    print_stored(liskov.id, *rec);
    auto h = uplift::peek(*rec);
    expect(liskov.id, "written version", h ? h->version : 0, 2);
    // What an older node sees: the payload read as a plain v2 FlatBuffer.
    auto* old = flatbuffers::GetRoot<demo::v2::User>(rec->data() + uplift::header_size);
    std::printf("  a v2 reader sees full_name \"%s\", age %d\n",
                std::string(str(old->full_name())).c_str(), old->age());
    expect(liskov.id, "v2 full_name", str(old->full_name()), liskov.full_name);
    expect(liskov.id, "v2 age", old->age(), liskov.age);
    auto back = uplift::read<demo::User>(rec->span());
    if (!back) {
      ++failures;
      std::printf("  read back failed: %s\n", back.error().message().c_str());
    } else {
      const int before = failures;
      check_fields(liskov, **back);
      std::printf("  read back as v3 (%s): %s\n", back->upgraded() ? "upgraded" : "not upgraded",
                  failures == before ? "every field equals the v3 object" : "DIFFERENT");
    }
  }
  demo::v3::UserT old_age = u7;
  old_age.id = 8;
  old_age.age = 70'000;
  auto refused = c->write(old_age);
  if (refused) {
    ++failures;
    std::printf("  user 8 with age 70000 was written as v2; the range check did not fire\n");
  } else {
    const uplift::error& e = refused.error();
    std::printf("  user 8 with age 70000: not written, %s (%s)\n",
                e.code == uplift::errc::range_error ? "errc::range_error" : "UNEXPECTED ERROR",
                std::string(e.detail()).c_str());
    if (e.code != uplift::errc::range_error) ++failures;
  }

  if (failures != 0) {
    std::printf("\nFAILED: %d check(s) did not hold\n", failures);
    return 1;
  }
  std::printf("\nOK: %zu records written at v1..v3 and one through the v2 codec; every read "
              "returned what was written\n",
              samples.size());
  return 0;
}
