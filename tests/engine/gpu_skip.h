// The CUDA tests' skip rule: without a usable device (no CUDA in the build,
// no driver, no GPU) a test prints why and exits with 77, which ctest
// reports as skipped (SKIP_RETURN_CODE, tests/engine/CMakeLists.txt).
#ifndef ENGINE_GPU_SKIP_H
#define ENGINE_GPU_SKIP_H

#include <stdio.h>

#include "nn/device.h"

enum { GPU_SKIP = 77 };

static inline int gpu_present(void) {
  const char *why;
  if (nn_cuda_available(&why)) {
    printf("device: %s\n", nn_cuda_describe());
    return 1;
  }
  printf("skip: %s\n", why);
  return 0;
}

#endif
