// simd_impl.h for the baseline target (SSE2 on x86-64), and the choice between it and AVX2.
#include <cstddef>
#include <cstdint>

#include "cpu.h"
#include "simd.h"

#define FTL_ISA baseline
#include "simd_impl.h"

namespace ftl {

#if defined(__x86_64__) || defined(__i386__)
namespace avx2 {
extern const SimdKernels table;
}
#endif

namespace {
bool forceBaseline = false;
}

const SimdKernels& simd() {
#if defined(__x86_64__) || defined(__i386__)
  if (!forceBaseline && cpuHasAvx2Fma()) return avx2::table;
#endif
  return baseline::table;
}

void simdForceBaseline(bool baseline) { forceBaseline = baseline; }

}  // namespace ftl
