#include "run/result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "run/subjects.h"

asl_status run_result_init(run_result *r, int epochs, int n_subjects, int n_metrics,
                           int n_images) {
  memset(r, 0, sizeof *r);
  r->epochs = epochs;
  r->n_subjects = n_subjects;
  r->n_metrics = n_metrics;
  r->n_images = n_images;
  size_t cells = (size_t)n_subjects * RUN_N_STAGES * (size_t)n_metrics;
  r->train_loss = malloc(sizeof(float) * (size_t)(epochs > 0 ? epochs : 1));
  r->val_loss = malloc(sizeof(float) * (size_t)(epochs > 0 ? epochs : 1));
  r->metrics = malloc(sizeof(float) * (cells ? cells : 1));
  r->per_image = malloc(sizeof(float) * (cells * (size_t)n_images + 1));
  r->tested = malloc((size_t)n_subjects + 1);
  if (!r->train_loss || !r->val_loss || !r->metrics || !r->per_image || !r->tested) {
    run_result_free(r);
    return asl_fail(ASL_ENOMEM, "run_result_init: %d subjects x %d metrics x %d images",
                    n_subjects, n_metrics, n_images);
  }
  run_result_clear(r);
  return ASL_OK;
}

void run_result_clear(run_result *r) {
  size_t cells = (size_t)r->n_subjects * RUN_N_STAGES * (size_t)r->n_metrics;
  for (int e = 0; e < r->epochs; e++) r->train_loss[e] = r->val_loss[e] = NAN;
  for (size_t i = 0; i < cells; i++) r->metrics[i] = NAN;
  for (size_t i = 0; i < cells * (size_t)r->n_images; i++) r->per_image[i] = NAN;
  memset(r->tested, 0, (size_t)r->n_subjects);
  r->error[0] = '\0';
  r->chosen_param = NAN;
}

void run_result_free(run_result *r) {
  free(r->train_loss);
  free(r->val_loss);
  free(r->metrics);
  free(r->per_image);
  free(r->tested);
  memset(r, 0, sizeof *r);
}

asl_status run_subjects_init(run_subjects *t, int n) {
  t->n = n;
  t->s = calloc((size_t)(n > 0 ? n : 1), sizeof *t->s);
  if (!t->s) return asl_fail(ASL_ENOMEM, "run_subjects_init: %d subjects", n);
  return ASL_OK;
}

void run_subjects_free(run_subjects *t) {
  free(t->s);
  t->s = NULL;
  t->n = 0;
}
