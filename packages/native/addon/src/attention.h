// Fused multi-head attention, forward and backward, for activations laid out [batch, time,
// heads * headDim] (the layout of x W, so no head transposes are needed):
//   P = softmax(Q_h K_h^T (+ causal mask)),   O_h = P V_h
// The caller pre-scales Q by 1/sqrt(headDim). Q may have one batch item shared by every batch
// item of K and V (the Free Transformer encoder's constant query); its gradient is then summed.
#pragma once
#include <cstdint>

namespace ftl {

struct AttentionShape {
  int64_t batch;       // of K and V
  int64_t queryBatch;  // 1 or batch
  int64_t queryTime, keyTime, heads, headDim;
  bool causal;  // query i sees keys 0..i (needs queryTime == keyTime)
};

// out [batch, queryTime, heads * headDim]; probs [batch, heads, queryTime, keyTime] (kept for backward).
void attentionForward(const AttentionShape& s, const float* q, const float* k, const float* v, float* out,
                      float* probs);

// From dOut and the forward's probs: dq [queryBatch, ...], dk and dv [batch, ...].
void attentionBackward(const AttentionShape& s, const float* dOut, const float* q, const float* k, const float* v,
                       const float* probs, float* dq, float* dk, float* dv);

}  // namespace ftl
