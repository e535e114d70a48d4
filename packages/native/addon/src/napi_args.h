// Small helpers for reading N-API call arguments. Every failure throws a JavaScript error that
// names the function and the argument, and the caller returns nullptr at once.
#pragma once
#include <node_api.h>

#include <cstdint>
#include <string>

namespace ftl {

class Args {
 public:
  Args(napi_env env, napi_callback_info info, const char* function, size_t expected);
  bool ok() const { return ok_; }
  napi_env env() const { return env_; }
  size_t count() const { return count_; }

  // Each reader returns false (and has thrown) when argument `i` is missing or of the wrong kind.
  bool number(size_t i, const char* name, double* out);
  bool integer(size_t i, const char* name, int64_t min, int64_t* out);
  bool boolean(size_t i, const char* name, bool* out);
  // A JavaScript array of at most `maxLength` integers >= min.
  bool integers(size_t i, const char* name, int64_t min, size_t maxLength, int64_t* out, size_t* length);
  // An ArrayBuffer (the wasm heap) or any TypedArray (its own bytes).
  bool bytes(size_t i, const char* name, uint8_t** data, size_t* length);

  // A view of `count` 4-byte elements (float32 or int32) at byte `offset` into a buffer of
  // `length` bytes; fails unless the whole range lies inside the buffer.
  template <class T>
  bool at(const char* name, uint8_t* data, size_t length, int64_t offset, int64_t count, T** out) {
    static_assert(sizeof(T) == 4, "4-byte elements only");
    if (!inBounds(name, length, offset, count)) return false;
    *out = reinterpret_cast<T*>(data + offset);
    return true;
  }
  bool floatsAt(const char* name, uint8_t* data, size_t length, int64_t offset, int64_t floats, float** out) {
    return at(name, data, length, offset, floats, out);
  }

  void fail(const std::string& message);

 private:
  bool inBounds(const char* name, size_t length, int64_t offset, int64_t count);
  napi_env env_;
  const char* function_;
  napi_value argv_[24];
  size_t count_ = 24;
  bool ok_ = true;
};

}  // namespace ftl
