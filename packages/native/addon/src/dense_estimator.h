// The backward pass of the Free Transformer's Binary Mapper with the paper's dense estimator,
// fused with the post-sampler (spec section 2): for each token, with p_h = sigmoid(l_h),
//   g_d = dR . W_d                       over all C = 2^H codes d   (dL/dY = dR W^T)
//   G_d = prod_h P(b_h = bit_h(d))       (the code's probability)
//   dL/dl_h = sum_d g_d G_d (bit_h(d) - p_h)
// The (tokens, C) products g and G are never stored: codes are processed in blocks of 2^b, the
// block's g tile (transposed: [code][token], for 32 tokens) is one GEMM of the block of W against
// the packed tokens, and G factorises over bits, so a block's G is its low-bits factor times one
// high-bits scalar. The sums over d with bit h set come from folding the block in halves
// (2 * 2^b additions, not H * 2^b). Every token's arithmetic is the one-token-at-a-time recipe, in
// its order, with the loops running across the tile's tokens (vectorised, one token per lane).
#pragma once
#include <cstdint>

namespace ftl {

// dLogits [n, bits] from logits [n, bits], dR [n, width] and the table W [2^bits, width].
void denseBitGradient(int64_t n, int64_t bits, int64_t width, const float* logits, const float* dR, const float* table,
                      float* dLogits);

}  // namespace ftl
