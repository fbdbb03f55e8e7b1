#include <getopt.h>
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "run/run.h"
#include "run/slice.h"
#include "sweep/plan.h"

static const char usage_text[] =
    "usage: mpirun -n N aslsweep run SPEC.yaml --out DIR [options] [key.path=value ...]\n"
    "       (or srun ... aslsweep run ...; without mpirun it runs on one rank)\n"
    "\n"
    "Runs every job of the sweep into DIR/results.h5 (parallel HDF5). Rank 0\n"
    "hands out jobs, longest first; every rank trains and infers. Running the\n"
    "same command again on DIR resumes: only jobs not done are redone, and\n"
    "training continues from its last checkpoint. With a changed spec the study\n"
    "grows: finished jobs whose content key is unchanged are kept, the rest run,\n"
    "and what the new spec no longer has moves to DIR/attic/<time>/ (preview:\n"
    "aslsweep plan SPEC --against DIR).\n"
    "\n"
    "options:\n"
    "  --out DIR               run directory (results.h5, run.log, checkpoints/, volumes/)\n"
    "  --threads-per-rank T    engine threads per rank (default 1)\n"
    "  --max-failures N        stop cleanly once more than N jobs have failed\n"
    "  --grace SECONDS         after SIGTERM/SIGUSR1, exit at the latest this much later\n"
    "                          (default 60); running jobs checkpoint at their next safe point\n"
    "  --stall-timeout SECONDS end a rank that makes no progress this long (0: never, the\n"
    "                          default), naming where it stopped, so a rank blocked in a\n"
    "                          collective call or on a file system cannot hold the job until\n"
    "                          its time limit; make it longer than one epoch of training\n"
    "  --force-new             discard an existing run in DIR and start over\n"
    "  --progress MODE         live | lines | none (default: live on a terminal, else lines)\n"
    "  --device cpu|cuda       where the networks run, overriding the spec's engine.device;\n"
    "                          with cuda each rank takes GPU (local rank mod visible GPUs)\n"
    "  --slice i/K             run only slice i (0 .. K-1, as SLURM_ARRAY_TASK_ID counts) of\n"
    "                          the job DAG cut into K cost-balanced slices (a train job with\n"
    "                          its infer jobs); DIR becomes a part for `aslsweep merge`\n"
    "\n"
    "exit status: 0 all jobs done (all of the slice's, with --slice), 1 some jobs failed or a\n"
    "run-time error, 2 bad usage or bad spec, 3 interrupted with jobs left (requeue and rerun)\n";

#define CMD "run"

typedef struct {
  run_options o;
  const char *spec;
  int n_over;
  char **over;
  const char *device; // --device, applied as the last override
  char device_over[32];
  char *over_buf[256];
} run_args;

// --device X is the override engine.device=X placed after the others.
static int add_device(run_args *a) {
  if (!a->device) return CLI_OK;
  if (strcmp(a->device, "cpu") != 0 && strcmp(a->device, "cuda") != 0) {
    fprintf(stderr, "aslsweep run: --device must be cpu or cuda, not '%s'\n", a->device);
    return CLI_USAGE;
  }
  if (a->n_over >= (int)(sizeof a->over_buf / sizeof a->over_buf[0])) {
    fprintf(stderr, "aslsweep run: too many key.path=value overrides\n");
    return CLI_USAGE;
  }
  for (int i = 0; i < a->n_over; i++) a->over_buf[i] = a->over[i];
  snprintf(a->device_over, sizeof a->device_over, "engine.device=%s", a->device);
  a->over_buf[a->n_over++] = a->device_over;
  a->over = a->over_buf;
  return CLI_OK;
}

static int parse_progress(const char *v, int *out) {
  static const char *names[] = {"auto", "live", "lines", "none"};
  for (int i = 0; i < 4; i++)
    if (strcmp(v, names[i]) == 0) return *out = i, 0;
  fprintf(stderr, "aslsweep run: --progress must be live, lines or none, not '%s'\n", v);
  return -1;
}

static int parse(int argc, char **argv, run_args *a) {
  static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                       {"threads-per-rank", required_argument, NULL, 't'},
                                       {"max-failures", required_argument, NULL, 'm'},
                                       {"grace", required_argument, NULL, 'g'},
                                       {"stall-timeout", required_argument, NULL, 'w'},
                                       {"force-new", no_argument, NULL, 'f'},
                                       {"progress", required_argument, NULL, 'p'},
                                       {"slice", required_argument, NULL, 's'},
                                       {"device", required_argument, NULL, 'd'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  run_options_default(&a->o);
  int c;
  char *end;
  while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
    if (c == 'o') a->o.out_dir = optarg;
    else if (c == 't') a->o.threads_per_rank = (int)strtol(optarg, &end, 10);
    else if (c == 'm') a->o.max_failures = (int)strtol(optarg, &end, 10);
    else if (c == 'g') a->o.grace_s = strtod(optarg, &end);
    else if (c == 'w') a->o.stall_timeout_s = strtod(optarg, &end);
    else if (c == 'f') a->o.force_new = 1;
    else if (c == 'd') a->device = optarg;
    else if (c == 's') {
      if (run_slice_parse(optarg, &a->o.slice_index, &a->o.slice_count)) {
        fprintf(stderr, "aslsweep run: %s\n", asl_error_message());
        return CLI_USAGE;
      }
    }
    else if (c == 'p') {
      if (parse_progress(optarg, &a->o.progress)) return CLI_USAGE;
    } else if (c == 'h') {
      fputs(usage_text, stdout);
      return -1;
    } else {
      fputs(usage_text, stderr);
      return CLI_USAGE;
    }
    if ((c == 't' || c == 'm' || c == 'g' || c == 'w') && *end) {
      fprintf(stderr, "aslsweep run: '%s' is not a number\n", optarg);
      return CLI_USAGE;
    }
  }
  if (optind >= argc || !a->o.out_dir) {
    fprintf(stderr, "aslsweep run: %s\n%s", optind >= argc ? "missing SPEC.yaml" : "missing --out DIR",
            usage_text);
    return CLI_USAGE;
  }
  if (a->o.threads_per_rank < 1 || a->o.grace_s < 0 || a->o.stall_timeout_s < 0) {
    fprintf(stderr, "aslsweep run: --threads-per-rank must be >= 1, --grace and "
                    "--stall-timeout >= 0\n");
    return CLI_USAGE;
  }
  a->spec = argv[optind];
  a->n_over = argc - optind - 1;
  a->over = argv + optind + 1;
  return add_device(a);
}

// Like cli_load_plan, but the failure's first line stays in the error
// message so that rank 0 can report another rank's failure.
static asl_status load_plan(sweep_plan *p, const run_args *a, int rank) {
  sweep_diags d = {0};
  // Rank 0 alone expands the jobs (and their content keys, hashing the input
  // files): it sends each worker the job it runs with the assignment, so a
  // worker's memory does not grow with the study (docs/runner.md).
  asl_status st = rank == 0 ? sweep_plan_load(p, &d, a->spec, a->n_over, a->over)
                            : sweep_plan_load_no_jobs(p, &d, a->spec, a->n_over, a->over);
  char cache[4200];
  snprintf(cache, sizeof cache, "%s/.fingerprints", a->o.out_dir);
  if (!st && rank == 0 && (st = sweep_plan_content_keys_cached(p, cache, 1))) sweep_plan_free(p);
  if (rank == 0) {
    for (int i = 0; i < d.n; i++) fprintf(stderr, "%s\n", d.lines[i]);
    if (st && d.n == 0) fprintf(stderr, "aslsweep run: %s\n", asl_error_message());
  }
  if (st && d.n > 0) asl_fail(st, "%s", d.lines[0]);
  sweep_diags_free(&d);
  return st == ASL_EIO || st == ASL_ENOTFOUND ? ASL_ESPEC : st;
}

int cmd_run(int argc, char **argv) {
  run_args a = {0};
  int rc = parse(argc, argv, &a);
  if (rc != CLI_OK) return rc < 0 ? CLI_OK : rc;
  int rank = 0;
  // A file-size limit (ulimit -f) must give EFBIG, reported with the file,
  // not kill the rank mid-write (MPI's own start-up files included).
  signal(SIGXFSZ, SIG_IGN);
  MPI_Init(&argc, &argv);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  sweep_plan p;
  // Every rank loads the spec; only rank 0 prints its problems. A rank that
  // cannot load it stops every rank (run_sweep then checks they all agree).
  asl_status load = load_plan(&p, &a, rank);
  asl_status agreed = run_agree(load, MPI_COMM_WORLD);
  if (agreed && rank == 0 && !load)
    fprintf(stderr, "aslsweep run: %s\n", asl_error_message());
  if (agreed && !load) sweep_plan_free(&p);
  rc = agreed == ASL_OK ? CLI_OK : agreed == ASL_ESPEC || agreed == ASL_EINVAL ? CLI_USAGE : 1;
  if (rc == CLI_OK) {
    run_signals_install(a.o.grace_s);
    run_summary s;
    asl_status st = run_sweep(&p, &a.o, run_executor_from_env(rank), MPI_COMM_WORLD, &s);
    if (rank == 0 && st) fprintf(stderr, "aslsweep run: %s\n", asl_error_message());
    if (rank == 0 && !st)
      printf("%d jobs: %d done, %d failed, %d pending (%.1f s)%s\n", s.n_jobs, s.done, s.failed,
             s.pending, s.seconds, s.aborted ? " - stopped by --max-failures" : "");
    rc = run_exit_status(st, &s);
    sweep_plan_free(&p);
  }
  MPI_Finalize();
  return rc;
}
