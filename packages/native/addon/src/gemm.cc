// Blocking, packing and the portable micro-kernel of sgemm (see gemm.h). The loop nest is
// BLIS's: for each NC-wide slab of B and KC-deep slice of k, pack B once; for each MC-tall
// block of A, pack it; then run the MR x NR micro-kernel over the block, B's micro-panel
// (KC x NR, 16 KiB) staying in L1 while A's packed block (MC x KC) sits in L2.
#include "gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "cpu.h"
#include "micro_kernel.h"

namespace ftl {
namespace {

constexpr int64_t MC = 96;    // multiple of MR
constexpr int64_t KC = 256;
constexpr int64_t NC = 3072;  // multiple of NR

using MicroKernel = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha,
                             float beta);

bool forcePortable = false;

MicroKernel selectKernel() { return (!forcePortable && cpuHasAvx2Fma()) ? microKernelAvx2 : microKernelPortable; }

// Grow-only, 64-byte aligned scratch buffers for the packed panels, one pair per thread.
struct Scratch {
  float* data = nullptr;
  size_t capacity = 0;
  float* get(size_t floats) {
    if (floats > capacity) {
      std::free(data);
      size_t bytes = ((floats * sizeof(float) + 63) / 64) * 64;
      data = static_cast<float*>(std::aligned_alloc(64, bytes));
      capacity = data ? floats : 0;
    }
    return data;
  }
  ~Scratch() { std::free(data); }
};
thread_local Scratch packedA;
thread_local Scratch packedB;

// op(A) rows i0..i0+mc-1, k0..k0+kc-1 into MR-row panels: panel[p * MR + i], zero-padded rows.
void packA(const GemmShape& s, const float* a, int64_t i0, int64_t mc, int64_t k0, int64_t kc, float* dst) {
  for (int64_t ip = 0; ip < mc; ip += MR, dst += MR * kc) {
    const int64_t rows = std::min<int64_t>(MR, mc - ip);
    if (s.transA) {  // op(A)(i, p) = a[p * lda + i]: MR consecutive floats per p
      for (int64_t p = 0; p < kc; ++p) {
        const float* src = a + (k0 + p) * s.lda + i0 + ip;
        float* out = dst + p * MR;
        int64_t i = 0;
        for (; i < rows; ++i) out[i] = src[i];
        for (; i < MR; ++i) out[i] = 0.0f;
      }
    } else {  // op(A)(i, p) = a[i * lda + p]: one row at a time
      for (int64_t i = 0; i < MR; ++i) {
        if (i < rows) {
          const float* src = a + (i0 + ip + i) * s.lda + k0;
          for (int64_t p = 0; p < kc; ++p) dst[p * MR + i] = src[p];
        } else {
          for (int64_t p = 0; p < kc; ++p) dst[p * MR + i] = 0.0f;
        }
      }
    }
  }
}

// op(B) k0..k0+kc-1, columns j0..j0+nc-1 into NR-column panels: panel[p * NR + j], zero-padded.
void packB(const GemmShape& s, const float* b, int64_t k0, int64_t kc, int64_t j0, int64_t nc, float* dst) {
  for (int64_t jp = 0; jp < nc; jp += NR, dst += NR * kc) {
    const int64_t cols = std::min<int64_t>(NR, nc - jp);
    if (s.transB) {  // op(B)(p, j) = b[j * ldb + p]
      for (int64_t j = 0; j < NR; ++j) {
        if (j < cols) {
          const float* src = b + (j0 + jp + j) * s.ldb + k0;
          for (int64_t p = 0; p < kc; ++p) dst[p * NR + j] = src[p];
        } else {
          for (int64_t p = 0; p < kc; ++p) dst[p * NR + j] = 0.0f;
        }
      }
    } else {  // op(B)(p, j) = b[p * ldb + j]: NR consecutive floats per p
      for (int64_t p = 0; p < kc; ++p) {
        const float* src = b + (k0 + p) * s.ldb + j0 + jp;
        float* out = dst + p * NR;
        if (cols == NR) {
          std::memcpy(out, src, NR * sizeof(float));
        } else {
          int64_t j = 0;
          for (; j < cols; ++j) out[j] = src[j];
          for (; j < NR; ++j) out[j] = 0.0f;
        }
      }
    }
  }
}

void scaleC(const GemmShape& s, float beta, float* c) {
  for (int64_t i = 0; i < s.m; ++i) {
    float* row = c + i * s.ldc;
    for (int64_t j = 0; j < s.n; ++j) row[j] = beta == 0.0f ? 0.0f : beta * row[j];
  }
}

}  // namespace

void sgemm(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c) {
  if (s.m <= 0 || s.n <= 0) return;
  if (s.k <= 0) {
    scaleC(s, beta, c);
    return;
  }
  const MicroKernel kernel = selectKernel();
  const int64_t kcMax = std::min(KC, s.k);
  float* pa = packedA.get(static_cast<size_t>(MC * kcMax));
  float* pb = packedB.get(static_cast<size_t>(((std::min(NC, s.n) + NR - 1) / NR) * NR * kcMax));
  alignas(64) float edge[MR * NR];
  for (int64_t jc = 0; jc < s.n; jc += NC) {
    const int64_t nc = std::min(NC, s.n - jc);
    for (int64_t pc = 0; pc < s.k; pc += KC) {
      const int64_t kc = std::min(KC, s.k - pc);
      const float betaNow = pc == 0 ? beta : 1.0f;  // later k slices accumulate
      packB(s, b, pc, kc, jc, nc, pb);
      for (int64_t ic = 0; ic < s.m; ic += MC) {
        const int64_t mc = std::min(MC, s.m - ic);
        packA(s, a, ic, mc, pc, kc, pa);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int64_t cols = std::min<int64_t>(NR, nc - jr);
          const float* panelB = pb + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int64_t rows = std::min<int64_t>(MR, mc - ir);
            const float* panelA = pa + ir * kc;
            float* tile = c + (ic + ir) * s.ldc + jc + jr;
            if (rows == MR && cols == NR) {
              kernel(kc, panelA, panelB, tile, s.ldc, alpha, betaNow);
              continue;
            }
            // A partial tile: full tile into a buffer, then only the valid part into C.
            kernel(kc, panelA, panelB, edge, NR, 1.0f, 0.0f);
            for (int64_t i = 0; i < rows; ++i) {
              float* row = tile + i * s.ldc;
              for (int64_t j = 0; j < cols; ++j) {
                const float value = alpha * edge[i * NR + j];
                row[j] = betaNow == 0.0f ? value : value + betaNow * row[j];
              }
            }
          }
        }
      }
    }
  }
}

const char* gemmKernelName() { return selectKernel() == microKernelAvx2 ? "avx2-fma" : "portable"; }

void gemmForcePortable(bool portable) { forcePortable = portable; }

}  // namespace ftl
