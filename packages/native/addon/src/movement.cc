#include "movement.h"

#include <cstring>

namespace ftl {

void transpose(int rank, const int64_t* shape, const int* perm, const float* x, float* out) {
  // Pad to rank 6 at the front; the innermost output dimension is the loop that copies.
  int64_t outDims[6] = {1, 1, 1, 1, 1, 1}, inStrides[6] = {0, 0, 0, 0, 0, 0};
  int64_t stride[6];
  int64_t s = 1;
  for (int i = rank - 1; i >= 0; --i) {
    stride[i] = s;
    s *= shape[i];
  }
  const int shift = 6 - rank;
  for (int i = 0; i < rank; ++i) {
    outDims[shift + i] = shape[perm[i]];
    inStrides[shift + i] = stride[perm[i]];
  }
  const int64_t n5 = outDims[5], s5 = inStrides[5];
  for (int64_t i0 = 0; i0 < outDims[0]; ++i0)
    for (int64_t i1 = 0; i1 < outDims[1]; ++i1)
      for (int64_t i2 = 0; i2 < outDims[2]; ++i2)
        for (int64_t i3 = 0; i3 < outDims[3]; ++i3)
          for (int64_t i4 = 0; i4 < outDims[4]; ++i4) {
            const float* src =
                x + i0 * inStrides[0] + i1 * inStrides[1] + i2 * inStrides[2] + i3 * inStrides[3] + i4 * inStrides[4];
            if (s5 == 1) {
              std::memcpy(out, src, static_cast<size_t>(n5) * sizeof(float));
            } else {
              for (int64_t i5 = 0; i5 < n5; ++i5) out[i5] = src[i5 * s5];
            }
            out += n5;
          }
}

int64_t gatherRows(const float* table, int64_t tableRows, int64_t cols, const int32_t* ids, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    const int32_t id = ids[i];
    if (id < 0 || id >= tableRows) return i;
    std::memcpy(out + i * cols, table + static_cast<int64_t>(id) * cols, static_cast<size_t>(cols) * sizeof(float));
  }
  return -1;
}

}  // namespace ftl
