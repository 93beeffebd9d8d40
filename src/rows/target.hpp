// The version a backfill (or its dry run) brings rows to, chosen and checked in one place.
#pragma once

#include <cstdint>
#include <string>

#include <uplift/record_handle.hpp>
#include <uplift/store/store.hpp>

namespace uplift::detail {

/// The target version for `requested` (0: the latest, refused while the handle writes an older
/// one, mid-rollout), checked to be one the handle can write; and that the handle reads the
/// rows of a column of format `column`.
inline result<std::uint16_t> backfill_target(const record_handle& record, value_format column,
                                             std::uint16_t requested) {
  if (column != value_format::binary && !record.reads_json())
    return needs_json_handle(record.name(), "the table's value column holds JSON rows");
  const std::uint16_t first = record.first_version(), latest = record.latest_version();
  const std::uint16_t writes = record.write_version();
  if (requested == 0 && writes != latest)
    return error(errc::invalid_option, record.name(), writes, latest)
        .with_detail("the backfill's target version is not set and the codec writes v" +
                     std::to_string(writes) + ", not the latest v" + std::to_string(latest) +
                     ": set backfill_options::target_version to " + std::to_string(latest) +
                     " once every reader reads v" + std::to_string(latest) + ", or to " +
                     std::to_string(writes) + " to rewrite old rows at what the codec writes");
  const std::uint16_t target = requested != 0 ? requested : latest;
  if (target < first || target > latest)
    return error(errc::invalid_option, record.name(), target, latest)
        .with_detail("the backfill's target version v" + std::to_string(target) +
                     " is not one of " + version_range(first, latest));
  if (auto st = record.check_write_version(target); !st) return std::move(st).error();
  return target;
}

}  // namespace uplift::detail
