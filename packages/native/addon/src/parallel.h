// A small pool of worker threads for the GEMM: parallelFor splits [0, count) into one contiguous
// range per thread (the calling thread takes the first) and returns when all are done. With one
// thread (the default) it is a plain call. Work is split by output tiles, each computed exactly as
// with one thread, so results are bit-identical whatever the thread count.
#pragma once
#include <cstdint>
#include <functional>

namespace ftl {

// Threads used by parallelFor, 1..kMaxThreads (the default, 1, starts no worker).
constexpr int kMaxThreads = 64;
void setThreadCount(int threads);
int threadCount();

void parallelFor(int64_t count, const std::function<void(int64_t begin, int64_t end)>& body);

}  // namespace ftl
