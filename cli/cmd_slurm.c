// aslsweep slurm: write DIR/submit.sbatch for a sweep (and with --submit,
// hand it to sbatch). Argument parsing only; the script text, the files and
// the submission come from slurm/sbatch.h.
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "run/run.h"
#include "run/slice.h"
#include "slurm/sbatch.h"
#include "sweep/plan.h"

_Static_assert(SLURM_RUNNER_EXIT_REQUEUE == RUN_EXIT_INTERRUPTED,
               "the batch script requeues on the runner's interrupted exit status");

static const char usage_text[] =
    "usage: aslsweep slurm SPEC.yaml --out DIR [options] [key.path=value ...]\n"
    "\n"
    "Writes DIR/submit.sbatch (and prints it): `srun aslsweep run SPEC --out DIR`\n"
    "with Slurm's warning signal passed to the runner and a self-requeue while\n"
    "jobs remain. Counts not given are suggested from the plan's cost estimates.\n"
    "\n"
    "  --nodes N             nodes (default: suggested)\n"
    "  --ntasks-per-node K   MPI ranks per node (default: suggested)\n"
    "  --cpus-per-task C     threads per rank (default: the node's cores / K)\n"
    "  --time T              time limit, HH:MM:SS or D-HH:MM:SS (default: partition's)\n"
    "  --partition P  --account A  --qos Q  --mem M   written as #SBATCH lines\n"
    "  --grace S             seconds of warning before the limit (default 300, or a\n"
    "                        quarter of a shorter --time)\n"
    "  --array-chunks K      a K-task job array, one DAG slice each, and merge.sbatch\n"
    "                        to run after it (--dependency=afterok); each task asks for\n"
    "                        what its chunk needs (the most demanding chunk's nodes and\n"
    "                        tasks), not the whole study's\n"
    "  --max-array-size N    the cluster's MaxArraySize (default: from `scontrol show\n"
    "                        config` when available); --array-chunks above it: exit 2\n"
    "  --extra \"#SBATCH ...\" an extra header line (repeatable)\n"
    "  --job-name NAME       default: aslsweep-<spec name>\n"
    "  --submit              submit with sbatch and print the job id\n"
    "  --quiet               do not print the script\n"
    "\n"
    "Suggestions: workers beyond total cost / longest train+infer chain cannot\n"
    "shorten the sweep; a node's cores (from sinfo, else 32 assumed) go to ranks\n"
    "first, the rest to threads. See docs/slurm.md.\n"
    "exit status: 0 written (and submitted), 1 sbatch failed or DIR not writable,\n"
    "2 bad usage, option value or spec (nothing written)\n";

typedef struct {
  slurm_options o;
  const char *extra[64];
  const char *overrides[64];
  int submit, quiet;
} slurm_args;

// Reads a whole number >= min for option `name` into *dst; -1 on bad text.
static int number(const char *name, const char *text, long min, int *dst) {
  char *end = NULL;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < min || v > INT_MAX) {
    fprintf(stderr, "aslsweep slurm: %s '%s': expected a whole number of at least %ld\n", name,
            text, min);
    return -1;
  }
  *dst = (int)v;
  return 0;
}

enum { OPT_NODES = 256, OPT_TASKS, OPT_CPUS, OPT_TIME, OPT_PART, OPT_ACCOUNT, OPT_QOS, OPT_MEM,
       OPT_GRACE, OPT_CHUNKS, OPT_EXTRA, OPT_NAME, OPT_SUBMIT, OPT_QUIET, OPT_OUT, OPT_MAX_ARRAY };

static const struct option long_opts[] = {
    {"out", required_argument, 0, OPT_OUT},
    {"nodes", required_argument, 0, OPT_NODES},
    {"ntasks-per-node", required_argument, 0, OPT_TASKS},
    {"cpus-per-task", required_argument, 0, OPT_CPUS},
    {"time", required_argument, 0, OPT_TIME},
    {"partition", required_argument, 0, OPT_PART},
    {"account", required_argument, 0, OPT_ACCOUNT},
    {"qos", required_argument, 0, OPT_QOS},
    {"mem", required_argument, 0, OPT_MEM},
    {"grace", required_argument, 0, OPT_GRACE},
    {"array-chunks", required_argument, 0, OPT_CHUNKS},
    {"max-array-size", required_argument, 0, OPT_MAX_ARRAY},
    {"extra", required_argument, 0, OPT_EXTRA},
    {"job-name", required_argument, 0, OPT_NAME},
    {"submit", no_argument, 0, OPT_SUBMIT},
    {"quiet", no_argument, 0, OPT_QUIET},
    {0, 0, 0, 0}};

// One option into a; returns 0, or -1 on a bad value (message printed).
static int take_option(slurm_args *a, int c, const char *v) {
  slurm_options *o = &a->o;
  switch (c) {
    case OPT_OUT: o->out_dir = v; return 0;
    case OPT_NODES: return number("--nodes", v, 1, &o->nodes);
    case OPT_TASKS: return number("--ntasks-per-node", v, 1, &o->ntasks_per_node);
    case OPT_CPUS: return number("--cpus-per-task", v, 1, &o->cpus_per_task);
    case OPT_GRACE: return number("--grace", v, 0, &o->grace);
    case OPT_CHUNKS: return number("--array-chunks", v, 1, &o->array_chunks);
    case OPT_MAX_ARRAY: return number("--max-array-size", v, 1, &o->max_array_size);
    case OPT_TIME: o->time = v; return 0;
    case OPT_PART: o->partition = v; return 0;
    case OPT_ACCOUNT: o->account = v; return 0;
    case OPT_QOS: o->qos = v; return 0;
    case OPT_MEM: o->mem = v; return 0;
    case OPT_NAME: o->job_name = v; return 0;
    case OPT_SUBMIT: a->submit = 1; return 0;
    case OPT_QUIET: a->quiet = 1; return 0;
    case OPT_EXTRA:
      if (o->n_extra == 64) return fprintf(stderr, "aslsweep slurm: at most 64 --extra lines\n"), -1;
      a->extra[o->n_extra++] = v;
      return 0;
    default: return -1;
  }
}

// Options, then SPEC and key.path=value overrides. Returns CLI_OK or CLI_USAGE.
static int parse_args(slurm_args *a, int argc, char **argv) {
  slurm_options_init(&a->o);
  a->o.extra = a->extra;
  a->o.overrides = a->overrides;
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
    if (c == '?') {
      fprintf(stderr, "aslsweep slurm: unknown option or missing value: '%s' (see --help)\n",
              argv[optind - 1]);
      return CLI_USAGE;
    }
    if (take_option(a, c, optarg) != 0) return CLI_USAGE;
  }
  for (int i = optind; i < argc; i++) {
    if (a->o.spec_path == NULL) {
      a->o.spec_path = argv[i];
    } else if (strchr(argv[i], '=') == NULL || a->o.n_overrides == 64) {
      fprintf(stderr, "aslsweep slurm: '%s': expected key.path=value after the spec (at most 64)\n",
              argv[i]);
      return CLI_USAGE;
    } else {
      a->overrides[a->o.n_overrides++] = argv[i];
    }
  }
  if (a->o.spec_path == NULL || a->o.out_dir == NULL) {
    fprintf(stderr, "aslsweep slurm: a SPEC and --out DIR are required\n%s", usage_text);
    return CLI_USAGE;
  }
  return CLI_OK;
}

// Prints the library's message and returns the exit status for st.
static int report(asl_status st) {
  fprintf(stderr, "aslsweep slurm: %s\n", asl_error_message());
  return asl_exit_code(st);
}

static int write_and_submit(const slurm_args *a, const slurm_resources *r, const slurm_workload *w) {
  slurm_text t;
  slurm_text_init(&t);
  asl_status st = slurm_write_scripts(&a->o, r, w, &t);
  if (!st && !a->quiet) fputs(t.s, stdout);
  slurm_text_free(&t);
  if (st) return report(st);
  if (!a->submit) return CLI_OK;
  long id = 0, merge_id = 0;
  st = slurm_submit_all(&a->o, &id, &merge_id);
  if (id > 0) printf("submitted job %ld\n", id);
  if (merge_id > 0) printf("submitted merge job %ld (after job %ld succeeds)\n", merge_id, id);
  return st ? report(st) : CLI_OK;
}

// The workload that sizes the script: the whole study, or with
// --array-chunks the most demanding chunk of the runner's slices.
static asl_status workload(slurm_workload *w, const sweep_plan *p, int chunks) {
  if (chunks <= 0) return slurm_workload_from_plan(w, p);
  int *slice_of = malloc(sizeof(int) * (size_t)(p->n_jobs > 0 ? p->n_jobs : 1));
  if (!slice_of) return asl_fail(ASL_ENOMEM, "slices of %d jobs", p->n_jobs);
  asl_status st = run_slice_assign(p, chunks, slice_of, NULL);
  if (!st) st = slurm_workload_of_chunks(w, p, slice_of, chunks);
  free(slice_of);
  return st;
}

int cmd_slurm(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return fputs(usage_text, stdout), CLI_OK;
  slurm_args a;
  memset(&a, 0, sizeof a);
  int rc = parse_args(&a, argc, argv);
  if (rc != CLI_OK) return rc;
  // Check the values before anything is created on disk.
  asl_status checked = slurm_options_check(&a.o);
  if (!checked && a.o.array_chunks > 0 && a.o.max_array_size == 0)
    a.o.max_array_size = slurm_query_max_array_size();
  if (!checked) checked = slurm_check_array_size(&a.o);
  if (checked) return report(checked);
  sweep_plan plan;
  if ((rc = cli_load_plan("slurm", &plan, a.o.spec_path, a.o.n_overrides, (char **)a.overrides, 0)) != CLI_OK)
    return rc;
  static slurm_paths paths;
  slurm_workload w;
  slurm_resources r;
  slurm_site site;
  slurm_site_query(&site, a.o.partition);
  asl_status st = slurm_resolve_paths(&a.o, &paths);
  if (!st) st = slurm_options_check(&a.o);
  if (!st) st = workload(&w, &plan, a.o.array_chunks);
  if (!st) st = slurm_suggest(&r, &a.o, &w, &site);
  rc = st ? report(st) : write_and_submit(&a, &r, &w);
  sweep_plan_free(&plan);
  return rc;
}
