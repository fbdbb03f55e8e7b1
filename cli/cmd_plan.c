#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "sweep/plan.h"

#define CMD "plan"

static const char usage_text[] =
    "usage: aslsweep plan SPEC.yaml [--json] [key.path=value ...]\n"
    "\n"
    "Lists every job of a sweep spec without running anything: index, kind\n"
    "(train/infer), the train job it needs, estimated cost (FLOP) and key.\n"
    "  --json   one JSON object: experiments with their axes, and jobs with\n"
    "           key, kind, depends_on, experiment, fold, seed and cost\n"
    "Overrides are applied as in 'aslsweep validate'. A bad spec exits 2.\n";

// Loads SPEC with the overrides; prints every diagnostic on failure.
static int load_plan(sweep_plan *p, int n_args, char **args) {
  sweep_diags d;
  asl_status st = sweep_plan_load(p, &d, args[0], n_args - 1, args + 1);
  for (int i = 0; i < d.n; i++) fprintf(stderr, "%s\n", d.lines[i]);
  if (st != ASL_OK && d.n == 0) fprintf(stderr, "aslsweep %s: %s\n", CMD, asl_error_message());
  sweep_diags_free(&d);
  return st == ASL_OK ? CLI_OK : CLI_USAGE;
}

int cmd_plan(int argc, char **argv) {
  static const struct option opts[] = {
      {"help", no_argument, NULL, 'h'}, {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
  int c, json = 0;
  while ((c = getopt_long(argc, argv, "hj", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(usage_text, stdout);
      return CLI_OK;
    }
    if (c == 'j') {
      json = 1;
      continue;
    }
    fputs(usage_text, stderr);
    return CLI_USAGE;
  }
  if (optind >= argc) {
    fputs(usage_text, stderr);
    return CLI_USAGE;
  }
  sweep_plan p;
  int rc = load_plan(&p, argc - optind, argv + optind);
  if (rc != CLI_OK) return rc;
  sweep_plan_write_jobs(&p, stdout, json);
  sweep_plan_free(&p);
  return CLI_OK;
}
