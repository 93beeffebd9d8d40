// The read_latest scenario: records stored at the latest version, read by every contender.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "common/machine.hpp"
#include "read_latest/avro.hpp"
#include "read_latest/capnp.hpp"
#include "read_latest/cereal.hpp"
#include "read_latest/dataset.hpp"
#include "read_latest/memcpy.hpp"
#include "read_latest/protobuf.hpp"
#include "read_latest/raw_read.hpp"
#include "read_latest/raw_root.hpp"
#include "read_latest/raw_unpack.hpp"
#include "read_latest/uplift_object.hpp"
#include "read_latest/uplift_read.hpp"
#include "read_latest/uplift_untagged.hpp"
#include "scenarios.hpp"

namespace uplift_bench {

namespace {

using read_latest::dataset;

template <class Fields>
void run_table(const dataset& d, const std::string& set_id, const std::string& set_title,
               const std::string& note, const settings& s, results& out) {
  using namespace read_latest;
  const std::uint64_t expected =
      record::reference(d.records, d.order, [](std::uint64_t h, const record::logical& r) {
        return Fields::all ? record::fold_all(h, r) : record::fold_two(h, r);
      });
  suite<dataset> su(d, checksum_seed, s);
  raw_read<Fields, false> base;
  su.add(base, expected);  // the baseline
  memcpy_bytes copy;
  raw_root root;
  raw_unpack unpack;
  uplift_object object;
  if constexpr (Fields::all) {
    su.add(copy, memcpy_bytes::expected(d));
    su.add(root, record::reference(d.records, d.order, record::fold_id));
  }
  raw_read<Fields, true> verified;
  su.add(verified, expected);
  if constexpr (Fields::all) su.add(unpack, expected);
  uplift_read<Fields, false> up_trusted;
  uplift_read<Fields, true> up_verified;
  su.add(up_trusted, expected);
  su.add(up_verified, expected);
  uplift_untagged<Fields, uplift::untagged_binary::as_version> up_untagged_v3;
  uplift_untagged<Fields, uplift::untagged_binary::by_shape> up_untagged_shape;
  su.add(up_untagged_v3, expected);
  su.add(up_untagged_shape, expected);
  if constexpr (Fields::all) su.add(object, expected);
  protobuf_parse<Fields> pb;
  capnp_read<Fields> cp;
  avro_read<Fields> av;
  cereal_load<Fields> ce;
  su.add(pb, expected);
  su.add(cp, expected);
  su.add(av, expected);
  su.add(ce, expected);
  const std::string fields = Fields::all ? "all" : "two";
  out.table("read_latest/" + set_id + "/" + fields,
            set_title + ", " + std::string(Fields::name), note, d.order.size(), su.run());
}

}  // namespace

std::string pretty_bytes(double bytes) {
  char buf[64];
  if (bytes >= 1024.0 * 1024.0)
    std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / (1024.0 * 1024.0));
  else if (bytes >= 1024.0)
    std::snprintf(buf, sizeof buf, "%.1f KiB", bytes / 1024.0);
  else
    std::snprintf(buf, sizeof buf, "%.0f B", bytes);
  return buf;
}

void run_read_latest(const settings& s, results& out) {
  const std::size_t llc = llc_bytes();
  for (record::size_class size : record::all_sizes) {
    struct set_kind {
      std::string id, title;
      std::size_t records;
    };
    const set_kind sets[] = {
        {"cache", "in cache",
         s.smoke ? 16 : record::records_filling(size, 1 << 20)},
        {"beyond_llc", "4x the last-level cache",
         s.smoke ? 24 : record::records_filling(size, 4.0 * static_cast<double>(llc))},
    };
    for (const set_kind& set : sets) {
      const dataset d = read_latest::make_dataset(size, set.records, 20240601);
      const std::string name(record::name_of(size));
      char title[256];
      std::snprintf(title, sizeof title, "%s records, %s (%zu records, %s as FlatBuffers)",
                    name.c_str(), set.title.c_str(), d.order.size(),
                    pretty_bytes(static_cast<double>(d.flatbuffers.total_bytes())).c_str());
      const std::string note =
          "Set sizes: FlatBuffers " + pretty_bytes(static_cast<double>(d.flatbuffers.total_bytes())) +
          ", uplift records " + pretty_bytes(static_cast<double>(d.records_v3.total_bytes())) +
          ", protobuf " + pretty_bytes(static_cast<double>(d.peers.protobuf.total_bytes())) +
          ", Cap'n Proto " + pretty_bytes(static_cast<double>(d.peers.capnp.total_bytes())) +
          ", Avro " + pretty_bytes(static_cast<double>(d.peers.avro.total_bytes())) + ", cereal " +
          pretty_bytes(static_cast<double>(d.peers.cereal.total_bytes())) + ".";
      run_table<record::all_fields>(d, name + "/" + set.id, title, note, s, out);
      run_table<record::two_fields>(d, name + "/" + set.id, title, note, s, out);
    }
  }
}

}  // namespace uplift_bench
