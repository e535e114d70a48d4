// Each (batch item, head) is a handful of small products plus softmax rows, done with tileGemm
// (no packing: at 64 x 64 x 32, packing cost as much as the multiply). Heads of a row sit side
// by side in memory, which the row strides absorb. The products that need a head's K^T or V^T
// read them from a per-batch-item transposed copy [width, time], whose rows are contiguous. With
// a causal mask every product skips the half of the work that multiplies masked zeros. With
// setThreads(n) the batch items (or, for a shared query, the heads) are split between threads;
// every value is computed in the same order as with one thread.
#include "attention.h"

#include <cstddef>
#include <vector>

#include "gemm.h"
#include "parallel.h"
#include "simd.h"

namespace ftl {
namespace {

using Limit = TileGemm::Limit;

// C (m x n) (+)= A B, A (i, p) at a[i * rsA + p * csA], B row p at b + p * ldb.
void product(int64_t m, int64_t n, int64_t k, const float* a, int64_t rsA, int64_t csA, const float* b, int64_t ldb,
             float* c, int64_t ldc, bool accumulate, Limit limit) {
  tileGemm(TileGemm{m, n, k, a, rsA, csA, b, ldb, c, ldc, accumulate, limit});
}

// x [time, width] -> out [width, time].
void transposeInto(const float* x, int64_t time, int64_t width, float* out) {
  for (int64_t t = 0; t < time; ++t)
    for (int64_t w = 0; w < width; ++w) out[w * time + t] = x[t * width + w];
}

thread_local std::vector<float> transposedScratch;
thread_local std::vector<float> gradScratch;

}  // namespace

void attentionForward(const AttentionShape& s, const float* q, const float* k, const float* v, float* out,
                      float* probs) {
  const int64_t width = s.heads * s.headDim;
  const Limit scores = s.causal ? Limit::ColumnsUpToRow : Limit::None;
  const Limit mix = s.causal ? Limit::KUpToRow : Limit::None;
  // Batch items are independent: split between the threads, each with its own scratch.
  parallelFor(s.batch, [&](int64_t first, int64_t last) {
    transposedScratch.resize(static_cast<size_t>(width * s.keyTime));
    float* kT = transposedScratch.data();
    for (int64_t b = first; b < last; ++b) {
      const float* qb = q + (s.queryBatch == 1 ? 0 : b) * s.queryTime * width;
      const float* vb = v + b * s.keyTime * width;
      float* ob = out + b * s.queryTime * width;
      transposeInto(k + b * s.keyTime * width, s.keyTime, width, kT);
      for (int64_t h = 0; h < s.heads; ++h) {
        const int64_t col = h * s.headDim;
        float* p = probs + (b * s.heads + h) * s.queryTime * s.keyTime;
        // S = Q K^T, then softmax rows in place (masked entries become 0), then O = P V.
        product(s.queryTime, s.keyTime, s.headDim, qb + col, width, 1, kT + col * s.keyTime, s.keyTime, p, s.keyTime,
                false, scores);
        simd().softmaxRows(s.queryTime, s.keyTime, p, p, s.causal);
        product(s.queryTime, s.headDim, s.keyTime, p, s.keyTime, 1, vb + col, width, ob + col, width, false, mix);
      }
    }
  });
}

void attentionBackward(const AttentionShape& s, const float* dOut, const float* q, const float* k, const float* v,
                       const float* probs, float* dq, float* dk, float* dv) {
  const int64_t width = s.heads * s.headDim;
  const bool sharedQuery = s.queryBatch == 1;
  const Limit scores = s.causal ? Limit::ColumnsUpToRow : Limit::None;
  const Limit mix = s.causal ? Limit::KUpToRow : Limit::None;
  const Limit transposedMix = s.causal ? Limit::KFromRow : Limit::None;
  // Batch items [bFirst, bLast) x heads [hFirst, hLast), by one thread with its own scratch.
  const auto part = [&](int64_t bFirst, int64_t bLast, int64_t hFirst, int64_t hLast) {
    transposedScratch.resize(static_cast<size_t>(width * s.keyTime));
    gradScratch.resize(static_cast<size_t>(s.queryTime * s.keyTime));
    float* vT = transposedScratch.data();
    float* dScores = gradScratch.data();
    for (int64_t b = bFirst; b < bLast; ++b) {
      const float* qb = q + (sharedQuery ? 0 : b) * s.queryTime * width;
      float* dqb = dq + (sharedQuery ? 0 : b) * s.queryTime * width;
      const float* kb = k + b * s.keyTime * width;
      const float* dob = dOut + b * s.queryTime * width;
      float* dkb = dk + b * s.keyTime * width;
      float* dvb = dv + b * s.keyTime * width;
      transposeInto(v + b * s.keyTime * width, s.keyTime, width, vT);
      for (int64_t h = hFirst; h < hLast; ++h) {
        const int64_t col = h * s.headDim;
        const float* p = probs + (b * s.heads + h) * s.queryTime * s.keyTime;
        // dP = dO V^T, then dS = P * (dP - rowsum(dP * P)) in place.
        product(s.queryTime, s.keyTime, s.headDim, dob + col, width, 1, vT + col * s.keyTime, s.keyTime, dScores,
                s.keyTime, false, scores);
        simd().softmaxBackwardRows(s.queryTime, s.keyTime, p, dScores, s.causal);
        // dQ = dS K (summed over the batch for a shared query), dK = dS^T Q, dV = P^T dO.
        product(s.queryTime, s.headDim, s.keyTime, dScores, s.keyTime, 1, kb + col, width, dqb + col, width,
                sharedQuery && b > 0, mix);
        product(s.keyTime, s.headDim, s.queryTime, dScores, 1, s.keyTime, qb + col, width, dkb + col, width, false,
                transposedMix);
        product(s.keyTime, s.headDim, s.queryTime, p, 1, s.keyTime, dob + col, width, dvb + col, width, false,
                transposedMix);
      }
    }
  };
  // A shared query's gradient is summed over the batch in order: there the threads split the
  // heads (disjoint columns of dQ), each going through the batch in order; else the batch items.
  if (sharedQuery) {
    parallelFor(s.heads, [&](int64_t first, int64_t last) { part(0, s.batch, first, last); });
  } else {
    parallelFor(s.batch, [&](int64_t first, int64_t last) { part(first, last, 0, s.heads); });
  }
}

}  // namespace ftl
