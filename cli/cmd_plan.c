#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "run/evolve.h"
#include "sweep/plan.h"

#define CMD "plan"

static const char usage_text[] =
    "usage: aslsweep plan SPEC.yaml [--json] [--against DIR] [key.path=value ...]\n"
    "\n"
    "Lists every job of a sweep spec without running anything: index, kind\n"
    "(train/infer), the train job it needs, estimated cost (FLOP) and key.\n"
    "  --json         one JSON object: experiments with their axes, and jobs with\n"
    "                 key, kind, depends_on, experiment, fold, seed, cost and\n"
    "                 content_key (the hash of what decides the job's result)\n"
    "  --against DIR  compare with the run in DIR/results.h5: per job reuse\n"
    "                 (done there, same content key), run (new), rerun (changed,\n"
    "                 naming what changed) or retire (there, no longer planned);\n"
    "                 this is what 'aslsweep run SPEC --out DIR' would do\n"
    "Overrides are applied as in 'aslsweep validate'. A bad spec, or a DIR\n"
    "without a readable cube, exits 2.\n";

static int parse(int argc, char **argv, int *json, const char **against) {
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                       {"json", no_argument, NULL, 'j'},
                                       {"against", required_argument, NULL, 'a'},
                                       {NULL, 0, NULL, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "hja:", opts, NULL)) != -1) {
    if (c == 'h') {
      fputs(usage_text, stdout);
      return -1;
    }
    if (c == 'j') *json = 1;
    else if (c == 'a') *against = optarg;
    else {
      fputs(usage_text, stderr);
      return CLI_USAGE;
    }
  }
  if (optind >= argc) {
    fputs(usage_text, stderr);
    return CLI_USAGE;
  }
  return CLI_OK;
}

int cmd_plan(int argc, char **argv) {
  int json = 0;
  const char *against = NULL;
  int rc = parse(argc, argv, &json, &against);
  if (rc != CLI_OK) return rc < 0 ? CLI_OK : rc;
  sweep_plan p;
  rc = cli_load_plan(CMD, &p, argv[optind], argc - optind - 1, argv + optind + 1, 0);
  if (rc != CLI_OK) return rc;
  // Against a run, its DIR's hash cache of the input files serves too.
  char cache[4200];
  if (against) snprintf(cache, sizeof cache, "%s/.fingerprints", against);
  // The text listing shows no content keys, so it reads no data files.
  asl_status st = ASL_OK;
  if (json || against)
    st = sweep_plan_content_keys_cached(&p, against ? cache : NULL, against != NULL);
  if (!st && against) st = run_evolve_print(&p, against, stdout, json);
  else if (!st) sweep_plan_write_jobs(&p, stdout, json);
  if (st) {
    fprintf(stderr, "aslsweep %s: %s\n", CMD, asl_error_message());
    rc = asl_exit_code(st);
  }
  sweep_plan_free(&p);
  return rc;
}
