// The version_mix scenario: records stored at a mix of versions, read as the latest by uplift, by
// hand-written FlatBuffers migrations and by each peer library's own way of reading old data.
#include <cstdio>
#include <string>

#include "scenarios.hpp"
#include "version_mix/avro_resolving.hpp"
#include "version_mix/capnp_migration.hpp"
#include "version_mix/cereal_versioned.hpp"
#include "version_mix/dataset.hpp"
#include "version_mix/fused_rebuild.hpp"
#include "version_mix/object_api_migration.hpp"
#include "version_mix/protobuf_migration.hpp"
#include "version_mix/uplift_read.hpp"

namespace uplift_bench {

void run_version_mix(const settings& s, results& out) {
  using namespace version_mix;
  for (record::size_class size : record::all_sizes) {
    const std::size_t n = s.smoke ? 40 : record::records_filling(size, 1 << 20);
    for (const stored_mix& m : all_mixes) {
      const dataset d = make_dataset(size, m, n, 20240602);
      const std::uint64_t expected = record::reference(
          d.records, d.order, [](std::uint64_t h, const record::logical& r) { return record::fold_all(h, r); });
      suite<dataset> su(d, checksum_seed, s);
      fused_rebuild fused;
      object_api_migration object_api;
      uplift_read<false> trusted;
      uplift_read<true> verified;
      uplift_read_reused<false> reused_trusted;
      uplift_read_reused<true> reused_verified;
      protobuf_migration pb;
      capnp_migration cp;
      avro_resolving av;
      cereal_versioned ce;
      su.add(fused, expected);  // the baseline
      su.add(object_api, expected);
      su.add(trusted, expected);
      su.add(verified, expected);
      su.add(reused_trusted, expected);
      su.add(reused_verified, expected);
      su.add(pb, expected);
      su.add(cp, expected);
      su.add(av, expected);
      su.add(ce, expected);
      const std::string name(record::name_of(size));
      char title[256];
      std::snprintf(title, sizeof title, "%s records, %.*s (%zu records, in cache), all fields",
                    name.c_str(), static_cast<int>(m.title.size()), m.title.data(), n);
      out.table("version_mix/" + name + "/" + std::string(m.id), title, "", n, su.run());
    }
  }
}

}  // namespace uplift_bench
