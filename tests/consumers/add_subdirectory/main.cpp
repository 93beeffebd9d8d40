// Writes records with uplift built from its sources, reads them back through a codec, and exits
// non-zero on any mismatch.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <uplift/uplift.hpp>

#include "note/v1_generated.h"

namespace consumer {
/// A record with a single version.
struct Note {
  static constexpr std::string_view name = "consumer.Note";
  static constexpr std::uint32_t type_id = uplift::type_id_of(name);
  using versions = uplift::versions<uplift::version<1, v1::Note>>;
  static constexpr auto upgrades = uplift::steps();
};
}  // namespace consumer

namespace {
int failed(const char* what) {
  std::fprintf(stderr, "add_subdirectory consumer: %s\n", what);
  return 1;
}
}  // namespace

int main() {
  const uplift::codec<consumer::Note> c;
  for (std::uint64_t id = 1; id <= 3; ++id) {
    consumer::v1::NoteT note;
    note.id = id;
    note.text = "note " + std::to_string(id) + " from an add_subdirectory consumer";
    note.tags.assign(id, "tag");

    auto rec = c.write(note);
    if (!rec) return failed(rec.error().message().c_str());
    auto r = c.read(rec->span());
    if (!r) return failed(r.error().message().c_str());
    if (r->stored_version() != 1 || r->upgraded()) return failed("stored version is not v1");
    if ((*r)->id() != id) return failed("id differs");
    if ((*r)->text() == nullptr || (*r)->text()->str() != note.text) return failed("text differs");
    if ((*r)->tags() == nullptr || (*r)->tags()->size() != id) return failed("tags differ");

    auto o = c.read_object(rec->span());
    if (!o) return failed(o.error().message().c_str());
    if (!(*o == note)) return failed("read_object returned a different note");
  }

  // A record of another type is refused.
  consumer::v1::NoteT other;
  uplift::buffer rec = uplift::write<consumer::Note>(other);
  std::uint8_t* type_id = rec.data() + 8;
  type_id[0] ^= 0xFF;
  auto r = c.read(rec.span());
  if (r || r.error().code != uplift::errc::wrong_record_type)
    return failed("a record of another type was not rejected with errc::wrong_record_type");

  std::printf("add_subdirectory consumer: 3 notes written and read back with uplift %d\n",
              uplift::library_version);
  return 0;
}
