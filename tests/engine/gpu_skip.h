// The CUDA tests' skip rule: without a usable device (no CUDA in the build,
// no driver, no GPU) a test prints why and exits with 77, which ctest
// reports as skipped (SKIP_RETURN_CODE, tests/engine/CMakeLists.txt);
// and the common start of their main.
#ifndef ENGINE_GPU_SKIP_H
#define ENGINE_GPU_SKIP_H

#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "nn/device.h"
#include "nn/model.h"

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

// `gpu_xxx [NAME]`: only the tests whose name contains NAME (for slow tools
// such as compute-sanitizer). Kept in a function so that a test without
// RUN_IF (gpu_layers) has no unused variable.
static inline const char **gpu_selection(void) {
  static const char *only;
  return &only;
}
#define RUN_IF(name)                                    \
  do {                                                  \
    const char *only_ = *gpu_selection();               \
    if (!only_ || strstr(#name, only_)) RUN(name);      \
  } while (0)

// The common start of a CUDA test's main: 0 when no device is usable (the
// caller returns GPU_SKIP); otherwise reads the selection and uses 4 CPU
// threads.
static inline int gpu_start(int argc, char **argv) {
  if (!gpu_present()) return 0;
  *gpu_selection() = argc > 1 ? argv[1] : NULL;
  nn_set_threads(4);
  return 1;
}

#endif
