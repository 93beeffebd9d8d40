// Writing without copies: a FlatBufferBuilder's table finished as a record in place (uplift::finish,
// codec::finish), and writes into a reused write_buffer, at the latest version or, through a codec,
// an older one.
#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "test_support.hpp"

using namespace uplift_test;

namespace write_tests {

using W = uplift_test::Widget;

/// A v3 widget built with a FlatBufferBuilder, as a FlatBuffers user writes one.
flatbuffers::Offset<v3::Widget> build_widget(flatbuffers::FlatBufferBuilder& fbb, std::int64_t count) {
  const v3::Dims dims(7.0f, 8.5f);
  return v3::CreateWidgetDirect(fbb, 9, "hooli:phone", count, nullptr, &dims, v3::Color::Green,
                                "hooli");
}

std::string bytes_of(uplift::bytes_view b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

TEST_CASE("uplift::finish puts the header in front of a builder's finished table, in the builder, copying nothing") {
  flatbuffers::FlatBufferBuilder fbb;
  const uplift::bytes_view rec = uplift::finish<W>(fbb, build_widget(fbb, 42));
  CHECK(rec.data() == fbb.GetBufferPointer());
  CHECK(rec.size() == fbb.GetSize());
  CHECK(reinterpret_cast<std::uintptr_t>(rec.data()) % 8 == 0);
  CHECK((rec.size() - uplift::header_size) % 8 == 0);
  auto h = uplift::peek(rec);
  REQUIRE(h);
  CHECK(h->version == 3);
  CHECK(h->type_id == W::type_id);
  auto v = uplift::read<W>(rec);
  REQUIRE(v);
  CHECK(v->zero_copy());
  CHECK((*v)->count() == 42);
  CHECK((*v)->label()->str() == "hooli:phone");
  CHECK((*v)->maker()->str() == "hooli");
  // Released, the record is the builder's memory as it is.
  const flatbuffers::DetachedBuffer kept = fbb.Release();
  CHECK(bytes_of({kept.data(), kept.size()}) == bytes_of(rec));
}

TEST_CASE("uplift::finish of an older version's table writes a record of that version, read up as the latest") {
  flatbuffers::FlatBufferBuilder fbb;
  const auto root = v1::CreateWidgetDirect(fbb, 41, "acme:sprocket", -7);
  const uplift::bytes_view rec = uplift::finish<W>(fbb, root);
  CHECK(uplift::peek(rec)->version == 1);
  auto o = uplift::read_object<W>(rec);
  REQUIRE(o);
  CHECK(o->count == -7);
  CHECK(o->maker == "acme");
}

TEST_CASE("uplift::write into a write_buffer writes the bytes uplift::write makes, record after record") {
  uplift::write_buffer out;
  CHECK(out.record().empty());
  const v3::WidgetT a = sample_v3();
  v3::WidgetT b = sample_v3();
  b.label = "a label long enough that the builder has to grow for it";
  for (int round = 0; round < 3; ++round) {
    CHECK(bytes_of(uplift::write<W>(a, out)) == bytes_of(uplift::write<W>(a).span()));
    CHECK(bytes_of(uplift::write<W>(b, out)) == bytes_of(uplift::write<W>(b).span()));
    CHECK(bytes_of(out.record()) == bytes_of(uplift::write<W>(b).span()));
  }
  // A v1 struct into the same buffer: a v1 record.
  CHECK(uplift::peek(uplift::write<W>(sample_v1(), out))->version == 1);
}

TEST_CASE("codec::write into a write_buffer writes at the write version, as codec::write does") {
  auto c = uplift::codec<W>::make({.write_version = 2});
  REQUIRE(c);
  v3::WidgetT w = sample_v3();
  w.count = 5;
  w.parts.clear();
  uplift::write_buffer out;
  auto rec = c->write(w, out);
  REQUIRE(rec);
  CHECK(uplift::peek(*rec)->version == 2);
  CHECK(bytes_of(*rec) == bytes_of(c->write(w)->span()));

  w.count = std::int64_t{1} << 40;  // does not fit v2's int
  auto failed = c->write(w, out);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == uplift::errc::range_error);
  CHECK(out.record().empty());
}

TEST_CASE("codec::finish finishes in place at the latest version and rewrites the builder at an older one") {
  auto latest = uplift::codec<W>::make({});
  REQUIRE(latest);
  flatbuffers::FlatBufferBuilder fbb;
  auto rec = latest->finish(fbb, build_widget(fbb, 42));
  REQUIRE(rec);
  CHECK(rec->data() == fbb.GetBufferPointer());
  CHECK(uplift::peek(*rec)->version == 3);

  auto at_v2 = uplift::codec<W>::make({.write_version = 2});
  REQUIRE(at_v2);
  fbb.Clear();
  rec = at_v2->finish(fbb, build_widget(fbb, 42));
  REQUIRE(rec);
  CHECK(rec->data() == fbb.GetBufferPointer());
  CHECK(uplift::peek(*rec)->version == 2);
  auto back = uplift::read_object<W>(*rec);
  REQUIRE(back);
  CHECK(back->count == 42);
  CHECK(back->label == "hooli:phone");

  fbb.Clear();
  auto failed = at_v2->finish(fbb, build_widget(fbb, std::int64_t{1} << 40));
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == uplift::errc::range_error);
  CHECK(fbb.GetSize() == 0);
}

}  // namespace write_tests
