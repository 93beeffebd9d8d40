// The write scenario: records of each size written by uplift (finishing a FlatBufferBuilder, an
// Object API struct into a reused buffer or into one of its own, a codec mid-rollout at v2) next to
// raw FlatBuffers (Finish, Pack) and the peers' writers (protobuf, Cap'n Proto, cereal). Each
// contender first writes every record and reads it back with its format's reader, which must give
// the reference; the timed writes must then write the sizes that pass wrote.
#include <cstdio>
#include <string>

#include "scenarios.hpp"
#include "write/dataset.hpp"
#include "write/writers.hpp"

namespace uplift_bench {

namespace {

using namespace write;

/// Checks `c` (every record written and read back, in the write order), then adds it to `su`.
template <class C>
void check_and_add(suite<dataset>& su, C& c, const dataset& d, std::uint64_t expected) {
  std::uint64_t h = checksum_seed;
  std::uint64_t sizes = checksum_seed;
  for (std::uint32_t i : d.order) {
    h = c.check(d, i, h);
    sizes = c.read(d, i, sizes);
  }
  if (h != expected) die(std::string(C::name) + ": a record it wrote reads back differently");
  su.add(c, sizes);  // the timed writes must write what the checked pass wrote
}

}  // namespace

void run_write(const settings& s, results& out) {
  for (record::size_class size : record::all_sizes) {
    const std::size_t n = s.smoke ? 40 : record::records_filling(size, 1 << 20);
    const dataset d = make_dataset(size, n, 20240605);
    const std::uint64_t expected = record::reference(
        d.records, d.order, [](std::uint64_t h, const record::logical& r) { return record::fold_all(h, r); });
    suite<dataset> su(d, checksum_seed, s);
    timed<raw_finish> finish;
    timed<uplift_finish> finish_uplift;
    timed<raw_pack> pack;
    timed<uplift_write_into> write_uplift;
    timed<uplift_write_owned> write_owned;
    timed<uplift_write_v2> write_v2;
    timed<protobuf_serialize> pb;
    timed<capnp_build> cp;
    timed<cereal_save> ce;
    check_and_add(su, finish, d, expected);  // the baseline
    check_and_add(su, finish_uplift, d, expected);
    check_and_add(su, pack, d, expected);
    check_and_add(su, write_uplift, d, expected);
    check_and_add(su, write_owned, d, expected);
    check_and_add(su, write_v2, d, expected);
    check_and_add(su, pb, d, expected);
    check_and_add(su, cp, d, expected);
    check_and_add(su, ce, d, expected);
    const std::string name(record::name_of(size));
    char title[256];
    std::snprintf(title, sizeof title, "%s records written (%zu records, in cache)", name.c_str(), n);
    out.table("write/" + name, title,
              "B/record is what each writes: uplift's records hold the 16-byte header.", n,
              su.run());
  }
}

}  // namespace uplift_bench
