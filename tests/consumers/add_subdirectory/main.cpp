// Writes records with uplift built from its sources, reads them back through a codec, runs the
// compiled runtime's backfill and histogram over them in a memory store, and exits non-zero on any
// mismatch.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <uplift/rows/backfill.hpp>
#include <uplift/rows/histogram.hpp>
#include <uplift/store/memory.hpp>
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
  uplift::memory_store notes({.table = "notes"});
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
    if (!notes.put(static_cast<std::int64_t>(id), rec->as_string_view()))
      return failed("the memory store could not hold a note");
  }

  // The runtime (libuplift, built by add_subdirectory): a backfill finds every note current.
  auto job = uplift::backfill::start(notes, c);
  if (!job) return failed(job.error().message().c_str());
  if (auto done = job->wait(); !done) return failed(done.error().message().c_str());
  if (job->progress().counters.already_current != 3 || job->progress().counters.upgraded != 0)
    return failed("the backfill did not find the three notes current");
  auto h = uplift::histogram(notes, c);
  if (!h || h->at(1) != 3 || h->rows() != 3) return failed("the histogram does not count 3 notes at v1");

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
