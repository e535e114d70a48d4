// N-API bindings of the elementwise, reduction and data-movement kernels (simd.h, movement.h).
#include <algorithm>
#include <string>

#include "bindings.h"
#include "movement.h"
#include "napi_args.h"
#include "parallel.h"
#include "simd.h"

namespace ftl {
namespace {

// Elements spanned by a strided operand: 1 + sum over dimensions of (dim - 1) * stride.
int64_t span(int rank, const int64_t* dims, const int64_t* strides) {
  int64_t last = 0;
  for (int i = 0; i < rank; ++i) {
    if (dims[i] == 0) return 0;
    last += (dims[i] - 1) * strides[i];
  }
  return last + 1;
}

// binary(buffer, op, dims, aStrides, bStrides, aOffset, bOffset, outOffset): out = a op b over
// a collapsed broadcast layout (rank <= 4, innermost strides 0 or 1; see elementwise.h).
napi_value Binary(napi_env env, napi_callback_info info) {
  KernelArgs args(env, info, "binary", 8);
  size_t rank = 0, aRank = 0, bRank = 0;
  int64_t op, aOffset, bOffset, outOffset;
  BroadcastLayout layout;
  if (!args.integer(1, "op", 0, &op) || !args.integers(2, "dims", 1, kMaxLayoutRank, layout.dims, &rank) ||
      !args.integers(3, "aStrides", 0, kMaxLayoutRank, layout.aStrides, &aRank) ||
      !args.integers(4, "bStrides", 0, kMaxLayoutRank, layout.bStrides, &bRank) ||
      !args.integer(5, "aOffset", 0, &aOffset) || !args.integer(6, "bOffset", 0, &bOffset) ||
      !args.integer(7, "outOffset", 0, &outOffset)) {
    return nullptr;
  }
  if (op > static_cast<int64_t>(BinaryOp::SquaredDifference)) {
    args.fail("op " + std::to_string(op) + " is not a binary op");
    return nullptr;
  }
  if (rank == 0 || aRank != rank || bRank != rank) {
    args.fail("dims, aStrides and bStrides must have the same length, 1 to 4");
    return nullptr;
  }
  layout.rank = static_cast<int>(rank);
  const int64_t innerA = layout.aStrides[rank - 1], innerB = layout.bStrides[rank - 1];
  if (innerA > 1 || innerB > 1) {
    args.fail("the innermost strides must be 0 or 1");
    return nullptr;
  }
  int64_t size = 1;
  for (size_t i = 0; i < rank; ++i) size *= layout.dims[i];
  float *a, *b, *out;
  if (!args.at("a", aOffset, span(layout.rank, layout.dims, layout.aStrides), &a) ||
      !args.at("b", bOffset, span(layout.rank, layout.dims, layout.bStrides), &b) ||
      !args.at("out", outOffset, size, &out)) {
    return nullptr;
  }
  // Split along the outermost dimension (or, for one dimension, in aligned chunks of it).
  const int64_t rows = layout.dims[0];
  const int64_t outRow = size / std::max<int64_t>(rows, 1);
  parallelChunks(rows, layout.rank == 1 ? kAlign : 1, kParallelItems / std::max<int64_t>(outRow, 1) + 1,
                 [&](int64_t first, int64_t last) {
                   BroadcastLayout part = layout;
                   part.dims[0] = last - first;
                   simd().binary(static_cast<BinaryOp>(op), part, a + first * layout.aStrides[0],
                                 b + first * layout.bStrides[0], out + first * outRow);
                 });
  return nullptr;
}

// unary(buffer, op, n, xOffset, outOffset)
napi_value Unary(napi_env env, napi_callback_info info) {
  KernelArgs args(env, info, "unary", 5);
  int64_t op, n;
  float *x, *out;
  if (!args.integer(1, "op", 0, &op) || !args.integer(2, "n", 0, &n) || !args.operand(3, "x", n, &x) ||
      !args.operand(4, "out", n, &out)) {
    return nullptr;
  }
  if (op > static_cast<int64_t>(UnaryOp::Abs)) {
    args.fail("op " + std::to_string(op) + " is not a unary op");
    return nullptr;
  }
  parallelChunks(n, kAlign, kParallelItems, [&](int64_t first, int64_t last) {
    simd().unary(static_cast<UnaryOp>(op), last - first, x + first, out + first);
  });
  return nullptr;
}

// reduceAxis(buffer, op, outer, reduced, inner, xOffset, outOffset): out[o, i] = op over r of
// x[o, r, i] (sum, mean, max): any contiguous block of axes of a dense array.
napi_value ReduceAxis(napi_env env, napi_callback_info info) {
  KernelArgs args(env, info, "reduceAxis", 7);
  int64_t op, outer, reduced, inner;
  float *x, *out;
  if (!args.integer(1, "op", 0, &op) || !args.integer(2, "outer", 0, &outer) ||
      !args.integer(3, "reduced", 1, &reduced) || !args.integer(4, "inner", 0, &inner) ||
      !args.operand(5, "x", outer * reduced * inner, &x) || !args.operand(6, "out", outer * inner, &out)) {
    return nullptr;
  }
  if (op > static_cast<int64_t>(ReduceOp::Max)) {
    args.fail("op " + std::to_string(op) + " is not a reduction");
    return nullptr;
  }
  // Each output keeps its own order of summation: only the outer dimension is split.
  parallelChunks(outer, 1, kParallelItems / std::max<int64_t>(reduced * inner, 1) + 1, [&](int64_t first, int64_t last) {
    simd().reduceAxis(static_cast<ReduceOp>(op), last - first, reduced, inner, x + first * reduced * inner,
                      out + first * inner);
  });
  return nullptr;
}

// softmaxRows(buffer, rows, cols, xOffset, outOffset)
napi_value SoftmaxRows(napi_env env, napi_callback_info info) {
  KernelArgs args(env, info, "softmaxRows", 5);
  int64_t rows, cols;
  float *x, *out;
  if (!args.integer(1, "rows", 0, &rows) || !args.integer(2, "cols", 1, &cols) ||
      !args.operand(3, "x", rows * cols, &x) || !args.operand(4, "out", rows * cols, &out)) {
    return nullptr;
  }
  parallelChunks(rows, 1, kParallelItems / cols + 1, [&](int64_t first, int64_t last) {
    simd().softmaxRows(last - first, cols, x + first * cols, out + first * cols, false);
  });
  return nullptr;
}

// transpose(buffer, shape, perm, xOffset, outOffset): 4-byte elements, rank <= 6.
napi_value Transpose(napi_env env, napi_callback_info info) {
  KernelArgs args(env, info, "transpose", 5);
  size_t rank = 0, permRank = 0;
  int64_t shape[6], perm64[6], xOffset, outOffset;
  if (!args.integers(1, "shape", 0, 6, shape, &rank) || !args.integers(2, "perm", 0, 6, perm64, &permRank) ||
      !args.integer(3, "xOffset", 0, &xOffset) || !args.integer(4, "outOffset", 0, &outOffset)) {
    return nullptr;
  }
  int perm[6];
  bool seen[6] = {false, false, false, false, false, false};
  if (permRank != rank) {
    args.fail("perm must have one entry per dimension of shape");
    return nullptr;
  }
  for (size_t i = 0; i < rank; ++i) {
    if (perm64[i] >= static_cast<int64_t>(rank) || seen[perm64[i]]) {
      args.fail("perm is not a permutation of 0.." + std::to_string(rank - 1));
      return nullptr;
    }
    seen[perm64[i]] = true;
    perm[i] = static_cast<int>(perm64[i]);
  }
  int64_t size = 1;
  for (size_t i = 0; i < rank; ++i) size *= shape[i];
  float *x, *out;
  if (!args.at("x", xOffset, size, &x) || !args.at("out", outOffset, size, &out)) {
    return nullptr;
  }
  if (size > 0) transpose(static_cast<int>(rank), shape, perm, x, out);
  return nullptr;
}

// gatherRows(buffer, tableOffset, tableRows, cols, idsOffset, n, outOffset) -> -1, or the
// position of the first id outside [0, tableRows) (rows before it are written).
napi_value GatherRows(napi_env env, napi_callback_info info) {
  KernelArgs args(env, info, "gatherRows", 7);
  int64_t tableOffset, tableRows, cols, idsOffset, n;
  float *table, *out;
  int32_t* ids;
  if (!args.integer(1, "tableOffset", 0, &tableOffset) || !args.integer(2, "tableRows", 0, &tableRows) ||
      !args.integer(3, "cols", 0, &cols) || !args.integer(4, "idsOffset", 0, &idsOffset) ||
      !args.integer(5, "n", 0, &n) || !args.at("table", tableOffset, tableRows * cols, &table) ||
      !args.at("ids", idsOffset, n, &ids) || !args.operand(6, "out", n * cols, &out)) {
    return nullptr;
  }
  napi_value result;
  napi_create_double(env, static_cast<double>(gatherRows(table, tableRows, cols, ids, n, out)), &result);
  return result;
}

}  // namespace

void registerElementwise(napi_env env, napi_value exports) {
  const Method methods[] = {
      {"binary", Binary},         {"unary", Unary},         {"reduceAxis", ReduceAxis},
      {"softmaxRows", SoftmaxRows}, {"transpose", Transpose}, {"gatherRows", GatherRows},
  };
  defineMethods(env, exports, methods, sizeof(methods) / sizeof(methods[0]));
}

}  // namespace ftl
