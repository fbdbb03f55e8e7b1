#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "sweep/plan.h"

static const char usage_text[] =
    "usage: aslsweep validate SPEC.yaml [key.path=value ...]\n"
    "\n"
    "Checks a sweep spec and counts its jobs. Overrides (Hydra style) replace or\n"
    "add keys before validation; values are YAML flow text:\n"
    "  aslsweep validate spec.yaml sweep.nav=[4,8] train.epochs=2\n"
    "\n"
    "Prints 'ok: N jobs (T train, I infer)' and each experiment's axis sizes.\n"
    "On a bad spec prints every problem as FILE:LINE:COL: error: ... on stderr\n"
    "and exits 2. docs/spec.md describes every key.\n";

#define CMD "validate"

int cmd_validate(int argc, char **argv) {
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(usage_text, stdout);
      return CLI_OK;
    }
    fputs(usage_text, stderr);
    return CLI_USAGE;
  }
  if (optind >= argc) {
    fputs(usage_text, stderr);
    return CLI_USAGE;
  }
  sweep_plan p;
  int rc = cli_load_plan(CMD, &p, argv[optind], argc - optind - 1, argv + optind + 1, 0);
  if (rc != CLI_OK) return rc;
  printf("ok: %d jobs (%d train, %d infer)\n", p.n_jobs, p.n_train, p.n_infer);
  sweep_plan_write_axes(&p, stdout);
  sweep_plan_free(&p);
  return CLI_OK;
}
