// The 6 x 16 register tile of sgemm: c (MR x NR, row stride ldc) = alpha * a b + beta * c,
// with a an MR x kc panel read in place through strides (element (i, p) at a[i * rsA + p * csA],
// so a row-major, a transposed and a packed panel are all one kernel) and b a kc x NR panel
// whose rows are NR consecutive floats, ldb apart (NR when packed). beta == 0 never reads c.
#pragma once
#include <cstdint>

namespace ftl {

constexpr int MR = 6;
constexpr int NR = 16;

void microKernelAvx2(int64_t kc, const float* a, int64_t rsA, int64_t csA, const float* b, int64_t ldb, float* c,
                     int64_t ldc, float alpha, float beta);
void microKernelPortable(int64_t kc, const float* a, int64_t rsA, int64_t csA, const float* b, int64_t ldb,
                         float* c, int64_t ldc, float alpha, float beta);

}  // namespace ftl
