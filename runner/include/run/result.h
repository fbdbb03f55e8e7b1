// What one job produces, laid out as the cube stores it, so writing a job
// is a handful of contiguous hyperslab writes.
#ifndef RUN_RESULT_H
#define RUN_RESULT_H

#include "asl/status.h"
#include "cube/schema.h"

#define RUN_ERROR_LEN CUBE_ERROR_LEN
enum {
  RUN_STAGE_INPUT = CUBE_STAGE_INPUT,
  RUN_STAGE_DENOISED = CUBE_STAGE_DENOISED,
  RUN_N_STAGES = CUBE_N_STAGES
};

typedef struct {
  int epochs;              // E: columns of train_loss/val_loss
  float *train_loss;       // (E) NaN where absent
  float *val_loss;         // (E)
  int n_subjects;          // S
  int n_metrics;           // M
  int n_images;            // I: final images per subject kept (0 for train jobs)
  float *metrics;          // (S, stage, M) per-subject means, NaN where absent
  float *per_image;        // (S, stage, M, I)
  unsigned char *tested;   // (S) 1 where this job wrote the subject's cells
  double chosen_param;     // the value a tuned (`auto`) parameter took; NaN for none
  char error[RUN_ERROR_LEN];
} run_result;

asl_status run_result_init(run_result *r, int epochs, int n_subjects, int n_metrics,
                           int n_images);
// Back to "nothing computed": NaN everywhere, no subject tested, no error.
void run_result_clear(run_result *r);
void run_result_free(run_result *r);

static inline float *run_result_cell(run_result *r, int subject, int stage) {
  return r->metrics + ((size_t)subject * RUN_N_STAGES + (size_t)stage) * (size_t)r->n_metrics;
}
static inline float *run_result_images(run_result *r, int subject, int stage, int metric) {
  return r->per_image +
         (((size_t)subject * RUN_N_STAGES + (size_t)stage) * (size_t)r->n_metrics +
          (size_t)metric) * (size_t)r->n_images;
}

#endif
