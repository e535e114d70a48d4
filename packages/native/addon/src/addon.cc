// The N-API surface of @ftlab/native. Every kernel takes one buffer (the tfjs wasm heap, an
// ArrayBuffer, or a TypedArray) and byte offsets into it, checks that every operand lies
// inside it, and computes in place: no copies in or out of JavaScript.
#include <node_api.h>

#include <string>

#include "bindings.h"
#include "cpu.h"
#include "gemm.h"
#include "napi_args.h"
#include "parallel.h"
#include "simd.h"

namespace ftl {

void defineMethods(napi_env env, napi_value exports, const Method* methods, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    napi_value function;
    napi_create_function(env, methods[i].name, NAPI_AUTO_LENGTH, methods[i].function, nullptr, &function);
    napi_set_named_property(env, exports, methods[i].name, function);
  }
}

namespace {

napi_value makeString(napi_env env, const char* text) {
  napi_value value;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &value);
  return value;
}

// info() -> { gemmKernel, simd, avx2Fma, avx512f, threads }
napi_value Info(napi_env env, napi_callback_info) {
  napi_value out, flag;
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "gemmKernel", makeString(env, gemmKernelName()));
  napi_set_named_property(env, out, "simd", makeString(env, simd().name));
  napi_get_boolean(env, cpuHasAvx2Fma(), &flag);
  napi_set_named_property(env, out, "avx2Fma", flag);
  napi_get_boolean(env, cpuHasAvx512f(), &flag);
  napi_set_named_property(env, out, "avx512f", flag);
  napi_value threads;
  napi_create_int32(env, threadCount(), &threads);
  napi_set_named_property(env, out, "threads", threads);
  return out;
}

// setThreads(n): threads the kernels split their work between (1..64; 1, the default, starts
// none). Results are bit-identical for every n.
napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args args(env, info, "setThreads", 1);
  int64_t threads;
  if (!args.integer(0, "threads", 1, &threads)) return nullptr;
  if (threads > kMaxThreads) {
    napi_throw_range_error(env, nullptr, ("@ftlab/native setThreads: at most " + std::to_string(kMaxThreads) +
                                          " threads, not " + std::to_string(threads)).c_str());
    return nullptr;
  }
  setThreadCount(static_cast<int>(threads));
  return nullptr;
}

// The one argument of a switch, setX(flag); false (after throwing) when it is not a boolean.
bool readFlag(napi_env env, napi_callback_info info, const char* function, bool* flag) {
  Args args(env, info, function, 1);
  return args.boolean(0, "flag", flag);
}

// setAvx512(flag): false keeps GEMM on the AVX2 micro-kernel where the CPU has AVX-512, so tests
// can compare the two; true (the default) uses AVX-512 where the CPU has it.
napi_value SetAvx512(napi_env env, napi_callback_info info) {
  bool flag;
  if (readFlag(env, info, "setAvx512", &flag)) gemmAllowAvx512(flag);
  return nullptr;
}

// setPortable(flag): the portable GEMM micro-kernel and the baseline SIMD build, so tests can
// compare both code paths on an AVX2 machine.
napi_value SetPortable(napi_env env, napi_callback_info info) {
  bool flag;
  if (readFlag(env, info, "setPortable", &flag)) {
    gemmForcePortable(flag);
    simdForceBaseline(flag);
  }
  return nullptr;
}

// gemm(buffer, batch, m, n, k, transA, transB, aOffset, aBatchStride, bOffset, bBatchStride,
//      cOffset, alpha, beta[, addendOffset]): for each batch item b,
//   C_b = alpha op(A_b) op(B_b) + beta C_b   (or + beta addend_b, an operand like C that must not overlap it)
// with contiguous row-major operands (A_b: m x k, or k x m when transposed; B_b: k x n, or
// n x k; C_b: m x n) at byte offsets, batch strides in floats (0 broadcasts an operand).
napi_value Gemm(napi_env env, napi_callback_info info) {
  KernelArgs args(env, info, "gemm", 14);
  int64_t batch, m, n, k, aOffset, aStride, bOffset, bStride, cOffset;
  bool transA, transB;
  double alpha, beta;
  if (!args.integer(1, "batch", 0, &batch) || !args.integer(2, "m", 0, &m) || !args.integer(3, "n", 0, &n) ||
      !args.integer(4, "k", 0, &k) ||
      !args.boolean(5, "transA", &transA) || !args.boolean(6, "transB", &transB) ||
      !args.integer(7, "aOffset", 0, &aOffset) || !args.integer(8, "aBatchStride", 0, &aStride) ||
      !args.integer(9, "bOffset", 0, &bOffset) || !args.integer(10, "bBatchStride", 0, &bStride) ||
      !args.integer(11, "cOffset", 0, &cOffset) || !args.number(12, "alpha", &alpha) ||
      !args.number(13, "beta", &beta)) {
    return nullptr;
  }
  // Argument 14, optional: the addend's byte offset (C = alpha op(A) op(B) + beta addend).
  int64_t addendOffset = -1;
  if (args.count() > 14 && !args.integer(14, "addendOffset", 0, &addendOffset)) return nullptr;
  if (batch == 0 || m == 0 || n == 0) return nullptr;
  const int64_t last = batch - 1;
  float *a, *b, *c, *addend = nullptr;
  if (!args.at("A", aOffset, last * aStride + m * k, &a) || !args.at("B", bOffset, last * bStride + k * n, &b) ||
      !args.at("C", cOffset, batch * m * n, &c) ||
      (addendOffset >= 0 && !args.at("addend", addendOffset, batch * m * n, &addend))) {
    return nullptr;
  }
  if (addend != nullptr && addend < c + batch * m * n && c < addend + batch * m * n) {
    args.fail("addend must not overlap C");
    return nullptr;
  }
  const GemmShape shape{m, n, k, transA, transB, transA ? m : k, transB ? k : n, n};
  for (int64_t i = 0; i < batch; ++i) {
    sgemm(shape, static_cast<float>(alpha), a + i * aStride, b + i * bStride, static_cast<float>(beta),
          c + i * m * n, addend ? addend + i * m * n : nullptr);
  }
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  const Method methods[] = {{"info", Info}, {"setPortable", SetPortable}, {"setAvx512", SetAvx512}, {"setThreads", SetThreads}, {"gemm", Gemm}};
  defineMethods(env, exports, methods, sizeof(methods) / sizeof(methods[0]));
  registerElementwise(env, exports);
  registerFused(env, exports);
  return exports;
}

}  // namespace
}  // namespace ftl

NAPI_MODULE(NODE_GYP_MODULE_NAME, ftl::Init)
