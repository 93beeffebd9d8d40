// Writes a record with an installed uplift, reads it back, and exits non-zero on any mismatch.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

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
  std::fprintf(stderr, "find_package consumer: %s\n", what);
  return 1;
}
}  // namespace

int main() {
  consumer::v1::NoteT note;
  note.id = 9'000'000'001ULL;
  note.text = "written by a find_package consumer";
  note.tags = {"installed", "packaged"};

  const uplift::buffer rec = uplift::write<consumer::Note>(note);
  auto h = uplift::peek(rec);
  if (!h) return failed(h.error().message().c_str());
  if (h->version != 1 || h->type_id != consumer::Note::type_id)
    return failed("the header does not name consumer.Note v1");

  auto r = uplift::read<consumer::Note>(rec.span());
  if (!r) return failed(r.error().message().c_str());
  if (!r->zero_copy()) return failed("a latest-version record was not read zero-copy");
  if ((*r)->id() != note.id) return failed("id differs");
  if ((*r)->text() == nullptr || (*r)->text()->str() != note.text) return failed("text differs");
  if ((*r)->tags() == nullptr || (*r)->tags()->size() != 2 ||
      (*r)->tags()->Get(1)->str() != "packaged")
    return failed("tags differ");

  auto o = uplift::read_object<consumer::Note>(rec.span());
  if (!o) return failed(o.error().message().c_str());
  if (!(*o == note)) return failed("read_object returned a different note");

  // Bad input is an error value.
  std::vector<std::uint8_t> bad = rec.to_vector();
  bad[0] = 'X';
  auto b = uplift::read<consumer::Note>(uplift::bytes_view(bad));
  if (b || b.error().code != uplift::errc::bad_magic)
    return failed("a record with a broken magic was not rejected with errc::bad_magic");

  std::printf("find_package consumer: wrote and read back %s (%zu bytes) with uplift %d\n",
              note.text.c_str(), rec.size(), uplift::library_version);
  return 0;
}
