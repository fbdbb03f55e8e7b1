// A sweep plan built in C (no YAML), shaped like a real one: one experiment
// "main" over nav x model, train jobs per fold for trainable models, infer
// jobs per fold. For driving the runner in tests and benchmarks.
#ifndef TESTS_RUNNER_SYNTH_PLAN_H
#define TESTS_RUNNER_SYNTH_PLAN_H

#include "sweep/plan.h"

typedef struct {
  int n_nav;           // nav labels 2, 4, 8, ... (n_nav of them)
  int n_models;        // model 0 "unet3d" is trainable when trainable_first
  int trainable_first;
  int folds, subjects, timepoints, epochs;
  int repeat;          // extra axis "rep" of this many labels (scales job count)
  unsigned long long seed;
  int no_jobs;         // 1: everything but the job list (what a worker rank needs)
} synth_spec;

// Fills p (free with synth_plan_free).
int synth_plan_build(sweep_plan *p, const synth_spec *s);
void synth_plan_free(sweep_plan *p);

#endif
