{
  "targets": [
    {
      "target_name": "ftlab_native",
      "sources": [
        "src/addon.cc",
        "src/attention.cc",
        "src/bindings_elementwise.cc",
        "src/bindings_fused.cc",
        "src/cpu.cc",
        "src/dense_estimator.cc",
        "src/gemm.cc",
        "src/micro_kernel.cc",
        "src/movement.cc",
        "src/napi_args.cc",
        "src/parallel.cc",
        "src/simd_avx2.cc",
        "src/simd_baseline.cc"
      ],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno", "-fno-trapping-math", "-fno-exceptions", "-Wall", "-Wextra", "-Wno-psabi", "-pthread"],
      "ldflags": ["-pthread"],
      "cflags_cc!": ["-fno-rtti", "-std=gnu++17", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
