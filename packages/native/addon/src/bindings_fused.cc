// N-API bindings of the fused training kernels: RMSNorm, SwiGLU, rotary embedding and
// attention, each forward and backward. Outputs must not overlap inputs.
#include <algorithm>
#include <string>

#include "attention.h"
#include "bindings.h"
#include "dense_estimator.h"
#include "napi_args.h"
#include "parallel.h"
#include "simd.h"

namespace ftl {
namespace {

// rmsNormForward(buffer, n, d, xOffset, wOffset, eps, yOffset, rOffset)
napi_value RmsNormForward(napi_env env, napi_callback_info info) {
  KernelArgs args(env, info, "rmsNormForward", 8);
  int64_t n, d;
  double eps;
  float *x, *w, *y, *r;
  if (!args.integer(1, "n", 0, &n) || !args.integer(2, "d", 1, &d) || !args.operand(3, "x", n * d, &x) ||
      !args.operand(4, "w", d, &w) || !args.number(5, "eps", &eps) || !args.operand(6, "y", n * d, &y) ||
      !args.operand(7, "r", n, &r)) {
    return nullptr;
  }
  parallelChunks(n, 1, kParallelItems / d + 1, [&](int64_t first, int64_t last) {
    simd().rmsNormForward(last - first, d, x + first * d, w, static_cast<float>(eps), y + first * d, r + first);
  });
  return nullptr;
}

// rmsNormBackward(buffer, n, d, dyOffset, xOffset, wOffset, rOffset, dxOffset, dwOffset)
napi_value RmsNormBackward(napi_env env, napi_callback_info info) {
  KernelArgs args(env, info, "rmsNormBackward", 9);
  int64_t n, d;
  float *dy, *x, *w, *r, *dx, *dw;
  if (!args.integer(1, "n", 0, &n) || !args.integer(2, "d", 1, &d) || !args.operand(3, "dy", n * d, &dy) ||
      !args.operand(4, "x", n * d, &x) || !args.operand(5, "w", d, &w) || !args.operand(6, "r", n, &r) ||
      !args.operand(7, "dx", n * d, &dx) || !args.operand(8, "dw", d, &dw)) {
    return nullptr;
  }
  simd().rmsNormBackward(n, d, dy, x, w, r, dx, dw);
  return nullptr;
}

// swiGluForward(buffer, n, gOffset, uOffset, hOffset)
napi_value SwiGluForward(napi_env env, napi_callback_info info) {
  KernelArgs args(env, info, "swiGluForward", 5);
  int64_t n;
  float *g, *u, *h;
  if (!args.integer(1, "n", 0, &n) || !args.operand(2, "g", n, &g) || !args.operand(3, "u", n, &u) ||
      !args.operand(4, "h", n, &h)) {
    return nullptr;
  }
  parallelChunks(n, kAlign, kParallelItems, [&](int64_t first, int64_t last) {
    simd().swiGluForward(last - first, g + first, u + first, h + first);
  });
  return nullptr;
}

// swiGluBackward(buffer, n, dhOffset, gOffset, uOffset, dgOffset, duOffset)
napi_value SwiGluBackward(napi_env env, napi_callback_info info) {
  KernelArgs args(env, info, "swiGluBackward", 7);
  int64_t n;
  float *dh, *g, *u, *dg, *du;
  if (!args.integer(1, "n", 0, &n) || !args.operand(2, "dh", n, &dh) || !args.operand(3, "g", n, &g) ||
      !args.operand(4, "u", n, &u) || !args.operand(5, "dg", n, &dg) || !args.operand(6, "du", n, &du)) {
    return nullptr;
  }
  parallelChunks(n, kAlign, kParallelItems, [&](int64_t first, int64_t last) {
    simd().swiGluBackward(last - first, dh + first, g + first, u + first, dg + first, du + first);
  });
  return nullptr;
}

// rope(buffer, batch, time, heads, headDim, xOffset, cosOffset, sinOffset, transposed, outOffset)
napi_value Rope(napi_env env, napi_callback_info info) {
  KernelArgs args(env, info, "rope", 10);
  int64_t batch, time, heads, headDim, xOffset, cosOffset, sinOffset, outOffset;
  bool transposed;
  float *x, *cosTable, *sinTable, *out;
  if (!args.integer(1, "batch", 0, &batch) || !args.integer(2, "time", 0, &time) ||
      !args.integer(3, "heads", 1, &heads) ||
      !args.integer(4, "headDim", 2, &headDim) || !args.integer(5, "xOffset", 0, &xOffset) ||
      !args.integer(6, "cosOffset", 0, &cosOffset) || !args.integer(7, "sinOffset", 0, &sinOffset) ||
      !args.boolean(8, "transposed", &transposed) || !args.integer(9, "outOffset", 0, &outOffset)) {
    return nullptr;
  }
  if (headDim % 2 != 0) {
    args.fail("headDim must be even (rotate_half pairs dimension i with i + headDim / 2), got " +
              std::to_string(headDim));
    return nullptr;
  }
  const int64_t size = batch * time * heads * headDim;
  if (!args.at("x", xOffset, size, &x) || !args.at("cos", cosOffset, time * headDim, &cosTable) ||
      !args.at("sin", sinOffset, time * headDim, &sinTable) || !args.at("out", outOffset, size, &out)) {
    return nullptr;
  }
  const int64_t item = time * heads * headDim;
  parallelChunks(batch, 1, kParallelItems / std::max<int64_t>(item, 1) + 1, [&](int64_t first, int64_t last) {
    simd().rope(last - first, time, heads, headDim, x + first * item, cosTable, sinTable, transposed, out + first * item);
  });
  return nullptr;
}

// Elements of each attention operand: q, k and v, out and dOut, probs.
struct AttentionSizes {
  int64_t query, key, out, probs;
};

// Arguments 1..7 of both attention kernels, and the sizes of the operands they imply.
bool readAttentionShape(Args& args, AttentionShape* s, AttentionSizes* sizes) {
  if (!args.integer(1, "batch", 0, &s->batch) || !args.integer(2, "queryBatch", 1, &s->queryBatch) ||
      !args.integer(3, "queryTime", 0, &s->queryTime) || !args.integer(4, "keyTime", 1, &s->keyTime) ||
      !args.integer(5, "heads", 1, &s->heads) || !args.integer(6, "headDim", 1, &s->headDim) ||
      !args.boolean(7, "causal", &s->causal)) {
    return false;
  }
  if (s->queryBatch != 1 && s->queryBatch != s->batch) {
    args.fail("queryBatch must be 1 or batch (" + std::to_string(s->batch) + "), got " +
              std::to_string(s->queryBatch));
    return false;
  }
  if (s->causal && s->queryTime != s->keyTime) {
    args.fail("causal attention needs queryTime == keyTime");
    return false;
  }
  const int64_t width = s->heads * s->headDim;
  *sizes = {s->queryBatch * s->queryTime * width, s->batch * s->keyTime * width, s->batch * s->queryTime * width,
            s->batch * s->heads * s->queryTime * s->keyTime};
  return true;
}

// attentionForward(buffer, batch, queryBatch, queryTime, keyTime, heads, headDim, causal,
//                  qOffset, kOffset, vOffset, outOffset, probsOffset)
napi_value AttentionForward(napi_env env, napi_callback_info info) {
  KernelArgs args(env, info, "attentionForward", 13);
  AttentionShape s;
  AttentionSizes size;
  float *q, *k, *v, *out, *probs;
  if (!readAttentionShape(args, &s, &size) || !args.operand(8, "q", size.query, &q) ||
      !args.operand(9, "k", size.key, &k) || !args.operand(10, "v", size.key, &v) ||
      !args.operand(11, "out", size.out, &out) || !args.operand(12, "probs", size.probs, &probs)) {
    return nullptr;
  }
  attentionForward(s, q, k, v, out, probs);
  return nullptr;
}

// attentionBackward(buffer, batch, queryBatch, queryTime, keyTime, heads, headDim, causal,
//                   dOutOffset, qOffset, kOffset, vOffset, probsOffset, dqOffset, dkOffset, dvOffset)
napi_value AttentionBackward(napi_env env, napi_callback_info info) {
  KernelArgs args(env, info, "attentionBackward", 16);
  AttentionShape s;
  AttentionSizes size;
  float *dOut, *q, *k, *v, *probs, *dq, *dk, *dv;
  if (!readAttentionShape(args, &s, &size) || !args.operand(8, "dOut", size.out, &dOut) ||
      !args.operand(9, "q", size.query, &q) || !args.operand(10, "k", size.key, &k) ||
      !args.operand(11, "v", size.key, &v) || !args.operand(12, "probs", size.probs, &probs) ||
      !args.operand(13, "dq", size.query, &dq) || !args.operand(14, "dk", size.key, &dk) ||
      !args.operand(15, "dv", size.key, &dv)) {
    return nullptr;
  }
  attentionBackward(s, dOut, q, k, v, probs, dq, dk, dv);
  return nullptr;
}

// denseBitGradient(buffer, n, bits, width, logitsOffset, dROffset, tableOffset, dLogitsOffset)
napi_value DenseBitGradient(napi_env env, napi_callback_info info) {
  KernelArgs args(env, info, "denseBitGradient", 8);
  int64_t n, bits, width;
  if (!args.integer(1, "n", 0, &n) || !args.integer(2, "bits", 1, &bits) || !args.integer(3, "width", 1, &width)) {
    return nullptr;
  }
  // Checked before the table's size 2^bits * width is computed from it.
  if (bits > 24) {
    args.fail("bits must be at most 24 (2^bits codes), got " + std::to_string(bits));
    return nullptr;
  }
  float *logits, *dR, *table, *dLogits;
  if (!args.operand(4, "logits", n * bits, &logits) || !args.operand(5, "dR", n * width, &dR) ||
      !args.operand(6, "table", (int64_t{1} << bits) * width, &table) ||
      !args.operand(7, "dLogits", n * bits, &dLogits)) {
    return nullptr;
  }
  denseBitGradient(n, bits, width, logits, dR, table, dLogits);
  return nullptr;
}

// adamW(buffer, n, wOffset, mOffset, vOffset, gOffset, beta1, beta2, stepSize, epsHat, decay,
//       wOutOffset, mOutOffset, vOutOffset): one AdamW step, the bias corrections folded into
// stepSize = lr sqrt(1 - b2^t) / (1 - b1^t) and epsHat = eps sqrt(1 - b2^t); decay = 1 - lr wd or 1.
napi_value AdamW(napi_env env, napi_callback_info info) {
  KernelArgs args(env, info, "adamW", 14);
  int64_t n;
  double beta1, beta2, stepSize, epsHat, decay;
  float *w, *m, *v, *g, *wOut, *mOut, *vOut;
  if (!args.integer(1, "n", 0, &n) || !args.operand(2, "w", n, &w) || !args.operand(3, "m", n, &m) ||
      !args.operand(4, "v", n, &v) || !args.operand(5, "g", n, &g) || !args.number(6, "beta1", &beta1) ||
      !args.number(7, "beta2", &beta2) || !args.number(8, "stepSize", &stepSize) ||
      !args.number(9, "epsHat", &epsHat) || !args.number(10, "decay", &decay) ||
      !args.operand(11, "wOut", n, &wOut) || !args.operand(12, "mOut", n, &mOut) ||
      !args.operand(13, "vOut", n, &vOut)) {
    return nullptr;
  }
  parallelChunks(n, kAlign, kParallelItems, [&](int64_t first, int64_t last) {
    simd().adamW(last - first, w + first, m + first, v + first, g + first, static_cast<float>(beta1),
                 static_cast<float>(beta2), static_cast<float>(stepSize), static_cast<float>(epsHat),
                 static_cast<float>(decay), wOut + first, mOut + first, vOut + first);
  });
  return nullptr;
}

// sumOfSquares(buffer, offsets, sizes) -> the sum over every listed float32 array of x^2.
napi_value SumOfSquares(napi_env env, napi_callback_info info) {
  KernelArgs args(env, info, "sumOfSquares", 3);
  size_t count = 0, sizeCount = 0;
  constexpr size_t kMaxArrays = 4096;
  static thread_local int64_t offsets[kMaxArrays], sizes[kMaxArrays];
  if (!args.integers(1, "offsets", 0, kMaxArrays, offsets, &count) ||
      !args.integers(2, "sizes", 0, kMaxArrays, sizes, &sizeCount)) {
    return nullptr;
  }
  if (count != sizeCount) {
    args.fail("offsets and sizes must have the same length");
    return nullptr;
  }
  double total = 0.0;
  for (size_t i = 0; i < count; ++i) {
    float* x;
    if (!args.at("array", offsets[i], sizes[i], &x)) return nullptr;
    total += simd().sumOfSquares(sizes[i], x);
  }
  napi_value result;
  napi_create_double(env, total, &result);
  return result;
}

}  // namespace

void registerFused(napi_env env, napi_value exports) {
  const Method methods[] = {
      {"rmsNormForward", RmsNormForward},     {"rmsNormBackward", RmsNormBackward},
      {"swiGluForward", SwiGluForward},       {"swiGluBackward", SwiGluBackward},
      {"rope", Rope},                         {"attentionForward", AttentionForward},
      {"attentionBackward", AttentionBackward}, {"denseBitGradient", DenseBitGradient},
      {"adamW", AdamW},                       {"sumOfSquares", SumOfSquares},
  };
  defineMethods(env, exports, methods, sizeof(methods) / sizeof(methods[0]));
}

}  // namespace ftl
