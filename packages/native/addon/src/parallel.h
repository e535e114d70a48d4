// A small pool of worker threads for the kernels: parallelFor splits [0, count) into one contiguous
// range per thread (the calling thread takes the first) and returns when all are done. With one
// thread (the default) it is a plain call. Work is split by outputs, each computed exactly as
// with one thread, so results are bit-identical whatever the thread count.
#pragma once
#include <cstdint>
#include <functional>

namespace ftl {

// Chunks of element-wise kernels start at multiples of kAlign floats; a kernel is split only where
// each thread gets at least kParallelItems floats of work (waking a thread costs ~10-50 us).
constexpr int64_t kAlign = 64;
constexpr int64_t kParallelItems = 16384;

// Threads used by parallelFor, 1..kMaxThreads (the default, 1, starts no worker).
constexpr int kMaxThreads = 64;
void setThreadCount(int threads);
int threadCount();

void parallelFor(int64_t count, const std::function<void(int64_t begin, int64_t end)>& body);

// parallelFor over [0, count) in ranges that start at multiples of `align` (so SIMD lanes and
// tails fall as in one pass), and only where each thread gets at least `minPerThread` items:
// below that, waking the threads costs more than it saves.
void parallelChunks(int64_t count, int64_t align, int64_t minPerThread,
                    const std::function<void(int64_t begin, int64_t end)>& body);

}  // namespace ftl
