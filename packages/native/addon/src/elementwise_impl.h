// Elementwise ops and reductions of simd.h, compiled once per instruction set (see simd_impl.h).
//
// exp is a Cephes-style polynomial (relative error ~2 ulp) on 8-float GCC vectors, so it is SIMD
// on every target; it gives 0 below -87.3 and +inf above 88.72 (expf's range without
// denormals) and keeps NaN.

namespace ftl {
namespace FTL_ISA {

// 8 floats as one GCC vector: AVX2 registers in the AVX2 build, two SSE registers otherwise.
typedef float V __attribute__((vector_size(32)));
typedef int32_t VI __attribute__((vector_size(32)));
constexpr int64_t kLanes = 8;

static inline V splat(float x) { return V{} + x; }
static inline V loadV(const float* p) {
  V v;
  __builtin_memcpy(&v, p, sizeof(V));
  return v;
}
static inline void storeV(float* p, V v) { __builtin_memcpy(p, &v, sizeof(V)); }

static inline V expV(V x) {
  V clamped = x < -87.3f ? splat(-87.3f) : x;
  clamped = clamped > 88.72f ? splat(88.72f) : clamped;
  const V t = clamped * 1.44269504088896341f;
  const VI n = __builtin_convertvector(t + (t >= 0.0f ? splat(0.5f) : splat(-0.5f)), VI);
  const V nf = __builtin_convertvector(n, V);
  const V r = clamped - nf * 0.693359375f + nf * 2.12194440e-4f;
  V p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  V y = p * r * r + r + 1.0f;
  // 2^n in two factors: n reaches 128 near the top of the range, one beyond a float's exponent.
  const VI half = n >> 1;
  const VI bits1 = (half + 127) << 23, bits2 = (n - half + 127) << 23;
  V scale1, scale2;
  __builtin_memcpy(&scale1, &bits1, sizeof(V));
  __builtin_memcpy(&scale2, &bits2, sizeof(V));
  y = (y * scale1) * scale2;  // scale1 * scale2 alone would overflow at n = 128
  y = x < -87.3f ? splat(0.0f) : y;
  y = x > 88.72f ? splat(__builtin_inff()) : y;
  return x != x ? x : y;
}

static inline V sigmoidV(V x) { return 1.0f / (1.0f + expV(-x)); }

// out[i] = f(x[i]) eight at a time; the tail goes through a padded vector.
template <class F>
static inline void mapV(int64_t n, const float* x, float* out, F f) {  // in place is fine
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) storeV(out + i, f(loadV(x + i)));
  if (i < n) {
    float tail[kLanes] = {0, 0, 0, 0, 0, 0, 0, 0};
    __builtin_memcpy(tail, x + i, static_cast<size_t>(n - i) * sizeof(float));
    storeV(tail, f(loadV(tail)));
    __builtin_memcpy(out + i, tail, static_cast<size_t>(n - i) * sizeof(float));
  }
}

template <BinaryOp Op>
static inline float apply(float a, float b) {
  if constexpr (Op == BinaryOp::Add) return a + b;
  if constexpr (Op == BinaryOp::Sub) return a - b;
  if constexpr (Op == BinaryOp::Mul) return a * b;
  if constexpr (Op == BinaryOp::Div) return a / b;
  if constexpr (Op == BinaryOp::Max) return (a > b || a != a) ? a : b;
  if constexpr (Op == BinaryOp::Min) return (a < b || a != a) ? a : b;
  if constexpr (Op == BinaryOp::SquaredDifference) return (a - b) * (a - b);
  return 0.0f;
}

// The innermost dimension, in the three stride patterns a contiguous output can have.
template <BinaryOp Op>
static void inner(int64_t n, const float* __restrict a, int64_t sa, const float* __restrict b, int64_t sb,
                  float* __restrict out) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = apply<Op>(a[i], b[i]);
  } else if (sa == 1) {
    const float bv = *b;
    for (int64_t i = 0; i < n; ++i) out[i] = apply<Op>(a[i], bv);
  } else if (sb == 1) {
    const float av = *a;
    for (int64_t i = 0; i < n; ++i) out[i] = apply<Op>(av, b[i]);
  } else {
    const float v = apply<Op>(*a, *b);
    for (int64_t i = 0; i < n; ++i) out[i] = v;
  }
}

template <BinaryOp Op>
static void binaryLoop(const BroadcastLayout& l, const float* a, const float* b, float* out) {
  // Pad to rank 4 at the front so one loop nest covers every collapsed rank.
  int64_t d[4] = {1, 1, 1, 1}, sa[4] = {0, 0, 0, 0}, sb[4] = {0, 0, 0, 0};
  const int shift = 4 - l.rank;
  for (int i = 0; i < l.rank; ++i) {
    d[shift + i] = l.dims[i];
    sa[shift + i] = l.aStrides[i];
    sb[shift + i] = l.bStrides[i];
  }
  for (int64_t i0 = 0; i0 < d[0]; ++i0) {
    for (int64_t i1 = 0; i1 < d[1]; ++i1) {
      for (int64_t i2 = 0; i2 < d[2]; ++i2) {
        const int64_t ao = i0 * sa[0] + i1 * sa[1] + i2 * sa[2];
        const int64_t bo = i0 * sb[0] + i1 * sb[1] + i2 * sb[2];
        inner<Op>(d[3], a + ao, sa[3], b + bo, sb[3], out);
        out += d[3];
      }
    }
  }
}

static void binary(BinaryOp op, const BroadcastLayout& l, const float* a, const float* b, float* out) {
  switch (op) {
    case BinaryOp::Add: return binaryLoop<BinaryOp::Add>(l, a, b, out);
    case BinaryOp::Sub: return binaryLoop<BinaryOp::Sub>(l, a, b, out);
    case BinaryOp::Mul: return binaryLoop<BinaryOp::Mul>(l, a, b, out);
    case BinaryOp::Div: return binaryLoop<BinaryOp::Div>(l, a, b, out);
    case BinaryOp::Max: return binaryLoop<BinaryOp::Max>(l, a, b, out);
    case BinaryOp::Min: return binaryLoop<BinaryOp::Min>(l, a, b, out);
    case BinaryOp::SquaredDifference: return binaryLoop<BinaryOp::SquaredDifference>(l, a, b, out);
  }
}

static void unary(UnaryOp op, int64_t n, const float* __restrict x, float* __restrict out) {
  switch (op) {
    case UnaryOp::Neg:
      for (int64_t i = 0; i < n; ++i) out[i] = -x[i];
      return;
    case UnaryOp::Exp:
      mapV(n, x, out, expV);
      return;
    case UnaryOp::Sigmoid:
      mapV(n, x, out, sigmoidV);
      return;
    case UnaryOp::Sqrt:
      for (int64_t i = 0; i < n; ++i) out[i] = __builtin_sqrtf(x[i]);
      return;
    case UnaryOp::Rsqrt:
      for (int64_t i = 0; i < n; ++i) out[i] = 1.0f / __builtin_sqrtf(x[i]);
      return;
    case UnaryOp::Square:
      for (int64_t i = 0; i < n; ++i) out[i] = x[i] * x[i];
      return;
    case UnaryOp::Relu:
      for (int64_t i = 0; i < n; ++i) out[i] = x[i] > 0.0f ? x[i] : (x[i] != x[i] ? x[i] : 0.0f);
      return;
    case UnaryOp::Abs:
      for (int64_t i = 0; i < n; ++i) out[i] = __builtin_fabsf(x[i]);
      return;
  }
}

// Sums in 8 interleaved partial sums: vectorisable, and more accurate than one running sum.
static inline float rowSum(const float* __restrict x, int64_t n) {
  float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) partial[j] += x[i + j];
  }
  float total = 0.0f;
  for (; i < n; ++i) total += x[i];
  for (int j = 0; j < 8; ++j) total += partial[j];
  return total;
}

static inline float rowMax(const float* __restrict x, int64_t n) {
  V best = splat(-__builtin_inff());
  VI nan = VI{};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const V v = loadV(x + i);
    best = v > best ? v : best;
    nan |= v != v;
  }
  float top = -__builtin_inff();
  bool anyNan = false;
  for (int j = 0; j < kLanes; ++j) {
    top = best[j] > top ? best[j] : top;
    anyNan |= nan[j] != 0;
  }
  for (; i < n; ++i) {
    top = x[i] > top ? x[i] : top;
    anyNan |= x[i] != x[i];
  }
  return anyNan ? __builtin_nanf("") : top;
}

// Columns of a reduced x inner block: accumulates whole rows (vectorised along inner).
static void reduceColumns(ReduceOp op, int64_t reduced, int64_t inner, const float* __restrict x,
                          float* __restrict out) {
  if (op == ReduceOp::Max) {
    for (int64_t i = 0; i < inner; ++i) out[i] = x[i];
    for (int64_t r = 1; r < reduced; ++r) {
      const float* row = x + r * inner;
      for (int64_t i = 0; i < inner; ++i) {
        const float v = row[i];
        out[i] = (v > out[i] || v != v) ? v : out[i];
      }
    }
    return;
  }
  for (int64_t i = 0; i < inner; ++i) out[i] = 0.0f;
  for (int64_t r = 0; r < reduced; ++r) {
    const float* row = x + r * inner;
    for (int64_t i = 0; i < inner; ++i) out[i] += row[i];
  }
  if (op == ReduceOp::Mean) {
    const float scale = 1.0f / static_cast<float>(reduced);
    for (int64_t i = 0; i < inner; ++i) out[i] *= scale;
  }
}

static void reduceAxis(ReduceOp op, int64_t outer, int64_t reduced, int64_t inner, const float* x, float* out) {
  for (int64_t o = 0; o < outer; ++o, x += reduced * inner, out += inner) {
    if (inner > 1) {
      reduceColumns(op, reduced, inner, x, out);
      continue;
    }
    switch (op) {
      case ReduceOp::Sum: *out = rowSum(x, reduced); break;
      case ReduceOp::Mean: *out = rowSum(x, reduced) / static_cast<float>(reduced); break;
      case ReduceOp::Max: *out = rowMax(x, reduced); break;
    }
  }
}

// Whole vectors wherever the row has room: a last partial vector of the visible columns is
// computed whole when the row extends past it (its extra lanes are zeroed afterwards), so only a
// row whose width is not a multiple of 8 takes the padded-copy path. Every visible value and the
// sum's order are those of the element-by-element definition (rowSum), so results do not depend
// on the vector width.
static void softmaxRows(int64_t rows, int64_t cols, const float* x, float* out, bool causal) {
  for (int64_t r = 0; r < rows; ++r, x += cols, out += cols) {
    const int64_t visible = causal ? (r + 1 < cols ? r + 1 : cols) : cols;
    const float top = rowMax(x, visible);
    const V shift = splat(top);
    const int64_t whole = (visible + kLanes - 1) / kLanes * kLanes <= cols ? visible + kLanes - 1 : visible;
    int64_t i = 0;
    for (; i + kLanes <= whole; i += kLanes) storeV(out + i, expV(loadV(x + i) - shift));
    if (i < visible) mapV(visible - i, x + i, out + i, [shift](V v) { return expV(v - shift); });
    const float scale = 1.0f / rowSum(out, visible);
    const V scaleV = splat(scale);
    for (i = 0; i + kLanes <= visible; i += kLanes) storeV(out + i, loadV(out + i) * scaleV);
    for (; i < visible; ++i) out[i] *= scale;
    for (; i < cols; ++i) out[i] = 0.0f;
  }
}

static void softmaxBackwardRows(int64_t rows, int64_t cols, const float* __restrict p, float* __restrict d,
                                bool causal) {
  for (int64_t r = 0; r < rows; ++r, p += cols, d += cols) {
    const int64_t visible = causal ? (r + 1 < cols ? r + 1 : cols) : cols;
    float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= visible; i += 8) {
      for (int j = 0; j < 8; ++j) partial[j] += d[i + j] * p[i + j];
    }
    float dot = 0.0f;
    for (; i < visible; ++i) dot += d[i] * p[i];
    for (int j = 0; j < 8; ++j) dot += partial[j];
    for (i = 0; i < visible; ++i) d[i] = p[i] * (d[i] - dot);
    for (i = visible; i < cols; ++i) d[i] = 0.0f;
  }
}

}  // namespace FTL_ISA
}  // namespace ftl
