// Run-time choice of the kernel variant (see nn/isa.h): CPUID once, the
// ASLSWEEP_ISA override, and the table the convolution calls through
// (plus the check of the ASLSWEEP_WINOGRAD override).
#include "nn/isa.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv3d_internal.h"

typedef struct {
  const char *name;
  const conv3d_kernels *kernels;
} isa_variant;

// Best first.
static const isa_variant variants[] = {
#if defined(__x86_64__) || defined(__i386__)
    {"avx512", &conv3d_kernels_avx512},
    {"avx2", &conv3d_kernels_avx2},
#endif
    {"generic", &conv3d_kernels_generic},
};
enum { N_VARIANTS = (int)(sizeof variants / sizeof variants[0]) };

// Index into variants, -1 before the first choice.
static atomic_int chosen = -1;

static int cpu_has(int i) {
#if defined(__x86_64__) || defined(__i386__)
  // libgcc's checks include the OS saving the wider registers (XCR0).
  if (strcmp(variants[i].name, "avx512") == 0) return __builtin_cpu_supports("avx512f") != 0;
  if (strcmp(variants[i].name, "avx2") == 0)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return strcmp(variants[i].name, "generic") == 0;
}

const char *nn_isa_supported(void) {
  static char list[64];
  if (!list[0]) {
    char buf[64] = "";
    for (int i = 0; i < N_VARIANTS; i++)
      if (cpu_has(i)) {
        if (buf[0]) strcat(buf, ", ");
        strcat(buf, variants[i].name);
      }
    memcpy(list, buf, sizeof buf);
  }
  return list;
}

int nn_isa_available(const char *name) {
  for (int i = 0; name && i < N_VARIANTS; i++)
    if (strcmp(variants[i].name, name) == 0) return cpu_has(i);
  return 0;
}

asl_status nn_isa_select(const char *name) {
  if (!name || !name[0]) {
    int i = 0;
    while (!cpu_has(i)) i++;  // generic always qualifies
    atomic_store(&chosen, i);
    return ASL_OK;
  }
  for (int i = 0; i < N_VARIANTS; i++) {
    if (strcmp(variants[i].name, name) != 0) continue;
    if (!cpu_has(i))
      return asl_fail(ASL_EINVAL,
                      "ASLSWEEP_ISA=%s: this CPU lacks it; it supports %s "
                      "(unset ASLSWEEP_ISA to use the best)",
                      name, nn_isa_supported());
    atomic_store(&chosen, i);
    return ASL_OK;
  }
  return asl_fail(ASL_EINVAL,
                  "ASLSWEEP_ISA=%s: unknown instruction set (known: avx512, "
                  "avx2, generic); this CPU supports %s",
                  name, nn_isa_supported());
}

asl_status nn_isa_init(void) {
  // The Winograd override (conv3d_wino.c) is checked here too, so a typo
  // is refused where a bad ASLSWEEP_ISA is.
  const char *wino = getenv("ASLSWEEP_WINOGRAD");
  if (wino && strcmp(wino, "off") != 0 && strcmp(wino, "on") != 0 &&
      strcmp(wino, "auto") != 0)
    return asl_fail(ASL_EINVAL,
                    "ASLSWEEP_WINOGRAD=%s: expected off, on or auto (unset: "
                    "auto, the per-layer choice)",
                    wino);
  if (atomic_load(&chosen) >= 0) return ASL_OK;
  return nn_isa_select(getenv("ASLSWEEP_ISA"));
}

static int chosen_index(void) {
  int i = atomic_load(&chosen);
  if (i >= 0) return i;
  if (nn_isa_init()) {
    fprintf(stderr, "aslsweep engine: %s\n", asl_error_message());
    abort();
  }
  return atomic_load(&chosen);
}

const char *nn_isa_name(void) { return variants[chosen_index()].name; }

const conv3d_kernels *conv3d_kernels_get(void) {
  return variants[chosen_index()].kernels;
}
