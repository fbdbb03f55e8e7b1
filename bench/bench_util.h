// Small helpers shared by the C benchmarks: clocks, a median's comparator
// and deterministic fill data.
#ifndef ASLSWEEP_BENCH_UTIL_H
#define ASLSWEEP_BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>

static inline double bench_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

// Process CPU time (all threads): with one thread it does not count the time
// the process waits for a core, so it compares across a loaded machine.
static inline double bench_cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

// n floats in [0, 1) from a linear congruential sequence (NULL when out of
// memory): the same data on every run.
static inline float *bench_filled(size_t n, unsigned seed) {
  float *p = malloc(n * sizeof(float));
  for (size_t i = 0; p && i < n; i++) {
    seed = seed * 1664525u + 1013904223u;
    p[i] = (float)(seed >> 8) / 16777216.0f;
  }
  return p;
}

#endif
