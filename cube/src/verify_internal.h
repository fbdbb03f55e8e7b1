// Shared between the verifier's source files (cube/src/verify*.c).
#ifndef CUBE_VERIFY_INTERNAL_H
#define CUBE_VERIFY_INTERNAL_H

#include <stdint.h>

#include "cube/checksum.h"

// The /jobs datasets read whole, strings as rows of the schema's length.
typedef struct {
  int n, epochs, n_exp;
  char *const *exp_name;
  char *key, *error;
  int8_t *kind, *status;
  int32_t *train_job, *experiment;
  uint64_t *seed, *checksum;
  float *train_loss, *val_loss;
} cv_jobs;

asl_status cv_read_jobs(const cube_verify_handles *h, const char *path, cv_jobs *J);
void cv_free_jobs(cv_jobs *J);
void cv_job_name(const cv_jobs *J, int j, char *out, size_t n);
void cv_row_sum(const cv_jobs *J, int j, cube_sum *s);
asl_status cv_judge(const cv_jobs *J, int j, const cube_sum *s, cube_verify_result *r);
// Every row of experiment e's jobs, with the cells that name them, and the
// cells that name no job of e.
asl_status cv_verify_experiment(const cube_verify_handles *h, const char *path, const cv_jobs *J,
                                int e, cube_verify_result *r);
asl_status cv_add_bad(cube_verify_result *r, int job, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
