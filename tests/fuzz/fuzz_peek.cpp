// Fuzz target: uplift::peek, the header reader the backfill and the histogram run on every row.
#include <algorithm>

#include <uplift/header.hpp>

#include "fuzz_support.hpp"

using uplift_fuzz::expect;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const uplift::bytes_view in(data, size);
  auto h = uplift::peek(in);
  if (!h) {
    expect(h.error().code != uplift::errc::ok, "a failed peek names its error");
    expect(!h.error().message().empty(), "a failed peek's error has a message");
    return 0;
  }
  expect(h->size >= uplift::header_size && h->size <= size, "the header fits the input");
  expect(h->version != 0 && h->min_reader_version != 0 && h->min_reader_version <= h->version,
         "a header that peek accepts has sane versions");
  if (h->size == uplift::header_size) {
    const auto again = uplift::encode_header(*h);
    expect(std::equal(again.begin(), again.end(), data), "a 16-byte header encodes back as read");
  }
  return 0;
}
