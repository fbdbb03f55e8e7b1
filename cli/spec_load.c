#include <stdio.h>

#include "cli.h"
#include "sweep/plan.h"

int cli_load_plan(const char *cmd, sweep_plan *p, const char *spec, int n_over, char **over,
                  int quiet) {
  sweep_diags d = {0};
  asl_status st = sweep_plan_load(p, &d, spec, n_over, over);
  if (!quiet) {
    for (int i = 0; i < d.n; i++) fprintf(stderr, "%s\n", d.lines[i]);
    // An unreadable file has no positioned diagnostics: say what failed.
    if (st != ASL_OK && d.n == 0) fprintf(stderr, "aslsweep %s: %s\n", cmd, asl_error_message());
  }
  sweep_diags_free(&d);
  return asl_exit_code(st);
}
