// Each bindings_*.cc file adds its functions to the addon's exports.
#pragma once
#include <node_api.h>

namespace ftl {

struct Method {
  const char* name;
  napi_callback function;
};

void defineMethods(napi_env env, napi_value exports, const Method* methods, size_t count);
void registerElementwise(napi_env env, napi_value exports);
void registerFused(napi_env env, napi_value exports);

}  // namespace ftl
