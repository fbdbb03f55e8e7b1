// The subjects of a run as the runner sees them: what the cube's /subjects
// group holds, plus the time-point count the cube needs to size its image
// axis. The executor fills this table in its prepare step.
#ifndef RUN_SUBJECTS_H
#define RUN_SUBJECTS_H

#include <stdint.h>

#include "asl/status.h"
#include "cube/schema.h"

#define RUN_ID_LEN CUBE_ID_LEN
#define RUN_GROUP_LEN CUBE_GROUP_LEN

typedef struct {
  char id[RUN_ID_LEN];           // "sub-01"
  int fold;                      // fold in which the subject is tested
  char snr_group[RUN_GROUP_LEN]; // "low", "high", "g0" ...
  float ssim_single, nmae_single;
  int nt;                        // difference volumes (after remainder drop)
  uint64_t fingerprint;          // FNV-1a of the loaded input data; 0 when not computed
} run_subject;

typedef struct {
  int n;
  run_subject *s; // n entries, sorted by id
} run_subjects;

asl_status run_subjects_init(run_subjects *t, int n);
void run_subjects_free(run_subjects *t);

#endif
