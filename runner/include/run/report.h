// Serial (no MPI) reading of a run directory's cube for `aslsweep status`.
#ifndef RUN_REPORT_H
#define RUN_REPORT_H

#include <stdio.h>

#include "asl/status.h"
#include "cube/checksum.h"

typedef struct {
  char name[64];        // experiment name, or "train" for the train jobs
  int done, failed, running, pending;
} run_report_row;

typedef struct {
  int n_rows;
  run_report_row *rows;
  int n_jobs;
  char spec_hash[17];
  char executor[32];
  char first_error[512]; // the first failed job's key and error, for a hint
  char path[4200];        // the cube read
  cube_verify_result verify; // every committed row checked against its checksum
} run_report;

// Reads DIR/results.h5 (or a path to the .h5 itself) without MPI, and
// verifies every committed row (rows that fail are listed by print).
asl_status run_report_read(run_report *r, const char *dir_or_file);
void run_report_print(const run_report *r, FILE *f);
// The same as one JSON object (report_json.c): cube, spec_hash, executor,
// jobs, experiments [{name, done, failed, running, pending}], total,
// first_failure (string or null), verify {has_checksums, verified,
// unverified, failing [{job, what}]}.
void run_report_print_json(const run_report *r, FILE *f);
void run_report_free(run_report *r);

#endif
