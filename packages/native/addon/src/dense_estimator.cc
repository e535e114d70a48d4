#include "dense_estimator.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include <string_view>

#include "cpu.h"
#include "gemm.h"
#include "parallel.h"

namespace ftl {
namespace {

constexpr int64_t kMaxBlockBits = 9;  // 512 codes per block
constexpr int64_t kRowBlock = 32;     // rows per tile: 512 x 32 floats = 64 KiB (g, then G's low factor); a multiple of NR

thread_local std::vector<float> gTile, lowFactor, column, withBit;
thread_local std::vector<float> highFactor;

// The float work of one row block, on its [code][row] tiles (row stride `rows`): G's low-bits
// factor, built bit by bit (low[j + half] = low[j] p_h, low[j] *= q_h), u = g low in place, then
// the folds from the top bit down: before folding bit h, u[j] sums the codes whose low h + 1 bits
// are j, so the codes with bit h set are u[half..2 half), summed in order of j into
// withBit[h][row]; u[0][row] ends as the block's total. Every loop runs over the rows, each lane
// one row's own sequence of multiplications and additions (none that could fuse into an FMA),
// so the AVX-512, AVX2 and baseline builds below give the same bits.
// Products and sums stay separate roundings in every build (no FMA contraction), as the
// definition and the baseline build compute them.
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")

__attribute__((always_inline)) static inline void foldBlockBody(int64_t bits, int64_t blockBits, const float* pr,
                                                                const float* qr, float* low, float* column, float* u,
                                                                float* withBit) {
  constexpr int64_t rows = kRowBlock;  // a constant: each row loop compiles to a few whole vectors
  float* pv = column;
  float* qv = column + rows;
  const auto loadBit = [&](int64_t h) {
    for (int64_t r = 0; r < rows; ++r) {
      pv[r] = pr[r * bits + h];
      qv[r] = qr[r * bits + h];
    }
  };
  for (int64_t r = 0; r < rows; ++r) low[r] = 1.0f;
  for (int64_t h = 0; h + 1 < blockBits; ++h) {
    const int64_t half = int64_t{1} << h;
    loadBit(h);
    for (int64_t j = 0; j < half; ++j) {
      float* lo = low + j * rows;
      float* hi = low + (j + half) * rows;
      for (int64_t r = 0; r < rows; ++r) {
        hi[r] = lo[r] * pv[r];
        lo[r] *= qv[r];
      }
    }
  }
  // The top bit in one pass: its factor completes G's low factor of both halves, which scale g
  // into u, and the top fold adds the upper half into the lower (withBit[top] in order of j).
  const int64_t top = blockBits - 1;
  const int64_t half = int64_t{1} << top;
  loadBit(top);
  float* wb = withBit + top * rows;
  for (int64_t r = 0; r < rows; ++r) wb[r] = 0.0f;
  for (int64_t j = 0; j < half; ++j) {
    const float* lo = low + j * rows;
    float* uLo = u + j * rows;
    const float* uHi = u + (j + half) * rows;
    for (int64_t r = 0; r < rows; ++r) {
      const float withTop = uHi[r] * (lo[r] * pv[r]);
      wb[r] += withTop;
      uLo[r] = uLo[r] * (lo[r] * qv[r]) + withTop;
    }
  }
  for (int64_t h = top - 1; h >= 0; --h) {
    const int64_t halfH = int64_t{1} << h;
    float* wbH = withBit + h * rows;
    for (int64_t r = 0; r < rows; ++r) wbH[r] = 0.0f;
    for (int64_t j = 0; j < halfH; ++j) {
      float* lo = u + j * rows;
      const float* hi = u + (j + halfH) * rows;
      for (int64_t r = 0; r < rows; ++r) {
        wbH[r] += hi[r];
        lo[r] += hi[r];
      }
    }
  }
}

using FoldBlock = void (*)(int64_t, int64_t, const float*, const float*, float*, float*, float*, float*);

void foldBlockBaseline(int64_t bits, int64_t blockBits, const float* pr, const float* qr, float* low, float* column,
                       float* u, float* withBit) {
  foldBlockBody(bits, blockBits, pr, qr, low, column, u, withBit);
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2"))) void foldBlockAvx2(int64_t bits, int64_t blockBits, const float* pr, const float* qr,
                                                   float* low, float* column, float* u, float* withBit) {
  foldBlockBody(bits, blockBits, pr, qr, low, column, u, withBit);
}

__attribute__((target("avx512f,avx2"))) void foldBlockAvx512(int64_t bits, int64_t blockBits, const float* pr,
                                                             const float* qr, float* low, float* column, float* u,
                                                             float* withBit) {
  foldBlockBody(bits, blockBits, pr, qr, low, column, u, withBit);
}
#endif

#pragma GCC pop_options

// The widest build the CPU runs (the GEMM's AVX-512 switch applies here too).
FoldBlock foldBlock() {
#if defined(__x86_64__) || defined(__i386__)
  if (std::string_view(gemmKernelName()) == "avx512f") return foldBlockAvx512;
  if (cpuHasAvx2Fma()) return foldBlockAvx2;
#endif
  return foldBlockBaseline;
}

}  // namespace

// Each row's arithmetic is the per-row definition, step for step: the GEMM sums over k in order,
// G's low factor is built bit by bit, and the folds add in order of j. What makes it fast is the
// layout: the g tile is computed transposed ([code][row]), so every step of the per-row recipe
// is one loop over the block's rows, which the compiler vectorises across rows (each lane one
// row's own sequence of additions). Row by row, each fold was a chain of dependent additions
// as long as the block, which cost as much as the GEMM.
void denseBitGradient(int64_t n, int64_t bits, int64_t width, const float* logits, const float* dR, const float* table,
                      float* dLogits) {
  const int64_t codes = int64_t{1} << bits;
  const int64_t blockBits = std::min(bits, kMaxBlockBits);
  const int64_t block = int64_t{1} << blockBits;
  // Tiles are always kRowBlock tokens wide: the last one is padded with tokens of p = q = 1/2 and
  // dR = 0 (finite, never denormal), whose lanes are computed and ignored.
  const int64_t padded = (n + kRowBlock - 1) / kRowBlock * kRowBlock;
  // p_h and 1 - p_h (as sigmoid(-l), accurate when p is near 1).
  std::vector<float> p(static_cast<size_t>(padded * bits), 0.5f), q(static_cast<size_t>(padded * bits), 0.5f);
  for (int64_t i = 0; i < n * bits; ++i) {
    p[i] = 1.0f / (1.0f + std::exp(-logits[i]));
    q[i] = 1.0f / (1.0f + std::exp(logits[i]));
  }
  // Per token: S_h = sum_d g_d G_d bit_h(d) and T = sum_d g_d G_d, in double across blocks.
  std::vector<double> sums(static_cast<size_t>(n * bits), 0.0), totals(static_cast<size_t>(n), 0.0);
  // op(B)(k, r) = dR[r][k]: every row, transposed and packed once (16-row panels, zero-padded).
  std::vector<float> packedRows(static_cast<size_t>(packedPanelsSize(width, padded)), 0.0f);
  packPanels(dR, width, true, width, n, packedRows.data());
  const int64_t rowBlocks = (n + kRowBlock - 1) / kRowBlock;
  const FoldBlock fold = foldBlock();
  for (int64_t c0 = 0; c0 < codes; c0 += block) {
    // Row blocks split between the threads: each row's sums still go through the code blocks in
    // order, so the result is the same for any thread count.
    parallelFor(rowBlocks, [&](int64_t firstBlock, int64_t lastBlock) {
      gTile.resize(static_cast<size_t>(block * kRowBlock));
      lowFactor.resize(static_cast<size_t>(block * kRowBlock));
      column.resize(static_cast<size_t>(2 * kRowBlock));
      withBit.resize(static_cast<size_t>(kMaxBlockBits * kRowBlock));
      highFactor.resize(static_cast<size_t>(kRowBlock));
      for (int64_t r0 = firstBlock * kRowBlock; r0 < std::min(n, lastBlock * kRowBlock); r0 += kRowBlock) {
        const int64_t rows = std::min(kRowBlock, n - r0);  // the real ones
        constexpr int64_t R = kRowBlock;                     // row stride of the [code][row] tiles
        // g^T = W_block dR_rows^T: [block codes][R rows], W's rows read in place.
        gemmPacked(block, R, width, table + c0 * width, width, 1, packedRows.data() + r0 * width, gTile.data(), R);
        const float* pr = p.data() + r0 * bits;
        const float* qr = q.data() + r0 * bits;
        // G over the block = (factor of the high bits, fixed by c0) x (factor of the low bits).
        float* high = highFactor.data();
        for (int64_t r = 0; r < rows; ++r) {
          float factor = 1.0f;
          for (int64_t h = blockBits; h < bits; ++h) factor *= ((c0 >> h) & 1) ? pr[r * bits + h] : qr[r * bits + h];
          high[r] = factor;
        }
        // withBit[h][r] for every low bit h, and u[0][r] = the block's total: in float, per row.
        float* wb = withBit.data();
        float* u = gTile.data();
        fold(bits, blockBits, pr, qr, lowFactor.data(), column.data(), u, wb);
        for (int64_t h = 0; h < blockBits; ++h) {
          for (int64_t r = 0; r < rows; ++r) sums[(r0 + r) * bits + h] += static_cast<double>(high[r]) * wb[h * R + r];
        }
        for (int64_t r = 0; r < rows; ++r) {
          const double total = static_cast<double>(high[r]) * u[r];
          totals[r0 + r] += total;
          double* rowSums = sums.data() + (r0 + r) * bits;
          for (int64_t h = blockBits; h < bits; ++h) {
            if ((c0 >> h) & 1) rowSums[h] += total;
          }
        }
      }
    });
  }
  for (int64_t row = 0; row < n; ++row) {
    for (int64_t h = 0; h < bits; ++h) {
      dLogits[row * bits + h] =
          static_cast<float>(sums[row * bits + h] - static_cast<double>(p[row * bits + h]) * totals[row]);
    }
  }
}

}  // namespace ftl
