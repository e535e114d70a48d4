#include "parallel.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace ftl {
namespace {

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
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i, now = generation_] { loop(i, now); });
  }

  void run(int64_t count, const std::function<void(int64_t, int64_t)>& body) {
    const int parts = static_cast<int>(std::min<int64_t>(size(), count));
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
    body(0, count / parts);  // the calling thread's share
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    body_ = nullptr;
  }

 private:
  void loop(int index, uint64_t seen) {
    for (;;) {
      const std::function<void(int64_t, int64_t)>* body;
      int64_t begin = 0, end = 0;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        if (index >= parts_) continue;  // fewer parts than threads this time
        body = body_;
        begin = count_ * index / parts_;
        end = count_ * (index + 1) / parts_;
      }
      (*body)(begin, end);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (--pending_ == 0) done_.notify_one();
      }
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(int64_t, int64_t)>* body_ = nullptr;
  int64_t count_ = 0;
  int parts_ = 0;
  int pending_ = 0;
  uint64_t generation_ = 0;
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

}  // namespace ftl
