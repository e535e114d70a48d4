// The 6 x 16 register tile of sgemm: c (MR x NR, row stride ldc) = alpha * a b + beta * c,
// with a a packed MR x kc panel (a[p * MR + i]) and b a packed kc x NR panel (b[p * NR + j]).
// beta == 0 never reads c.
#pragma once
#include <cstdint>

namespace ftl {

constexpr int MR = 6;
constexpr int NR = 16;

void microKernelAvx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha, float beta);
void microKernelPortable(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha, float beta);

}  // namespace ftl
