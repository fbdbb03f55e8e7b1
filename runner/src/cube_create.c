// Creating the results cube collectively (layout: docs/cube.md). Every rank
// makes the same metadata calls in the same order; only rank 0 writes the
// static values (independent raw writes of identical bytes would be waste).
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hdf5_hl.h>

#include "asl/rng.h"
#include "check.h"
#include "cube_internal.h"
#include "run/cube.h"

void run_spec_hash(const sweep_plan *p, char out[17]) {
  snprintf(out, 17, "%016llx", (unsigned long long)asl_hash64(p->text ? p->text : ""));
}

static int job_images(const sweep_job *j, const run_subjects *s) {
  if (strcmp(j->cond.test_input, "pre") != 0 && j->cond.test_input[0]) return 1;
  int nav = j->cond.nav > 0 ? j->cond.nav : 1, post = j->cond.nav_post > 0 ? j->cond.nav_post : 1;
  int best = 1;
  for (int i = 0; i < s->n; i++) {
    int k = (s->s[i].nt / nav) / post;
    if (k > best) best = k;
  }
  return best;
}

int run_cube_images(const sweep_plan *p, int e, const run_subjects *s) {
  int best = 1;
  for (int j = 0; j < p->n_jobs; j++) {
    if (p->jobs[j].kind != SWEEP_JOB_INFER || p->jobs[j].experiment != e) continue;
    int k = job_images(&p->jobs[j], s);
    if (k > best) best = k;
  }
  return best;
}

// Rank 0 writes whole static datasets; the others only take part in the
// collective metadata calls around it.
static asl_status write_static(hid_t ds, hid_t memtype, const void *buf, int rank0) {
  asl_status st = ASL_OK;
  if (rank0) HCHECK(H5Dwrite(ds, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), "static values");
fail:
  return st;
}

static asl_status string_dataset(hid_t loc, const char *name, size_t len, int n,
                                 const char *(*get)(const void *, int), const void *ctx,
                                 int rank0, hid_t *keep) {
  asl_status st = ASL_OK;
  hid_t type = H5I_INVALID_HID, ds = H5I_INVALID_HID;
  char *buf = calloc((size_t)n * len + 1, 1);
  if (!buf) return asl_fail(ASL_ENOMEM, "cube dataset %s", name);
  for (int i = 0; i < n; i++) snprintf(buf + (size_t)i * len, len, "%s", get(ctx, i));
  HCHECK(type = cube_str_type(len), "string type of %s", name);
  hsize_t dims[1] = {(hsize_t)n};
  if ((st = cube_dataset(&ds, loc, name, type, 1, dims, NULL))) goto fail;
  if ((st = write_static(ds, type, buf, rank0))) goto fail;
  if (keep) {
    *keep = ds;
    ds = H5I_INVALID_HID;
  }
fail:
  run_h5_close(&ds);
  run_h5_close(&type);
  free(buf);
  return st;
}

static asl_status typed_dataset(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int n,
                                const void *buf, const void *fill, int rank0, hid_t *keep) {
  asl_status st = ASL_OK;
  hid_t ds = H5I_INVALID_HID;
  hsize_t dims[1] = {(hsize_t)n};
  if ((st = cube_dataset(&ds, loc, name, ftype, 1, dims, fill))) goto fail;
  if (buf && (st = write_static(ds, mtype, buf, rank0))) goto fail;
  if (keep) {
    *keep = ds;
    ds = H5I_INVALID_HID;
  }
fail:
  run_h5_close(&ds);
  return st;
}

static const char *subject_id(const void *c, int i) { return ((const run_subjects *)c)->s[i].id; }
static const char *subject_group(const void *c, int i) {
  return ((const run_subjects *)c)->s[i].snr_group;
}
static const char *job_key(const void *c, int i) { return ((const sweep_plan *)c)->jobs[i].key; }
static const char *empty(const void *c, int i) { return ""; }
static const char *label(const void *c, int i) { return ((char *const *)c)[i]; }

static asl_status create_subjects(hid_t file, const run_subjects *s, int rank0) {
  asl_status st = ASL_OK;
  hid_t g = H5I_INVALID_HID;
  int *fold = malloc(sizeof(int) * (size_t)s->n);
  float *ssim = malloc(sizeof(float) * (size_t)s->n), *nmae = malloc(sizeof(float) * (size_t)s->n);
  if (!fold || !ssim || !nmae) {
    st = asl_fail(ASL_ENOMEM, "cube /subjects");
    goto fail;
  }
  for (int i = 0; i < s->n; i++) {
    fold[i] = s->s[i].fold;
    ssim[i] = s->s[i].ssim_single;
    nmae[i] = s->s[i].nmae_single;
  }
  HCHECK(g = H5Gcreate2(file, "subjects", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
          "create group /subjects");
  if ((st = string_dataset(g, "id", RUN_ID_LEN, s->n, subject_id, s, rank0, NULL)) ||
      (st = typed_dataset(g, "fold", H5T_STD_I32LE, H5T_NATIVE_INT, s->n, fold, NULL, rank0,
                          NULL)) ||
      (st = string_dataset(g, "snr_group", RUN_GROUP_LEN, s->n, subject_group, s, rank0, NULL)) ||
      (st = typed_dataset(g, "ssim_single", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, s->n, ssim, NULL,
                          rank0, NULL)) ||
      (st = typed_dataset(g, "nmae_single", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, s->n, nmae, NULL,
                          rank0, NULL)))
    goto fail;
fail:
  run_h5_close(&g);
  free(fold);
  free(ssim);
  free(nmae);
  return st;
}

static asl_status create_job_statics(hid_t g, const sweep_plan *p, int rank0) {
  asl_status st = ASL_OK;
  int n = p->n_jobs;
  signed char *kind = malloc((size_t)n);
  int *train = malloc(sizeof(int) * (size_t)n), *exper = malloc(sizeof(int) * (size_t)n);
  uint64_t *seed = malloc(sizeof(uint64_t) * (size_t)n);
  if (!kind || !train || !exper || !seed) {
    st = asl_fail(ASL_ENOMEM, "cube /jobs");
    goto fail;
  }
  for (int j = 0; j < n; j++) {
    kind[j] = (signed char)p->jobs[j].kind;
    train[j] = p->jobs[j].train_job;
    exper[j] = p->jobs[j].experiment;
    seed[j] = p->jobs[j].seed;
  }
  if ((st = string_dataset(g, "key", RUN_KEY_LEN, n, job_key, p, rank0, NULL)) ||
      (st = typed_dataset(g, "kind", H5T_STD_I8LE, H5T_NATIVE_SCHAR, n, kind, NULL, rank0,
                          NULL)) ||
      (st = typed_dataset(g, "train_job", H5T_STD_I32LE, H5T_NATIVE_INT, n, train, NULL, rank0,
                          NULL)) ||
      (st = typed_dataset(g, "experiment", H5T_STD_I32LE, H5T_NATIVE_INT, n, exper, NULL, rank0,
                          NULL)) ||
      (st = typed_dataset(g, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, n, seed, NULL, rank0,
                          NULL)))
    goto fail;
fail:
  free(kind);
  free(train);
  free(exper);
  free(seed);
  return st;
}

static asl_status create_jobs(run_cube *c, const sweep_plan *p, int rank0) {
  asl_status st = ASL_OK;
  hid_t g = H5I_INVALID_HID;
  int n = p->n_jobs;
  signed char pending = RUN_JOB_PENDING;
  double nan_d = NAN;
  float nan_f = NAN;
  int minus1 = -1;
  HCHECK(g = H5Gcreate2(c->file, "jobs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
          "create group /jobs");
  if ((st = create_job_statics(g, p, rank0))) goto fail;
  if ((st = typed_dataset(g, "status", H5T_STD_I8LE, H5T_NATIVE_SCHAR, n, NULL, &pending, rank0,
                          &c->status)) ||
      (st = cube_attr_str(c->status, "labels", "pending,running,done,failed")) ||
      (st = typed_dataset(g, "seconds", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, NULL, &nan_d,
                          rank0, &c->seconds)) ||
      (st = typed_dataset(g, "rank", H5T_STD_I32LE, H5T_NATIVE_INT, n, NULL, &minus1, rank0,
                          &c->rank)) ||
      (st = string_dataset(g, "host", RUN_HOST_LEN, n, empty, NULL, rank0, &c->host)) ||
      (st = string_dataset(g, "error", RUN_ERROR_LEN, n, empty, NULL, rank0, &c->error)))
    goto fail;
  hsize_t dims[2] = {(hsize_t)n, (hsize_t)c->epochs};
  if ((st = cube_dataset(&c->train_loss, g, "train_loss", H5T_IEEE_F32LE, 2, dims, &nan_f)) ||
      (st = cube_dataset(&c->val_loss, g, "val_loss", H5T_IEEE_F32LE, 2, dims, &nan_f)))
    goto fail;
fail:
  run_h5_close(&g);
  return st;
}

// One axis dataset (labels) made a dimension scale named after the axis.
static asl_status create_axis(hid_t g, const char *name, int n, char *const *labels,
                              const int *ints, int rank0, hid_t *out) {
  asl_status st = ASL_OK;
  int *num = NULL;
  if (!ints && cube_labels_numeric(n, labels)) {
    num = malloc(sizeof(int) * (size_t)n);
    if (!num) return asl_fail(ASL_ENOMEM, "axis %s", name);
    for (int i = 0; i < n; i++) num[i] = atoi(labels[i]);
    ints = num;
  }
  if (ints)
    st = typed_dataset(g, name, H5T_STD_I32LE, H5T_NATIVE_INT, n, ints, NULL, rank0, out);
  else
    st = string_dataset(g, name, RUN_LABEL_LEN, n, label, labels, rank0, out);
  if (st) goto fail;
  HCHECK(H5DSset_scale(*out, name), "make %s a dimension scale", name);
fail:
  free(num);
  return st;
}

typedef struct {
  char **subject_ids;
  char *stages[RUN_N_STAGES];
  int *images;
} axis_labels;

static asl_status attach_all(hid_t ds, const hid_t *axis, int rank, const char *what) {
  asl_status st = ASL_OK;
  char name[128];
  for (int d = 0; d < rank; d++) {
    HCHECK(H5DSattach_scale(ds, axis[d], (unsigned)d), "attach axis %d to %s", d, what);
    // The dimension's label repeats the axis name for readers that show
    // labels rather than scale names.
    HCHECK(H5Iget_name(axis[d], name, sizeof name), "name of axis %d", d);
    const char *base = strrchr(name, '/');
    HCHECK(H5DSset_label(ds, (unsigned)d, base ? base + 1 : name), "label axis %d of %s", d, what);
  }
fail:
  return st;
}

static asl_status create_axes(hid_t g, const sweep_experiment *x, const sweep_plan *p,
                              const axis_labels *L, int S, int I, int rank0, hid_t *axis) {
  asl_status st = ASL_OK;
  int k = x->n_axes;
  for (int a = 0; a < k; a++)
    if ((st = create_axis(g, x->axes[a].name, x->axes[a].n, x->axes[a].labels, NULL, rank0,
                          &axis[a])))
      return st;
  if ((st = create_axis(g, "subject", S, L->subject_ids, NULL, rank0, &axis[k])) ||
      (st = create_axis(g, "stage", RUN_N_STAGES, L->stages, NULL, rank0, &axis[k + 1])) ||
      (st = create_axis(g, "metric", p->n_metrics, p->metrics, NULL, rank0, &axis[k + 2])) ||
      (st = create_axis(g, "image", I, NULL, L->images, rank0, &axis[k + 3])))
    return st;
  return st;
}

static asl_status axes_attribute(hid_t g, const sweep_experiment *x) {
  size_t len = 64;
  for (int a = 0; a < x->n_axes; a++) len += strlen(x->axes[a].name) + 1;
  char *s = calloc(len, 1);
  if (!s) return asl_fail(ASL_ENOMEM, "axes attribute");
  for (int a = 0; a < x->n_axes; a++) {
    strcat(s, x->axes[a].name);
    strcat(s, ",");
  }
  strcat(s, "subject,stage,metric");
  asl_status st = cube_attr_str(g, "axes", s);
  free(s);
  return st;
}

static asl_status create_experiment(run_cube *c, int e, const sweep_plan *p,
                                    const axis_labels *L, int rank0) {
  asl_status st = ASL_OK;
  const sweep_experiment *x = &p->experiments[e];
  run_cube_exp *ce = &c->exp[e];
  int k = x->n_axes, S = c->n_subjects, I = ce->n_images;
  hid_t axis[RUN_CUBE_MAX_RANK];
  for (int i = 0; i < RUN_CUBE_MAX_RANK; i++) axis[i] = H5I_INVALID_HID;
  if (k + 4 > RUN_CUBE_MAX_RANK) return asl_fail(ASL_EINVAL, "experiment %s: too many axes", x->name);
  HCHECK(ce->group = H5Gcreate2(c->file, x->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
          "create group /%s", x->name);
  if ((st = axes_attribute(ce->group, x)) ||
      (st = cube_attr_str(ce->group, "description", x->description ? x->description : x->name)) ||
      (st = create_axes(ce->group, x, p, L, S, I, rank0, axis)))
    goto fail;
  hsize_t dims[RUN_CUBE_MAX_RANK];
  for (int a = 0; a < k; a++) dims[a] = (hsize_t)x->axes[a].n;
  dims[k] = (hsize_t)S;
  dims[k + 1] = RUN_N_STAGES;
  dims[k + 2] = (hsize_t)p->n_metrics;
  dims[k + 3] = (hsize_t)I;
  float nan_f = NAN;
  int minus1 = -1;
  if ((st = cube_dataset(&ce->metrics, ce->group, "metrics", H5T_IEEE_F32LE, k + 3, dims,
                         &nan_f)) ||
      (st = cube_dataset(&ce->per_image, ce->group, "metrics_per_image", H5T_IEEE_F32LE, k + 4,
                         dims, &nan_f)) ||
      (st = cube_dataset(&ce->job, ce->group, "job", H5T_STD_I32LE, k + 1, dims, &minus1)) ||
      (st = attach_all(ce->metrics, axis, k + 3, "metrics")) ||
      (st = attach_all(ce->per_image, axis, k + 4, "metrics_per_image")) ||
      (st = attach_all(ce->job, axis, k + 1, "job")))
    goto fail;
fail:
  for (int i = 0; i < RUN_CUBE_MAX_RANK; i++) run_h5_close(&axis[i]);
  return st;
}

static asl_status root_attributes(hid_t file, const sweep_plan *p, const char *executor) {
  char hash[17], created[32];
  time_t now = time(NULL);
  struct tm tmv;
  gmtime_r(&now, &tmv);
  strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tmv);
  run_spec_hash(p, hash);
  size_t len = 0;
  for (int e = 0; e < p->n_experiments; e++) len += strlen(p->experiments[e].name) + 1;
  char *names = calloc(len + 1, 1);
  if (!names) return asl_fail(ASL_ENOMEM, "experiments attribute");
  for (int e = 0; e < p->n_experiments; e++) {
    if (e) strcat(names, ",");
    strcat(names, p->experiments[e].name);
  }
  asl_status st;
  if ((st = cube_attr_int(file, "format_version", RUN_CUBE_FORMAT_VERSION)) ||
      (st = cube_attr_str(file, "program", "aslsweep")) ||
      (st = cube_attr_str(file, "program_version", ASLSWEEP_VERSION)) ||
      (st = cube_attr_str(file, "created", created)) ||
      (st = cube_attr_str(file, "name", p->name ? p->name : "")) ||
      (st = cube_attr_str(file, "spec", p->text ? p->text : "")) ||
      (st = cube_attr_str(file, "spec_hash", hash)) ||
      (st = cube_attr_str(file, "experiments", names)) ||
      (st = cube_attr_str(file, "executor", executor))) {
    // st holds the failure; fall through to free.
  }
  free(names);
  return st;
}

void run_cube_reset(run_cube *c) {
  memset(c, 0, sizeof *c);
  c->file = c->status = c->seconds = c->rank = c->host = c->error = H5I_INVALID_HID;
  c->train_loss = c->val_loss = H5I_INVALID_HID;
}

asl_status run_cube_shape(run_cube *c, const sweep_plan *p, const run_subjects *s) {
  c->n_jobs = p->n_jobs;
  c->epochs = p->train.epochs > 0 ? p->train.epochs : 1;
  c->n_subjects = s->n;
  c->n_metrics = p->n_metrics;
  c->n_exp = p->n_experiments;
  c->exp = calloc((size_t)(c->n_exp > 0 ? c->n_exp : 1), sizeof *c->exp);
  if (!c->exp) return asl_fail(ASL_ENOMEM, "cube experiments");
  for (int e = 0; e < c->n_exp; e++) {
    run_cube_exp *ce = &c->exp[e];
    ce->group = ce->metrics = ce->per_image = ce->job = H5I_INVALID_HID;
    ce->n_images = run_cube_images(p, e, s);
  }
  return ASL_OK;
}

static asl_status create_body(run_cube *c, const sweep_plan *p, const run_subjects *s,
                              const char *executor, int rank0) {
  asl_status st;
  axis_labels L = {.stages = {"input", "denoised"}};
  int I = 1;
  for (int e = 0; e < c->n_exp; e++)
    if (c->exp[e].n_images > I) I = c->exp[e].n_images;
  L.subject_ids = malloc(sizeof(char *) * (size_t)s->n);
  L.images = malloc(sizeof(int) * (size_t)I);
  if (!L.subject_ids || !L.images) {
    st = asl_fail(ASL_ENOMEM, "cube axes");
    goto fail;
  }
  for (int i = 0; i < s->n; i++) L.subject_ids[i] = (char *)s->s[i].id;
  for (int i = 0; i < I; i++) L.images[i] = i;
  if ((st = root_attributes(c->file, p, executor)) || (st = create_subjects(c->file, s, rank0)) ||
      (st = create_jobs(c, p, rank0)))
    goto fail;
  for (int e = 0; e < c->n_exp; e++)
    if ((st = create_experiment(c, e, p, &L, rank0))) goto fail;
fail:
  free(L.subject_ids);
  free(L.images);
  return st;
}

asl_status run_cube_create(run_cube *c, const char *path, const sweep_plan *p,
                           const run_subjects *s, const char *executor, MPI_Comm comm) {
  asl_status st = ASL_OK;
  hid_t fapl = H5I_INVALID_HID;
  int rank = 0;
  run_cube_reset(c);
  snprintf(c->path, sizeof c->path, "%s", path);
  MPICHECK(MPI_Comm_rank(comm, &rank), "create %s", path);
  if (s->n < 1 || p->n_jobs < 1 || p->n_metrics < 1) {
    st = asl_fail(ASL_EINVAL, "%s: nothing to lay out (%d subjects, %d jobs, %d metrics)", path,
                  s->n, p->n_jobs, p->n_metrics);
    goto fail;
  }
  if ((st = run_cube_shape(c, p, s))) goto fail;
  HCHECK(fapl = H5Pcreate(H5P_FILE_ACCESS), "create %s", path);
  HCHECK(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL), "MPI-IO access for %s", path);
  HCHECK(c->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl),
          "create %s (is the output directory writable?)", path);
  if ((st = create_body(c, p, s, executor, rank == 0))) goto fail;
  HCHECK(H5Fflush(c->file, H5F_SCOPE_GLOBAL), "flush %s after creation", path);
fail:
  run_h5_close(&fapl);
  if (st) run_cube_close_keep(c);
  return st;
}

// The same cube built in memory (HDF5 core driver, no backing store) and
// handed back as the bytes of its file. Rank 0 writes them with plain POSIX
// calls: a full disk or a file-size limit is then an ordinary write error,
// never an HDF5 file whose closing write failed (HDF5 1.10 can neither close
// nor forget such a file) nor another rank left inside a collective call.
asl_status run_cube_image(void **image, size_t *size, const sweep_plan *p,
                          const run_subjects *s, const char *executor) {
  asl_status st = ASL_OK;
  hid_t fapl = H5I_INVALID_HID;
  run_cube c;
  ssize_t n = 0;
  *image = NULL, *size = 0;
  run_cube_reset(&c);
  snprintf(c.path, sizeof c.path, "results.h5 (in memory)");
  if (s->n < 1 || p->n_jobs < 1 || p->n_metrics < 1)
    return asl_fail(ASL_EINVAL, "nothing to lay out (%d subjects, %d jobs, %d metrics)", s->n,
                    p->n_jobs, p->n_metrics);
  if ((st = run_cube_shape(&c, p, s))) goto fail;
  HCHECK(fapl = H5Pcreate(H5P_FILE_ACCESS), "in-memory cube");
  HCHECK(H5Pset_fapl_core(fapl, (size_t)1 << 20, 0), "in-memory cube");
  HCHECK(c.file = H5Fcreate("results.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl), "in-memory cube");
  if ((st = create_body(&c, p, s, executor, 1))) goto fail;
  HCHECK(H5Fflush(c.file, H5F_SCOPE_GLOBAL), "in-memory cube");
  HCHECK(n = H5Fget_file_image(c.file, NULL, 0), "size of the in-memory cube");
  if (!(*image = malloc((size_t)n))) {
    st = asl_fail(ASL_ENOMEM, "in-memory cube of %zd bytes", n);
    goto fail;
  }
  HCHECK(H5Fget_file_image(c.file, *image, (size_t)n), "image of the in-memory cube");
  *size = (size_t)n;
fail:
  run_h5_close(&fapl);
  if (st) {
    free(*image);
    *image = NULL;
    run_cube_close_keep(&c);
  } else {
    st = run_cube_close(&c);
  }
  return st;
}
