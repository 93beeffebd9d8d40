// The hooks of the computed chain (schemas/bench/chain_computed): step k fills c_k with the day k
// days after created_at, a field hook on the vk fields (the rebuild of an old record calls every
// hook on its way in one pass). Its downgrades have nothing to fill (the older version has no field
// the newer lacks).
#include "chain_computed_uplift.hpp"

namespace bench::computed {

namespace {
constexpr std::int64_t day = 86'400;
}  // namespace

std::int64_t upgrade_c1(const uplift_fields_Chain::v1& from) { return from.created_at() + 1 * day; }
std::int64_t upgrade_c2(const uplift_fields_Chain::v2& from) { return from.created_at() + 2 * day; }
std::int64_t upgrade_c3(const uplift_fields_Chain::v3& from) { return from.created_at() + 3 * day; }
std::int64_t upgrade_c4(const uplift_fields_Chain::v4& from) { return from.created_at() + 4 * day; }
std::int64_t upgrade_c5(const uplift_fields_Chain::v5& from) { return from.created_at() + 5 * day; }
std::int64_t upgrade_c6(const uplift_fields_Chain::v6& from) { return from.created_at() + 6 * day; }
std::int64_t upgrade_c7(const uplift_fields_Chain::v7& from) { return from.created_at() + 7 * day; }
std::int64_t upgrade_c8(const uplift_fields_Chain::v8& from) { return from.created_at() + 8 * day; }
std::int64_t upgrade_c9(const uplift_fields_Chain::v9& from) { return from.created_at() + 9 * day; }
std::int64_t upgrade_c10(const uplift_fields_Chain::v10& from) { return from.created_at() + 10 * day; }

}  // namespace bench::computed
