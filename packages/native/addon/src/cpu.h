// Runtime CPU feature checks: the addon is compiled for baseline x86-64 and switches to AVX2/FMA
// (or AVX-512) code only where the processor has it.
#pragma once

namespace ftl {
bool cpuHasAvx2Fma();
// AVX-512 Foundation, usable (the OS saves the zmm state: libgcc's check reads XCR0).
bool cpuHasAvx512f();
}
