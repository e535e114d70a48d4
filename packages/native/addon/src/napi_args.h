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
  bool number(size_t i, const char* name, double* out) { return readNumber(i, name, "", out); }
  bool integer(size_t i, const char* name, int64_t min, int64_t* out) { return readInteger(i, name, "", min, out); }
  bool boolean(size_t i, const char* name, bool* out);
  // A JavaScript array of at most `maxLength` integers >= min.
  bool integers(size_t i, const char* name, int64_t min, size_t maxLength, int64_t* out, size_t* length);
  // An ArrayBuffer (the wasm heap) or any TypedArray (its own bytes).
  bool bytes(size_t i, const char* name, uint8_t** data, size_t* length);

  void fail(const std::string& message);

 protected:
  // The readers above for an argument whose name in messages is `name` followed by `suffix`.
  bool readNumber(size_t i, const char* name, const char* suffix, double* out);
  bool readInteger(size_t i, const char* name, const char* suffix, int64_t min, int64_t* out);
  bool inBounds(const char* name, size_t length, int64_t offset, int64_t count);

 private:
  // Argument `i` is there and of type `expected`; else fails with "<name><suffix> must be <kind>".
  bool typed(size_t i, napi_valuetype expected, const char* name, const char* suffix, const char* kind);
  napi_env env_;
  const char* function_;
  napi_value argv_[24];
  size_t count_ = 24;
  bool ok_ = true;
};

// The arguments of a kernel: argument 0 is the buffer that every operand lies in (the wasm heap,
// an ArrayBuffer or a TypedArray), the others sizes and the operands' byte offsets into it.
class KernelArgs : public Args {
 public:
  KernelArgs(napi_env env, napi_callback_info info, const char* function, size_t expected)
      : Args(env, info, function, expected) {
    bytes(0, "buffer", &data_, &length_);
  }

  // Operand `name`: `count` 4-byte elements (float32 or int32) at the byte offset that argument
  // `i` (called `name`Offset) holds; fails unless the whole range lies inside the buffer.
  template <class T>
  bool operand(size_t i, const char* name, int64_t count, T** out) {
    int64_t offset;
    return readInteger(i, name, "Offset", 0, &offset) && at(name, offset, count, out);
  }

  // Operand `name` at a byte offset read elsewhere (a list argument, or one checked later).
  template <class T>
  bool at(const char* name, int64_t offset, int64_t count, T** out) {
    static_assert(sizeof(T) == 4, "4-byte elements only");
    if (!inBounds(name, length_, offset, count)) return false;
    *out = reinterpret_cast<T*>(data_ + offset);
    return true;
  }

 private:
  uint8_t* data_ = nullptr;
  size_t length_ = 0;
};

}  // namespace ftl
