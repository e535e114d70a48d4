// simd_impl.h compiled for AVX2 + FMA (used only after the CPU check).
#include <cstddef>
#include <cstdint>

#include "simd.h"

#if defined(__x86_64__) || defined(__i386__)
#pragma GCC target("avx2,fma")
#define FTL_ISA avx2
#include "simd_impl.h"
#endif
