// Writing at every version, the codec's options and the rollout knob.
#include <doctest/doctest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace uplift_test;
using W = uplift_test::Widget;

namespace {

/// A latest-version widget whose every field survives a trip through v2: `count` fits an int,
/// `maker` is what the v2 -> v3 step computes from the label, and there are no parts.
v3::WidgetT v2_representable(std::uint32_t id) {
  v3::WidgetT w;
  w.id = id;
  w.label = "hooli:phone";
  w.count = 123456 + static_cast<std::int64_t>(id);
  w.tags = {"a", "b", "c"};
  w.dims = std::make_unique<v3::Dims>(7.0f, 8.5f);
  w.color = v3::Color::Green;
  w.maker = "hooli";
  return w;
}

std::uint16_t version_of(uplift::bytes_view record) {
  auto h = uplift::peek(record);
  return h ? h->version : std::uint16_t{0};
}

}  // namespace

TEST_CASE("write of a vK object writes exactly version K and reads back as v3") {
  SUBCASE("v1") {
    auto rec = uplift::write<W>(sample_v1());
    auto h = uplift::peek(rec.span());
    REQUIRE(h);
    CHECK(h->version == 1);
    CHECK(h->min_reader_version == 1);
    CHECK(h->type_id == W::type_id);
    auto o = uplift::read_object<W>(rec.span());
    REQUIRE(o);
    CHECK(o->id == 41);
    CHECK(o->label == "acme:sprocket");
    CHECK(o->count == -7);
    CHECK(o->tags == std::vector<std::string>{"metal", "small"});
    REQUIRE(o->dims);
    CHECK(o->dims->h() == 2.25f);
    CHECK(o->color == v3::Color::Blue);
    CHECK(o->maker == "acme");
    CHECK(o->parts.empty());
  }
  SUBCASE("v2") {
    auto rec = uplift::write<W>(sample_v2());
    auto h = uplift::peek(rec.span());
    REQUIRE(h);
    CHECK(h->version == 2);
    CHECK(h->min_reader_version == 1);  // v1 -> v2 is wire-compatible
    auto o = uplift::read_object<W>(rec.span());
    REQUIRE(o);
    CHECK(o->id == 42);
    CHECK(o->label == "globex:gear");
    CHECK(o->count == 1000);
    CHECK(o->tags == std::vector<std::string>{"plastic"});
    REQUIRE(o->dims);
    CHECK(o->dims->w() == 3.0f);
    CHECK(o->color == v3::Color::Green);
    CHECK(o->maker == "globex");
  }
  SUBCASE("v3") {
    auto rec = uplift::write<W>(sample_v3());
    auto h = uplift::peek(rec.span());
    REQUIRE(h);
    CHECK(h->version == 3);
    CHECK(h->min_reader_version == 3);  // v2 -> v3 transforms
    auto o = uplift::read_object<W>(rec.span());
    REQUIRE(o);
    CHECK(*o == sample_v3());
  }
}

TEST_CASE("a v1 record gives its fields to binaries that know only v1 or v1..v2") {
  auto rec = uplift::write<W>(sample_v1());

  auto only1 = uplift::read_object<WidgetOnlyV1>(rec.span());
  REQUIRE(only1);
  CHECK(*only1 == sample_v1());

  auto upto2 = uplift::read<WidgetUpToV2>(rec.span());
  REQUIRE(upto2);
  CHECK(upto2->stored_version() == 1);
  CHECK((*upto2)->id() == 41);
  CHECK((*upto2)->label()->str() == "acme:sprocket");
  CHECK((*upto2)->count() == -7);
  CHECK((*upto2)->color() == v2::Color::Blue);
  auto upto2_obj = uplift::read_object<WidgetUpToV2>(rec.span());
  REQUIRE(upto2_obj);
  CHECK(upto2_obj->label == "acme:sprocket");
  CHECK(upto2_obj->tags == std::vector<std::string>{"metal", "small"});
}

TEST_CASE("a codec with write version 2 writes a latest object as a v2 record") {
  auto c = uplift::codec<W>::make({.write_version = 2});
  REQUIRE(c);
  CHECK(c->write_version() == 2);

  v3::WidgetT latest = v2_representable(9);
  latest.maker = "not-from-the-label";  // v3-only: dropped at v2, recomputed on the way back
  auto part = std::make_unique<v3::PartT>();
  part->name = "lens";
  part->qty = 1;
  latest.parts.push_back(std::move(part));

  auto rec = c->write(latest);
  REQUIRE(rec);
  auto h = uplift::peek(rec->span());
  REQUIRE(h);
  CHECK(h->version == 2);
  CHECK(h->min_reader_version == 1);

  auto old = uplift::read_object<WidgetUpToV2>(rec->span());
  REQUIRE(old);
  CHECK(old->id == 9);
  CHECK(old->label == "hooli:phone");
  CHECK(old->count == 123465);
  CHECK(old->color == v2::Color::Green);

  auto back = uplift::read_object<W>(rec->span());
  REQUIRE(back);
  v3::WidgetT expected = v2_representable(9);  // the same object minus maker and parts...
  expected.maker = "hooli";                    // ...with maker computed by the v2 -> v3 step
  CHECK(*back == expected);
  CHECK(back->parts.empty());
}

TEST_CASE("a codec with write version 1 downgrades through v2 and renames label back to name") {
  auto c = uplift::codec<W>::make({.write_version = 1});
  REQUIRE(c);
  auto rec = c->write(v2_representable(5));
  REQUIRE(rec);
  auto h = uplift::peek(rec->span());
  REQUIRE(h);
  CHECK(h->version == 1);
  CHECK(h->min_reader_version == 1);

  auto v1_obj = uplift::read_object<WidgetOnlyV1>(rec->span());
  REQUIRE(v1_obj);
  CHECK(v1_obj->id == 5);
  CHECK(v1_obj->name == "hooli:phone");
  CHECK(v1_obj->count == 123461);
  CHECK(v1_obj->tags == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(v1_obj->dims);
  CHECK(v1_obj->dims->h() == 8.5f);

  // Back up to v3: the color was lost at v1 and comes back as v2's default.
  auto back = uplift::read_object<W>(rec->span());
  REQUIRE(back);
  v3::WidgetT expected = v2_representable(5);
  expected.color = v3::Color::Blue;
  CHECK(*back == expected);
}

TEST_CASE("a downgrade that cannot narrow a value fails with a range error naming the step") {
  auto c = uplift::codec<W>::make({.write_version = 2});
  REQUIRE(c);
  v3::WidgetT big = v2_representable(1);
  big.count = std::int64_t{1} << 40;
  auto rec = c->write(big);
  REQUIRE_FALSE(rec);
  CHECK(rec.error().code == uplift::errc::range_error);
  const std::string msg = rec.error().message();
  CHECK(msg.find("v3 -> v2") != std::string::npos);
  CHECK(msg.find("1099511627776") != std::string::npos);
  CHECK(msg.find(std::string(W::name)) != std::string::npos);

  // Through v1 the same value fails at the same step.
  auto c1 = uplift::codec<W>::make({.write_version = 1});
  REQUIRE(c1);
  auto rec1 = c1->write(big);
  REQUIRE_FALSE(rec1);
  CHECK(rec1.error().code == uplift::errc::range_error);
  CHECK(rec1.error().message().find("v3 -> v2") != std::string::npos);

  // A value at the edge of v2's int still goes through.
  big.count = 2147483647;
  auto edge = c->write(big);
  REQUIRE(edge);
  CHECK(version_of(edge->span()) == 2);
}

TEST_CASE("narrowing a double to a float carries infinities and NaN and refuses only finite values out of range") {
  constexpr double inf = std::numeric_limits<double>::infinity();
  float out = 0;
  CHECK(uplift::gen::narrow(inf, out, "f"));
  CHECK(out == std::numeric_limits<float>::infinity());
  CHECK(uplift::gen::narrow(-inf, out, "f"));
  CHECK(out == -std::numeric_limits<float>::infinity());
  CHECK(uplift::gen::narrow(std::numeric_limits<double>::quiet_NaN(), out, "f"));
  CHECK(out != out);
  CHECK(uplift::gen::narrow(1.5, out, "f"));
  CHECK(out == 1.5f);
  const auto too_big = uplift::gen::narrow(1e300, out, "dims.w");
  REQUIRE_FALSE(too_big);
  CHECK(too_big.error().code == uplift::errc::range_error);
  CHECK(too_big.error().message().find("dims.w") != std::string::npos);
  CHECK_FALSE(uplift::gen::narrow(-1e300, out, "f"));
}

TEST_CASE("codec make rejects out-of-range options and unreachable write versions") {
  SUBCASE("a write version this binary does not know") {
    auto c = uplift::codec<W>::make({.write_version = 9});
    REQUIRE_FALSE(c);
    CHECK(c.error().code == uplift::errc::invalid_option);
    CHECK(c.error().message().find("v9") != std::string::npos);
  }
  SUBCASE("a write version older than the first known version") {
    auto c = uplift::codec<WidgetFromV2>::make({.write_version = 1});
    REQUIRE_FALSE(c);
    CHECK(c.error().code == uplift::errc::invalid_option);
  }
  SUBCASE("a write version with no downgrade path") {
    auto c2 = uplift::codec<WidgetNoDowngrade>::make({.write_version = 2});
    REQUIRE_FALSE(c2);
    CHECK(c2.error().code == uplift::errc::no_downgrade_path);
    auto c1 = uplift::codec<WidgetNoDowngrade>::make({.write_version = 1});
    REQUIRE_FALSE(c1);
    CHECK(c1.error().code == uplift::errc::no_downgrade_path);
    auto c3 = uplift::codec<WidgetNoDowngrade>::make({.write_version = 3});
    CHECK(c3);
  }
  SUBCASE("a verifier depth or table limit of 0") {
    auto depth = uplift::codec<W>::make({.max_depth = 0});
    REQUIRE_FALSE(depth);
    CHECK(depth.error().code == uplift::errc::invalid_option);
    auto tables = uplift::codec<W>::make({.max_tables = 0});
    REQUIRE_FALSE(tables);
    CHECK(tables.error().code == uplift::errc::invalid_option);
  }
  SUBCASE("write version 0 means the latest") {
    auto c = uplift::codec<W>::make({.write_version = 0});
    REQUIRE(c);
    CHECK(c->write_version() == 3);
  }
}

TEST_CASE("a failed set_write_version leaves the previous write version in place") {
  auto c = uplift::codec<W>::make({.write_version = 2});
  REQUIRE(c);
  auto bad = c->set_write_version(4);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == uplift::errc::invalid_option);
  CHECK(c->write_version() == 2);
  auto rec = c->write(v2_representable(3));
  REQUIRE(rec);
  CHECK(version_of(rec->span()) == 2);

  uplift::codec<WidgetNoDowngrade> nd;
  CHECK(nd.write_version() == 3);
  auto unreachable = nd.set_write_version(1);
  REQUIRE_FALSE(unreachable);
  CHECK(unreachable.error().code == uplift::errc::no_downgrade_path);
  CHECK(nd.write_version() == 3);
}

TEST_CASE("a downgrade step the descriptor leaves out is not taken, and refusing it says why") {
  auto c1 = uplift::codec<WidgetLeftOut>::make({.write_version = 1});
  REQUIRE_FALSE(c1);
  CHECK(c1.error().code == uplift::errc::no_downgrade_path);
  CHECK(c1.error().stored_version == 1);
  CHECK(c1.error().detail() == "cannot write v1: v1 is left out of this test record");

  // The steps it does not leave out are taken as before.
  auto c2 = uplift::codec<WidgetLeftOut>::make({.write_version = 2});
  REQUIRE(c2);
  auto rec = c2->write(v2_representable(5));
  REQUIRE(rec);
  CHECK(version_of(rec->span()) == 2);
  auto again = c2->set_write_version(1);
  REQUIRE_FALSE(again);
  CHECK(again.error().detail() == "cannot write v1: v1 is left out of this test record");
  CHECK(c2->write_version() == 2);

  // A descriptor that leaves nothing out says which downgrades to add.
  auto nd = uplift::codec<WidgetNoDowngrade>::make({.write_version = 1});
  REQUIRE_FALSE(nd);
  CHECK(nd.error().detail() == "cannot write v1: add downgrade steps for every version between it and v3");
}

TEST_CASE("set_write_version changes what write writes") {
  auto c = uplift::codec<W>::make({.write_version = 2});
  REQUIRE(c);
  const v3::WidgetT obj = v2_representable(11);
  auto before = c->write(obj);
  REQUIRE(before);
  CHECK(version_of(before->span()) == 2);

  REQUIRE(c->set_write_version(3));
  CHECK(c->write_version() == 3);
  auto after = c->write(obj);
  REQUIRE(after);
  CHECK(version_of(after->span()) == 3);

  REQUIRE(c->set_write_version(0));  // 0: back to the latest, which it already is
  CHECK(c->write_version() == 3);
  REQUIRE(c->set_write_version(1));
  auto oldest = c->write(obj);
  REQUIRE(oldest);
  CHECK(version_of(oldest->span()) == 1);

  // Both records read back as the same latest object.
  auto a = c->read_object(before->span());
  auto b = c->read_object(after->span());
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a == obj);
  CHECK(*b == obj);
}

TEST_CASE("flipping the write version while threads write and read gives only v2 then v3") {
  auto made = uplift::codec<W>::make({.write_version = 2});
  REQUIRE(made);
  const uplift::codec<W>& c = *made;
  uplift::codec<W>& knob = *made;

  constexpr int threads = 4;
  constexpr int min_ops = 1000;            // per thread, before and after the flip together
  constexpr int min_ops_after_flip = 100;  // per thread, once the flip is visible
  constexpr int flip_after = threads * min_ops / 3;

  std::atomic<int> ops_done{0};
  std::atomic<bool> flipped{false};
  std::atomic<bool> flip_failed{false};
  // Tallies, checked on the main thread afterwards.
  std::atomic<int> v2_records{0}, v3_records{0}, other_records{0};
  std::atomic<int> failed_writes{0}, unreadable{0}, wrong_values{0};
  std::atomic<int> after_flip{0}, v2_after_flip{0};

  auto worker = [&](int t) {
    int after = 0;
    // Bounded: the flipper flips once a third of the operations are done, or gives up.
    for (int i = 0; i < min_ops || (after < min_ops_after_flip && !flip_failed.load()); ++i) {
      const bool flip_seen = flipped.load(std::memory_order_acquire);
      if (flip_seen) ++after;
      const auto id = static_cast<std::uint32_t>(t * 100000 + i);
      const v3::WidgetT obj = v2_representable(id);
      auto rec = c.write(obj);
      ops_done.fetch_add(1, std::memory_order_relaxed);
      if (!rec) {
        ++failed_writes;
        continue;
      }
      const std::uint16_t v = version_of(rec->span());
      if (v == 2)
        ++v2_records;
      else if (v == 3)
        ++v3_records;
      else
        ++other_records;
      if (flip_seen) {
        ++after_flip;
        if (v != 3) ++v2_after_flip;
      }
      auto view = c.read(rec->span());
      auto back = c.read_object(rec->span());
      if (!view || !back) {
        ++unreadable;
      } else if (view->stored_version() != v || (*view)->id() != id ||
                 (*view)->maker()->str() != "hooli" || !(*back == obj)) {
        ++wrong_values;
      }
    }
  };

  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker, t);
  std::thread flipper([&] {
    while (ops_done.load(std::memory_order_relaxed) < flip_after) std::this_thread::yield();
    if (knob.set_write_version(3))
      flipped.store(true, std::memory_order_release);
    else
      flip_failed.store(true);
  });
  flipper.join();
  for (auto& th : pool) th.join();

  CHECK(flipped.load());
  CHECK(c.write_version() == 3);
  CHECK(other_records.load() == 0);
  CHECK(failed_writes.load() == 0);
  CHECK(unreadable.load() == 0);
  CHECK(wrong_values.load() == 0);
  CHECK(v2_records.load() >= flip_after);  // everything before the flip was written at v2
  CHECK(v3_records.load() >= threads * min_ops_after_flip);
  CHECK(after_flip.load() >= threads * min_ops_after_flip);
  CHECK(v2_after_flip.load() == 0);
  CHECK(v2_records.load() + v3_records.load() == ops_done.load());
}

TEST_CASE("a v3 record is too new for a v1..v2 binary under either newer policy") {
  auto rec = uplift::write<W>(sample_v3());

  uplift::codec<WidgetUpToV2> strict;
  auto r = strict.read(rec.span());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == uplift::errc::too_new);
  CHECK(r.error().stored_version == 3);
  CHECK(r.error().latest_version == 2);
  CHECK_FALSE(strict.read_object(rec.span()));

  // Its minimum reader version is 3: reading it as v2 would misread `count`.
  auto lenient = uplift::codec<WidgetUpToV2>::make({.newer = uplift::newer_policy::read_as_latest});
  REQUIRE(lenient);
  auto l = lenient->read(rec.span());
  REQUIRE_FALSE(l);
  CHECK(l.error().code == uplift::errc::too_new);
  CHECK(l.error().message().find("minimum reader version is v3") != std::string::npos);
  auto lo = lenient->read_object(rec.span());
  REQUIRE_FALSE(lo);
  CHECK(lo.error().code == uplift::errc::too_new);
}

TEST_CASE("a v2 record is read as latest by a v1-only binary only when the policy allows it") {
  auto rec = uplift::write<W>(sample_v2());

  uplift::codec<WidgetOnlyV1> strict;
  auto rejected = strict.read(rec.span());
  REQUIRE_FALSE(rejected);
  CHECK(rejected.error().code == uplift::errc::too_new);
  auto rejected_obj = strict.read_object(rec.span());
  REQUIRE_FALSE(rejected_obj);
  CHECK(rejected_obj.error().code == uplift::errc::too_new);

  auto lenient = uplift::codec<WidgetOnlyV1>::make({.newer = uplift::newer_policy::read_as_latest});
  REQUIRE(lenient);
  auto r = lenient->read(rec.span());
  REQUIRE(r);
  CHECK(r->from_newer());
  CHECK(r->stored_version() == 2);
  CHECK((*r)->id() == 42);
  CHECK((*r)->name()->str() == "globex:gear");  // v2's label, renamed in place
  CHECK((*r)->count() == 1000);
  CHECK(r->bytes().data() == rec.data());  // handed back as it is, never rewritten

  auto o = lenient->read_object(rec.span());
  REQUIRE(o);
  CHECK(o->name == "globex:gear");
  CHECK(o->tags == std::vector<std::string>{"plastic"});

  // A record of the binary's own version is not from a newer one.
  auto own = lenient->read(uplift::write<WidgetOnlyV1>(sample_v1()).span());
  REQUIRE(own);
  CHECK_FALSE(own->from_newer());
}

TEST_CASE("a codec with verification off reads valid records the same as with it on") {
  auto unverified = uplift::codec<W>::make({.verify = false});
  REQUIRE(unverified);
  CHECK_FALSE(unverified->options().verify);
  uplift::codec<W> verified;
  CHECK(verified.options().verify);

  std::vector<uplift::buffer> records;
  records.push_back(uplift::write<W>(sample_v1()));
  records.push_back(uplift::write<W>(sample_v2()));
  records.push_back(uplift::write<W>(sample_v3()));
  for (const auto& rec : records) {
    CAPTURE(version_of(rec.span()));
    auto a = verified.read_object(rec.span());
    auto b = unverified->read_object(rec.span());
    REQUIRE(a);
    REQUIRE(b);
    CHECK(*a == *b);
    auto va = verified.read(rec.span());
    auto vb = unverified->read(rec.span());
    REQUIRE(va);
    REQUIRE(vb);
    CHECK(va->stored_version() == vb->stored_version());
    CHECK(va->zero_copy() == vb->zero_copy());
    CHECK((*va)->label()->str() == (*vb)->label()->str());
    CHECK((*va)->count() == (*vb)->count());
    CHECK((*va)->maker()->str() == (*vb)->maker()->str());
    REQUIRE(va->bytes().size() == vb->bytes().size());
    CHECK(std::memcmp(va->bytes().data(), vb->bytes().data(), va->bytes().size()) == 0);
  }
}

TEST_CASE("a codec reads std::string_view and std::byte span input") {
  uplift::codec<W> c;
  std::vector<uplift::buffer> records;
  records.push_back(uplift::write<W>(sample_v1()));
  records.push_back(uplift::write<W>(sample_v3()));
  for (const auto& rec : records) {
    const std::uint16_t stored = version_of(rec.span());
    CAPTURE(stored);
    std::string s(reinterpret_cast<const char*>(rec.data()), rec.size());
    std::vector<std::byte> b(rec.size());
    std::memcpy(b.data(), rec.data(), rec.size());

    auto from_string = c.read(std::string_view(s));
    auto from_bytes = c.read(std::span<const std::byte>(b));
    REQUIRE(from_string);
    REQUIRE(from_bytes);
    CHECK(from_string->stored_version() == stored);
    CHECK(from_bytes->stored_version() == stored);
    CHECK((*from_string)->id() == (*from_bytes)->id());
    CHECK((*from_string)->maker()->str() == (*from_bytes)->maker()->str());

    auto obj_string = c.read_object(std::string_view(s));
    auto obj_bytes = c.read_object(std::span<const std::byte>(b));
    auto obj_direct = c.read_object(rec.span());
    REQUIRE(obj_string);
    REQUIRE(obj_bytes);
    REQUIRE(obj_direct);
    CHECK(*obj_string == *obj_direct);
    CHECK(*obj_bytes == *obj_direct);
  }
  // Errors come through the same way.
  auto empty = c.read(std::string_view());
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == uplift::errc::empty_input);
  auto empty_obj = c.read_object(std::span<const std::byte>());
  REQUIRE_FALSE(empty_obj);
  CHECK(empty_obj.error().code == uplift::errc::empty_input);
}
