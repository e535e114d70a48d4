// Single-precision matrix products for row-major matrices, the one routine that dominates a
// transformer's training step:
//   C = alpha * op(A) op(B) + beta * C,   op(X) = X or X^T,   op(A): m x k, op(B): k x n.
// BLIS-style: B is packed into k x 16 column panels, A into 6 x k row panels, and a 6 x 16
// register tile (AVX2 + FMA where the CPU has them, portable C++ otherwise) accumulates over k.
#pragma once
#include <cstdint>

namespace ftl {

struct GemmShape {
  int64_t m, n, k;
  bool transA, transB;
  // Leading dimensions (elements between consecutive rows of the stored matrices).
  int64_t lda, ldb, ldc;
};

// beta == 0 never reads C (fresh outputs may hold NaN garbage).
void sgemm(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c);

// Which micro-kernel runs: "avx2-fma" or "portable".
const char* gemmKernelName();

// Forces the portable micro-kernel (tests compare both on a machine that has AVX2).
void gemmForcePortable(bool portable);

}  // namespace ftl
