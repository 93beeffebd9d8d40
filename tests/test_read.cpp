// Reading records stored at every version as the latest version.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "test_support.hpp"

using namespace uplift_test;
using W = uplift_test::Widget;

TEST_CASE("a record stored at the latest version is read zero-copy") {
  auto rec = uplift::write<W>(sample_v3());
  auto r = uplift::read<W>(rec.span());
  REQUIRE(r);
  CHECK(r->zero_copy());
  CHECK_FALSE(r->upgraded());
  CHECK(r->stored_version() == 3);
  CHECK(points_into(r->get(), rec.span()));
  CHECK((*r)->id() == 43);
  CHECK((*r)->count() == 5'000'000'000LL);
  CHECK((*r)->maker()->str() == "initech");
  CHECK(r->bytes().data() == rec.data());
}

TEST_CASE("a v1 record is upgraded to v3 with every field carried") {
  auto rec = uplift::write<W>(sample_v1());
  auto r = uplift::read<W>(rec.span());
  REQUIRE(r);
  CHECK(r->upgraded());
  CHECK_FALSE(r->zero_copy());
  CHECK(r->stored_version() == 1);
  CHECK_FALSE(points_into(r->get(), rec.span()));
  const auto& w = **r;
  CHECK(w.id() == 41);
  CHECK(w.label()->str() == "acme:sprocket");  // renamed in place v1 -> v2
  CHECK(w.count() == -7);                      // widened int -> long
  CHECK(w.color() == v3::Color::Blue);         // added in v2 with default Blue
  CHECK(w.maker()->str() == "acme");           // computed in v2 -> v3
  REQUIRE(w.tags()->size() == 2);
  CHECK(w.tags()->Get(1)->str() == "small");
  CHECK(w.dims()->w() == 1.5f);
  CHECK(w.parts() == nullptr);
}

TEST_CASE("an upgraded read's bytes are a verifiable latest-version record") {
  auto rec = uplift::write<W>(sample_v2());
  auto r = uplift::read<W>(rec.span());
  REQUIRE(r);
  auto h = uplift::peek(r->bytes());
  REQUIRE(h);
  CHECK(h->version == 3);
  CHECK(h->min_reader_version == 3);
  auto again = uplift::read<W>(r->bytes());
  REQUIRE(again);
  CHECK_FALSE(again->upgraded());
  CHECK(again->zero_copy());
  CHECK((*again)->maker()->str() == "globex");
  CHECK((*again)->color() == v3::Color::Green);
}

TEST_CASE("read_object returns the latest Object API struct from every version") {
  auto o1 = uplift::read_object<W>(uplift::write<W>(sample_v1()).span());
  REQUIRE(o1);
  CHECK(o1->label == "acme:sprocket");
  CHECK(o1->maker == "acme");
  CHECK(o1->count == -7);
  auto o3 = uplift::read_object<W>(uplift::write<W>(sample_v3()).span());
  REQUIRE(o3);
  CHECK(*o3 == sample_v3());
}

TEST_CASE("upgrade converts an Object API struct of any version in memory") {
  auto from1 = uplift::upgrade<W>(sample_v1());
  REQUIRE(from1);
  CHECK(from1->label == "acme:sprocket");
  CHECK(from1->color == v3::Color::Blue);
  auto from3 = uplift::upgrade<W>(sample_v3());
  REQUIRE(from3);
  CHECK(*from3 == sample_v3());
  // The in-memory path and the buffer path agree.
  auto via_bytes = uplift::read_object<W>(uplift::write<W>(sample_v2()).span());
  auto in_memory = uplift::upgrade<W>(sample_v2());
  REQUIRE(via_bytes);
  REQUIRE(in_memory);
  CHECK(*via_bytes == *in_memory);
}

TEST_CASE("input as std::byte span and as string_view reads the same record") {
  auto rec = uplift::write<W>(sample_v1());
  std::string s(reinterpret_cast<const char*>(rec.data()), rec.size());
  std::vector<std::byte> b(rec.size());
  std::memcpy(b.data(), rec.data(), rec.size());
  auto from_string = uplift::read<W>(std::string_view(s));
  auto from_bytes = uplift::read<W>(std::span<const std::byte>(b));
  REQUIRE(from_string);
  REQUIRE(from_bytes);
  CHECK((*from_string)->maker()->str() == "acme");
  CHECK((*from_bytes)->maker()->str() == "acme");
  CHECK(uplift::read_object<W>(std::string_view(s)));
  CHECK(uplift::read_object<W>(std::span<const std::byte>(b)));
}

TEST_CASE("a misaligned record is read correctly from an aligned copy") {
  auto rec = uplift::write<W>(sample_v3());
  std::vector<std::uint8_t> shifted(1);  // one byte, then the record: at an odd address
  shifted.insert(shifted.end(), rec.data(), rec.data() + rec.size());
  uplift::bytes_view odd(shifted.data() + 1, rec.size());
  auto r = uplift::read<W>(odd);
  REQUIRE(r);
  CHECK_FALSE(r->zero_copy());
  CHECK((*r)->maker()->str() == "initech");
  CHECK((*r)->count() == 5'000'000'000LL);
}

namespace {
/// Reads `b` inline (uplift::read) and through the whole pipeline (record_reader<R>::read), and
/// checks that the two agree on everything a caller can see.
template <class R>
void check_inline_agrees(uplift::bytes_view b, const uplift::options& o) {
  auto inline_read = uplift::read<R>(b, o);
  auto piped = uplift::record_reader<R>::read(b, o, nullptr);
  REQUIRE(inline_read.has_value() == piped.has_value());
  if (inline_read) {
    CHECK(inline_read->stored_version() == piped->stored_version());
    CHECK(inline_read->zero_copy() == piped->zero_copy());
    if (piped->zero_copy()) CHECK(inline_read->get() == piped->get());
    CHECK(inline_read->bytes().size() == piped->bytes().size());
  } else {
    CHECK(inline_read.error().code == piped.error().code);
    CHECK(inline_read.error().offset == piped.error().offset);
    CHECK(inline_read.error().message() == piped.error().message());
  }
}

/// The first `n` bytes of `rec`, copied `shift` bytes past an 8-byte boundary.
struct placed_copy {
  placed_copy(uplift::bytes_view rec, std::size_t n, std::size_t shift)
      : words_((n + shift + 7) / 8 + 1), n_(n), shift_(shift) {
    std::memcpy(data(), rec.data(), n);
  }
  std::uint8_t* data() { return reinterpret_cast<std::uint8_t*>(words_.data()) + shift_; }
  uplift::bytes_view view() { return {data(), n_}; }

 private:
  std::vector<std::uint64_t> words_;
  std::size_t n_, shift_;
};

/// Every cut of `rec`, each header byte and the root offset's bytes changed, and every
/// misalignment, read both ways with and without the verifier.
template <class R>
void check_inline_agrees_on_damage(uplift::bytes_view rec) {
  for (const bool verify : {true, false}) {
    CAPTURE(verify);
    const uplift::options o{.verify = verify};
    for (std::size_t cut = 0; cut <= rec.size(); ++cut) {
      CAPTURE(cut);
      placed_copy copy(rec, cut, 0);
      check_inline_agrees<R>(copy.view(), o);
    }
    for (std::size_t i = 0; i < 20 && i < rec.size(); ++i) {
      for (const std::uint8_t flip : {std::uint8_t{0x01}, std::uint8_t{0x80}, std::uint8_t{0xff}}) {
        CAPTURE(i);
        CAPTURE(int{flip});
        placed_copy copy(rec, rec.size(), 0);
        copy.data()[i] ^= flip;
        check_inline_agrees<R>(copy.view(), o);
      }
    }
    for (std::size_t shift = 1; shift < 8; ++shift) {
      CAPTURE(shift);
      placed_copy copy(rec, rec.size(), shift);
      check_inline_agrees<R>(copy.view(), o);
    }
  }
}
}  // namespace

TEST_CASE("the inline read agrees with the whole pipeline on every cut, changed header byte and misalignment of a latest record") {
  auto rec = uplift::write<W>(sample_v3());
  check_inline_agrees_on_damage<W>(rec.span());
}

TEST_CASE("the inline read agrees with the whole pipeline on a record behind wire-compatible steps, and on the latest one after them") {
  using U = uplift_test::WidgetUpToV2;
  auto v1 = uplift::write<U>(sample_v1());
  auto v2 = uplift::write<U>(sample_v2());
  auto r = uplift::read<U>(v1.span());
  REQUIRE(r);
  CHECK(r->zero_copy());
  CHECK(r->stored_version() == 1);
  check_inline_agrees_on_damage<U>(v1.span());
  check_inline_agrees_on_damage<U>(v2.span());
}
