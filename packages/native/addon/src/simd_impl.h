// The one source of every vectorised kernel. An including file defines FTL_ISA (a namespace
// name) and, for AVX2, switches the compile target with a pragma *after* including every
// standard header, so no inline function shared with other files is ever compiled for AVX2.
// It gets a `const SimdKernels FTL_ISA::table`.
#include "elementwise_impl.h"
#include "fused_impl.h"

namespace ftl {
namespace FTL_ISA {

#define FTL_STR2(x) #x
#define FTL_STR(x) FTL_STR2(x)

extern const SimdKernels table;
const SimdKernels table = {
    FTL_STR(FTL_ISA),   binary,         unary,          reduceAxis, softmaxRows, softmaxBackwardRows,
    rmsNormForward,     rmsNormBackward, swiGluForward, swiGluBackward, adamW, sumOfSquares, rope,
};

}  // namespace FTL_ISA
}  // namespace ftl
