// Fused row operations of simd.h (RMSNorm, SwiGLU, rotary embedding), compiled once per
// instruction set (see simd_impl.h). Each replaces a chain of 4 to 15 tfjs kernels, and so as
// many passes over activations that do not fit in L2, by one pass.

namespace ftl {
namespace FTL_ISA {

static void rmsNormForward(int64_t n, int64_t d, const float* __restrict x, const float* __restrict w, float eps,
                           float* __restrict y, float* __restrict r) {
  for (int64_t row = 0; row < n; ++row, x += d, y += d) {
    float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= d; i += 8) {
      for (int j = 0; j < 8; ++j) partial[j] += x[i + j] * x[i + j];
    }
    float squares = 0.0f;
    for (; i < d; ++i) squares += x[i] * x[i];
    for (int j = 0; j < 8; ++j) squares += partial[j];
    const float inverseRms = 1.0f / __builtin_sqrtf(squares / static_cast<float>(d) + eps);
    r[row] = inverseRms;
    for (i = 0; i < d; ++i) y[i] = (x[i] * inverseRms) * w[i];
  }
}

static void rmsNormBackward(int64_t n, int64_t d, const float* __restrict dy, const float* __restrict x,
                            const float* __restrict w, const float* __restrict r, float* __restrict dx,
                            float* __restrict dw) {
  for (int64_t i = 0; i < d; ++i) dw[i] = 0.0f;
  for (int64_t row = 0; row < n; ++row, dy += d, x += d, dx += d) {
    const float inverseRms = r[row];
    float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= d; i += 8) {
      for (int j = 0; j < 8; ++j) partial[j] += (dy[i + j] * w[i + j]) * (x[i + j] * inverseRms);
    }
    float dot = 0.0f;
    for (; i < d; ++i) dot += (dy[i] * w[i]) * (x[i] * inverseRms);
    for (int j = 0; j < 8; ++j) dot += partial[j];
    const float mean = dot / static_cast<float>(d);
    for (i = 0; i < d; ++i) {
      const float xHat = x[i] * inverseRms;
      dx[i] = inverseRms * (dy[i] * w[i] - xHat * mean);
      dw[i] += dy[i] * xHat;
    }
  }
}

// The last n % 8 elements go through zero-padded vectors, so every element uses the same exp.
struct Tail {
  float v[3][8] = {};
  V load(int which, const float* p, int64_t count) {
    __builtin_memcpy(v[which], p, static_cast<size_t>(count) * sizeof(float));
    return loadV(v[which]);
  }
  static void store(float* p, V value, int64_t count) {
    float out[8];
    storeV(out, value);
    __builtin_memcpy(p, out, static_cast<size_t>(count) * sizeof(float));
  }
};

static inline V swiGluValue(V gate, V up) { return gate * sigmoidV(gate) * up; }

static void swiGluForward(int64_t n, const float* __restrict g, const float* __restrict u, float* __restrict h) {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) storeV(h + i, swiGluValue(loadV(g + i), loadV(u + i)));
  if (i < n) {
    Tail tail;
    Tail::store(h + i, swiGluValue(tail.load(0, g + i, n - i), tail.load(1, u + i, n - i)), n - i);
  }
}

// silu(g) = g s, silu'(g) = s (1 + g (1 - s)) with s = sigmoid(g).
static inline void swiGluGrads(V grad, V gate, V up, V* dg, V* du) {
  const V s = sigmoidV(gate);
  *du = grad * gate * s;
  *dg = grad * up * (s * (1.0f + gate * (1.0f - s)));
}

static void swiGluBackward(int64_t n, const float* __restrict dh, const float* __restrict g, const float* __restrict u,
                           float* __restrict dg, float* __restrict du) {
  int64_t i = 0;
  V dgv, duv;
  for (; i + kLanes <= n; i += kLanes) {
    swiGluGrads(loadV(dh + i), loadV(g + i), loadV(u + i), &dgv, &duv);
    storeV(dg + i, dgv);
    storeV(du + i, duv);
  }
  if (i < n) {
    Tail tail;
    swiGluGrads(tail.load(0, dh + i, n - i), tail.load(1, g + i, n - i), tail.load(2, u + i, n - i), &dgv, &duv);
    Tail::store(dg + i, dgv, n - i);
    Tail::store(du + i, duv, n - i);
  }
}

// The same arithmetic, in the same order, as the tf-op AdamW of @ftlab/training, one pass.
static void adamW(int64_t n, const float* __restrict w, const float* __restrict m, const float* __restrict v,
                  const float* __restrict g, float beta1, float beta2, float stepSize, float epsHat, float decay,
                  float* __restrict wOut, float* __restrict mOut, float* __restrict vOut) {
  const float oneMinusBeta1 = 1.0f - beta1, oneMinusBeta2 = 1.0f - beta2;
  for (int64_t i = 0; i < n; ++i) {
    const float mNew = m[i] * beta1 + g[i] * oneMinusBeta1;
    const float vNew = v[i] * beta2 + (g[i] * g[i]) * oneMinusBeta2;
    mOut[i] = mNew;
    vOut[i] = vNew;
    wOut[i] = w[i] * decay - (mNew / (__builtin_sqrtf(vNew) + epsHat)) * stepSize;
  }
}

static double sumOfSquares(int64_t n, const float* __restrict x) {
  double total = 0.0;
  for (int64_t start = 0; start < n; start += 4096) {  // float partial sums over short runs, then double
    const int64_t end = start + 4096 < n ? start + 4096 : n;
    float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = start;
    for (; i + 8 <= end; i += 8) {
      for (int j = 0; j < 8; ++j) partial[j] += x[i + j] * x[i + j];
    }
    for (; i < end; ++i) total += static_cast<double>(x[i]) * x[i];
    for (int j = 0; j < 8; ++j) total += partial[j];
  }
  return total;
}

// rope(x)_i = x_i cos_i + rotate_half(x)_i sin_i with rotate_half(x) = [-x2, x1]; the transposed
// rotation (backward) is dx_i = dy_i cos_i + rotate_half^T(dy sin)_i, rotate_half^T(z) = [z2, -z1].
static void rope(int64_t batch, int64_t time, int64_t heads, int64_t headDim, const float* __restrict x,
                 const float* __restrict cos, const float* __restrict sin, bool transposed, float* __restrict out) {
  const int64_t half = headDim / 2;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t t = 0; t < time; ++t) {
      const float* c = cos + t * headDim;
      const float* s = sin + t * headDim;
      for (int64_t h = 0; h < heads; ++h, x += headDim, out += headDim) {
        if (!transposed) {
          for (int64_t i = 0; i < half; ++i) {
            out[i] = x[i] * c[i] - x[i + half] * s[i];
            out[i + half] = x[i + half] * c[i + half] + x[i] * s[i + half];
          }
        } else {
          for (int64_t i = 0; i < half; ++i) {
            out[i] = x[i] * c[i] + x[i + half] * s[i + half];
            out[i + half] = x[i + half] * c[i + half] - x[i] * s[i];
          }
        }
      }
    }
  }
}

}  // namespace FTL_ISA
}  // namespace ftl
