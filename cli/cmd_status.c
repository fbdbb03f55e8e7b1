#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "run/report.h"

static const char usage_text[] =
    "usage: aslsweep status DIR [--json]\n"
    "\n"
    "Done / failed / running / pending jobs per experiment of a run directory\n"
    "(train jobs on their own line), read from DIR/results.h5 without MPI; safe\n"
    "while the run goes on. 'running' jobs of a stopped run are redone on resume.\n"
    "Every committed job row is checked against its checksum (as `aslsweep verify`\n"
    "does); rows that fail are listed by job key and experiment, and the next\n"
    "`aslsweep run` redoes them.\n"
    "--json prints one JSON object instead: cube, spec_hash, executor, jobs,\n"
    "experiments [{name, done, failed, running, pending}], total, first_failure\n"
    "(string or null), verify {has_checksums, verified, unverified, failing\n"
    "[{job, what}]}.\n"
    "Exit status: 0 every job done and verified, 1 jobs remain, failed or fail\n"
    "verification, 2 no cube in DIR or a cube of another format version (the\n"
    "message names both versions).\n";

int cmd_status(int argc, char **argv) {
  static const struct option opts[] = {
      {"help", no_argument, NULL, 'h'}, {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
  int c, json = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
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
  if (optind != argc - 1) {
    fputs(usage_text, stderr);
    return CLI_USAGE;
  }
  run_report r;
  asl_status st = run_report_read(&r, argv[optind]);
  if (st) {
    fprintf(stderr, "aslsweep status: %s\n", asl_error_message());
    return asl_exit_code(st);
  }
  if (json) run_report_print_json(&r, stdout);
  else run_report_print(&r, stdout);
  int all_done = r.verify.n_bad == 0;
  for (int i = 0; i < r.n_rows; i++)
    if (r.rows[i].failed || r.rows[i].pending || r.rows[i].running) all_done = 0;
  run_report_free(&r);
  return all_done ? CLI_OK : CLI_FAILURE;
}
