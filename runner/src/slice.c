// Slicing the job DAG for job arrays: connected components (a train job
// with the infer jobs that need it) balanced over K slices by estimated
// cost, greedily, longest first into the lightest slice.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "run/slice.h"

asl_status run_slice_parse(const char *text, int *index, int *count) {
  char *end;
  errno = 0;
  long i = strtol(text, &end, 10);
  if (end == text || *end != '/' || errno)
    return asl_fail(ASL_EINVAL, "--slice '%s': expected i/K, e.g. 0/4 (i counts from 0)", text);
  const char *k_text = end + 1;
  long k = strtol(k_text, &end, 10);
  if (end == k_text || *end || errno)
    return asl_fail(ASL_EINVAL, "--slice '%s': expected i/K, e.g. 0/4 (i counts from 0)", text);
  if (k < 1 || k > 100000 || i < 0 || i >= k)
    return asl_fail(ASL_EINVAL, "--slice '%s': need 1 <= K <= 100000 and 0 <= i < K "
                    "(i counts from 0, like SLURM_ARRAY_TASK_ID for --array=0-(K-1))", text);
  *index = (int)i;
  *count = (int)k;
  return ASL_OK;
}

static int find_root(int *parent, int j) {
  while (parent[j] != j) {
    parent[j] = parent[parent[j]];
    j = parent[j];
  }
  return j;
}

typedef struct {
  double cost;
  int first; // lowest job index: the plan-order tie break
} slice_comp;

static int by_cost_desc(const void *a, const void *b) {
  const slice_comp *x = a, *y = b;
  if (x->cost != y->cost) return x->cost > y->cost ? -1 : 1;
  return (x->first > y->first) - (x->first < y->first);
}

// comp_of[j]: index of job j's component among the n returned (numbered in
// plan order of their first job); comps: their cost and first job.
static int components(const sweep_plan *p, int *parent, int *comp_of, slice_comp *comps) {
  int n = p->n_jobs, nc = 0;
  for (int j = 0; j < n; j++) parent[j] = j;
  for (int j = 0; j < n; j++) {
    int t = p->jobs[j].train_job;
    if (t < 0 || t >= n) continue;
    int a = find_root(parent, j), b = find_root(parent, t);
    if (a != b) parent[a > b ? a : b] = a < b ? a : b; // the root is the lowest index
  }
  for (int j = 0; j < n; j++) comp_of[j] = -1;
  for (int j = 0; j < n; j++) {
    int r = find_root(parent, j);
    if (comp_of[r] < 0) {
      comp_of[r] = nc;
      comps[nc].cost = 0;
      comps[nc].first = r;
      nc++;
    }
    comp_of[j] = comp_of[r];
    comps[comp_of[j]].cost += p->jobs[j].cost > 0 ? p->jobs[j].cost : 0;
  }
  return nc;
}

asl_status run_slice_assign(const sweep_plan *p, int k, int *slice_of, double *cost) {
  return run_slice_assign_prior(p, k, NULL, slice_of, cost);
}

// Components with a prior slice go back to it, their cost on its load;
// pinned[c] = 1 for them. Returns how many were pinned.
static int pin_prior(const int *prior, int n, int k, const int *comp_of, const slice_comp *comps,
                     int *target, char *pinned, double *load, int *members) {
  int np = 0;
  for (int j = 0; prior && j < n; j++) {
    int c = comp_of[j];
    if (pinned[c] || prior[j] < 0 || prior[j] >= k) continue;
    pinned[c] = 1;
    target[c] = prior[j];
    load[prior[j]] += comps[c].cost;
    members[prior[j]]++;
    np++;
  }
  return np;
}

asl_status run_slice_assign_prior(const sweep_plan *p, int k, const int *prior, int *slice_of,
                                  double *cost) {
  int n = p->n_jobs;
  if (k < 1) return asl_fail(ASL_EINVAL, "slicing into %d slices: need at least 1", k);
  size_t cap = (size_t)n + 1;
  int *parent = malloc(sizeof(int) * cap), *comp_of = malloc(sizeof(int) * cap);
  int *target = malloc(sizeof(int) * cap);
  char *pinned = calloc(cap, 1);
  slice_comp *comps = malloc(sizeof *comps * (size_t)(n + 1));
  double *load = calloc((size_t)k, sizeof *load);
  int *members = calloc((size_t)k, sizeof *members);
  asl_status st = ASL_OK;
  if (!parent || !comp_of || !target || !comps || !load || !members || !pinned) {
    st = asl_fail(ASL_ENOMEM, "slicing %d jobs into %d slices", n, k);
    goto done;
  }
  int nc = components(p, parent, comp_of, comps);
  slice_comp *order = malloc(sizeof *order * (size_t)(nc + 1));
  if (!order) {
    st = asl_fail(ASL_ENOMEM, "slicing %d components", nc);
    goto done;
  }
  pin_prior(prior, n, k, comp_of, comps, target, pinned, load, members);
  int no = 0;
  for (int c = 0; c < nc; c++)
    if (!pinned[c]) order[no++] = comps[c];
  qsort(order, (size_t)no, sizeof *order, by_cost_desc);
  for (int c = 0; c < no; c++) {
    int best = 0;
    // Equal loads (zero-cost baselines, say) go to the slice with fewer
    // components, so free jobs still spread instead of piling into slice 0.
    for (int s = 1; s < k; s++)
      if (load[s] < load[best] || (load[s] == load[best] && members[s] < members[best])) best = s;
    load[best] += order[c].cost;
    members[best]++;
    target[comp_of[order[c].first]] = best;
  }
  for (int j = 0; j < n; j++) slice_of[j] = target[comp_of[j]];
  if (cost) memcpy(cost, load, sizeof *load * (size_t)k);
  free(order);
done:
  free(parent);
  free(comp_of);
  free(target);
  free(pinned);
  free(comps);
  free(load);
  free(members);
  return st;
}
