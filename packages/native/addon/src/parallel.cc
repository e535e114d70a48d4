#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace ftl {
namespace {

// Set while a thread runs its share of a parallelFor.
thread_local bool insideJob = false;

// Before sleeping on a condition variable, a thread polls for ~20-50 us: the kernels of a training
// step come every few hundred microseconds, and a futex wake-up costs tens of them.
constexpr int kSpins = 4000;

inline void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

class Pool {
 public:
  ~Pool() { resize(1); }

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Stops every worker, then starts threads - 1 new ones.
  void resize(int threads) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      ++generation_;
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
    workers_.clear();
    stop_ = false;
    // A new worker waits for the next job, not for the ones before it was started.
    const uint64_t now = generation_.load();
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i, now] { loop(i, now); });
  }

  void run(int64_t count, const std::function<void(int64_t, int64_t)>& body) {
    // A parallelFor inside another one's body runs in the calling thread: the pool is busy.
    const int parts = insideJob ? 1 : static_cast<int>(std::min<int64_t>(size(), count));
    if (parts <= 1) {
      if (count > 0) body(0, count);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      body_ = &body;
      count_ = count;
      parts_ = parts;
      pending_ = parts - 1;
      ++generation_;
    }
    wake_.notify_all();
    insideJob = true;
    body(0, count / parts);  // the calling thread's share
    insideJob = false;
    for (int i = 0; i < kSpins && pending_.load(std::memory_order_acquire) != 0; ++i) relax();
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_.load() == 0; });
    body_ = nullptr;
  }

 private:
  void loop(int index, uint64_t seen) {
    for (;;) {
      const std::function<void(int64_t, int64_t)>* body;
      int64_t begin = 0, end = 0;
      for (int i = 0; i < kSpins && generation_.load(std::memory_order_acquire) == seen; ++i) relax();
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_.load() != seen; });
        if (stop_) return;
        seen = generation_.load();
        if (index >= parts_) continue;  // fewer parts than threads this time
        body = body_;
        begin = count_ * index / parts_;
        end = count_ * (index + 1) / parts_;
      }
      insideJob = true;
      (*body)(begin, end);
      insideJob = false;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (pending_.fetch_sub(1) == 1) done_.notify_one();
      }
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int64_t, int64_t)>* body_ = nullptr;
  int64_t count_ = 0;
  int parts_ = 0;
  std::atomic<int> pending_{0};
  std::atomic<uint64_t> generation_{0};
  bool stop_ = false;
};

Pool& pool() {
  static Pool instance;
  return instance;
}

}  // namespace

void setThreadCount(int threads) {
  threads = std::clamp(threads, 1, kMaxThreads);
  if (threads != pool().size()) pool().resize(threads);
}

int threadCount() { return pool().size(); }

void parallelFor(int64_t count, const std::function<void(int64_t begin, int64_t end)>& body) { pool().run(count, body); }

void parallelChunks(int64_t count, int64_t align, int64_t minPerThread,
                    const std::function<void(int64_t begin, int64_t end)>& body) {
  if (count <= 0) return;
  if (pool().size() == 1 || count < 2 * std::max<int64_t>(minPerThread, 1)) {
    body(0, count);
    return;
  }
  const int64_t units = (count + align - 1) / align;
  pool().run(units, [&](int64_t first, int64_t last) { body(first * align, std::min(count, last * align)); });
}

}  // namespace ftl
