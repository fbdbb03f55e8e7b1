// The manager's ready jobs as a binary heap ordered longest estimated cost
// first, lowest job index on ties: picking and adding a job cost O(log J),
// where a scan of the plan per pick made a study's scheduling quadratic.
#ifndef RUN_READY_QUEUE_H
#define RUN_READY_QUEUE_H

#include "asl/status.h"
#include "sweep/plan.h"

typedef struct {
  int *heap;              // job indices, heap[0] the next to run
  int n, cap;
  const sweep_plan *p;    // the costs, not owned
} run_ready_queue;

asl_status run_ready_queue_init(run_ready_queue *q, const sweep_plan *p);
void run_ready_queue_free(run_ready_queue *q);
// Adds a job; the queue was sized for every job, so this cannot fail as
// long as each job is pushed at most once per time it becomes ready.
void run_ready_queue_push(run_ready_queue *q, int job);
// The next job, or -1 when none; pop removes it.
int run_ready_queue_peek(const run_ready_queue *q);
int run_ready_queue_pop(run_ready_queue *q);

#endif
