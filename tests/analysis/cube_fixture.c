// cf_cube_write: a cf_cube description as an HDF5 file in the layout of
// docs/cube.md (fixed-length NUL-terminated strings, dimension scales).
#include <hdf5.h>
#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cube_fixture.h"

float *cf_value(cf_experiment *e, size_t cell, int subject, int stage, int metric) {
  size_t i = ((cell * (size_t)e->n_subjects + (size_t)subject) * CF_STAGES + (size_t)stage) *
                 CF_METRICS + (size_t)metric;
  return &e->metrics[i];
}

static hid_t str_type(size_t w) {
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, w);
  H5Tset_strpad(t, H5T_STR_NULLTERM);
  return t;
}

static int attr_str(hid_t loc, const char *name, const char *value) {
  size_t w = strlen(value) + 1;
  hid_t t = str_type(w), sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
  int rc = (a < 0 || H5Awrite(a, t, value) < 0) ? -1 : 0;
  H5Aclose(a);
  H5Sclose(sp);
  H5Tclose(t);
  return rc;
}

static int attr_int(hid_t loc, const char *name, int value) {
  hid_t sp = H5Screate(H5S_SCALAR);
  hid_t a = H5Acreate2(loc, name, H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
  int rc = (a < 0 || H5Awrite(a, H5T_NATIVE_INT, &value) < 0) ? -1 : 0;
  H5Aclose(a);
  H5Sclose(sp);
  return rc;
}

// Writes a dataset of `rank` dims; returns its id (caller closes) or -1.
static hid_t dset(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank,
                  const hsize_t *dims, const void *data) {
  hid_t sp = H5Screate_simple(rank, dims, NULL);
  hid_t d = H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (d >= 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
    H5Dclose(d);
    d = -1;
  }
  H5Sclose(sp);
  return d;
}

static int strings(hid_t loc, const char *name, size_t n, size_t w, const char *data,
                   size_t stride) {
  char *buf = calloc(n ? n : 1, w);
  for (size_t i = 0; i < n; i++) strncpy(buf + i * w, data + i * stride, w - 1);
  hid_t t = str_type(w);
  hsize_t dims[1] = {n};
  hid_t d = dset(loc, name, t, t, 1, dims, buf);
  H5Tclose(t);
  free(buf);
  if (d < 0) return -1;
  H5Dclose(d);
  return 0;
}

static int nums(hid_t loc, const char *name, hid_t ft, hid_t mt, int rank, const hsize_t *dims,
                const void *data) {
  hid_t d = dset(loc, name, ft, mt, rank, dims, data);
  if (d < 0) return -1;
  H5Dclose(d);
  return 0;
}

static int write_subjects(hid_t f, const cf_cube *c) {
  hid_t g = H5Gcreate2(f, "subjects", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t n[1] = {(hsize_t)c->n_subjects};
  int rc = strings(g, "id", c->n_subjects, 32, c->id[0], sizeof c->id[0]);
  rc |= nums(g, "fold", H5T_STD_I32LE, H5T_NATIVE_INT, 1, n, c->fold);
  rc |= strings(g, "snr_group", c->n_subjects, 16, c->snr_group[0], sizeof c->snr_group[0]);
  rc |= nums(g, "ssim_single", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, n, c->ssim_single);
  rc |= nums(g, "nmae_single", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, n, c->nmae_single);
  H5Gclose(g);
  return rc;
}

static int write_jobs(hid_t f, const cf_cube *c) {
  size_t n = (size_t)c->n_jobs;
  int8_t *kind = malloc(n + 1), *status = malloc(n + 1);
  int32_t *train = malloc((n + 1) * 4), *rank = malloc((n + 1) * 4);
  double *secs = malloc((n + 1) * 8);
  uint64_t *seed = malloc((n + 1) * 8);
  float *tl = malloc((n + 1) * CF_EPOCHS * 4), *vl = malloc((n + 1) * CF_EPOCHS * 4);
  for (size_t j = 0; j < n; j++) {
    const cf_job *b = &c->jobs[j];
    kind[j] = (int8_t)b->kind;
    status[j] = (int8_t)b->status;
    train[j] = b->train_job;
    rank[j] = b->rank;
    secs[j] = b->seconds;
    seed[j] = b->seed;
    memcpy(tl + j * CF_EPOCHS, b->train_loss, sizeof b->train_loss);
    memcpy(vl + j * CF_EPOCHS, b->val_loss, sizeof b->val_loss);
  }
  hid_t g = H5Gcreate2(f, "jobs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t d1[1] = {n}, d2[2] = {n, CF_EPOCHS};
  int rc = strings(g, "key", n, 256, c->jobs[0].key, sizeof(cf_job));
  rc |= nums(g, "kind", H5T_STD_I8LE, H5T_NATIVE_INT8, 1, d1, kind);
  rc |= nums(g, "train_job", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, d1, train);
  rc |= nums(g, "status", H5T_STD_I8LE, H5T_NATIVE_INT8, 1, d1, status);
  rc |= nums(g, "seconds", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1, secs);
  rc |= nums(g, "rank", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, d1, rank);
  rc |= strings(g, "host", n, 64, c->jobs[0].host, sizeof(cf_job));
  rc |= nums(g, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, d1, seed);
  rc |= strings(g, "error", n, 512, c->jobs[0].error, sizeof(cf_job));
  rc |= nums(g, "train_loss", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, d2, tl);
  rc |= nums(g, "val_loss", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, d2, vl);
  hid_t st = H5Dopen2(g, "status", H5P_DEFAULT);
  rc |= attr_str(st, "labels", "pending,running,done,failed");
  H5Dclose(st);
  H5Gclose(g);
  free(kind), free(status), free(train), free(rank), free(secs), free(seed), free(tl), free(vl);
  return rc;
}

// One axis dataset, made a dimension scale; returns its id (caller closes).
static hid_t axis_scale(hid_t g, const cf_axis *a) {
  hsize_t n[1] = {(hsize_t)a->n};
  hid_t d;
  if (a->is_int) {
    d = dset(g, a->name, H5T_STD_I32LE, H5T_NATIVE_INT, 1, n, a->ivalues);
  } else {
    strings(g, a->name, a->n, 32, a->labels[0], sizeof a->labels[0]);
    d = H5Dopen2(g, a->name, H5P_DEFAULT);
  }
  H5DSset_scale(d, a->name);
  return d;
}

static int write_experiment(hid_t f, const cf_cube *c, const cf_experiment *e) {
  hid_t g = H5Gcreate2(f, e->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  cf_axis tail[3] = {{.name = "subject", .n = c->n_subjects},
                     {.name = "stage", .n = 2, .labels = {"input", "denoised"}},
                     {.name = "metric", .n = 3, .labels = {"ssim", "psnr", "nmae"}}};
  for (int s = 0; s < c->n_subjects; s++) snprintf(tail[0].labels[s], 32, "%s", c->id[s]);
  char axes[512] = "";
  hsize_t dims[CF_MAX_AXES + 3];
  hid_t scales[CF_MAX_AXES + 3];
  int rank = e->n_design + 3;
  for (int i = 0; i < rank; i++) {
    const cf_axis *a = i < e->n_design ? &e->axes[i] : &tail[i - e->n_design];
    snprintf(axes + strlen(axes), sizeof axes - strlen(axes), "%s%s", i ? "," : "", a->name);
    dims[i] = (hsize_t)a->n;
    scales[i] = axis_scale(g, a);
  }
  int rc = attr_str(g, "axes", axes) | attr_str(g, "description", e->description);
  hid_t m = dset(g, "metrics", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, rank, dims, e->metrics);
  hid_t j = dset(g, "job", H5T_STD_I32LE, H5T_NATIVE_INT32, e->n_design + 1, dims, e->job);
  if (m < 0 || j < 0) rc = -1;
  for (int i = 0; i < rank && rc == 0; i++) {
    rc |= H5DSattach_scale(m, scales[i], (unsigned)i) < 0;
    if (i <= e->n_design) rc |= H5DSattach_scale(j, scales[i], (unsigned)i) < 0;
  }
  for (int i = 0; i < rank; i++) H5Dclose(scales[i]);
  if (m >= 0) H5Dclose(m);
  if (j >= 0) H5Dclose(j);
  H5Gclose(g);
  return rc;
}

int cf_cube_write(const cf_cube *c, const char *path) {
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (f < 0) {
    fprintf(stderr, "cube_fixture: cannot create %s\n", path);
    return -1;
  }
  int rc = attr_int(f, "format_version", c->format_version);
  rc |= attr_str(f, "program", "aslsweep") | attr_str(f, "program_version", "0.1.0");
  rc |= attr_str(f, "created", "2026-11-25T14:03:07Z") | attr_str(f, "name", "fixture");
  rc |= attr_str(f, "spec", "name: fixture\n") | attr_str(f, "spec_hash", "0123456789abcdef");
  char names[256] = ""; // plan order, as the runner records it
  for (int i = 0; i < c->n_experiments; i++)
    snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? "," : "",
             c->exp[i].name);
  rc |= attr_str(f, "experiments", names) | attr_str(f, "executor", c->executor);
  rc |= write_subjects(f, c) | write_jobs(f, c);
  for (int i = 0; i < c->n_experiments; i++) rc |= write_experiment(f, c, &c->exp[i]);
  H5Fclose(f);
  if (rc) fprintf(stderr, "cube_fixture: writing %s failed\n", path);
  return rc ? -1 : 0;
}
