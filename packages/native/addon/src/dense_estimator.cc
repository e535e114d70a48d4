#include "dense_estimator.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "gemm.h"
#include "parallel.h"

namespace ftl {
namespace {

constexpr int64_t kMaxBlockBits = 9;  // 512 codes per block
constexpr int64_t kRowBlock = 48;     // rows per g tile: 48 x 512 floats = 96 KiB, in L2

thread_local std::vector<float> packedTable, gTile, lowFactor, folded;

}  // namespace

void denseBitGradient(int64_t n, int64_t bits, int64_t width, const float* logits, const float* dR, const float* table,
                      float* dLogits) {
  const int64_t codes = int64_t{1} << bits;
  const int64_t blockBits = std::min(bits, kMaxBlockBits);
  const int64_t block = int64_t{1} << blockBits;
  // p_h and 1 - p_h (as sigmoid(-l), accurate when p is near 1).
  std::vector<float> p(static_cast<size_t>(n * bits)), q(static_cast<size_t>(n * bits));
  for (int64_t i = 0; i < n * bits; ++i) {
    p[i] = 1.0f / (1.0f + std::exp(-logits[i]));
    q[i] = 1.0f / (1.0f + std::exp(logits[i]));
  }
  // Per token: S_h = sum_d g_d G_d bit_h(d) and T = sum_d g_d G_d, in double across blocks.
  std::vector<double> sums(static_cast<size_t>(n * bits), 0.0), totals(static_cast<size_t>(n), 0.0);
  packedTable.resize(static_cast<size_t>(packedPanelsSize(width, block)));
  const float* packed = packedTable.data();
  const int64_t rowBlocks = (n + kRowBlock - 1) / kRowBlock;
  for (int64_t c0 = 0; c0 < codes; c0 += block) {
    // op(B)(k, j) = W[c0 + j][k]: the block of W, transposed, packed once for all rows.
    packPanels(table + c0 * width, width, true, width, block, packedTable.data());
    // Row blocks split between the threads: each row's sums still go through the code blocks in
    // order, so the result is the same for any thread count.
    parallelFor(rowBlocks, [&](int64_t firstBlock, int64_t lastBlock) {
      gTile.resize(static_cast<size_t>(kRowBlock * block));
      lowFactor.resize(static_cast<size_t>(block));
      folded.resize(static_cast<size_t>(block));
      for (int64_t r0 = firstBlock * kRowBlock; r0 < std::min(n, lastBlock * kRowBlock); r0 += kRowBlock) {
        const int64_t rows = std::min(kRowBlock, n - r0);
        gemmPacked(rows, block, width, dR + r0 * width, width, 1, packed, gTile.data(), block);
        for (int64_t r = 0; r < rows; ++r) {
          const int64_t row = r0 + r;
          const float* pr = p.data() + row * bits;
          const float* qr = q.data() + row * bits;
          // G over the block = (factor of the high bits, fixed by c0) x (factor of the low bits).
          float high = 1.0f;
          for (int64_t h = blockBits; h < bits; ++h) high *= ((c0 >> h) & 1) ? pr[h] : qr[h];
          float* low = lowFactor.data();
          low[0] = 1.0f;
          for (int64_t h = 0; h < blockBits; ++h) {
            const int64_t half = int64_t{1} << h;
            for (int64_t j = 0; j < half; ++j) {
              low[j + half] = low[j] * pr[h];
              low[j] *= qr[h];
            }
          }
          const float* g = gTile.data() + r * block;
          float* u = folded.data();
          for (int64_t j = 0; j < block; ++j) u[j] = g[j] * low[j];
          // Fold from the top bit down: before folding bit h, u[j] sums the codes whose low h + 1
          // bits are j, so the codes with bit h set are u[half..2 half).
          double* rowSums = sums.data() + row * bits;
          for (int64_t h = blockBits - 1; h >= 0; --h) {
            const int64_t half = int64_t{1} << h;
            float withBit = 0.0f;
            for (int64_t j = 0; j < half; ++j) {
              withBit += u[j + half];
              u[j] += u[j + half];
            }
            rowSums[h] += static_cast<double>(high) * withBit;
          }
          const double total = static_cast<double>(high) * u[0];
          totals[row] += total;
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
