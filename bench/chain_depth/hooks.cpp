// The hooks of the computed chain (schemas/bench/chain_computed): step k fills c_k with the day k
// days after created_at. Its downgrades have nothing to fill (the older version has no field the
// newer lacks).
#include "chain_computed_uplift.hpp"

namespace bench::computed {

namespace {
constexpr std::int64_t day = 86'400;
}  // namespace

void upgrade(const v1::ChainT& from, v2::ChainT& to) { to.c1 = from.created_at + 1 * day; }
void upgrade(const v2::ChainT& from, v3::ChainT& to) { to.c2 = from.created_at + 2 * day; }
void upgrade(const v3::ChainT& from, v4::ChainT& to) { to.c3 = from.created_at + 3 * day; }
void upgrade(const v4::ChainT& from, v5::ChainT& to) { to.c4 = from.created_at + 4 * day; }
void upgrade(const v5::ChainT& from, v6::ChainT& to) { to.c5 = from.created_at + 5 * day; }
void upgrade(const v6::ChainT& from, v7::ChainT& to) { to.c6 = from.created_at + 6 * day; }
void upgrade(const v7::ChainT& from, v8::ChainT& to) { to.c7 = from.created_at + 7 * day; }
void upgrade(const v8::ChainT& from, v9::ChainT& to) { to.c8 = from.created_at + 8 * day; }
void upgrade(const v9::ChainT& from, v10::ChainT& to) { to.c9 = from.created_at + 9 * day; }
void upgrade(const v10::ChainT& from, v11::ChainT& to) { to.c10 = from.created_at + 10 * day; }

void downgrade(const v2::ChainT&, v1::ChainT&) {}
void downgrade(const v3::ChainT&, v2::ChainT&) {}
void downgrade(const v4::ChainT&, v3::ChainT&) {}
void downgrade(const v5::ChainT&, v4::ChainT&) {}
void downgrade(const v6::ChainT&, v5::ChainT&) {}
void downgrade(const v7::ChainT&, v6::ChainT&) {}
void downgrade(const v8::ChainT&, v7::ChainT&) {}
void downgrade(const v9::ChainT&, v8::ChainT&) {}
void downgrade(const v10::ChainT&, v9::ChainT&) {}
void downgrade(const v11::ChainT&, v10::ChainT&) {}

}  // namespace bench::computed
