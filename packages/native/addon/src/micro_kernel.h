// The register tiles of sgemm: c (mr x NR, row stride ldc) = alpha * a b + beta * c,
// with a an MR x kc panel read in place through strides (element (i, p) at a[i * rsA + p * csA],
// so a row-major, a transposed and a packed panel are all one kernel) and b a kc x NR panel
// whose rows are NR consecutive floats, ldb apart (NR when packed). beta == 0 never reads c.
#pragma once
#include <cstdint>

namespace ftl {

// Rows per tile: 6 for the AVX2 and portable kernels, 12 for AVX-512 (one zmm of B per k step
// serves 12 rows). The columns, and so the packed-B layout, are the same for all: NR = 16.
constexpr int MR = 6;
constexpr int MR_AVX512 = 12;
constexpr int MR_MAX = 12;
constexpr int NR = 16;

void microKernelAvx2(int64_t kc, const float* a, int64_t rsA, int64_t csA, const float* b, int64_t ldb, float* c,
                     int64_t ldc, float alpha, float beta);
void microKernelAvx512(int64_t kc, const float* a, int64_t rsA, int64_t csA, const float* b, int64_t ldb, float* c,
                       int64_t ldc, float alpha, float beta);
void microKernelPortable(int64_t kc, const float* a, int64_t rsA, int64_t csA, const float* b, int64_t ldb,
                         float* c, int64_t ldc, float alpha, float beta);

}  // namespace ftl
