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
  Args args(env, info, "rmsNormForward", 8);
  uint8_t* data;
  size_t length;
  int64_t n, d, xOffset, wOffset, yOffset, rOffset;
  double eps;
  float *x, *w, *y, *r;
  if (!args.bytes(0, "buffer", &data, &length) || !args.integer(1, "n", 0, &n) || !args.integer(2, "d", 1, &d) ||
      !args.integer(3, "xOffset", 0, &xOffset) || !args.integer(4, "wOffset", 0, &wOffset) ||
      !args.number(5, "eps", &eps) || !args.integer(6, "yOffset", 0, &yOffset) ||
      !args.integer(7, "rOffset", 0, &rOffset) || !args.floatsAt("x", data, length, xOffset, n * d, &x) ||
      !args.floatsAt("w", data, length, wOffset, d, &w) || !args.floatsAt("y", data, length, yOffset, n * d, &y) ||
      !args.floatsAt("r", data, length, rOffset, n, &r)) {
    return nullptr;
  }
  parallelChunks(n, 1, kParallelItems / d + 1, [&](int64_t first, int64_t last) {
    simd().rmsNormForward(last - first, d, x + first * d, w, static_cast<float>(eps), y + first * d, r + first);
  });
  return nullptr;
}

// rmsNormBackward(buffer, n, d, dyOffset, xOffset, wOffset, rOffset, dxOffset, dwOffset)
napi_value RmsNormBackward(napi_env env, napi_callback_info info) {
  Args args(env, info, "rmsNormBackward", 9);
  uint8_t* data;
  size_t length;
  int64_t n, d, dyOffset, xOffset, wOffset, rOffset, dxOffset, dwOffset;
  float *dy, *x, *w, *r, *dx, *dw;
  if (!args.bytes(0, "buffer", &data, &length) || !args.integer(1, "n", 0, &n) || !args.integer(2, "d", 1, &d) ||
      !args.integer(3, "dyOffset", 0, &dyOffset) || !args.integer(4, "xOffset", 0, &xOffset) ||
      !args.integer(5, "wOffset", 0, &wOffset) || !args.integer(6, "rOffset", 0, &rOffset) ||
      !args.integer(7, "dxOffset", 0, &dxOffset) || !args.integer(8, "dwOffset", 0, &dwOffset) ||
      !args.floatsAt("dy", data, length, dyOffset, n * d, &dy) || !args.floatsAt("x", data, length, xOffset, n * d, &x) ||
      !args.floatsAt("w", data, length, wOffset, d, &w) || !args.floatsAt("r", data, length, rOffset, n, &r) ||
      !args.floatsAt("dx", data, length, dxOffset, n * d, &dx) || !args.floatsAt("dw", data, length, dwOffset, d, &dw)) {
    return nullptr;
  }
  simd().rmsNormBackward(n, d, dy, x, w, r, dx, dw);
  return nullptr;
}

// swiGluForward(buffer, n, gOffset, uOffset, hOffset)
napi_value SwiGluForward(napi_env env, napi_callback_info info) {
  Args args(env, info, "swiGluForward", 5);
  uint8_t* data;
  size_t length;
  int64_t n, gOffset, uOffset, hOffset;
  float *g, *u, *h;
  if (!args.bytes(0, "buffer", &data, &length) || !args.integer(1, "n", 0, &n) ||
      !args.integer(2, "gOffset", 0, &gOffset) || !args.integer(3, "uOffset", 0, &uOffset) ||
      !args.integer(4, "hOffset", 0, &hOffset) || !args.floatsAt("g", data, length, gOffset, n, &g) ||
      !args.floatsAt("u", data, length, uOffset, n, &u) || !args.floatsAt("h", data, length, hOffset, n, &h)) {
    return nullptr;
  }
  parallelChunks(n, kAlign, kParallelItems, [&](int64_t first, int64_t last) {
    simd().swiGluForward(last - first, g + first, u + first, h + first);
  });
  return nullptr;
}

// swiGluBackward(buffer, n, dhOffset, gOffset, uOffset, dgOffset, duOffset)
napi_value SwiGluBackward(napi_env env, napi_callback_info info) {
  Args args(env, info, "swiGluBackward", 7);
  uint8_t* data;
  size_t length;
  int64_t n, dhOffset, gOffset, uOffset, dgOffset, duOffset;
  float *dh, *g, *u, *dg, *du;
  if (!args.bytes(0, "buffer", &data, &length) || !args.integer(1, "n", 0, &n) ||
      !args.integer(2, "dhOffset", 0, &dhOffset) || !args.integer(3, "gOffset", 0, &gOffset) ||
      !args.integer(4, "uOffset", 0, &uOffset) || !args.integer(5, "dgOffset", 0, &dgOffset) ||
      !args.integer(6, "duOffset", 0, &duOffset) || !args.floatsAt("dh", data, length, dhOffset, n, &dh) ||
      !args.floatsAt("g", data, length, gOffset, n, &g) || !args.floatsAt("u", data, length, uOffset, n, &u) ||
      !args.floatsAt("dg", data, length, dgOffset, n, &dg) || !args.floatsAt("du", data, length, duOffset, n, &du)) {
    return nullptr;
  }
  parallelChunks(n, kAlign, kParallelItems, [&](int64_t first, int64_t last) {
    simd().swiGluBackward(last - first, dh + first, g + first, u + first, dg + first, du + first);
  });
  return nullptr;
}

// rope(buffer, batch, time, heads, headDim, xOffset, cosOffset, sinOffset, transposed, outOffset)
napi_value Rope(napi_env env, napi_callback_info info) {
  Args args(env, info, "rope", 10);
  uint8_t* data;
  size_t length;
  int64_t batch, time, heads, headDim, xOffset, cosOffset, sinOffset, outOffset;
  bool transposed;
  float *x, *cosTable, *sinTable, *out;
  if (!args.bytes(0, "buffer", &data, &length) || !args.integer(1, "batch", 0, &batch) ||
      !args.integer(2, "time", 0, &time) || !args.integer(3, "heads", 1, &heads) ||
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
  if (!args.floatsAt("x", data, length, xOffset, size, &x) ||
      !args.floatsAt("cos", data, length, cosOffset, time * headDim, &cosTable) ||
      !args.floatsAt("sin", data, length, sinOffset, time * headDim, &sinTable) ||
      !args.floatsAt("out", data, length, outOffset, size, &out)) {
    return nullptr;
  }
  const int64_t item = time * heads * headDim;
  parallelChunks(batch, 1, kParallelItems / std::max<int64_t>(item, 1) + 1, [&](int64_t first, int64_t last) {
    simd().rope(last - first, time, heads, headDim, x + first * item, cosTable, sinTable, transposed, out + first * item);
  });
  return nullptr;
}

bool readAttentionShape(Args& args, AttentionShape* s) {
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
  return true;
}

// attentionForward(buffer, batch, queryBatch, queryTime, keyTime, heads, headDim, causal,
//                  qOffset, kOffset, vOffset, outOffset, probsOffset)
napi_value AttentionForward(napi_env env, napi_callback_info info) {
  Args args(env, info, "attentionForward", 13);
  uint8_t* data;
  size_t length;
  AttentionShape s;
  int64_t qOffset, kOffset, vOffset, outOffset, probsOffset;
  if (!args.bytes(0, "buffer", &data, &length) || !readAttentionShape(args, &s) ||
      !args.integer(8, "qOffset", 0, &qOffset) || !args.integer(9, "kOffset", 0, &kOffset) ||
      !args.integer(10, "vOffset", 0, &vOffset) || !args.integer(11, "outOffset", 0, &outOffset) ||
      !args.integer(12, "probsOffset", 0, &probsOffset)) {
    return nullptr;
  }
  const int64_t width = s.heads * s.headDim;
  float *q, *k, *v, *out, *probs;
  if (!args.floatsAt("q", data, length, qOffset, s.queryBatch * s.queryTime * width, &q) ||
      !args.floatsAt("k", data, length, kOffset, s.batch * s.keyTime * width, &k) ||
      !args.floatsAt("v", data, length, vOffset, s.batch * s.keyTime * width, &v) ||
      !args.floatsAt("out", data, length, outOffset, s.batch * s.queryTime * width, &out) ||
      !args.floatsAt("probs", data, length, probsOffset, s.batch * s.heads * s.queryTime * s.keyTime, &probs)) {
    return nullptr;
  }
  attentionForward(s, q, k, v, out, probs);
  return nullptr;
}

// attentionBackward(buffer, batch, queryBatch, queryTime, keyTime, heads, headDim, causal,
//                   dOutOffset, qOffset, kOffset, vOffset, probsOffset, dqOffset, dkOffset, dvOffset)
napi_value AttentionBackward(napi_env env, napi_callback_info info) {
  Args args(env, info, "attentionBackward", 16);
  uint8_t* data;
  size_t length;
  AttentionShape s;
  int64_t dOutOffset, qOffset, kOffset, vOffset, probsOffset, dqOffset, dkOffset, dvOffset;
  if (!args.bytes(0, "buffer", &data, &length) || !readAttentionShape(args, &s) ||
      !args.integer(8, "dOutOffset", 0, &dOutOffset) || !args.integer(9, "qOffset", 0, &qOffset) ||
      !args.integer(10, "kOffset", 0, &kOffset) || !args.integer(11, "vOffset", 0, &vOffset) ||
      !args.integer(12, "probsOffset", 0, &probsOffset) || !args.integer(13, "dqOffset", 0, &dqOffset) ||
      !args.integer(14, "dkOffset", 0, &dkOffset) || !args.integer(15, "dvOffset", 0, &dvOffset)) {
    return nullptr;
  }
  const int64_t width = s.heads * s.headDim;
  const int64_t querySize = s.queryBatch * s.queryTime * width, keySize = s.batch * s.keyTime * width;
  float *dOut, *q, *k, *v, *probs, *dq, *dk, *dv;
  if (!args.floatsAt("dOut", data, length, dOutOffset, s.batch * s.queryTime * width, &dOut) ||
      !args.floatsAt("q", data, length, qOffset, querySize, &q) ||
      !args.floatsAt("k", data, length, kOffset, keySize, &k) ||
      !args.floatsAt("v", data, length, vOffset, keySize, &v) ||
      !args.floatsAt("probs", data, length, probsOffset, s.batch * s.heads * s.queryTime * s.keyTime, &probs) ||
      !args.floatsAt("dq", data, length, dqOffset, querySize, &dq) ||
      !args.floatsAt("dk", data, length, dkOffset, keySize, &dk) ||
      !args.floatsAt("dv", data, length, dvOffset, keySize, &dv)) {
    return nullptr;
  }
  attentionBackward(s, dOut, q, k, v, probs, dq, dk, dv);
  return nullptr;
}

// denseBitGradient(buffer, n, bits, width, logitsOffset, dROffset, tableOffset, dLogitsOffset)
napi_value DenseBitGradient(napi_env env, napi_callback_info info) {
  Args args(env, info, "denseBitGradient", 8);
  uint8_t* data;
  size_t length;
  int64_t n, bits, width, logitsOffset, dROffset, tableOffset, dLogitsOffset;
  if (!args.bytes(0, "buffer", &data, &length) || !args.integer(1, "n", 0, &n) || !args.integer(2, "bits", 1, &bits) ||
      !args.integer(3, "width", 1, &width) || !args.integer(4, "logitsOffset", 0, &logitsOffset) ||
      !args.integer(5, "dROffset", 0, &dROffset) || !args.integer(6, "tableOffset", 0, &tableOffset) ||
      !args.integer(7, "dLogitsOffset", 0, &dLogitsOffset)) {
    return nullptr;
  }
  if (bits > 24) {
    args.fail("bits must be at most 24 (2^bits codes), got " + std::to_string(bits));
    return nullptr;
  }
  float *logits, *dR, *table, *dLogits;
  if (!args.floatsAt("logits", data, length, logitsOffset, n * bits, &logits) ||
      !args.floatsAt("dR", data, length, dROffset, n * width, &dR) ||
      !args.floatsAt("table", data, length, tableOffset, (int64_t{1} << bits) * width, &table) ||
      !args.floatsAt("dLogits", data, length, dLogitsOffset, n * bits, &dLogits)) {
    return nullptr;
  }
  denseBitGradient(n, bits, width, logits, dR, table, dLogits);
  return nullptr;
}

// adamW(buffer, n, wOffset, mOffset, vOffset, gOffset, beta1, beta2, stepSize, epsHat, decay,
//       wOutOffset, mOutOffset, vOutOffset): one AdamW step, the bias corrections folded into
// stepSize = lr sqrt(1 - b2^t) / (1 - b1^t) and epsHat = eps sqrt(1 - b2^t); decay = 1 - lr wd or 1.
napi_value AdamW(napi_env env, napi_callback_info info) {
  Args args(env, info, "adamW", 14);
  uint8_t* data;
  size_t length;
  int64_t n, wOffset, mOffset, vOffset, gOffset, wOutOffset, mOutOffset, vOutOffset;
  double beta1, beta2, stepSize, epsHat, decay;
  float *w, *m, *v, *g, *wOut, *mOut, *vOut;
  if (!args.bytes(0, "buffer", &data, &length) || !args.integer(1, "n", 0, &n) ||
      !args.integer(2, "wOffset", 0, &wOffset) || !args.integer(3, "mOffset", 0, &mOffset) ||
      !args.integer(4, "vOffset", 0, &vOffset) || !args.integer(5, "gOffset", 0, &gOffset) ||
      !args.number(6, "beta1", &beta1) || !args.number(7, "beta2", &beta2) || !args.number(8, "stepSize", &stepSize) ||
      !args.number(9, "epsHat", &epsHat) || !args.number(10, "decay", &decay) ||
      !args.integer(11, "wOutOffset", 0, &wOutOffset) || !args.integer(12, "mOutOffset", 0, &mOutOffset) ||
      !args.integer(13, "vOutOffset", 0, &vOutOffset) || !args.floatsAt("w", data, length, wOffset, n, &w) ||
      !args.floatsAt("m", data, length, mOffset, n, &m) || !args.floatsAt("v", data, length, vOffset, n, &v) ||
      !args.floatsAt("g", data, length, gOffset, n, &g) || !args.floatsAt("wOut", data, length, wOutOffset, n, &wOut) ||
      !args.floatsAt("mOut", data, length, mOutOffset, n, &mOut) ||
      !args.floatsAt("vOut", data, length, vOutOffset, n, &vOut)) {
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
  Args args(env, info, "sumOfSquares", 3);
  uint8_t* data;
  size_t length, count = 0, sizeCount = 0;
  constexpr size_t kMaxArrays = 4096;
  static thread_local int64_t offsets[kMaxArrays], sizes[kMaxArrays];
  if (!args.bytes(0, "buffer", &data, &length) || !args.integers(1, "offsets", 0, kMaxArrays, offsets, &count) ||
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
    if (!args.floatsAt("array", data, length, offsets[i], sizes[i], &x)) return nullptr;
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
