// Slurm batch scripts for a sweep: options, resource suggestions from the
// plan's cost estimates, the script text, and submission through sbatch.
//
//   slurm_options o;  slurm_options_init(&o);  ... set fields ...
//   slurm_options_check(&o);                        // bad values -> ASL_EINVAL + message
//   slurm_workload w; slurm_workload_from_plan(&w, &plan);
//   slurm_site site; slurm_site_query(&site, o.partition);   // sinfo, when on a cluster
//   slurm_resources r; slurm_suggest(&r, &o, &w, &site);
//   slurm_text t; slurm_text_init(&t); slurm_script_render(&t, &o, &r, &w);
//
// The script runs `aslsweep run SPEC --out DIR` under srun (mpirun outside
// Slurm), forwards the early warning signal to the runner so it checkpoints,
// and requeues itself while the runner reports jobs remaining.
#ifndef SLURM_SBATCH_H
#define SLURM_SBATCH_H

#include <stddef.h>

#include "asl/status.h"
#include "sweep/plan.h"

// Exit status of `aslsweep run` meaning "interrupted by a signal, state
// checkpointed, jobs remain: run again (requeue)".
#define SLURM_RUNNER_EXIT_REQUEUE 3
// Seconds between the warning signal and the time limit, unless --grace.
#define SLURM_DEFAULT_GRACE 300

typedef struct {
  const char *spec_path;   // the sweep spec, absolute in the script
  const char *out_dir;     // the run directory, absolute in the script
  const char *aslsweep;    // the aslsweep binary the script calls
  const char *job_name;    // NULL: "aslsweep-<spec name>"
  int nodes;               // 0: suggested from the plan
  int ntasks_per_node;     // 0: suggested
  int cpus_per_task;       // 0: suggested
  const char *time;        // NULL: the partition's default limit
  const char *partition, *account, *qos, *mem; // NULL: not written
  int grace;               // seconds; -1: SLURM_DEFAULT_GRACE (or a quarter of --time)
  int array_chunks;        // 0: one job; K >= 1: a K-task array + a merge job
  int max_array_size;      // the cluster's MaxArraySize; 0: unknown (not checked)
  int n_extra;
  const char *const *extra;     // whole "#SBATCH ..." lines
  int n_overrides;
  const char *const *overrides; // "key.path=value", passed on to `aslsweep run`
} slurm_options;

void slurm_options_init(slurm_options *o);

// Parses a Slurm time limit written HH:MM:SS or D-HH:MM:SS (minutes and
// seconds below 60, hours below 24 after a day count) into seconds > 0.
asl_status slurm_parse_time(const char *text, long *seconds);

// Checks every field; the first bad one gives ASL_EINVAL with a message
// naming the option, the value and what is expected.
asl_status slurm_options_check(const slurm_options *o);

// What the plan asks of the machine, in the plan's relative cost units.
typedef struct {
  const char *name;     // the spec's name (borrowed from the plan)
  int n_jobs, n_train, n_infer;
  double total_cost;    // sum over all jobs
  double critical_cost; // longest dependency chain (train + its costliest infer)
  int width;            // jobs that can run at once at the start (no dependency)
  int gpus_per_task;    // 1 for engine.device: cuda (one GPU per rank), else 0
  int chunks;           // 0: the whole study; K: the most demanding of K array chunks
  int study_jobs;       // jobs of the whole study
} slurm_workload;

asl_status slurm_workload_from_plan(slurm_workload *w, const sweep_plan *p);
// For a K-task array: the workload of the chunk that can use the most
// workers (then: the costliest), job j being in chunk slice_of[j] (the
// runner's `--slice` assignment). Every array task gets the same #SBATCH
// header, so this chunk sizes them all; slices are cost-balanced, so the
// others need about as much.
asl_status slurm_workload_of_chunks(slurm_workload *w, const sweep_plan *p, const int *slice_of,
                                    int k);

// Refuses (ASL_EINVAL, naming the limit and what to do) --array-chunks
// above o->max_array_size (Slurm's MaxArraySize: indices 0..MaxArraySize-1).
asl_status slurm_check_array_size(const slurm_options *o);

// The allocation written into the script, and why.
typedef struct {
  int nodes, ntasks_per_node, cpus_per_task;
  int useful_workers;   // workers beyond this cannot shorten the sweep
  int cores_per_node;   // what the suggestion assumed
  int suggested;        // bit set of SLURM_SUGGESTED_* for fields not given
  long grace;           // seconds, resolved
  char plan_line[256];  // comment lines for the script: what the plan asks,
  char alloc_line[256]; // and what the allocation gives
} slurm_resources;

enum {
  SLURM_SUGGESTED_NODES = 1u << 0,
  SLURM_SUGGESTED_TASKS = 1u << 1,
  SLURM_SUGGESTED_CPUS = 1u << 2,
};

// Fills the allocation: fields given in `o` are kept; the others are chosen
// so that the workers (ranks − 1 from 3 ranks on, when rank 0 only manages)
// do not exceed what the
// plan can use (total cost / critical path, and the number of jobs), and the
// cores of each node are split into ranks first, threads second.
// What the partition offers; 0 = unknown (then 32 cores per node are
// assumed and the suggested node count is capped at 64).
typedef struct {
  int cores_per_node; // the smallest node's CPU count
  int nodes;          // nodes in the partition
} slurm_site;

// The allocation is capped at the site's nodes when that is known.
asl_status slurm_suggest(slurm_resources *r, const slurm_options *o, const slurm_workload *w,
                         const slurm_site *site);

// A growable text buffer, NUL-terminated.
typedef struct {
  char *s;
  size_t len, cap;
} slurm_text;

void slurm_text_init(slurm_text *t);
void slurm_text_free(slurm_text *t);
asl_status slurm_text_printf(slurm_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// Appends `s` quoted for bash (single quotes, ' written '\'').
asl_status slurm_text_shell_quote(slurm_text *t, const char *s);

// The batch script: one job, or with array_chunks the array tasks' script.
asl_status slurm_script_render(slurm_text *t, const slurm_options *o, const slurm_resources *r,
                               const slurm_workload *w);
// The merge job's script for array mode (submitted with afterok on the array).
asl_status slurm_merge_script_render(slurm_text *t, const slurm_options *o, const slurm_workload *w);

// Runs `sbatch --parsable [extra args] SCRIPT` and returns the job id it prints.
// `dependency` (NULL: none) is written as --dependency=afterok:<id>.
asl_status slurm_submit(const char *script_path, const char *dependency, long *job_id);

// Absolute forms of the options' paths, kept alive for the script.
typedef struct {
  char spec[4096], out[4096], self[4096];
} slurm_paths;

// Makes o->spec_path and o->out_dir absolute (creating the run directory)
// and sets o->aslsweep to the running binary (/proc/self/exe), all pointing
// into *paths. ASL_ENOTFOUND for a missing spec, ASL_EIO when --out cannot
// be created.
asl_status slurm_resolve_paths(slurm_options *o, slurm_paths *paths);
// Renders DIR/submit.sbatch into *submit_text and writes it (mode 0755);
// with array_chunks also DIR/parts/ and DIR/merge.sbatch.
asl_status slurm_write_scripts(const slurm_options *o, const slurm_resources *r,
                               const slurm_workload *w, slurm_text *submit_text);
// Submits DIR/submit.sbatch, and in array mode DIR/merge.sbatch after it
// (afterok). *merge_id is 0 when there is no merge job.
asl_status slurm_submit_all(const slurm_options *o, long *job_id, long *merge_id);

// MaxArraySize from `scontrol show config`; 0 when scontrol is missing or
// does not say (not on a cluster).
int slurm_query_max_array_size(void);

// The partition's (NULL: the default one) CPUs per node and node count from
// `sinfo`; zeros when sinfo is missing or answers nothing (not on a cluster).
void slurm_site_query(slurm_site *site, const char *partition);

#endif
