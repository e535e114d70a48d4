// The vectorised kernels (elementwise, reductions, fused row operations), built twice from the
// same source (simd_impl.h): once for baseline x86-64 and once for AVX2 + FMA. `simd()` returns
// the table the CPU supports, so callers never name an instruction set.
#pragma once
#include <cstdint>

namespace ftl {

enum class BinaryOp : int { Add = 0, Sub = 1, Mul = 2, Div = 3, Max = 4, Min = 5, SquaredDifference = 6 };
enum class UnaryOp : int { Neg = 0, Exp = 1, Sigmoid = 2, Sqrt = 3, Rsqrt = 4, Square = 5, Relu = 6, Abs = 7 };
enum class ReduceOp : int { Sum = 0, Mean = 1, Max = 2 };

constexpr int kMaxLayoutRank = 4;

// A broadcast binary op after collapsing dimensions: out is dense with `dims`; operand strides
// are in elements, 0 along broadcast dimensions, and the innermost stride is 0 or 1.
struct BroadcastLayout {
  int rank;
  int64_t dims[kMaxLayoutRank];
  int64_t aStrides[kMaxLayoutRank];
  int64_t bStrides[kMaxLayoutRank];
};

struct SimdKernels {
  const char* name;
  void (*binary)(BinaryOp op, const BroadcastLayout& layout, const float* a, const float* b, float* out);
  void (*unary)(UnaryOp op, int64_t n, const float* x, float* out);
  // out[o, i] = op over r of x[o, r, i].
  void (*reduceAxis)(ReduceOp op, int64_t outer, int64_t reduced, int64_t inner, const float* x, float* out);
  // softmax of each row; with `causal`, row i only sees columns 0..i (the rest become 0). In place is fine.
  void (*softmaxRows)(int64_t rows, int64_t cols, const float* x, float* out, bool causal);
  // Softmax backward per row, in place: d = p * (d - sum(d * p)). With `causal`, row i only
  // reads columns 0..i of d (the rest may be uninitialised) and sets the others to 0.
  void (*softmaxBackwardRows)(int64_t rows, int64_t cols, const float* p, float* d, bool causal);
  // RMSNorm over rows of n x d: y = x * r * w with r = 1 / sqrt(mean(x^2) + eps), r saved.
  void (*rmsNormForward)(int64_t n, int64_t d, const float* x, const float* w, float eps, float* y, float* r);
  // dx = r * (g - xhat * mean(g * xhat)) with g = dy * w, xhat = x * r; dw = sum over rows of dy * xhat.
  void (*rmsNormBackward)(int64_t n, int64_t d, const float* dy, const float* x, const float* w, const float* r,
                          float* dx, float* dw);
  // h = silu(g) * u.
  void (*swiGluForward)(int64_t n, const float* g, const float* u, float* h);
  // dg = dh * u * silu'(g), du = dh * silu(g).
  void (*swiGluBackward)(int64_t n, const float* dh, const float* g, const float* u, float* dg, float* du);
  // One AdamW step over n parameters (see bindings_fused.cc for the scalars):
  //   m' = b1 m + (1 - b1) g,  v' = b2 v + (1 - b2) g^2,  w' = w decay - step m' / (sqrt(v') + epsHat)
  void (*adamW)(int64_t n, const float* w, const float* m, const float* v, const float* g, float beta1, float beta2,
                float stepSize, float epsHat, float decay, float* wOut, float* mOut, float* vOut);
  // sum of x^2 in double.
  double (*sumOfSquares)(int64_t n, const float* x);
  // Rotary embedding (HF rotate_half) of x [batch, time, heads * headDim] by cos/sin [time, headDim];
  // `transposed` applies the transposed rotation (the backward pass).
  void (*rope)(int64_t batch, int64_t time, int64_t heads, int64_t headDim, const float* x, const float* cos,
               const float* sin, bool transposed, float* out);
};

const SimdKernels& simd();
// Forces the baseline build (tests compare it with the AVX2 one).
void simdForceBaseline(bool baseline);

}  // namespace ftl
