// Blocking and packing of sgemm (see gemm.h). The loop nest is BLIS's: for each NC-wide slab of
// B and KC-deep slice of k, pack B once; for each MC-tall block of A, run the mr x NR
// micro-kernel over it, B's micro-panel (KC x NR, 24 KiB) staying in L1 while A's block sits in
// L2. A is read in place through strides rather than packed: with n as small as 128 a packed A
// panel is used only n / 16 times, and packing it cost a fifth of the multiply (measured).
// Only a last partial panel of fewer than mr rows is copied, zero-padded. mr is the tile height of
// the micro-kernel chosen at run time (micro_kernel.h).
#include "gemm.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "cpu.h"
#include "micro_kernel.h"
#include "parallel.h"

namespace ftl {
namespace {

constexpr int64_t MC = 96;    // multiple of every kernel's tile height (6, 12)
constexpr int64_t KC = 384;  // the model's K = 352 (SwiGLU width) in one slice: +5-20% on those products
constexpr int64_t NC = 3072;  // multiple of NR

using MicroKernel = void (*)(int64_t kc, const float* a, int64_t rsA, int64_t csA, const float* b, int64_t ldb,
                             float* c, int64_t ldc, float alpha, float beta);

bool forcePortable = false;
bool allowAvx512 = true;

// A micro-kernel and its tile height (the tile width is NR for all of them).
struct Kernel {
  MicroKernel run;
  int64_t mr;
  const char* name;
  bool fma;  // stores alpha * acc + beta * c with one rounding (the AVX2 and AVX-512 kernels)
};

Kernel selectKernel() {
  if (forcePortable) return {microKernelPortable, MR, "portable", false};
  if (allowAvx512 && cpuHasAvx512f()) return {microKernelAvx512, MR_AVX512, "avx512f", true};
  if (cpuHasAvx2Fma()) return {microKernelAvx2, MR, "avx2-fma", true};
  return {microKernelPortable, MR, "portable", false};
}

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
thread_local Scratch tileA;
thread_local Scratch tileB;

// `rows` (at most mr) rows of an untransposed A (from row i0, k0..k0+kc-1) as a packed panel,
// zero-padded to mr rows: panel[p * mr + i], read by the micro-kernel with strides (1, mr). (A
// transposed A is packed a block at a time by packTransposedGroup.)
void packPanelA(const GemmShape& s, const float* a, int64_t mr, int64_t i0, int64_t rows, int64_t k0, int64_t kc,
                float* dst) {
  for (int64_t p = 0; p < kc; ++p) {
    for (int64_t i = 0; i < mr; ++i) dst[p * mr + i] = i < rows ? a[(i0 + i) * s.lda + k0 + p] : 0.0f;
  }
}

// Row panels firstPanel..firstPanel+panels-1 of a transposed A (op(A)(i, p) = a[p * lda + i]),
// k0..k0+kc-1, each laid out as packPanelA's (panel q at dst + q * mr * kc), zero-padded past row m.
// Row by row of a: each of its kc rows is read once, start to end, where panel by panel walked
// every row once per panel (~20% of a weight gradient's time with rows fresh from memory).
void packTransposedGroup(const GemmShape& s, const float* a, int64_t mr, int64_t firstPanel, int64_t panels,
                         int64_t k0, int64_t kc, float* dst) {
  const int64_t r0 = firstPanel * mr;
  const int64_t valid = std::min(s.m - r0, panels * mr);
  for (int64_t p = 0; p < kc; ++p) {
    const float* src = a + (k0 + p) * s.lda + r0;
    float* out = dst + p * mr;
    for (int64_t i0 = 0; i0 < panels * mr; i0 += mr, out += mr * kc) {
      if (i0 + mr <= valid) {
        std::memcpy(out, src + i0, mr * sizeof(float));
      } else {
        for (int64_t i = 0; i < mr; ++i) out[i] = i0 + i < valid ? src[i0 + i] : 0.0f;
      }
    }
  }
}

// op(B) k0..k0+kc-1, columns j0..j0+nc-1 into NR-column panels: panel[p * NR + j], zero-padded.
void packB(const GemmShape& s, const float* b, int64_t k0, int64_t kc, int64_t j0, int64_t nc, float* dst) {
  if (!s.transB) {
    // op(B)(p, j) = b[p * ldb + j]: row by row, each row read once from start to end (a weight
    // gradient's B is thousands of rows fresh from memory; panel by panel re-walked them all per
    // panel, ~10-20% of the product).
    for (int64_t p = 0; p < kc; ++p) {
      const float* src = b + (k0 + p) * s.ldb + j0;
      float* out = dst + p * NR;
      for (int64_t jp = 0; jp < nc; jp += NR, out += NR * kc) {
        const int64_t cols = std::min<int64_t>(NR, nc - jp);
        if (cols == NR) {
          std::memcpy(out, src + jp, NR * sizeof(float));
        } else {
          int64_t j = 0;
          for (; j < cols; ++j) out[j] = src[jp + j];
          for (; j < NR; ++j) out[j] = 0.0f;
        }
      }
    }
    return;
  }
  for (int64_t jp = 0; jp < nc; jp += NR, dst += NR * kc) {  // op(B)(p, j) = b[j * ldb + p]
    const int64_t cols = std::min<int64_t>(NR, nc - jp);
    for (int64_t j = 0; j < NR; ++j) {
      if (j < cols) {
        const float* src = b + (j0 + jp + j) * s.ldb + k0;
        for (int64_t p = 0; p < kc; ++p) dst[p * NR + j] = src[p];
      } else {
        for (int64_t p = 0; p < kc; ++p) dst[p * NR + j] = 0.0f;
      }
    }
  }
}

// c (rows x cols of it) = alpha * edge + beta * c, edge being a full mr x NR tile, rounded as the
// kernel rounds its full tiles: alpha * acc, or with beta fma(alpha, acc, beta * c) for the FMA
// kernels. So an element gives the same bits in a full tile or an edge tile, and the AVX2 and
// AVX-512 kernels (which sum each element over k in the same order) give the same products.
void mergeEdge(const Kernel& kernel, const float* edge, int64_t rows, int64_t cols, float alpha, float beta, float* c,
               int64_t ldc) {
  for (int64_t i = 0; i < rows; ++i) {
    float* row = c + i * ldc;
    for (int64_t j = 0; j < cols; ++j) {
      const float acc = edge[i * NR + j];
      if (beta == 0.0f) {
        row[j] = alpha * acc;
      } else {
        row[j] = kernel.fma ? std::fma(alpha, acc, beta * row[j]) : alpha * acc + beta * row[j];
      }
    }
  }
}

void scaleC(const GemmShape& s, float beta, float* c, const float* addend) {
  for (int64_t i = 0; i < s.m; ++i) {
    float* row = c + i * s.ldc;
    const float* source = addend ? addend + i * s.ldc : row;
    for (int64_t j = 0; j < s.n; ++j) row[j] = beta == 0.0f ? 0.0f : beta * source[j];
  }
}

// rows x cols of the addend into the tile of C at the same place (see sgemm's addend).
void copyTile(const float* addend, float* tile, int64_t ldc, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows; ++i) std::memcpy(tile + i * ldc, addend + i * ldc, static_cast<size_t>(cols) * sizeof(float));
}

// A read in place comes fresh from memory (the activations of the kernel before), and a block's
// first column panel waits for it. So while the block works through its other column panels, each
// kernel call prefetches (into L2) a share of the same row panel of the next block: panel
// `nextPanel` (none at or past `rowLast`), k0..k0+kc-1, split over the column panels 1.. of nc.
// It gains 5-12% on the model's products with cold operands and changes no value.
void prefetchNextGroup(const GemmShape& s, const float* a, int64_t mr, int64_t nextPanel, int64_t rowLast, int64_t k0,
                       int64_t kc, int64_t columnPanel, int64_t nc) {
  if (nextPanel >= rowLast) return;
  const int64_t rows = std::min<int64_t>(mr, s.m - nextPanel * mr);
  const int64_t lines = (kc * static_cast<int64_t>(sizeof(float)) + 63) / 64 + 1;  // + 1: rows need not start a line
  const int64_t slots = (nc + NR - 1) / NR - 1;  // column panels 1..
  const int64_t perSlot = (lines + slots - 1) / slots;
  const int64_t first = (columnPanel - 1) * perSlot;
  const int64_t last = std::min(lines, first + perSlot);
  for (int64_t i = 0; i < rows; ++i) {
    const float* row = a + (nextPanel * mr + i) * s.lda + k0;
    for (int64_t l = first; l < last; ++l) __builtin_prefetch(row + l * 16, 0, 2);
  }
}

// One thread's share of sgemm: row panels [rowFirst, rowLast) (mr rows each) x column panels
// [colFirst, colLast) (NR wide) of C, with its own packed B (and packed A for a transposed A).
// Each tile is computed exactly as by a single thread doing all of C.
void sgemmPart(const GemmShape& s, const Kernel& kernel, float alpha, const float* a, const float* b, float beta,
               float* c, const float* addend, int64_t rowFirst, int64_t rowLast, int64_t colFirst, int64_t colLast) {
  const int64_t mr = kernel.mr;
  const int64_t kcMax = std::min(KC, s.k);
  // A transposed (a weight gradient X^T dY: k = tokens, large) is read a row of A^T per k step,
  // each on its own cache line and, with k in the thousands, its own page: there each block of
  // MC rows is packed into mr-row panels once and reused for every column panel.
  const bool packWholeA = s.transA;
  const int64_t groupPanels = MC / mr;  // row panels per block of A that stays in L2
  // Element (i, p) of op(A) is at a[i * rsA + p * csA].
  const int64_t rsA = s.transA ? 1 : s.lda;
  const int64_t csA = s.transA ? s.lda : 1;
  const int64_t colEnd = std::min(s.n, colLast * NR);
  float* pa = packedA.get(static_cast<size_t>((packWholeA ? groupPanels : 1) * mr * kcMax));
  float* pb = packedB.get(static_cast<size_t>(((std::min(NC, colEnd - colFirst * NR) + NR - 1) / NR) * NR * kcMax));
  alignas(64) float edge[MR_MAX * NR];
  for (int64_t jc = colFirst * NR; jc < colEnd; jc += NC) {
    const int64_t nc = std::min(NC, colEnd - jc);
    for (int64_t pc = 0; pc < s.k; pc += KC) {
      const int64_t kc = std::min(KC, s.k - pc);
      const float betaNow = pc == 0 ? beta : 1.0f;  // later k slices accumulate
      packB(s, b, pc, kc, jc, nc, pb);
      for (int64_t group = rowFirst; group < rowLast; group += groupPanels) {
        const int64_t groupEnd = std::min(rowLast, group + groupPanels);
        if (packWholeA) packTransposedGroup(s, a, mr, group, groupEnd - group, pc, kc, pa);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int64_t cols = std::min<int64_t>(NR, nc - jr);
          const float* panelB = pb + jr * kc;
          for (int64_t panel = group; panel < groupEnd; ++panel) {
            const int64_t i0 = panel * mr;
            const int64_t rows = std::min<int64_t>(mr, s.m - i0);
            const float* panelA = a + i0 * rsA + pc * csA;
            int64_t rs = rsA, cs = csA;
            if (packWholeA) {
              panelA = pa + (panel - group) * mr * kc;
              rs = 1;
              cs = mr;
            } else if (rows < mr) {  // the last rows, zero-padded (packed at the first column panel)
              if (jr == 0) packPanelA(s, a, mr, i0, rows, pc, kc, pa);
              panelA = pa;
              rs = 1;
              cs = mr;
            }
            if (!packWholeA && jr > 0) prefetchNextGroup(s, a, mr, panel + groupPanels, rowLast, pc, kc, jr / NR, nc);
            float* tile = c + i0 * s.ldc + jc + jr;
            if (addend != nullptr && pc == 0 && beta != 0.0f) copyTile(addend + (tile - c), tile, s.ldc, rows, cols);
            if (rows == mr && cols == NR) {
              kernel.run(kc, panelA, rs, cs, panelB, NR, tile, s.ldc, alpha, betaNow);
              continue;
            }
            // A partial tile: full tile into a buffer, then only the valid part into C.
            kernel.run(kc, panelA, rs, cs, panelB, NR, edge, NR, 1.0f, 0.0f);
            mergeEdge(kernel, edge, rows, cols, alpha, betaNow, tile, s.ldc);
          }
        }
      }
    }
  }
}

}  // namespace

void sgemm(const GemmShape& s, float alpha, const float* a, const float* b, float beta, float* c,
           const float* addend) {
  if (s.m <= 0 || s.n <= 0) return;
  if (s.k <= 0) {
    scaleC(s, beta, c, addend);
    return;
  }
  const Kernel kernel = selectKernel();
  // Threads take contiguous ranges of row panels (many rows: each reads its part of A) or of
  // column panels (a weight gradient, m = d: each packs its part of B), with no synchronisation
  // inside the product.
  const int64_t rowPanels = (s.m + kernel.mr - 1) / kernel.mr;
  const int64_t colPanels = (s.n + NR - 1) / NR;
  if (rowPanels >= 2 * colPanels) {
    parallelFor(rowPanels, [&](int64_t first, int64_t last) {
      sgemmPart(s, kernel, alpha, a, b, beta, c, addend, first, last, 0, colPanels);
    });
  } else {
    parallelFor(colPanels, [&](int64_t first, int64_t last) {
      sgemmPart(s, kernel, alpha, a, b, beta, c, addend, 0, rowPanels, first, last);
    });
  }
}

void tileGemm(const TileGemm& g) {
  const Kernel kernel = selectKernel();
  const int64_t mr = kernel.mr;
  alignas(64) float edge[MR_MAX * NR];
  const float beta = g.accumulate ? 1.0f : 0.0f;
  for (int64_t i0 = 0; i0 < g.m; i0 += mr) {
    const int64_t rows = std::min<int64_t>(mr, g.m - i0);
    // The k range and columns that row panel i0..i0+mr-1 needs (see TileGemm::Limit).
    const int64_t last = std::min<int64_t>(i0 + mr, g.m);  // one past the panel's last row
    const int64_t p0 = g.limit == TileGemm::Limit::KFromRow ? std::min(i0, g.k) : 0;
    const int64_t p1 = g.limit == TileGemm::Limit::KUpToRow ? std::min(last, g.k) : g.k;
    const int64_t n1 = g.limit == TileGemm::Limit::ColumnsUpToRow ? std::min(last, g.n) : g.n;
    const int64_t kc = p1 - p0;
    const float* panelA = g.a + i0 * g.rsA + p0 * g.csA;
    int64_t rs = g.rsA, cs = g.csA;
    if (rows < mr) {  // zero-padded copy of the last rows
      float* packed = tileA.get(static_cast<size_t>(mr * std::max<int64_t>(kc, 1)));
      for (int64_t p = 0; p < kc; ++p)
        for (int64_t i = 0; i < mr; ++i) packed[p * mr + i] = i < rows ? panelA[i * g.rsA + p * g.csA] : 0.0f;
      panelA = packed;
      rs = 1;
      cs = mr;
    }
    for (int64_t j0 = 0; j0 < n1; j0 += NR) {
      const int64_t cols = std::min<int64_t>(NR, g.n - j0);
      const float* panelB = g.b + p0 * g.ldb + j0;
      int64_t ldb = g.ldb;
      if (cols < NR) {  // zero-padded copy of the last columns
        float* packed = tileB.get(static_cast<size_t>(NR * std::max<int64_t>(kc, 1)));
        for (int64_t p = 0; p < kc; ++p)
          for (int64_t j = 0; j < NR; ++j) packed[p * NR + j] = j < cols ? panelB[p * g.ldb + j] : 0.0f;
        panelB = packed;
        ldb = NR;
      }
      float* tile = g.c + i0 * g.ldc + j0;
      if (rows == mr && cols == NR) {
        kernel.run(kc, panelA, rs, cs, panelB, ldb, tile, g.ldc, 1.0f, beta);
      } else {
        kernel.run(kc, panelA, rs, cs, panelB, ldb, edge, NR, 1.0f, 0.0f);
        mergeEdge(kernel, edge, rows, cols, 1.0f, beta, tile, g.ldc);
      }
    }
  }
}

int64_t packedPanelsSize(int64_t k, int64_t n) { return ((n + NR - 1) / NR) * NR * k; }

void packPanels(const float* b, int64_t ldb, bool transB, int64_t k, int64_t n, float* packed) {
  const GemmShape shape{0, n, k, false, transB, 0, ldb, 0};
  packB(shape, b, 0, k, 0, n, packed);
}

void gemmPacked(int64_t m, int64_t n, int64_t k, const float* a, int64_t rsA, int64_t csA, const float* packed, float* c,
                int64_t ldc) {
  const Kernel kernel = selectKernel();
  const int64_t mr = kernel.mr;
  alignas(64) float edge[MR_MAX * NR];
  float* partial = tileA.get(static_cast<size_t>(mr * std::max<int64_t>(k, 1)));
  for (int64_t i0 = 0; i0 < m; i0 += mr) {
    const int64_t rows = std::min<int64_t>(mr, m - i0);
    const float* panelA = a + i0 * rsA;
    int64_t rs = rsA, cs = csA;
    if (rows < mr) {
      for (int64_t p = 0; p < k; ++p)
        for (int64_t i = 0; i < mr; ++i) partial[p * mr + i] = i < rows ? panelA[i * rsA + p * csA] : 0.0f;
      panelA = partial;
      rs = 1;
      cs = mr;
    }
    for (int64_t j0 = 0; j0 < n; j0 += NR) {
      const int64_t cols = std::min<int64_t>(NR, n - j0);
      const float* panelB = packed + j0 * k;
      if (rows == mr && cols == NR) {
        kernel.run(k, panelA, rs, cs, panelB, NR, c + i0 * ldc + j0, ldc, 1.0f, 0.0f);
      } else {
        kernel.run(k, panelA, rs, cs, panelB, NR, edge, NR, 1.0f, 0.0f);
        mergeEdge(kernel, edge, rows, cols, 1.0f, 0.0f, c + i0 * ldc + j0, ldc);
      }
    }
  }
}

const char* gemmKernelName() { return selectKernel().name; }

void gemmForcePortable(bool portable) { forcePortable = portable; }

void gemmAllowAvx512(bool allow) { allowAvx512 = allow; }

}  // namespace ftl
