// Runtime CPU feature checks: the addon is compiled for baseline x86-64 and switches to AVX2/FMA
// code only where the processor has it.
#pragma once

namespace ftl {
bool cpuHasAvx2Fma();
}
