// The manager's ready queue: the order it hands jobs out equals the order
// of repeatedly scanning for the largest cost (lowest index on ties), over
// random costs full of ties and with jobs added between picks; and picking
// from a large queue does not scan it.
#include <stdlib.h>
#include <time.h>

#include "harness.h"
#include "ready_queue.h"

// A plan holding only costs: the queue reads nothing else.
static sweep_plan *costs_plan(int n, unsigned seed) {
  sweep_plan *p = calloc(1, sizeof *p);
  p->n_jobs = n;
  p->jobs = calloc((size_t)n, sizeof *p->jobs);
  srand(seed);
  for (int j = 0; j < n; j++) p->jobs[j].cost = (double)(rand() % 7); // many ties
  return p;
}

static void plan_free(sweep_plan *p) {
  free(p->jobs);
  free(p);
}

// What the manager did before the queue: scan every ready job.
static int scan_best(const sweep_plan *p, const unsigned char *ready) {
  int best = -1;
  for (int j = 0; j < p->n_jobs; j++)
    if (ready[j] && (best < 0 || p->jobs[j].cost > p->jobs[best].cost)) best = j;
  return best;
}

TEST(ready_queue_hands_out_jobs_in_the_order_of_a_scan) {
  enum { N = 500 };
  sweep_plan *p = costs_plan(N, 7);
  unsigned char ready[N] = {0};
  run_ready_queue q;
  ASSERT_OK(run_ready_queue_init(&q, p));
  int added = 0;
  // Half the jobs ready at the start, the rest arriving two per pick (as
  // infer jobs do when their train job finishes).
  for (; added < N / 2; added++) ready[added] = 1, run_ready_queue_push(&q, added);
  for (int picks = 0; picks < N; picks++) {
    int want = scan_best(p, ready);
    ASSERT_EQ(want, run_ready_queue_peek(&q));
    ASSERT_EQ(want, run_ready_queue_pop(&q));
    ready[want] = 0;
    for (int k = 0; k < 2 && added < N; k++, added++)
      ready[added] = 1, run_ready_queue_push(&q, added);
  }
  ASSERT_EQ(-1, run_ready_queue_pop(&q));
  run_ready_queue_free(&q);
  plan_free(p);
}

TEST(ready_queue_ignores_a_push_beyond_one_per_job) {
  sweep_plan *p = costs_plan(3, 1);
  run_ready_queue q;
  ASSERT_OK(run_ready_queue_init(&q, p));
  for (int k = 0; k < 5; k++) run_ready_queue_push(&q, k % 3);
  ASSERT_EQ(3, q.n);
  run_ready_queue_free(&q);
  plan_free(p);
}

// 10^6 jobs pushed and popped: a scan per pick would be 10^12 steps, the
// heap about 4e7; generous bound so a loaded machine never fails it.
TEST(ready_queue_of_a_million_jobs_is_not_quadratic) {
  enum { N = 1000000 };
  sweep_plan *p = costs_plan(N, 3);
  run_ready_queue q;
  ASSERT_OK(run_ready_queue_init(&q, p));
  clock_t t0 = clock();
  for (int j = 0; j < N; j++) run_ready_queue_push(&q, j);
  double last = 1e300;
  int last_j = -1;
  for (int k = 0; k < N; k++) {
    int j = run_ready_queue_pop(&q);
    double c = p->jobs[j].cost;
    ASSERT(c < last || (c == last && j > last_j));
    last = c, last_j = j;
  }
  double s = (double)(clock() - t0) / CLOCKS_PER_SEC;
  printf("10^6 pushes and pops: %.2f s CPU\n", s);
  ASSERT(s < 60);
  run_ready_queue_free(&q);
  plan_free(p);
}

int main(void) {
  RUN(ready_queue_hands_out_jobs_in_the_order_of_a_scan);
  RUN(ready_queue_ignores_a_push_beyond_one_per_job);
  RUN(ready_queue_of_a_million_jobs_is_not_quadratic);
  return DONE();
}
