#pragma once
/// uplift's own version. Generated headers `static_assert` that they match it.

#define UPLIFT_VERSION_MAJOR 0
#define UPLIFT_VERSION_MINOR 1
#define UPLIFT_VERSION_PATCH 0
/// One number to compare: major * 10000 + minor * 100 + patch.
#define UPLIFT_VERSION (UPLIFT_VERSION_MAJOR * 10000 + UPLIFT_VERSION_MINOR * 100 + UPLIFT_VERSION_PATCH)

namespace uplift {
/// The library version as a number (see UPLIFT_VERSION).
inline constexpr int library_version = UPLIFT_VERSION;
}  // namespace uplift
