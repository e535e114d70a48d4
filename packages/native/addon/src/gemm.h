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

// beta == 0 never reads C (fresh outputs may hold NaN garbage). With `addend` (m x n, row stride
// ldc, not overlapping C), C = alpha * op(A) op(B) + beta * addend: each tile of the addend is
// copied into C just before the tile is computed, so C is written once, with the same bits as
// a product into C followed by adding the addend (for alpha = beta = 1: the sum of two products,
// or a residual added to a projection, without a separate pass over memory).
void sgemm(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c,
           const float* addend = nullptr);

// C (m x n, row stride ldc) = A B (+ C when accumulate) for small operands read in place, with
// no packing: element (i, p) of A at a[i * rsA + p * csA], row p of B at b + p * ldb (n
// consecutive floats). For attention's triangular products a row panel may skip what a causal
// mask makes zero. Partial panels are zero-padded copies; the rest is the micro-kernel alone.
struct TileGemm {
  enum class Limit {
    None,
    KUpToRow,        // A(i, p) = 0 for p > i: sum over p <= i only (P V, dS K)
    KFromRow,        // A(i, p) = 0 for p < i: sum over p >= i only (dS^T Q, P^T dO)
    ColumnsUpToRow,  // only C(i, j) with j <= i is needed (Q K^T, dO V^T); others may be left unwritten
  };
  int64_t m, n, k;
  const float* a;
  int64_t rsA, csA;
  const float* b;
  int64_t ldb;
  float* c;
  int64_t ldc;
  bool accumulate;
  Limit limit;
};
void tileGemm(const TileGemm& g);

// For one B reused with many A: op(B) (k x n) packed into NR-column panels (zero-padded), then
// C (m x n, row stride ldc) = A packed-B with A read in place (element (i, p) at a[i * rsA + p * csA]).
// packedPanelsSize(k, n) floats; k is not blocked (meant for k up to a few hundred).
int64_t packedPanelsSize(int64_t k, int64_t n);
void packPanels(const float* b, int64_t ldb, bool transB, int64_t k, int64_t n, float* packed);
void gemmPacked(int64_t m, int64_t n, int64_t k, const float* a, int64_t rsA, int64_t csA, const float* packed, float* c,
                int64_t ldc);

// Which micro-kernel runs: "avx512f", "avx2-fma" or "portable".
const char* gemmKernelName();

// Forces the portable micro-kernel (tests compare both on a machine that has AVX2).
void gemmForcePortable(bool portable);

// allow = false keeps to the AVX2 kernel on an AVX-512 machine (tests compare the two).
void gemmAllowAvx512(bool allow);

}  // namespace ftl
