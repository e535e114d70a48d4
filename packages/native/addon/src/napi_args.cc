#include "napi_args.h"

#include <cmath>

namespace ftl {

Args::Args(napi_env env, napi_callback_info info, const char* function, size_t expected)
    : env_(env), function_(function) {
  if (napi_get_cb_info(env, info, &count_, argv_, nullptr, nullptr) != napi_ok) {
    fail("could not read the call's arguments");
    return;
  }
  if (count_ < expected) {
    fail("expects " + std::to_string(expected) + " arguments, got " + std::to_string(count_));
  }
}

void Args::fail(const std::string& message) {
  if (!ok_) return;  // keep the first error
  ok_ = false;
  const std::string text = std::string("@ftlab/native ") + function_ + ": " + message;
  napi_throw_type_error(env_, nullptr, text.c_str());
}

bool Args::typed(size_t i, napi_valuetype expected, const char* name, const char* suffix, const char* kind) {
  if (!ok_) return false;
  napi_valuetype type;
  if (i >= count_ || napi_typeof(env_, argv_[i], &type) != napi_ok || type != expected) {
    fail(std::string(name) + suffix + " must be " + kind);
    return false;
  }
  return true;
}

bool Args::readNumber(size_t i, const char* name, const char* suffix, double* out) {
  if (!typed(i, napi_number, name, suffix, "a number")) return false;
  napi_get_value_double(env_, argv_[i], out);
  return true;
}

// Whole, >= min, and small enough that the double holds it exactly.
static bool isInteger(double value, int64_t min) {
  return std::isfinite(value) && value == std::floor(value) && value >= static_cast<double>(min) && value <= 9.0e15;
}

static std::string notAnInteger(int64_t min, double value) {
  return " must be an integer >= " + std::to_string(min) + ", got " + std::to_string(value);
}

bool Args::readInteger(size_t i, const char* name, const char* suffix, int64_t min, int64_t* out) {
  double value;
  if (!readNumber(i, name, suffix, &value)) return false;
  if (!isInteger(value, min)) {
    fail(std::string(name) + suffix + notAnInteger(min, value));
    return false;
  }
  *out = static_cast<int64_t>(value);
  return true;
}

bool Args::boolean(size_t i, const char* name, bool* out) {
  if (!typed(i, napi_boolean, name, "", "a boolean")) return false;
  napi_get_value_bool(env_, argv_[i], out);
  return true;
}

bool Args::bytes(size_t i, const char* name, uint8_t** data, size_t* length) {
  if (!ok_) return false;
  if (i >= count_) {
    fail(std::string(name) + " is missing");
    return false;
  }
  bool isArrayBuffer = false, isTypedArray = false;
  napi_is_arraybuffer(env_, argv_[i], &isArrayBuffer);
  if (isArrayBuffer) {
    void* raw = nullptr;
    napi_get_arraybuffer_info(env_, argv_[i], &raw, length);
    *data = static_cast<uint8_t*>(raw);
    return true;
  }
  napi_is_typedarray(env_, argv_[i], &isTypedArray);
  if (isTypedArray) {
    napi_typedarray_type type;
    size_t elements = 0, byteOffset = 0;
    void* raw = nullptr;
    napi_value buffer;
    napi_get_typedarray_info(env_, argv_[i], &type, &elements, &raw, &buffer, &byteOffset);
    size_t bytesPerElement = 1;
    switch (type) {
      case napi_int16_array:
      case napi_uint16_array:
        bytesPerElement = 2;
        break;
      case napi_int32_array:
      case napi_uint32_array:
      case napi_float32_array:
        bytesPerElement = 4;
        break;
      case napi_float64_array:
      case napi_bigint64_array:
      case napi_biguint64_array:
        bytesPerElement = 8;
        break;
      default:
        break;
    }
    *data = static_cast<uint8_t*>(raw);
    *length = elements * bytesPerElement;
    return true;
  }
  fail(std::string(name) + " must be an ArrayBuffer or a TypedArray");
  return false;
}

bool Args::integers(size_t i, const char* name, int64_t min, size_t maxLength, int64_t* out, size_t* length) {
  if (!ok_) return false;
  bool isArray = false;
  if (i >= count_ || napi_is_array(env_, argv_[i], &isArray) != napi_ok || !isArray) {
    fail(std::string(name) + " must be an array of integers");
    return false;
  }
  uint32_t n = 0;
  napi_get_array_length(env_, argv_[i], &n);
  if (n > maxLength) {
    fail(std::string(name) + " has " + std::to_string(n) + " entries, at most " + std::to_string(maxLength) +
         " are supported");
    return false;
  }
  for (uint32_t j = 0; j < n; ++j) {
    napi_value element;
    double value = 0;
    napi_valuetype type;
    napi_get_element(env_, argv_[i], j, &element);
    if (napi_typeof(env_, element, &type) != napi_ok || type != napi_number) {
      fail(std::string(name) + "[" + std::to_string(j) + "] must be a number");
      return false;
    }
    napi_get_value_double(env_, element, &value);
    if (!isInteger(value, min)) {
      fail(std::string(name) + "[" + std::to_string(j) + "]" + notAnInteger(min, value));
      return false;
    }
    out[j] = static_cast<int64_t>(value);
  }
  *length = n;
  return true;
}

bool Args::inBounds(const char* name, size_t length, int64_t offset, int64_t count) {
  if (!ok_) return false;
  if (offset < 0 || offset % 4 != 0) {
    fail(std::string(name) + " byte offset " + std::to_string(offset) + " is not a non-negative multiple of 4");
    return false;
  }
  const double end = static_cast<double>(offset) + 4.0 * static_cast<double>(count);
  if (count < 0 || end > static_cast<double>(length)) {
    fail(std::string(name) + " needs bytes " + std::to_string(offset) + ".." + std::to_string(static_cast<int64_t>(end)) +
         " but the buffer holds " + std::to_string(length));
    return false;
  }
  return true;
}

}  // namespace ftl
