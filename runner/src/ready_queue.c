#include "ready_queue.h"

#include <stdlib.h>

// a runs before b: larger cost first, then the lower index (the order a
// scan of the plan for the largest cost gave, so plans run as before).
static int before(const run_ready_queue *q, int a, int b) {
  double ca = q->p->jobs[a].cost, cb = q->p->jobs[b].cost;
  if (ca != cb) return ca > cb;
  return a < b;
}

static void swap(int *h, int i, int k) {
  int t = h[i];
  h[i] = h[k];
  h[k] = t;
}

asl_status run_ready_queue_init(run_ready_queue *q, const sweep_plan *p) {
  q->p = p;
  q->n = 0;
  q->cap = p->n_jobs > 0 ? p->n_jobs : 1;
  q->heap = malloc(sizeof(int) * (size_t)q->cap);
  if (!q->heap) return asl_fail(ASL_ENOMEM, "ready queue for %d jobs", p->n_jobs);
  return ASL_OK;
}

void run_ready_queue_free(run_ready_queue *q) {
  free(q->heap);
  q->heap = NULL;
  q->n = q->cap = 0;
}

void run_ready_queue_push(run_ready_queue *q, int job) {
  if (q->n >= q->cap) return; // each job is ready once per run: cannot happen
  int i = q->n++;
  q->heap[i] = job;
  while (i > 0) {
    int up = (i - 1) / 2;
    if (!before(q, q->heap[i], q->heap[up])) break;
    swap(q->heap, i, up);
    i = up;
  }
}

int run_ready_queue_peek(const run_ready_queue *q) { return q->n > 0 ? q->heap[0] : -1; }

int run_ready_queue_pop(run_ready_queue *q) {
  if (q->n == 0) return -1;
  int top = q->heap[0];
  q->heap[0] = q->heap[--q->n];
  for (int i = 0;;) {
    int l = 2 * i + 1, r = l + 1, m = i;
    if (l < q->n && before(q, q->heap[l], q->heap[m])) m = l;
    if (r < q->n && before(q, q->heap[r], q->heap[m])) m = r;
    if (m == i) break;
    swap(q->heap, i, m);
    i = m;
  }
  return top;
}
