// Run-time choice of the kernel table (cpuid + WARPDESK_SIMD) and the level-independent helpers.
#pragma once
#include <string>
#include <vector>

#include "kernels.h"

namespace wd {

// Levels this build + CPU support, lowest first ("scalar", "sse4", "avx2", "avx512" or "neon").
const std::vector<std::string>& available_levels();
// The active kernel table.
const Kernels* active();
// Selects a level by name (must be available); returns false otherwise.
bool set_level(const std::string& name);
// Why WARPDESK_SIMD was not honoured, if it was set to something unusable ("" otherwise).
const std::string& env_note();

}  // namespace wd
