// Shared between the verifier's source files (cube/src/verify*.c).
#ifndef CUBE_VERIFY_INTERNAL_H
#define CUBE_VERIFY_INTERNAL_H

#include <stdint.h>

#include "cube/checksum.h"

// What verification keeps of every job: the few numbers it judges by and
// the running checksum of its row (continued over its cells). Keys and
// texts are read in blocks and only again for a message.
typedef struct {
  int n, n_exp;
  char *const *exp_name;
  const cube_jobs *src;
  const char *path;
  int8_t *kind, *status;
  int32_t *experiment;
  uint64_t *checksum;
  cube_sum *sum;
} cv_jobs;

// Reads every row in blocks, summing each committed one; reports status
// values outside the table on the way.
asl_status cv_read_jobs(const cube_verify_handles *h, const char *path, cv_jobs *J,
                        cube_verify_result *r);
void cv_free_jobs(cv_jobs *J);
void cv_job_name(const cv_jobs *J, int j, char *out, size_t n);
asl_status cv_judge(const cv_jobs *J, int j, const cube_sum *s, cube_verify_result *r);
// Every row of experiment e's jobs, with the cells that name them, and the
// cells that name no job of e.
asl_status cv_verify_experiment(const cube_verify_handles *h, const char *path, const cv_jobs *J,
                                int e, cube_verify_result *r);
asl_status cv_add_bad(cube_verify_result *r, int job, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
