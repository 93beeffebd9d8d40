#pragma once
// uplift-bench's scenarios, one folder each; each runs its tables and hands them to `results`.

#include <string>

#include "harness.hpp"
#include "results.hpp"

namespace uplift_bench {

/// Reading records stored at the latest version: sizes S/M/L, a set in cache and one several
/// times the last-level cache, all fields and two fields; uplift, raw FlatBuffers and the peers.
void run_read_latest(const settings& s, results& out);

/// Reading a mix of versions (all latest, all v1, 90/9/1): uplift against hand-written
/// FlatBuffers migrations and each peer library's own way of reading old data.
void run_version_mix(const settings& s, results& out);

/// Chains of depth 0, 1, 3 and 10 of one kind of step each: appended fields, renames, widenings,
/// computed fields; uplift against raw reads and hand-written migrations.
void run_chain_depth(const settings& s, results& out);

/// Reading JSON records: uplift::read_json against hand-written simdjson and nlohmann-json.
void run_read_json(const settings& s, results& out);

/// Writing records: uplift's writes (a FlatBufferBuilder finished as a record, an Object API
/// struct, a codec mid-rollout) against raw FlatBuffers and the peers' writers.
void run_write(const settings& s, results& out);

/// Formats a byte count as "1.2 MiB".
std::string pretty_bytes(double bytes);

}  // namespace uplift_bench
