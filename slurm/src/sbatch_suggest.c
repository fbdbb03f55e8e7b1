// Allocation suggestions from the plan's cost estimates.
//
// The runner (docs/runner.md) hands out jobs from rank 0: with 1 or 2 ranks
// rank 0 runs jobs too, from 3 ranks on it only manages. Each worker runs
// one job at a time. With W workers the sweep cannot end before
// max(total cost / W, longest dependency chain), so workers beyond
// total / chain (or beyond the number of jobs) only wait. Jobs scale
// perfectly across ranks but imperfectly across threads, so the cores of a
// node go to ranks first and the cores left over become threads per rank.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slurm/sbatch.h"

#define ASSUMED_CORES_PER_NODE 32
#define MAX_SUGGESTED_NODES 64

// Adds job i of p to w (checked: a finite cost >= 0, a train job in range).
static asl_status add_job(slurm_workload *w, const sweep_plan *p, int i) {
  const sweep_job *j = &p->jobs[i];
  if (!(j->cost >= 0) || !isfinite(j->cost))
    return asl_fail(ASL_EINVAL, "job '%s': cost estimate %g is not a finite number >= 0", j->key,
                    j->cost);
  int dep = j->kind == SWEEP_JOB_INFER ? j->train_job : -1;
  if (dep >= p->n_jobs)
    return asl_fail(ASL_EINVAL, "job '%s': train job %d out of range", j->key, dep);
  double chain = j->cost + (dep >= 0 ? p->jobs[dep].cost : 0.0);
  w->n_jobs++;
  if (j->kind == SWEEP_JOB_TRAIN) w->n_train++;
  else w->n_infer++;
  if (dep < 0) w->width++;
  w->total_cost += j->cost;
  if (chain > w->critical_cost) w->critical_cost = chain;
  return ASL_OK;
}

asl_status slurm_workload_from_plan(slurm_workload *w, const sweep_plan *p) {
  memset(w, 0, sizeof *w);
  w->name = p->name;
  w->study_jobs = p->n_jobs;
  w->gpus_per_task = strcmp(p->device, "cuda") == 0;
  for (int i = 0; i < p->n_jobs; i++) {
    asl_status st = add_job(w, p, i);
    if (st) return st;
  }
  return ASL_OK;
}

static int useful_workers(const slurm_workload *w);

asl_status slurm_workload_of_chunks(slurm_workload *w, const sweep_plan *p, const int *slice_of,
                                    int k) {
  if (k < 1) return asl_fail(ASL_EINVAL, "array chunks: %d, expected at least 1", k);
  slurm_workload *c = calloc((size_t)k, sizeof *c);
  if (!c) return asl_fail(ASL_ENOMEM, "workloads of %d array chunks", k);
  asl_status st = ASL_OK;
  for (int i = 0; i < p->n_jobs && !st; i++) {
    if (slice_of[i] < 0 || slice_of[i] >= k)
      st = asl_fail(ASL_EINVAL, "job '%s' is in chunk %d of %d", p->jobs[i].key, slice_of[i], k);
    else st = add_job(&c[slice_of[i]], p, i);
  }
  int best = 0;
  for (int s = 1; s < k && !st; s++) {
    int u = useful_workers(&c[s]), ub = useful_workers(&c[best]);
    if (u > ub || (u == ub && c[s].total_cost > c[best].total_cost)) best = s;
  }
  if (!st) {
    *w = c[best];
    w->name = p->name;
    w->chunks = k;
    w->study_jobs = p->n_jobs;
    w->gpus_per_task = strcmp(p->device, "cuda") == 0;
  }
  free(c);
  return st;
}

// Workers that can shorten the sweep: total / chain, at most one per job.
static int useful_workers(const slurm_workload *w) {
  if (w->n_jobs <= 0) return 1;
  double ideal = w->critical_cost > 0 ? ceil(w->total_cost / w->critical_cost) : w->n_jobs;
  if (ideal > w->n_jobs) ideal = w->n_jobs;
  return ideal < 1 ? 1 : (int)ideal;
}

static int ceil_div(int a, int b) { return (a + b - 1) / b; }

// Ranks one node can hold given the options (tasks, or cores / cpus-per-task).
static int tasks_cap(const slurm_options *o, int cores) {
  if (o->ntasks_per_node > 0) return o->ntasks_per_node;
  if (o->cpus_per_task > 0) return cores / o->cpus_per_task > 0 ? cores / o->cpus_per_task : 1;
  return cores;
}

static long resolve_grace(const slurm_options *o) {
  if (o->grace >= 0) return o->grace;
  long limit = 0;
  // A quarter of a short limit, so a 2-minute test job still gets to run.
  if (o->time != NULL && slurm_parse_time(o->time, &limit) == ASL_OK && limit / 4 < SLURM_DEFAULT_GRACE)
    return limit / 4;
  return SLURM_DEFAULT_GRACE;
}

// Workers among `ranks` ranks: rank 0 works too below 3 ranks.
static int workers_of(int ranks) { return ranks <= 2 ? ranks : ranks - 1; }

static void describe(slurm_resources *r, const slurm_workload *w, int cores_known) {
  int ranks = r->nodes * r->ntasks_per_node, workers = workers_of(ranks);
  char chunk[96] = "";
  if (w->chunks > 0)
    snprintf(chunk, sizeof chunk, "per array task (largest of %d chunks of a %d-job study): ",
             w->chunks, w->study_jobs);
  snprintf(r->plan_line, sizeof r->plan_line,
           "%s%d jobs (%d train, %d infer), total cost %.3g, longest chain %.3g"
           " -> at most %d busy workers",
           chunk, w->n_jobs, w->n_train, w->n_infer, w->total_cost, w->critical_cost,
           r->useful_workers);
  int n = snprintf(r->alloc_line, sizeof r->alloc_line,
                   "%d node%s x %d tasks x %d CPUs = %d worker%s%s (%d cores per node%s)",
                   r->nodes, r->nodes == 1 ? "" : "s", r->ntasks_per_node, r->cpus_per_task,
                   workers, workers == 1 ? "" : "s",
                   ranks > 2 ? " + 1 manager rank" : ", rank 0 among them",
                   r->cores_per_node, cores_known ? "" : " assumed; sinfo gave none");
  if (workers > r->useful_workers && n > 0 && (size_t)n < sizeof r->alloc_line)
    snprintf(r->alloc_line + n, sizeof r->alloc_line - (size_t)n, "; %d workers will idle",
             workers - r->useful_workers);
}

asl_status slurm_suggest(slurm_resources *r, const slurm_options *o, const slurm_workload *w,
                         const slurm_site *site) {
  memset(r, 0, sizeof *r);
  if (site->cores_per_node < 0 || site->nodes < 0)
    return asl_fail(ASL_EINVAL, "site: %d cores per node, %d nodes: expected >= 0 (0 = unknown)",
                    site->cores_per_node, site->nodes);
  int cores = site->cores_per_node > 0 ? site->cores_per_node : ASSUMED_CORES_PER_NODE;
  int max_nodes = site->nodes > 0 ? site->nodes : MAX_SUGGESTED_NODES;
  r->cores_per_node = cores;
  r->useful_workers = useful_workers(w);
  int want_ranks = r->useful_workers <= 2 ? r->useful_workers : r->useful_workers + 1;
  int cap = tasks_cap(o, cores);

  r->nodes = o->nodes;
  if (r->nodes == 0) {
    r->nodes = ceil_div(want_ranks, cap);
    if (r->nodes > max_nodes) r->nodes = max_nodes;
    r->suggested |= SLURM_SUGGESTED_NODES;
  }
  r->ntasks_per_node = o->ntasks_per_node;
  if (r->ntasks_per_node == 0) {
    int per_node = ceil_div(want_ranks, r->nodes);
    r->ntasks_per_node = per_node < cap ? per_node : cap;
    r->suggested |= SLURM_SUGGESTED_TASKS;
  }
  r->cpus_per_task = o->cpus_per_task;
  if (r->cpus_per_task == 0) {
    r->cpus_per_task = cores / r->ntasks_per_node > 0 ? cores / r->ntasks_per_node : 1;
    r->suggested |= SLURM_SUGGESTED_CPUS;
  }
  r->grace = resolve_grace(o);
  describe(r, w, site->cores_per_node > 0);
  return ASL_OK;
}
