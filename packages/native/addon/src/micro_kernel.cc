// The micro-kernels. The AVX2 one holds the 6 x 16 tile in 12 ymm accumulators; per step
// of k it loads 16 floats of B once and broadcasts each of A's 6 values (12 FMAs, 2 loads,
// 6 broadcasts): the classic Haswell/Zen shape. It is compiled for AVX2+FMA through a target
// attribute, so the rest of the addon stays baseline x86-64 and only runs it after a CPU check.
// The AVX-512 one holds a 12 x 16 tile in 12 zmm accumulators: per step of k one 16-float load of
// B and 12 FMAs whose A operand is a broadcast from memory (folded into the FMA as {1to16}), so
// it is bound by the FMA units rather than by loads, at twice the width of AVX2.
#include "micro_kernel.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define FTL_HAVE_X86 1
#endif

namespace ftl {

// GCC/Clang vector extensions: 4-wide SIMD on any target (SSE2 on baseline x86-64, NEON on Arm).
typedef float Vec4 __attribute__((vector_size(16)));

void microKernelPortable(int64_t kc, const float* a, int64_t rsA, int64_t csA, const float* b, int64_t ldb,
                         float* c, int64_t ldc, float alpha, float beta) {
  constexpr int W = NR / 4;
  Vec4 acc[MR][W] = {};
  for (int64_t p = 0; p < kc; ++p, a += csA, b += ldb) {
    Vec4 bv[W];
    for (int w = 0; w < W; ++w) __builtin_memcpy(&bv[w], b + 4 * w, sizeof(Vec4));
    for (int i = 0; i < MR; ++i) {
      const float ai = a[i * rsA];
      for (int w = 0; w < W; ++w) acc[i][w] += ai * bv[w];
    }
  }
  for (int i = 0; i < MR; ++i) {
    float* row = c + i * ldc;
    for (int w = 0; w < W; ++w) {
      for (int j = 0; j < 4; ++j) {
        const float value = alpha * acc[i][w][j];
        row[4 * w + j] = beta == 0.0f ? value : value + beta * row[4 * w + j];
      }
    }
  }
}

#ifdef FTL_HAVE_X86

#define FTL_AVX2 __attribute__((target("avx2,fma")))

FTL_AVX2 static inline void storeRow(float* row, __m256 x0, __m256 x1, __m256 va, float beta) {
  if (beta == 0.0f) {
    _mm256_storeu_ps(row, _mm256_mul_ps(va, x0));
    _mm256_storeu_ps(row + 8, _mm256_mul_ps(va, x1));
  } else {
    const __m256 vb = _mm256_set1_ps(beta);
    _mm256_storeu_ps(row, _mm256_fmadd_ps(va, x0, _mm256_mul_ps(vb, _mm256_loadu_ps(row))));
    _mm256_storeu_ps(row + 8, _mm256_fmadd_ps(va, x1, _mm256_mul_ps(vb, _mm256_loadu_ps(row + 8))));
  }
}

FTL_AVX2 void microKernelAvx2(int64_t kc, const float* a, int64_t rsA, int64_t csA, const float* b, int64_t ldb,
                              float* c, int64_t ldc, float alpha, float beta) {
  const float* a1 = a + rsA;
  const float* a2 = a + 2 * rsA;
  const float* a3 = a + 3 * rsA;
  const float* a4 = a + 4 * rsA;
  const float* a5 = a + 5 * rsA;
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
#pragma GCC unroll 4
  for (int64_t p = 0, o = 0; p < kc; ++p, o += csA, b += ldb) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
    __m256 ai = _mm256_broadcast_ss(a + o);
    c00 = _mm256_fmadd_ps(ai, b0, c00);
    c01 = _mm256_fmadd_ps(ai, b1, c01);
    ai = _mm256_broadcast_ss(a1 + o);
    c10 = _mm256_fmadd_ps(ai, b0, c10);
    c11 = _mm256_fmadd_ps(ai, b1, c11);
    ai = _mm256_broadcast_ss(a2 + o);
    c20 = _mm256_fmadd_ps(ai, b0, c20);
    c21 = _mm256_fmadd_ps(ai, b1, c21);
    ai = _mm256_broadcast_ss(a3 + o);
    c30 = _mm256_fmadd_ps(ai, b0, c30);
    c31 = _mm256_fmadd_ps(ai, b1, c31);
    ai = _mm256_broadcast_ss(a4 + o);
    c40 = _mm256_fmadd_ps(ai, b0, c40);
    c41 = _mm256_fmadd_ps(ai, b1, c41);
    ai = _mm256_broadcast_ss(a5 + o);
    c50 = _mm256_fmadd_ps(ai, b0, c50);
    c51 = _mm256_fmadd_ps(ai, b1, c51);
  }
  const __m256 va = _mm256_set1_ps(alpha);
  storeRow(c, c00, c01, va, beta);
  storeRow(c + ldc, c10, c11, va, beta);
  storeRow(c + 2 * ldc, c20, c21, va, beta);
  storeRow(c + 3 * ldc, c30, c31, va, beta);
  storeRow(c + 4 * ldc, c40, c41, va, beta);
  storeRow(c + 5 * ldc, c50, c51, va, beta);
}

#define FTL_AVX512 __attribute__((target("avx512f,avx2,fma")))

FTL_AVX512 void microKernelAvx512(int64_t kc, const float* a, int64_t rsA, int64_t csA, const float* b, int64_t ldb,
                                  float* c, int64_t ldc, float alpha, float beta) {
  __m512 acc[MR_AVX512];
#pragma GCC unroll 12
  for (int i = 0; i < MR_AVX512; ++i) acc[i] = _mm512_setzero_ps();
  const float* lo = a;                  // rows 0..5
  const float* hi = a + 6 * rsA;        // rows 6..11
  for (int64_t p = 0, o = 0; p < kc; ++p, o += csA, b += ldb) {
    const __m512 bv = _mm512_loadu_ps(b);
    const float* x = lo + o;
    const float* y = hi + o;
    acc[0] = _mm512_fmadd_ps(_mm512_set1_ps(x[0]), bv, acc[0]);
    acc[1] = _mm512_fmadd_ps(_mm512_set1_ps(x[rsA]), bv, acc[1]);
    acc[2] = _mm512_fmadd_ps(_mm512_set1_ps(x[2 * rsA]), bv, acc[2]);
    acc[3] = _mm512_fmadd_ps(_mm512_set1_ps(x[3 * rsA]), bv, acc[3]);
    acc[4] = _mm512_fmadd_ps(_mm512_set1_ps(x[4 * rsA]), bv, acc[4]);
    acc[5] = _mm512_fmadd_ps(_mm512_set1_ps(x[5 * rsA]), bv, acc[5]);
    acc[6] = _mm512_fmadd_ps(_mm512_set1_ps(y[0]), bv, acc[6]);
    acc[7] = _mm512_fmadd_ps(_mm512_set1_ps(y[rsA]), bv, acc[7]);
    acc[8] = _mm512_fmadd_ps(_mm512_set1_ps(y[2 * rsA]), bv, acc[8]);
    acc[9] = _mm512_fmadd_ps(_mm512_set1_ps(y[3 * rsA]), bv, acc[9]);
    acc[10] = _mm512_fmadd_ps(_mm512_set1_ps(y[4 * rsA]), bv, acc[10]);
    acc[11] = _mm512_fmadd_ps(_mm512_set1_ps(y[5 * rsA]), bv, acc[11]);
  }
  const __m512 va = _mm512_set1_ps(alpha);
  if (beta == 0.0f) {
#pragma GCC unroll 12
    for (int i = 0; i < MR_AVX512; ++i) _mm512_storeu_ps(c + i * ldc, _mm512_mul_ps(va, acc[i]));
  } else {
    const __m512 vb = _mm512_set1_ps(beta);
#pragma GCC unroll 12
    for (int i = 0; i < MR_AVX512; ++i) {
      float* row = c + i * ldc;
      _mm512_storeu_ps(row, _mm512_fmadd_ps(va, acc[i], _mm512_mul_ps(vb, _mm512_loadu_ps(row))));
    }
  }
}

#else

// Not an x86 machine: the CPU checks never select these, but the symbols must exist.
void microKernelAvx512(int64_t kc, const float* a, int64_t rsA, int64_t csA, const float* b, int64_t ldb, float* c,
                       int64_t ldc, float alpha, float beta) {
  for (int half = 0; half < 2; ++half) {
    microKernelPortable(kc, a + half * MR * rsA, rsA, csA, b, ldb, c + half * MR * ldc, ldc, alpha, beta);
  }
}

void microKernelAvx2(int64_t kc, const float* a, int64_t rsA, int64_t csA, const float* b, int64_t ldb, float* c,
                     int64_t ldc, float alpha, float beta) {
  microKernelPortable(kc, a, rsA, csA, b, ldb, c, ldc, alpha, beta);
}

#endif

}  // namespace ftl
