// Slicing the job DAG for job arrays (run/slice.h) on the example plans:
// every infer job sits in its train job's slice, slices are balanced by
// cost to within the largest component, and the split is deterministic.
#include <stdlib.h>

#include "harness.h"
#include "run/slice.h"

static void load(sweep_plan *p, const char *name) {
  char path[4096];
  const char *src = getenv("ASLSWEEP_SOURCE_DIR");
  snprintf(path, sizeof path, "%s/examples/%s", src ? src : ".", name);
  sweep_diags d;
  asl_status st = sweep_plan_load(p, &d, path, 0, NULL);
  for (int i = 0; i < d.n; i++) fprintf(stderr, "%s\n", d.lines[i]);
  sweep_diags_free(&d);
  ASSERT_OK(st);
}

// The largest component, computed without the slicing code: a train job
// with every infer job that names it, or a baseline infer job alone.
static double largest_component(const sweep_plan *p) {
  size_t n = p->n_jobs > 0 ? (size_t)p->n_jobs : 1;
  double *sum = calloc(n, sizeof *sum), best = 0;
  ASSERT(sum);
  for (int j = 0; j < p->n_jobs; j++) {
    int t = p->jobs[j].train_job;
    sum[t >= 0 ? t : j] += p->jobs[j].cost;
  }
  for (int j = 0; j < p->n_jobs; j++)
    if (sum[j] > best) best = sum[j];
  free(sum);
  return best;
}

static void check_slicing(const sweep_plan *p, int k) {
  int *a = malloc(sizeof(int) * (size_t)p->n_jobs), *b = malloc(sizeof(int) * (size_t)p->n_jobs);
  double *cost = calloc((size_t)k, sizeof *cost), total = 0, sum = 0, lo = 1e300, hi = 0;
  ASSERT(a && b && cost);
  ASSERT_OK(run_slice_assign(p, k, a, cost));
  ASSERT_OK(run_slice_assign(p, k, b, NULL));
  for (int j = 0; j < p->n_jobs; j++) {
    ASSERT_EQ(a[j], b[j]); // deterministic
    ASSERT(a[j] >= 0 && a[j] < k);
    int t = p->jobs[j].train_job;
    if (t >= 0) ASSERT_EQ(a[t], a[j]); // an infer job with its train job
    total += p->jobs[j].cost;
  }
  for (int s = 0; s < k; s++) {
    sum += cost[s];
    if (cost[s] < lo) lo = cost[s];
    if (cost[s] > hi) hi = cost[s];
  }
  ASSERT_NEAR(total, sum, 1e-9 * total);
  double big = largest_component(p);
  if (hi - lo > big * (1 + 1e-12))
    HARNESS_FAIL("K=%d: slice costs %.4g .. %.4g differ by more than the largest component %.4g",
                 k, lo, hi, big);
  printf("  K=%d: slice cost %.4g .. %.4g (largest component %.4g, total %.4g)\n", k, lo, hi, big,
         total);
  free(a);
  free(b);
  free(cost);
}

TEST(parse_accepts_zero_based_index_below_count) {
  int i = -1, k = -1;
  ASSERT_OK(run_slice_parse("0/3", &i, &k));
  ASSERT_EQ(0, i);
  ASSERT_EQ(3, k);
  ASSERT_OK(run_slice_parse("2/3", &i, &k));
  ASSERT_EQ(2, i);
  ASSERT_OK(run_slice_parse("0/1", &i, &k));
}

TEST(parse_refuses_out_of_range_and_malformed) {
  int i, k;
  const char *bad[] = {"3/3", "-1/3", "1/0", "1", "a/3", "1/3x", "1/", "/3", "1/200000"};
  for (size_t n = 0; n < sizeof bad / sizeof bad[0]; n++)
    if (run_slice_parse(bad[n], &i, &k) == ASL_OK) HARNESS_FAIL("'%s' accepted", bad[n]);
}

TEST(paper_plan_slices_keep_train_with_infer_and_balance_cost) {
  sweep_plan p;
  load(&p, "paper.yaml");
  // The paper plan shares train jobs between experiments: the check below
  // then covers infer jobs of several experiments pulled into one slice.
  int shared = 0;
  for (int j = 0; j < p.n_jobs && !shared; j++)
    for (int i = j + 1; i < p.n_jobs; i++)
      if (p.jobs[j].train_job >= 0 && p.jobs[i].train_job == p.jobs[j].train_job &&
          p.jobs[i].experiment != p.jobs[j].experiment) {
        shared = 1;
        break;
      }
  ASSERT(shared);
  int ks[] = {1, 2, 3, 8, 50};
  for (size_t n = 0; n < sizeof ks / sizeof ks[0]; n++) check_slicing(&p, ks[n]);
  sweep_plan_free(&p);
}

TEST(demo_plan_slices_and_more_slices_than_components) {
  sweep_plan p;
  load(&p, "demo.yaml");
  check_slicing(&p, 3);
  // More slices than components: some stay empty, none is split.
  int k = p.n_jobs + 5, *a = malloc(sizeof(int) * (size_t)p.n_jobs);
  ASSERT(a);
  ASSERT_OK(run_slice_assign(&p, k, a, NULL));
  for (int j = 0; j < p.n_jobs; j++)
    if (p.jobs[j].train_job >= 0) ASSERT_EQ(a[p.jobs[j].train_job], a[j]);
  free(a);
  sweep_plan_free(&p);
}

TEST(zero_cost_jobs_still_spread_over_slices) {
  sweep_plan p;
  load(&p, "demo.yaml");
  for (int j = 0; j < p.n_jobs; j++) p.jobs[j].cost = 0;
  int *a = malloc(sizeof(int) * (size_t)p.n_jobs), used[4] = {0};
  ASSERT(a);
  ASSERT_OK(run_slice_assign(&p, 4, a, NULL));
  for (int j = 0; j < p.n_jobs; j++) used[a[j]]++;
  for (int s = 0; s < 4; s++) ASSERT(used[s] > 0);
  free(a);
  sweep_plan_free(&p);
}

// Prior slices (a grown part): every component with a prior job keeps that
// job's slice, whatever the plain split says; the rest still balance.
TEST(prior_slices_are_kept_and_the_rest_balanced) {
  sweep_plan p;
  load(&p, "paper.yaml");
  int n = p.n_jobs, k = 3;
  int *plain = malloc(sizeof(int) * (size_t)n), *prior = malloc(sizeof(int) * (size_t)n);
  int *a = malloc(sizeof(int) * (size_t)n);
  double cost[3];
  ASSERT(plain && prior && a);
  ASSERT_OK(run_slice_assign(&p, k, plain, NULL));
  // The first half of the jobs are "old", placed one slice off the plain split.
  for (int j = 0; j < n; j++) prior[j] = j < n / 2 ? (plain[j] + 1) % k : -1;
  ASSERT_OK(run_slice_assign_prior(&p, k, prior, a, cost));
  for (int j = 0; j < n; j++) {
    int t = p.jobs[j].train_job, root = t >= 0 ? t : j;
    if (t >= 0) ASSERT_EQ(a[t], a[j]);
    // A component keeps the slice of its lowest old job: the train job when old.
    if (root < n / 2) ASSERT_EQ(prior[root], a[j]);
  }
  // No prior at all is the plain split.
  ASSERT_OK(run_slice_assign_prior(&p, k, NULL, a, NULL));
  for (int j = 0; j < n; j++) ASSERT_EQ(plain[j], a[j]);
  double lo = cost[0], hi = cost[0];
  for (int s = 1; s < k; s++) lo = cost[s] < lo ? cost[s] : lo, hi = cost[s] > hi ? cost[s] : hi;
  ASSERT(hi > 0 && lo > 0);
  free(plain);
  free(prior);
  free(a);
  sweep_plan_free(&p);
}

int main(void) {
  RUN(parse_accepts_zero_based_index_below_count);
  RUN(parse_refuses_out_of_range_and_malformed);
  RUN(paper_plan_slices_keep_train_with_infer_and_balance_cost);
  RUN(demo_plan_slices_and_more_slices_than_components);
  RUN(zero_cost_jobs_still_spread_over_slices);
  RUN(prior_slices_are_kept_and_the_rest_balanced);
  return DONE();
}
