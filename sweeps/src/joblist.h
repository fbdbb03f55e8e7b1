// Private to sweeps/: a job list indexed by key (open addressing).
#ifndef SWEEP_JOBLIST_H
#define SWEEP_JOBLIST_H

#include <stddef.h>

#include "sweep/plan.h"

typedef struct {
  sweep_job *v;
  int n, cap;
  int *slots;       // job index per hash slot, -1 empty
  size_t n_slots;   // power of two
} sw_jobs;

// Index of the job with this key, or -1.
int sw_jobs_find(const sw_jobs *l, const char *key);
// Appends (taking ownership of key and coords); returns its index or -1.
int sw_jobs_add(sw_jobs *l, const sweep_job *j);
void sw_jobs_free(sw_jobs *l);

#endif
