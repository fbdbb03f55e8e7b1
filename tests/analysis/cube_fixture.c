// cf_cube_write: a cf_cube description as an HDF5 file written through the
// cube library's layout writers, so it has the runner's schema exactly.
#include <math.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cube/checksum.h"
#include "cube/h5.h"
#include "cube/layout.h"
#include "cube_fixture.h"
#include "cube/jobs.h"

float *cf_value(cf_experiment *e, size_t cell, int subject, int stage, int metric) {
  size_t i = ((cell * (size_t)e->n_subjects + (size_t)subject) * CF_STAGES + (size_t)stage) *
                 CF_METRICS + (size_t)metric;
  return &e->metrics[i];
}

// n strings `stride` bytes apart as rows of w bytes.
static char *rows_of(size_t w, size_t n, const char *data, size_t stride) {
  char *buf = calloc(n ? n : 1, w);
  for (size_t i = 0; buf && i < n; i++) snprintf(buf + i * w, w, "%s", data + i * stride);
  return buf;
}

static int strings(hid_t loc, cube_ds d, size_t n, const char *data, size_t stride) {
  char *buf = rows_of(cube_datasets[d].str_len, n, data, stride);
  hsize_t dims[1] = {n};
  int rc = !buf || cube_ds_write(loc, d, 1, dims, buf, 1, NULL) != ASL_OK;
  free(buf);
  return rc ? -1 : 0;
}

static int nums(hid_t loc, cube_ds d, int rank, const hsize_t *dims, const void *data) {
  return cube_ds_write(loc, d, rank, dims, data, 1, NULL) != ASL_OK ? -1 : 0;
}

static int write_subjects(hid_t f, const cf_cube *c) {
  hid_t g = H5Gcreate2(f, CUBE_GROUP_SUBJECTS, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  size_t n = (size_t)c->n_subjects;
  hsize_t d1[1] = {n};
  int rc = strings(g, CUBE_DS_SUBJECT_ID, n, c->id[0], sizeof c->id[0]);
  rc |= nums(g, CUBE_DS_SUBJECT_FOLD, 1, d1, c->fold);
  rc |= strings(g, CUBE_DS_SUBJECT_SNR_GROUP, n, c->snr_group[0], sizeof c->snr_group[0]);
  rc |= nums(g, CUBE_DS_SUBJECT_SSIM_SINGLE, 1, d1, c->ssim_single);
  rc |= nums(g, CUBE_DS_SUBJECT_NMAE_SINGLE, 1, d1, c->nmae_single);
  char *rows = rows_of(CUBE_SUBJECT_LEN, n, c->id[0], sizeof c->id[0]);
  rc |= !rows || cube_subjects_scale(g, (int)n, rows, 1) != ASL_OK;
  free(rows);
  H5Gclose(g);
  return rc;
}

// The experiment each job's cells are in (-1 for train jobs), as the
// runner's plan records it.
static void job_experiments(const cf_cube *c, int32_t *exper) {
  for (int j = 0; j < c->n_jobs; j++) exper[j] = -1;
  for (int e = 0; e < c->n_experiments; e++) {
    const cf_experiment *x = &c->exp[e];
    for (size_t i = 0; i < x->n_cells * (size_t)x->n_subjects; i++)
      if (x->job[i] >= 0 && x->job[i] < c->n_jobs) exper[x->job[i]] = e;
  }
}

static int write_jobs(hid_t f, const cf_cube *c) {
  size_t n = (size_t)c->n_jobs;
  int8_t *kind = malloc(n + 1), *status = malloc(n + 1);
  int32_t *train = malloc((n + 1) * 4), *rank = malloc((n + 1) * 4), *exper = malloc((n + 1) * 4);
  double *secs = malloc((n + 1) * 8), *chosen = malloc((n + 1) * 8);
  uint64_t *seed = malloc((n + 1) * 8);
  float *tl = malloc((n + 1) * CF_EPOCHS * 4), *vl = malloc((n + 1) * CF_EPOCHS * 4);
  int32_t *lrow = malloc((n + 1) * 4);
  int64_t *at = malloc((n + 1) * 8);
  size_t heap_n = n * CUBE_HEAP_PER_JOB + (size_t)CUBE_HEAP_BASE, used = 0;
  char *heap = calloc(heap_n, 1);
  for (size_t j = 0; j < n; j++) kind[j] = (int8_t)c->jobs[j].kind;
  int n_rows = cube_loss_rows((int)n, (const signed char *)kind, lrow);
  for (size_t j = 0; j < n; j++) {
    const cf_job *b = &c->jobs[j];
    kind[j] = (int8_t)b->kind;
    status[j] = (int8_t)b->status;
    train[j] = b->train_job;
    rank[j] = b->rank;
    secs[j] = b->seconds;
    chosen[j] = b->tuned ? b->chosen_param : NAN;
    seed[j] = b->seed;
    // Version 2: loss rows of train jobs only, error texts in the heap.
    if (lrow[j] >= 0) {
      memcpy(tl + (size_t)lrow[j] * CF_EPOCHS, b->train_loss, sizeof b->train_loss);
      memcpy(vl + (size_t)lrow[j] * CF_EPOCHS, b->val_loss, sizeof b->val_loss);
    }
    at[j] = -1;
    size_t len = strnlen(b->error, sizeof b->error - 1);
    if (len && used + len + 1 <= heap_n) {
      memcpy(heap + used, b->error, len);
      at[j] = (int64_t)used;
      used += len + 1;
    }
  }
  job_experiments(c, exper);
  hid_t g = H5Gcreate2(f, CUBE_GROUP_JOBS, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t d1[1] = {n}, d2[2] = {(hsize_t)n_rows, CF_EPOCHS}, dh[1] = {heap_n};
  int rc = strings(g, CUBE_DS_JOB_KEY, n, c->jobs[0].key, sizeof(cf_job));
  rc |= nums(g, CUBE_DS_JOB_KIND, 1, d1, kind);
  rc |= nums(g, CUBE_DS_JOB_TRAIN_JOB, 1, d1, train);
  rc |= nums(g, CUBE_DS_JOB_EXPERIMENT, 1, d1, exper);
  rc |= nums(g, CUBE_DS_JOB_SEED, 1, d1, seed);
  hid_t st = H5I_INVALID_HID;
  rc |= cube_ds_write(g, CUBE_DS_JOB_STATUS, 1, d1, status, 1, &st) != ASL_OK;
  rc |= cube_attr_str(st, cube_attr_name(CUBE_ATTR_STATUS_LABELS), cube_job_status_labels()) !=
        ASL_OK;
  cube_h5_close(&st);
  rc |= nums(g, CUBE_DS_JOB_SECONDS, 1, d1, secs);
  rc |= nums(g, CUBE_DS_JOB_RANK, 1, d1, rank);
  rc |= strings(g, CUBE_DS_JOB_HOST, n, c->jobs[0].host, sizeof(cf_job));
  rc |= nums(g, CUBE_DS_JOB_ERROR_AT, 1, d1, at);
  rc |= nums(g, CUBE_DS_JOB_ERROR_TEXT, 1, dh, heap);
  rc |= nums(g, CUBE_DS_JOB_LOSS_ROW, 1, d1, lrow);
  rc |= nums(g, CUBE_DS_JOB_TRAIN_LOSS, 2, d2, tl);
  rc |= nums(g, CUBE_DS_JOB_VAL_LOSS, 2, d2, vl);
  rc |= strings(g, CUBE_DS_JOB_CONTENT_KEY, n, c->jobs[0].content_key, sizeof(cf_job));
  rc |= nums(g, CUBE_DS_JOB_CHOSEN_PARAM, 1, d1, chosen);
  rc |= cube_jobs_scales(g, (int)n, CF_EPOCHS, 1) != ASL_OK;
  H5Gclose(g);
  free(kind), free(status), free(train), free(rank), free(exper), free(secs), free(chosen),
      free(seed);
  free(tl), free(vl), free(lrow), free(at), free(heap);
  return rc;
}

// One axis dataset, made a dimension scale; returns its id (caller closes).
// The subject axis is as wide as /subjects/id, as the runner writes it.
static hid_t axis_scale(hid_t g, const cf_axis *a) {
  hid_t d = H5I_INVALID_HID;
  size_t len = strcmp(a->name, CUBE_AXIS_SUBJECT) == 0 ? CUBE_SUBJECT_LEN : CUBE_LABEL_LEN;
  char *rows = a->is_int ? NULL : rows_of(len, (size_t)a->n, a->labels[0], sizeof a->labels[0]);
  if (cube_axis_create(g, a->name, a->n, rows, len, a->is_int ? a->ivalues : NULL, 1, &d) !=
      ASL_OK)
    cube_h5_close(&d);
  free(rows);
  return d;
}

static int write_experiment(hid_t f, const cf_cube *c, const cf_experiment *e) {
  hid_t g = H5Gcreate2(f, e->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  // The runner's trailing axes; one final image per subject.
  cf_axis tail[4] = {{.name = CUBE_AXIS_SUBJECT, .n = c->n_subjects},
                     {.name = CUBE_AXIS_STAGE, .n = 2, .labels = {"input", "denoised"}},
                     {.name = CUBE_AXIS_METRIC, .n = 3, .labels = {"ssim", "psnr", "nmae"}},
                     {.name = CUBE_AXIS_IMAGE, .is_int = 1, .n = 1, .ivalues = {0}}};
  for (int s = 0; s < c->n_subjects; s++)
    snprintf(tail[0].labels[s], sizeof tail[0].labels[s], "%s", c->id[s]);
  const char *own[CF_MAX_AXES];
  hsize_t dims[CF_MAX_AXES + 4];
  hid_t scales[CF_MAX_AXES + 4];
  int rank = e->n_design + 4, rc = 0;
  for (int i = 0; i < rank; i++) {
    const cf_axis *a = i < e->n_design ? &e->axes[i] : &tail[i - e->n_design];
    if (i < e->n_design) own[i] = a->name;
    dims[i] = (hsize_t)a->n;
    scales[i] = axis_scale(g, a);
    rc |= scales[i] < 0;
  }
  rc |= cube_exp_attributes(g, e->n_design, own, e->description) != ASL_OK;
  hid_t m = H5I_INVALID_HID, pi = H5I_INVALID_HID, j = H5I_INVALID_HID;
  rc |= cube_ds_write(g, CUBE_DS_EXP_METRICS, rank - 1, dims, e->metrics, 1, &m) != ASL_OK;
  rc |= cube_ds_write(g, CUBE_DS_EXP_PER_IMAGE, rank, dims, NULL, 1, &pi) != ASL_OK;
  rc |= cube_ds_write(g, CUBE_DS_EXP_JOB, e->n_design + 1, dims, e->job, 1, &j) != ASL_OK;
  const char *const metric_names[3] = {"ssim", "psnr", "nmae"};
  if (rc == 0)
    rc |= cube_metric_attributes(m, scales[e->n_design + 2], 3, metric_names,
                                 CUBE_METRICS_LONG_NAME) ||
          cube_metric_attributes(pi, -1, 3, metric_names, CUBE_PER_IMAGE_LONG_NAME) ||
          cube_axes_attach(m, scales, rank - 1) || cube_axes_attach(pi, scales, rank) ||
          cube_axes_attach(j, scales, e->n_design + 1);
  for (int i = 0; i < rank; i++) cube_h5_close(&scales[i]);
  cube_h5_close(&m), cube_h5_close(&pi), cube_h5_close(&j);
  H5Gclose(g);
  return rc;
}

// A foreign format version, for the tests of the readers' refusal.
static int set_version(hid_t f, int version) {
  hid_t a = H5Aopen(f, cube_attr_name(CUBE_ATTR_FORMAT_VERSION), H5P_DEFAULT);
  int rc = a < 0 || H5Awrite(a, H5T_NATIVE_INT, &version) < 0;
  if (a >= 0) H5Aclose(a);
  return rc;
}

// /jobs/checksum as the runner would have written it: every committed
// row's checksum recomputed from the data just written (cube/checksum.h).
static int write_checksums(hid_t f, const char *path, int n_jobs) {
  hid_t g = H5Gopen2(f, CUBE_GROUP_JOBS, H5P_DEFAULT), ds = H5I_INVALID_HID;
  hsize_t d1[1] = {(hsize_t)n_jobs};
  cube_verify_result v;
  int rc = g < 0 || cube_ds_write(g, CUBE_DS_JOB_CHECKSUM, 1, d1, NULL, 1, &ds) != ASL_OK ||
           cube_jobs_link(g, ds, 1, 1) != ASL_OK;
  if (!rc) rc = cube_verify_file(f, path, &v) != ASL_OK;
  if (!rc) {
    rc = H5Dwrite(ds, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.computed) < 0;
    cube_verify_free(&v);
  }
  if (ds >= 0) H5Dclose(ds);
  if (g >= 0) H5Gclose(g);
  return rc;
}

int cf_cube_write(const cf_cube *c, const char *path) {
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) {
    fprintf(stderr, "cube_fixture: cannot create %s\n", path);
    return -1;
  }
  char names[256] = ""; // plan order, as the runner records it
  for (int i = 0; i < c->n_experiments; i++)
    snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? "," : "",
             c->exp[i].name);
  const char *text[CUBE_ATTR_COUNT] = {
      [CUBE_ATTR_PROGRAM] = "aslsweep",
      [CUBE_ATTR_PROGRAM_VERSION] = "0.1.0",
      [CUBE_ATTR_CREATED] = "2026-11-25T14:03:07Z",
      [CUBE_ATTR_NAME] = "fixture",
      [CUBE_ATTR_SPEC] = "name: fixture\n",
      [CUBE_ATTR_SPEC_HASH] = "0123456789abcdef",
      [CUBE_ATTR_EXPERIMENTS] = names,
      [CUBE_ATTR_EXECUTOR] = c->executor,
  };
  int rc = cube_write_root(f, text) != ASL_OK;
  rc |= write_subjects(f, c) | write_jobs(f, c);
  for (int i = 0; i < c->n_experiments; i++) rc |= write_experiment(f, c, &c->exp[i]);
  if (!rc) rc |= write_checksums(f, path, c->n_jobs);
  // Last: the checksums are computed by the verifier, which reads this version only.
  if (c->format_version != CUBE_FORMAT_VERSION) rc |= set_version(f, c->format_version);
  H5Fclose(f);
  if (rc) fprintf(stderr, "cube_fixture: writing %s failed: %s\n", path, asl_error_message());
  return rc ? -1 : 0;
}
