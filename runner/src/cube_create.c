// Creating the results cube collectively (layout: docs/cube.md). Every rank
// makes the same metadata calls in the same order; only rank 0 writes the
// static values (independent raw writes of identical bytes would be waste).
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asl/rng.h"
#include "check.h"
#include "cube/jobs.h"
#include "cube/layout.h"
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

static asl_status string_dataset(hid_t loc, cube_ds d, int n,
                                 const char *(*get)(const void *, int), const void *ctx,
                                 int rank0, hid_t *keep) {
  char *buf = cube_string_rows(n, cube_datasets[d].str_len, get, ctx);
  if (!buf) return asl_fail(ASL_ENOMEM, "cube dataset %s", cube_ds_name(d));
  hsize_t dims[1] = {(hsize_t)n};
  asl_status st = cube_ds_write(loc, d, 1, dims, buf, rank0, keep);
  free(buf);
  return st;
}

// A (J) or (S) dataset of the table, its values written when buf is given.
static asl_status table_dataset(hid_t loc, cube_ds d, int n, const void *buf, int rank0,
                                hid_t *keep) {
  hsize_t dims[1] = {(hsize_t)n};
  return cube_ds_write(loc, d, 1, dims, buf, rank0, keep);
}

static const char *subject_id(const void *c, int i) { return ((const run_subjects *)c)->s[i].id; }
static const char *subject_group(const void *c, int i) {
  return ((const run_subjects *)c)->s[i].snr_group;
}
static const char *job_key(const void *c, int i) { return ((const sweep_plan *)c)->jobs[i].key; }
static const char *content_key(const void *c, int i) {
  return ((const sweep_plan *)c)->jobs[i].content_key;
}
static const char *label(const void *c, int i) { return ((char *const *)c)[i]; }

static asl_status create_subjects(hid_t file, const run_subjects *s, int rank0) {
  asl_status st = ASL_OK;
  hid_t g = H5I_INVALID_HID;
  char *rows = NULL;
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
  HCHECK(g = H5Gcreate2(file, CUBE_GROUP_SUBJECTS, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
          "create group /%s", CUBE_GROUP_SUBJECTS);
  if ((st = string_dataset(g, CUBE_DS_SUBJECT_ID, s->n, subject_id, s, rank0, NULL)) ||
      (st = table_dataset(g, CUBE_DS_SUBJECT_FOLD, s->n, fold, rank0, NULL)) ||
      (st = string_dataset(g, CUBE_DS_SUBJECT_SNR_GROUP, s->n, subject_group, s, rank0, NULL)) ||
      (st = table_dataset(g, CUBE_DS_SUBJECT_SSIM_SINGLE, s->n, ssim, rank0, NULL)) ||
      (st = table_dataset(g, CUBE_DS_SUBJECT_NMAE_SINGLE, s->n, nmae, rank0, NULL)))
    goto fail;
  if (!(rows = cube_string_rows(s->n, CUBE_SUBJECT_LEN, subject_id, s))) {
    st = asl_fail(ASL_ENOMEM, "cube /subjects");
    goto fail;
  }
  st = cube_subjects_scale(g, s->n, rows, rank0);
fail:
  free(rows);
  run_h5_close(&g);
  free(fold);
  free(ssim);
  free(nmae);
  return st;
}

static asl_status create_job_statics(run_cube *c, hid_t g, const sweep_plan *p, int rank0) {
  asl_status st = ASL_OK;
  int n = p->n_jobs;
  signed char *kind = malloc((size_t)n);
  int *train = malloc(sizeof(int) * (size_t)n), *exper = malloc(sizeof(int) * (size_t)n);
  uint64_t *seed = malloc(sizeof(uint64_t) * (size_t)n);
  c->loss_row = malloc(sizeof(int32_t) * (size_t)n);
  if (!kind || !train || !exper || !seed || !c->loss_row) {
    st = asl_fail(ASL_ENOMEM, "cube /jobs");
    goto fail;
  }
  for (int j = 0; j < n; j++) {
    kind[j] = (signed char)p->jobs[j].kind;
    train[j] = p->jobs[j].train_job;
    exper[j] = p->jobs[j].experiment;
    seed[j] = p->jobs[j].seed;
  }
  c->n_loss_rows = cube_loss_rows(n, kind, c->loss_row);
  if ((st = string_dataset(g, CUBE_DS_JOB_KEY, n, job_key, p, rank0, NULL)) ||
      (st = table_dataset(g, CUBE_DS_JOB_KIND, n, kind, rank0, NULL)) ||
      (st = table_dataset(g, CUBE_DS_JOB_TRAIN_JOB, n, train, rank0, NULL)) ||
      (st = table_dataset(g, CUBE_DS_JOB_EXPERIMENT, n, exper, rank0, NULL)) ||
      (st = table_dataset(g, CUBE_DS_JOB_SEED, n, seed, rank0, NULL)) ||
      (st = table_dataset(g, CUBE_DS_JOB_LOSS_ROW, n, c->loss_row, rank0, &c->loss_row_ds)) ||
      (st = string_dataset(g, CUBE_DS_JOB_CONTENT_KEY, n, content_key, p, rank0, NULL)))
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
  HCHECK(g = H5Gcreate2(c->file, CUBE_GROUP_JOBS, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
          "create group /%s", CUBE_GROUP_JOBS);
  if ((st = create_job_statics(c, g, p, rank0))) goto fail;
  // The per-job rows start as the table's fill values (pending, NaN, -1, "").
  hsize_t heap[1] = {(hsize_t)((int64_t)n * CUBE_HEAP_PER_JOB + CUBE_HEAP_BASE)};
  c->heap_size = (int64_t)heap[0];
  if ((st = table_dataset(g, CUBE_DS_JOB_STATUS, n, NULL, rank0, &c->status)) ||
      (st = cube_attr_str(c->status, cube_attr_name(CUBE_ATTR_STATUS_LABELS),
                          cube_job_status_labels())) ||
      (st = table_dataset(g, CUBE_DS_JOB_SECONDS, n, NULL, rank0, &c->seconds)) ||
      (st = table_dataset(g, CUBE_DS_JOB_RANK, n, NULL, rank0, &c->rank)) ||
      (st = table_dataset(g, CUBE_DS_JOB_HOST, n, NULL, rank0, &c->host)) ||
      (st = table_dataset(g, CUBE_DS_JOB_ERROR_AT, n, NULL, rank0, &c->error_at)) ||
      (st = cube_ds_write(g, CUBE_DS_JOB_ERROR_TEXT, 1, heap, NULL, rank0, &c->error_text)) ||
      (st = table_dataset(g, CUBE_DS_JOB_CHECKSUM, n, NULL, rank0, &c->checksum)) ||
      (st = table_dataset(g, CUBE_DS_JOB_CHOSEN_PARAM, n, NULL, rank0, &c->chosen_param)))
    goto fail;
  hsize_t dims[2] = {(hsize_t)c->n_loss_rows, (hsize_t)c->epochs};
  if ((st = cube_ds_create(&c->train_loss, g, CUBE_DS_JOB_TRAIN_LOSS, 2, dims)) ||
      (st = cube_ds_create(&c->val_loss, g, CUBE_DS_JOB_VAL_LOSS, 2, dims)) ||
      (st = cube_jobs_scales(g, n, c->epochs, rank0)))
    goto fail;
  c->version = CUBE_FORMAT_VERSION;
  cube_heap_split(&c->heap, 0, c->heap_size, 0, 1);
fail:
  run_h5_close(&g);
  return st;
}

// One axis dataset (labels as rows of `len` bytes) made a dimension scale
// named after the axis.
static asl_status create_axis(hid_t g, const char *name, int n, char *const *labels, size_t len,
                              const int *ints, int rank0, hid_t *out) {
  asl_status st = ASL_OK;
  int *num = NULL;
  char *rows = NULL;
  if (!ints && cube_labels_numeric(n, labels)) {
    num = malloc(sizeof(int) * (size_t)n);
    if (!num) return asl_fail(ASL_ENOMEM, "axis %s", name);
    for (int i = 0; i < n; i++) num[i] = atoi(labels[i]);
    ints = num;
  }
  if (!ints && !(rows = cube_string_rows(n, len, label, labels)))
    st = asl_fail(ASL_ENOMEM, "axis %s", name);
  if (!st) st = cube_axis_create(g, name, n, rows, len, ints, rank0, out);
  free(num);
  free(rows);
  return st;
}

typedef struct {
  char **subject_ids;
  char *stages[RUN_N_STAGES];
  int *images;
} axis_labels;

static asl_status attach_all(hid_t ds, const hid_t *axis, int rank, cube_ds d) {
  asl_status st = cube_axes_attach(ds, axis, rank);
  if (st) return run_fail_wrap(st, "%s", cube_ds_name(d));
  return st;
}

static asl_status create_axes(hid_t g, const sweep_experiment *x, const sweep_plan *p,
                              const axis_labels *L, int S, int I, int rank0, hid_t *axis) {
  asl_status st = ASL_OK;
  int k = x->n_axes;
  for (int a = 0; a < k; a++)
    if ((st = create_axis(g, x->axes[a].name, x->axes[a].n, x->axes[a].labels, CUBE_LABEL_LEN,
                          NULL, rank0, &axis[a])))
      return st;
  if ((st = create_axis(g, CUBE_AXIS_SUBJECT, S, L->subject_ids, CUBE_SUBJECT_LEN, NULL, rank0,
                        &axis[k])) ||
      (st = create_axis(g, CUBE_AXIS_STAGE, CUBE_N_STAGES, L->stages, CUBE_LABEL_LEN, NULL, rank0,
                        &axis[k + 1])) ||
      (st = create_axis(g, CUBE_AXIS_METRIC, p->n_metrics, p->metrics, CUBE_LABEL_LEN, NULL,
                        rank0, &axis[k + 2])) ||
      (st = create_axis(g, CUBE_AXIS_IMAGE, I, NULL, 0, L->images, rank0, &axis[k + 3])))
    return st;
  return st;
}

static asl_status experiment_attributes(hid_t g, const sweep_experiment *x) {
  const char **own = malloc(sizeof(char *) * (size_t)(x->n_axes + 1));
  if (!own) return asl_fail(ASL_ENOMEM, "axes attribute");
  for (int a = 0; a < x->n_axes; a++) own[a] = x->axes[a].name;
  asl_status st =
      cube_exp_attributes(g, x->n_axes, own, x->description ? x->description : x->name);
  free(own);
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
  if ((st = experiment_attributes(ce->group, x)) ||
      (st = create_axes(ce->group, x, p, L, S, I, rank0, axis)))
    goto fail;
  hsize_t dims[RUN_CUBE_MAX_RANK];
  for (int a = 0; a < k; a++) dims[a] = (hsize_t)x->axes[a].n;
  dims[k] = (hsize_t)S;
  dims[k + 1] = RUN_N_STAGES;
  dims[k + 2] = (hsize_t)p->n_metrics;
  dims[k + 3] = (hsize_t)I;
  if ((st = cube_ds_create(&ce->metrics, ce->group, CUBE_DS_EXP_METRICS, k + 3, dims)) ||
      (st = cube_ds_create(&ce->per_image, ce->group, CUBE_DS_EXP_PER_IMAGE, k + 4, dims)) ||
      (st = cube_ds_create(&ce->job, ce->group, CUBE_DS_EXP_JOB, k + 1, dims)) ||
      (st = cube_metric_attributes(ce->metrics, axis[k + 2], p->n_metrics,
                                   (const char *const *)p->metrics, CUBE_METRICS_LONG_NAME)) ||
      (st = cube_metric_attributes(ce->per_image, -1, p->n_metrics,
                                   (const char *const *)p->metrics, CUBE_PER_IMAGE_LONG_NAME)) ||
      (st = attach_all(ce->metrics, axis, k + 3, CUBE_DS_EXP_METRICS)) ||
      (st = attach_all(ce->per_image, axis, k + 4, CUBE_DS_EXP_PER_IMAGE)) ||
      (st = attach_all(ce->job, axis, k + 1, CUBE_DS_EXP_JOB)))
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
  const char *text[CUBE_ATTR_COUNT] = {
      [CUBE_ATTR_PROGRAM] = "aslsweep",
      [CUBE_ATTR_PROGRAM_VERSION] = ASLSWEEP_VERSION,
      [CUBE_ATTR_CREATED] = created,
      [CUBE_ATTR_NAME] = p->name ? p->name : "",
      [CUBE_ATTR_SPEC] = p->text ? p->text : "",
      [CUBE_ATTR_SPEC_HASH] = hash,
      [CUBE_ATTR_EXPERIMENTS] = names,
      [CUBE_ATTR_EXECUTOR] = executor,
  };
  asl_status st = cube_write_root(file, text);
  free(names);
  return st;
}

void run_cube_reset(run_cube *c) {
  memset(c, 0, sizeof *c);
  c->file = c->status = c->seconds = c->rank = c->host = c->error = H5I_INVALID_HID;
  c->error_at = c->error_text = c->loss_row_ds = H5I_INVALID_HID;
  c->train_loss = c->val_loss = H5I_INVALID_HID;
  c->key = c->kind = c->train_job = c->experiment = c->seed = c->checksum = H5I_INVALID_HID;
  c->chosen_param = H5I_INVALID_HID;
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
    ce->name = p->experiments[e].name;
  }
  return ASL_OK;
}

static asl_status create_body(run_cube *c, const sweep_plan *p, const run_subjects *s,
                              const char *executor, int rank0) {
  asl_status st;
  axis_labels L = {.stages = {(char *)cube_stage_names[0], (char *)cube_stage_names[1]}};
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

// Object headers of the 1.8 format (readable by every HDF5 since 2008): an
// attribute too large for the header (the spec of a study with thousands
// of models, an axis with thousands of labels) goes to dense storage
// instead of failing with "object header message is too large" at 64 KiB.
#define CUBE_LIBVER_LOW H5F_LIBVER_V18

static asl_status create_cube(run_cube *c, const char *path, const sweep_plan *p,
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
  HCHECK(H5Pset_libver_bounds(fapl, CUBE_LIBVER_LOW, H5F_LIBVER_LATEST), "format of %s", path);
  HCHECK(c->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl),
          "create %s (is the output directory writable?)", path);
  if ((st = create_body(c, p, s, executor, rank == 0))) goto fail;
  int size = 1;
  MPI_Comm_size(comm, &size);
  cube_heap_split(&c->heap, 0, c->heap_size, rank, size);
  HCHECK(H5Fflush(c->file, H5F_SCOPE_GLOBAL), "flush %s after creation", path);
fail:
  run_h5_close(&fapl);
  if (st) run_cube_close_keep(c);
  return st;
}

asl_status run_cube_create(run_cube *c, const char *path, const sweep_plan *p,
                           const run_subjects *s, const char *executor, MPI_Comm comm) {
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  asl_status st = create_cube(c, path, p, s, executor, comm);
  cube_h5_quiet_end(&q);
  return st;
}

// The core driver's memory, allocated through these callbacks so that the
// finished image is taken over when the file closes instead of copied out
// with H5Fget_file_image: at 10^6 jobs the copy alone was 1.3 GB on rank 0
// (bench/runner/RESULTS.md).
typedef struct {
  void *buf;  // the driver's current buffer
  int kept;   // 1: the driver let go of buf at close; it is ours now
} image_mem;

static void *im_malloc(size_t size, H5FD_file_image_op_t op, void *ud) {
  (void)op;
  image_mem *m = ud;
  void *p = malloc(size);
  if (p) m->buf = p;
  return p;
}
static void *im_memcpy(void *dst, const void *src, size_t size, H5FD_file_image_op_t op, void *ud) {
  (void)op, (void)ud;
  return memcpy(dst, src, size);
}
static void *im_realloc(void *ptr, size_t size, H5FD_file_image_op_t op, void *ud) {
  (void)op;
  image_mem *m = ud;
  void *p = realloc(ptr, size);
  if (p) m->buf = p;
  return p;
}
static herr_t im_free(void *ptr, H5FD_file_image_op_t op, void *ud) {
  image_mem *m = ud;
  if (ptr != NULL && ptr == m->buf && op == H5FD_FILE_IMAGE_OP_FILE_CLOSE) {
    m->kept = 1;
    return 0;
  }
  if (ptr == m->buf) m->buf = NULL;
  free(ptr);
  return 0;
}
// The property list copies udata; every copy points at the one image_mem.
static void *im_udata_copy(void *ud) { return ud; }
static herr_t im_udata_free(void *ud) {
  (void)ud;
  return 0;
}

// The same cube built in memory (HDF5 core driver, no backing store) and
// handed back as the bytes of its file. Rank 0 writes them with plain POSIX
// calls: a full disk or a file-size limit is then an ordinary write error,
// never an HDF5 file whose closing write failed (HDF5 1.10 can neither close
// nor forget such a file) nor another rank left inside a collective call.
static asl_status cube_image(void **image, size_t *size, const sweep_plan *p,
                              const run_subjects *s, const char *executor) {
  asl_status st = ASL_OK;
  hid_t fapl = H5I_INVALID_HID;
  run_cube c;
  ssize_t n = 0;
  image_mem mem = {0};
  H5FD_file_image_callbacks_t cb = {im_malloc, im_memcpy, im_realloc, im_free,
                                    im_udata_copy, im_udata_free, &mem};
  *image = NULL, *size = 0;
  run_cube_reset(&c);
  snprintf(c.path, sizeof c.path, "results.h5 (in memory)");
  if (s->n < 1 || p->n_jobs < 1 || p->n_metrics < 1)
    return asl_fail(ASL_EINVAL, "nothing to lay out (%d subjects, %d jobs, %d metrics)", s->n,
                    p->n_jobs, p->n_metrics);
  if ((st = run_cube_shape(&c, p, s))) goto fail;
  HCHECK(fapl = H5Pcreate(H5P_FILE_ACCESS), "in-memory cube");
  HCHECK(H5Pset_fapl_core(fapl, (size_t)1 << 20, 0), "in-memory cube");
  HCHECK(H5Pset_file_image_callbacks(fapl, &cb), "in-memory cube");
  HCHECK(H5Pset_libver_bounds(fapl, CUBE_LIBVER_LOW, H5F_LIBVER_LATEST), "in-memory cube");
  HCHECK(c.file = H5Fcreate("results.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl), "in-memory cube");
  if ((st = create_body(&c, p, s, executor, 1))) goto fail;
  HCHECK(H5Fflush(c.file, H5F_SCOPE_GLOBAL), "in-memory cube");
  HCHECK(n = H5Fget_file_image(c.file, NULL, 0), "size of the in-memory cube");
fail:
  run_h5_close(&fapl);
  if (st) run_cube_close_keep(&c);
  else st = run_cube_close(&c);
  if (!st && (!mem.kept || !mem.buf))
    st = asl_fail(ASL_EHDF5, "in-memory cube: HDF5 released its image before it could be written");
  if (st) {
    if (mem.kept) free(mem.buf);
    return st;
  }
  *image = mem.buf;
  *size = (size_t)n;
  return ASL_OK;
}

asl_status run_cube_image(void **image, size_t *size, const sweep_plan *p,
                          const run_subjects *s, const char *executor) {
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  asl_status st = cube_image(image, size, p, s, executor);
  cube_h5_quiet_end(&q);
  return st;
}
