// The verifier's input: every /jobs row read in blocks of CUBE_ROWS_BLOCK
// (cube/jobs.h, any format version), keeping per job only what judging
// needs and the checksum of its row so far.
#include <stdlib.h>
#include <string.h>

#include "cube/h5.h"
#include "verify_internal.h"

static void row_sum(const cube_rows *R, int i, cube_sum *s) {
  size_t E = (size_t)R->epochs;
  cube_row row = {.key = R->key + (size_t)i * CUBE_KEY_LEN,
                  .kind = R->kind[i],
                  .train_job = R->train_job[i],
                  .experiment = R->experiment[i],
                  .seed = R->seed[i],
                  .status = R->status[i],
                  .error = R->error + (size_t)i * CUBE_ERROR_LEN,
                  .epochs = R->epochs,
                  .train_loss = R->train_loss + (size_t)i * E,
                  .val_loss = R->val_loss + (size_t)i * E};
  cube_sum_row(s, &row);
}

static asl_status take_block(cv_jobs *J, const cube_rows *R, cube_verify_result *r) {
  asl_status st = ASL_OK;
  for (int i = 0; i < R->n && !st; i++) {
    int j = R->j0 + i, s = R->status[i];
    J->kind[j] = R->kind[i];
    J->status[j] = R->status[i];
    J->experiment[j] = R->experiment[i];
    J->checksum[j] = R->checksum[i];
    if (s == CUBE_JOB_DONE || s == CUBE_JOB_FAILED) row_sum(R, i, &J->sum[j]);
    if (s >= 0 && s < CUBE_JOB_N_STATUSES) continue;
    char name[CUBE_KEY_LEN + 160];
    cv_job_name(J, j, name, sizeof name);
    st = cv_add_bad(r, j, "%s: status value %d is not one of %s", name, s,
                    cube_job_status_labels());
  }
  return st;
}

asl_status cv_read_jobs(const cube_verify_handles *h, const char *path, cv_jobs *J,
                        cube_verify_result *r) {
  memset(J, 0, sizeof *J);
  J->n_exp = h->n_exp;
  J->exp_name = h->exp_name;
  J->src = &h->jobs;
  J->path = path;
  J->n = h->jobs.n_jobs;
  size_t n = (size_t)J->n;
  J->kind = malloc(n + 1);
  J->status = malloc(n + 1);
  J->experiment = malloc(sizeof(int32_t) * (n + 1));
  J->checksum = calloc(n + 1, sizeof(uint64_t));
  J->sum = calloc(n + 1, sizeof(cube_sum));
  if (!J->kind || !J->status || !J->experiment || !J->checksum || !J->sum) {
    cv_free_jobs(J);
    return asl_fail(ASL_ENOMEM, "%s: verifying %d jobs", path, J->n);
  }
  cube_rows R;
  int cap = J->n < CUBE_ROWS_BLOCK ? J->n : CUBE_ROWS_BLOCK;
  asl_status st = cube_rows_init(&R, cap, h->jobs.epochs);
  unsigned want = CUBE_ROW_KEY | CUBE_ROW_ERROR | CUBE_ROW_NUMBERS | CUBE_ROW_LOSS;
  for (int j0 = 0; j0 < J->n && !st; j0 += R.cap) {
    int k = J->n - j0 < R.cap ? J->n - j0 : R.cap;
    if (!(st = cube_rows_read(&h->jobs, j0, k, want, &R, path))) st = take_block(J, &R, r);
  }
  cube_rows_free(&R);
  if (st) cv_free_jobs(J);
  return st;
}

void cv_free_jobs(cv_jobs *J) {
  free(J->kind);
  free(J->status);
  free(J->experiment);
  free(J->checksum);
  free(J->sum);
  memset(J, 0, sizeof *J);
}

// "job KEY (experiment E)" or "job KEY (train)" for messages; the key is
// read again here (messages are few).
void cv_job_name(const cv_jobs *J, int j, char *out, size_t n) {
  char key[CUBE_KEY_LEN] = "?";
  hid_t t = cube_str_type(CUBE_KEY_LEN);
  hsize_t start[1] = {(hsize_t)j}, one[1] = {1};
  if (t < 0 || cube_read_block(J->src->key, t, 1, start, one, key) != ASL_OK)
    snprintf(key, sizeof key, "#%d (key unreadable)", j);
  if (t >= 0) H5Tclose(t);
  key[CUBE_KEY_LEN - 1] = '\0';
  int e = J->experiment[j];
  if (e >= 0 && e < J->n_exp)
    snprintf(out, n, "job %s (experiment %s)", key, J->exp_name[e]);
  else if (J->kind[j] == 0)
    snprintf(out, n, "job %s (train)", key);
  else
    snprintf(out, n, "job %s (experiment index %d)", key, e);
}
