// Data movement kernels (memory-bound, no SIMD variants): transposes and row gathers.
#pragma once
#include <cstdint>

namespace ftl {

// out = x transposed by perm (rank <= 6), 4-byte elements.
void transpose(int rank, const int64_t* shape, const int* perm, const float* x, float* out);
// out[i, :] = table[ids[i], :]; returns the position of the first id outside [0, tableRows), or -1.
int64_t gatherRows(const float* table, int64_t tableRows, int64_t cols, const int32_t* ids, int64_t n, float* out);

}  // namespace ftl
