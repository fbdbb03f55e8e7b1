// Fuzz target `spec`: arbitrary bytes as a sweep spec. A first line
// "#ov:KEY=VALUE" is also applied as a command-line override, so overrides
// are explored too. Nothing may crash, leak or read out of bounds; a spec
// either loads or yields diagnostics.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sweep/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > (1u << 16)) return 0;
  char *text = malloc(size + 1);
  if (!text) return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  char *ov[1];
  int n_ov = 0;
  if (size > 4 && memcmp(text, "#ov:", 4) == 0) {
    char *nl = memchr(text, '\n', size);
    size_t len = nl ? (size_t)(nl - text) - 4 : size - 4;
    ov[0] = malloc(len + 1);
    if (ov[0]) {
      memcpy(ov[0], text + 4, len);
      ov[0][len] = '\0';
      n_ov = 1;
    }
  }
  sweep_plan p;
  sweep_diags d;
  if (sweep_plan_load_text(&p, &d, "fuzz.yaml", text, size, n_ov, ov) == ASL_OK) {
    // A loaded plan is consistent: train jobs first, dependencies in range.
    for (int i = 0; i < p.n_jobs; i++)
      if (p.jobs[i].train_job >= p.n_train || (i < p.n_train) != (p.jobs[i].kind == SWEEP_JOB_TRAIN))
        abort();
    sweep_plan_free(&p);
  } else if (d.n == 0 && p.n_jobs != 0) {
    abort();
  }
  sweep_diags_free(&d);
  if (n_ov) free(ov[0]);
  free(text);
  return 0;
}
