// Fuzz target: binary rows written before uplift (plain FlatBuffers, no header) of the shipped
// record demo.User, read by each untagged rule: by their shape (the generated root shapes), by a
// sniffer that looks at the buffer's fields through uplift::binary_shape, and as a fixed version.
// Each input is read aligned and from an odd address.

#include <uplift/uplift.hpp>

#include "fuzz_support.hpp"
#include "user_uplift.hpp"

using uplift_fuzz::expect;

namespace {

/// A sniffer as a service would write one: v2 and v3 by a field only they hold.
std::uint16_t sniff(const uplift::binary_shape& b) {
  if (!b.is_flatbuffer()) return 0;
  if (b.has(demo::v3::User::VT_FAMILY_NAME)) return 3;
  if (b.has(demo::v2::User::VT_CREATED_AT)) return 2;
  return 0;
}

void read_with(uplift::bytes_view in, const uplift::options& o) {
  const bool tagged = uplift::peek(in).has_value();
  auto v = uplift::read<demo::User>(in, o);
  auto obj = uplift::read_object<demo::User>(in, o);
  expect(v.has_value() == obj.has_value(), "read and read_object accept the same buffers");
  if (!v) {
    expect(v.error().code == obj.error().code, "read and read_object give the same error");
    expect(!v.error().message().empty(), "an error has a message");
    if (v.error().code == uplift::errc::ambiguous_version)
      expect(o.untagged == uplift::untagged_binary::by_shape, "only a shape can be ambiguous");
    return;
  }
  const std::uint16_t version = v->stored_version();
  expect(version >= 1 && version <= 3, "a buffer reads as a version this binary knows");
  if (!tagged) {
    // The sniffer is asked first; its 0 leaves the version to the rule.
    const std::uint16_t sniffed = o.untagged_sniffer ? sniff(uplift::binary_shape(in)) : 0;
    if (sniffed != 0)
      expect(version == sniffed, "a buffer reads as the version its sniffer returned");
    else if (o.untagged == uplift::untagged_binary::as_version)
      expect(version == o.untagged_version, "as_version reads the version it names");
    expect(o.untagged != uplift::untagged_binary::by_sniffer || sniffed != 0,
           "by_sniffer reads only what its sniffer could tell");
    if (o.untagged == uplift::untagged_binary::by_shape)
      expect(uplift::binary_shape(in).is_flatbuffer(), "a shape is read only from a FlatBuffer");
  }
  expect(obj->email == ((*v)->email() ? (*v)->email()->str() : ""), "read and read_object agree");
  // What was read is written as a tagged record, which reads back the same without the rule.
  const uplift::buffer again = uplift::write<demo::User>(*obj);
  auto back = uplift::read_object<demo::User>(again.span());
  expect(back.has_value() && back->email == obj->email && back->id == obj->id,
         "a buffer read writes back as a record");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  uplift_fuzz::aligned_and_odd(data, size, [](uplift::bytes_view in) {
    read_with(in, {.untagged = uplift::untagged_binary::by_shape});
    read_with(in, {.untagged = uplift::untagged_binary::by_sniffer, .untagged_sniffer = sniff});
    read_with(in, {.untagged = uplift::untagged_binary::as_version, .untagged_version = 1});
    read_with(in, {.untagged = uplift::untagged_binary::as_version, .untagged_version = 2,
                   .untagged_sniffer = sniff});
  });
  return 0;
}
