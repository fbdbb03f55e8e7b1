#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "run/merge.h"

static const char usage_text[] =
    "usage: aslsweep merge --out DIR PART_DIR...\n"
    "\n"
    "Gathers the parts of a job-array run (each written by `aslsweep run SPEC\n"
    "--out DIR/parts/i --slice i/K`) into DIR/results.h5, a cube with the layout\n"
    "and static values of a single run: each job's cells, /jobs row and losses\n"
    "come from the first part in which it is done (a job done in two parts with\n"
    "equal numbers: the first, with a warning). The montage volumes of those\n"
    "jobs are copied into DIR/volumes/. Serial, no MPI. Rerunning replaces\n"
    "DIR/results.h5 atomically (written as results.h5.merging, then renamed).\n"
    "A part directory without a cube is skipped with a warning; the cube is\n"
    "written anyway, so `aslsweep status DIR` shows how far the run got.\n"
    "\n"
    "options:\n"
    "  --out DIR    the run directory to write (the parts are usually DIR/parts/*)\n"
    "\n"
    "Every part's committed rows are checked against their checksums first; a row\n"
    "that fails is named (job key, experiment) and left out, so its job is pending\n"
    "in the merged cube unless another part holds it intact.\n"
    "\n"
    "exit status: 0 every job of the plan is done in some part and every row\n"
    "verified; 1 jobs are missing (their keys are listed; rerun those array tasks,\n"
    "then merge again), rows fail verification, or a\n"
    "run-time error; 2 bad usage, or parts that do not belong to one run (another\n"
    "spec, executor or data; a job done in two parts with different numbers)\n";

int cmd_merge(int argc, char **argv) {
  static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *out = NULL;
  int c;
  while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
    if (c == 'o') out = optarg;
    else if (c == 'h') return fputs(usage_text, stdout), CLI_OK;
    else return fputs(usage_text, stderr), CLI_USAGE;
  }
  if (!out || optind >= argc) {
    fprintf(stderr, "aslsweep merge: %s\n%s", out ? "no PART_DIR given" : "missing --out DIR",
            usage_text);
    return CLI_USAGE;
  }
  run_merge_summary s;
  asl_status st = run_merge(out, argc - optind, argv + optind, stderr, &s);
  if (st) {
    fprintf(stderr, "aslsweep merge: %s\n", asl_error_message());
    return asl_exit_code(st);
  }
  printf("merged %d of %d parts into %s/results.h5: %d of %d jobs done, %d failed, %d pending; "
         "%d volumes copied%s\n",
         s.parts_read, argc - optind, out, s.done, s.n_jobs, s.failed, s.pending, s.volumes,
         s.duplicates ? " (duplicates: see the warnings)" : "");
  return s.done == s.n_jobs && s.bad_rows == 0 ? CLI_OK : CLI_FAILURE;
}
