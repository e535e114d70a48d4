// Each (batch item, head) is a handful of small strided GEMMs plus softmax rows; the heads of a
// row are interleaved in memory, which the GEMM's leading dimensions absorb.
#include "attention.h"

#include <cstddef>
#include <vector>

#include "gemm.h"
#include "simd.h"

namespace ftl {
namespace {

// C (m x n, row stride ldc) = op(A) op(B) (+ C when accumulate); lda/ldb are the stored row strides.
void product(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, bool transA, const float* b, int64_t ldb,
             bool transB, float* c, int64_t ldc, bool accumulate) {
  const GemmShape shape{m, n, k, transA, transB, lda, ldb, ldc};
  sgemm(shape, 1.0f, a, b, accumulate ? 1.0f : 0.0f, c);
}

thread_local std::vector<float> gradScratch;

}  // namespace

void attentionForward(const AttentionShape& s, const float* q, const float* k, const float* v, float* out,
                      float* probs) {
  const int64_t width = s.heads * s.headDim;
  for (int64_t b = 0; b < s.batch; ++b) {
    const float* qb = q + (s.queryBatch == 1 ? 0 : b) * s.queryTime * width;
    const float* kb = k + b * s.keyTime * width;
    const float* vb = v + b * s.keyTime * width;
    float* ob = out + b * s.queryTime * width;
    for (int64_t h = 0; h < s.heads; ++h) {
      const int64_t col = h * s.headDim;
      float* p = probs + (b * s.heads + h) * s.queryTime * s.keyTime;
      product(s.queryTime, s.keyTime, s.headDim, qb + col, width, false, kb + col, width, true, p, s.keyTime, false);
      simd().softmaxRows(s.queryTime, s.keyTime, p, p, s.causal);
      product(s.queryTime, s.headDim, s.keyTime, p, s.keyTime, false, vb + col, width, false, ob + col, width, false);
    }
  }
}

void attentionBackward(const AttentionShape& s, const float* dOut, const float* q, const float* k, const float* v,
                       const float* probs, float* dq, float* dk, float* dv) {
  const int64_t width = s.heads * s.headDim;
  gradScratch.resize(static_cast<size_t>(s.queryTime * s.keyTime));
  float* dScores = gradScratch.data();
  for (int64_t b = 0; b < s.batch; ++b) {
    const bool sharedQuery = s.queryBatch == 1;
    const float* qb = q + (sharedQuery ? 0 : b) * s.queryTime * width;
    float* dqb = dq + (sharedQuery ? 0 : b) * s.queryTime * width;
    const float* kb = k + b * s.keyTime * width;
    const float* vb = v + b * s.keyTime * width;
    const float* dob = dOut + b * s.queryTime * width;
    float* dkb = dk + b * s.keyTime * width;
    float* dvb = dv + b * s.keyTime * width;
    for (int64_t h = 0; h < s.heads; ++h) {
      const int64_t col = h * s.headDim;
      const float* p = probs + (b * s.heads + h) * s.queryTime * s.keyTime;
      // dP = dO V^T, then dS = P * (dP - rowsum(dP * P)) in place.
      product(s.queryTime, s.keyTime, s.headDim, dob + col, width, false, vb + col, width, true, dScores, s.keyTime,
              false);
      simd().softmaxBackwardRows(s.queryTime, s.keyTime, p, dScores);
      // dQ = dS K (summed over the batch for a shared query), dK = dS^T Q, dV = P^T dO.
      product(s.queryTime, s.headDim, s.keyTime, dScores, s.keyTime, false, kb + col, width, false, dqb + col, width,
              sharedQuery && b > 0);
      product(s.keyTime, s.headDim, s.queryTime, dScores, s.keyTime, true, qb + col, width, false, dkb + col, width,
              false);
      product(s.keyTime, s.headDim, s.queryTime, p, s.keyTime, true, dob + col, width, false, dvb + col, width, false);
    }
  }
}

}  // namespace ftl
