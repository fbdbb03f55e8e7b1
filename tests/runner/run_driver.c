// Runs a synthetic plan (synth_plan.c) through run_sweep with the test
// double executor: the MPI tests' and the overhead benchmark's driver.
//   run_driver OUT [--nav N] [--models M] [--trainable 0|1] [--folds F]
//              [--subjects S] [--nt T] [--epochs E] [--repeat R]
//              [--max-failures N] [--grace S] [--force-new] [--quiet]
//              [--worker-jobs]
// Ranks other than 0 get the plan without its job list (run_sweep's
// workers run off the job messages), unless --worker-jobs. With
// ASLSWEEP_TEST_MEMORY set, every rank prints its peak resident memory:
//   memory rank=R jobs_in_plan=N vmhwm_kb=K
// Exit status as `aslsweep run`.
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/run.h"
#include "synth_plan.h"

// VmHWM of /proc/self/status: this process's peak resident memory.
static void print_memory(int rank, int n_jobs) {
  char line[256];
  long kb = -1;
  FILE *f = fopen("/proc/self/status", "r");
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmHWM:", 6)) kb = atol(line + 6);
  if (f) fclose(f);
  printf("memory rank=%d jobs_in_plan=%d vmhwm_kb=%ld\n", rank, n_jobs, kb);
  fflush(stdout);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  if (argc < 2) {
    fprintf(stderr, "usage: run_driver OUT [options]\n");
    MPI_Finalize();
    return 2;
  }
  synth_spec s = {.n_nav = 2, .n_models = 2, .trainable_first = 1, .folds = 2, .subjects = 6,
                  .timepoints = 8, .epochs = 3, .repeat = 1, .seed = 42};
  run_options o;
  run_options_default(&o);
  int worker_jobs = 0, rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  o.out_dir = argv[1];
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "0";
    int used = 1;
    if (!strcmp(a, "--nav")) s.n_nav = atoi(v);
    else if (!strcmp(a, "--models")) s.n_models = atoi(v);
    else if (!strcmp(a, "--trainable")) s.trainable_first = atoi(v);
    else if (!strcmp(a, "--folds")) s.folds = atoi(v);
    else if (!strcmp(a, "--subjects")) s.subjects = atoi(v);
    else if (!strcmp(a, "--nt")) s.timepoints = atoi(v);
    else if (!strcmp(a, "--epochs")) s.epochs = atoi(v);
    else if (!strcmp(a, "--repeat")) s.repeat = atoi(v);
    else if (!strcmp(a, "--seed")) s.seed = strtoull(v, NULL, 10);
    else if (!strcmp(a, "--max-failures")) o.max_failures = atoi(v);
    else if (!strcmp(a, "--grace")) o.grace_s = atof(v);
    else if (!strcmp(a, "--lines")) o.progress = RUN_PROGRESS_LINES, used = 0;
    else if (!strcmp(a, "--force-new")) o.force_new = 1, used = 0;
    else if (!strcmp(a, "--quiet")) o.progress = RUN_PROGRESS_NONE, used = 0;
    else if (!strcmp(a, "--worker-jobs")) worker_jobs = 1, used = 0;
    else {
      fprintf(stderr, "run_driver: unknown option %s\n", a);
      MPI_Finalize();
      return 2;
    }
    i += used;
  }
  sweep_plan p;
  s.no_jobs = rank != 0 && !worker_jobs;
  synth_plan_build(&p, &s);
  run_signals_install(o.grace_s);
  run_summary sum;
  asl_status st = run_sweep(&p, &o, &run_executor_test_double, MPI_COMM_WORLD, &sum);
  if (getenv("ASLSWEEP_TEST_MEMORY")) print_memory(rank, p.n_jobs);
  if (st && rank == 0) fprintf(stderr, "run_driver: %s\n", asl_error_message());
  if (rank == 0 && !st)
    printf("summary: %d jobs, %d done, %d failed, %d pending, %.3f s\n", sum.n_jobs, sum.done,
           sum.failed, sum.pending, sum.seconds);
  synth_plan_free(&p);
  MPI_Finalize();
  return run_exit_status(st, &sum);
}
