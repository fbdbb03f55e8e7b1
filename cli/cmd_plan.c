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
  int rc = cli_load_plan(CMD, &p, argv[optind], argc - optind - 1, argv + optind + 1, 0);
  if (rc != CLI_OK) return rc;
  sweep_plan_write_jobs(&p, stdout, json);
  sweep_plan_free(&p);
  return CLI_OK;
}
