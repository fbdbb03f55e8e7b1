// Experiment groups of the cube: axes (string or int32 labels), metrics and
// the job index; plus the accessors of ana_experiment.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cube_internal.h"
#include "h5read.h"

#define MAX_AXES 32

typedef struct {
  char (*names)[64];
  int n, cap;
} name_list;

static herr_t collect_name(hid_t loc, const char *name, const H5L_info_t *info, void *data) {
  name_list *l = data;
  if (l->n == l->cap) {
    int cap = l->cap ? 2 * l->cap : 8;
    void *p = realloc(l->names, (size_t)cap * sizeof *l->names);
    if (!p) return -1;
    l->names = p;
    l->cap = cap;
  }
  snprintf(l->names[l->n++], sizeof *l->names, "%s", name);
  return 0;
}

static asl_status read_axis(hid_t g, const char *file, const char *where, ana_axis *a) {
  hsize_t dims[1];
  int rank;
  asl_status st = h5r_shape(g, file, where, a->name, 1, &rank, dims);
  if (st) return st;
  a->n = (int)dims[0];
  a->is_int = h5r_is_int(g, a->name) == 1;
  a->labels = calloc(a->n ? (size_t)a->n : 1, sizeof *a->labels);
  if (!a->labels) return asl_fail(ASL_ENOMEM, "%s: out of memory for axis %s", file, a->name);
  if (!a->is_int)
    return h5r_strings(g, file, where, a->name, (size_t)a->n, (char *)a->labels,
                       sizeof *a->labels);
  a->ivalues = calloc(a->n ? (size_t)a->n : 1, sizeof *a->ivalues);
  if (!a->ivalues) return asl_fail(ASL_ENOMEM, "%s: out of memory for axis %s", file, a->name);
  st = h5r_numbers(g, file, where, a->name, (size_t)a->n, H5T_NATIVE_INT32, a->ivalues);
  for (int i = 0; st == ASL_OK && i < a->n; i++)
    snprintf(a->labels[i], sizeof a->labels[i], "%d", (int)a->ivalues[i]);
  return st;
}

// Splits the `axes` attribute and reads every axis; checks the last three.
static asl_status read_axes(hid_t g, const char *file, const char *where, ana_experiment *e) {
  char list[2048];
  asl_status st = h5r_attr_str(g, file, where, cube_attr_name(CUBE_ATTR_EXP_AXES), list, sizeof list);
  if (st) return st;
  e->axes = calloc(MAX_AXES, sizeof *e->axes);
  if (!e->axes) return asl_fail(ASL_ENOMEM, "%s: out of memory", file);
  char *save = NULL;
  for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    while (*t == ' ') t++;
    if (e->n_axes == MAX_AXES)
      return asl_fail(ASL_EFORMAT, "%s: %s has more than %d axes", file, where, MAX_AXES);
    snprintf(e->axes[e->n_axes++].name, ANA_LABEL_LEN, "%s", t);
  }
  static const char *tail[3] = {CUBE_AXIS_SUBJECT, CUBE_AXIS_STAGE, CUBE_AXIS_METRIC};
  if (e->n_axes < 3)
    return asl_fail(ASL_EFORMAT, "%s: %s attribute axes='%s' must end with subject,stage,metric",
                    file, where, list);
  for (int k = 0; k < 3; k++)
    if (strcmp(e->axes[e->n_axes - 3 + k].name, tail[k]) != 0)
      return asl_fail(ASL_EFORMAT, "%s: %s axes must end with subject,stage,metric (found '%s')",
                      file, where, e->axes[e->n_axes - 3 + k].name);
  e->n_design = e->n_axes - 3;
  e->n_cells = 1;
  for (int i = 0; i < e->n_axes && st == ASL_OK; i++) {
    st = read_axis(g, file, where, &e->axes[i]);
    if (i < e->n_design) e->n_cells *= (size_t)e->axes[i].n;
  }
  return st;
}

// Checks that dataset `name` has the axes' lengths as its shape.
static asl_status check_shape(hid_t g, const char *file, const char *where, const char *name,
                              const ana_experiment *e, int n_dims) {
  hsize_t dims[MAX_AXES + 1];
  int rank = 0;
  asl_status st = h5r_shape(g, file, where, name, MAX_AXES + 1, &rank, dims);
  if (st) return st;
  if (rank != n_dims)
    return asl_fail(ASL_EFORMAT, "%s: %s/%s has %d dimensions, the axes attribute names %d", file,
                    where, name, rank, n_dims);
  for (int i = 0; i < n_dims; i++)
    if ((int)dims[i] != e->axes[i].n)
      return asl_fail(ASL_EFORMAT, "%s: %s/%s dimension %d is %llu long, axis %s has %d labels",
                      file, where, name, i, (unsigned long long)dims[i], e->axes[i].name,
                      e->axes[i].n);
  return ASL_OK;
}

static asl_status read_experiment(hid_t f, const char *file, const char *name, ana_experiment *e,
                                  int lazy) {
  char where[80];
  snprintf(where, sizeof where, "/%s", name);
  snprintf(e->name, sizeof e->name, "%s", name);
  hid_t g = H5Gopen2(f, name, H5P_DEFAULT);
  asl_status st = read_axes(g, file, where, e);
  const char *metrics = cube_ds_name(CUBE_DS_EXP_METRICS), *job = cube_ds_name(CUBE_DS_EXP_JOB);
  const char *desc = cube_attr_name(CUBE_ATTR_EXP_DESCRIPTION);
  if (st == ASL_OK && H5Aexists(g, desc) > 0)
    st = h5r_attr_str(g, file, where, desc, e->description, sizeof e->description);
  if (st == ASL_OK) st = check_shape(g, file, where, metrics, e, e->n_axes);
  if (st == ASL_OK) st = check_shape(g, file, where, job, e, e->n_design + 1);
  size_t nsub = (size_t)ana_exp_n_subjects(e);
  size_t nm = e->n_cells * nsub * (size_t)ana_exp_n_stages(e) * (size_t)ana_exp_n_metrics(e);
  if (st == ASL_OK && lazy) {
    st = ana_cells_open(e, g, file);
    H5Gclose(g);
    return st;
  }
  if (st == ASL_OK) {
    e->metrics = malloc((nm ? nm : 1) * sizeof *e->metrics);
    e->job = malloc((e->n_cells * nsub > 0 ? e->n_cells * nsub : 1) * sizeof *e->job);
    if (!e->metrics || !e->job) st = asl_fail(ASL_ENOMEM, "%s: out of memory for %s", file, where);
  }
  if (st == ASL_OK) st = h5r_numbers(g, file, where, metrics, nm, H5T_NATIVE_FLOAT, e->metrics);
  if (st == ASL_OK)
    st = h5r_numbers(g, file, where, job, e->n_cells * nsub, H5T_NATIVE_INT32, e->job);
  H5Gclose(g);
  return st;
}

// Subjects of an experiment must be the cube's subjects, and job indices valid.
static asl_status check_refs(const ana_cube *c, const ana_experiment *e) {
  const ana_axis *s = &e->axes[e->n_design];
  const char *ids = cube_ds_path(CUBE_DS_SUBJECT_ID);
  if (s->n != c->subjects.n)
    return asl_fail(ASL_EFORMAT, "%s: /%s has %d subjects, %s has %d", c->path, e->name, s->n,
                    ids, c->subjects.n);
  for (int i = 0; i < s->n; i++)
    if (strcmp(s->labels[i], c->subjects.id[i]) != 0)
      return asl_fail(ASL_EFORMAT, "%s: /%s subject %d is '%s', %s says '%s'", c->path, e->name,
                      i, s->labels[i], ids, c->subjects.id[i]);
  size_t n = e->job ? e->n_cells * (size_t)s->n : 0; // lazy: ana_check_lazy_jobs
  for (size_t i = 0; i < n; i++)
    if (e->job[i] < -1 || e->job[i] >= c->jobs.n)
      return asl_fail(ASL_EFORMAT, "%s: /%s/%s holds %d, outside -1 .. %d", c->path, e->name,
                      cube_ds_name(CUBE_DS_EXP_JOB), (int)e->job[i], c->jobs.n - 1);
  return ASL_OK;
}

asl_status ana_check_lazy_jobs(const ana_cube *c) {
  for (int i = 0; i < c->n_experiments; i++) {
    const ana_experiment *e = &c->experiments[i];
    int ns = ana_exp_n_subjects(e);
    for (size_t cell = 0; e->cells && cell < e->n_cells; cell++)
      for (int s = 0; s < ns; s++) {
        int j = ana_exp_job(e, cell, s);
        if (j < -1 || j >= c->jobs.n)
          return asl_fail(ASL_EFORMAT, "%s: /%s/%s holds %d, outside -1 .. %d", c->path, e->name,
                          cube_ds_name(CUBE_DS_EXP_JOB), j, c->jobs.n - 1);
      }
  }
  return ASL_OK;
}

// Puts the experiments in the plan order the runner records in the root
// attribute `experiments` (names it lists first, in its order; the rest keep
// their name order).
static void plan_order(hid_t f, ana_cube *c) {
  char list[2048], *save = NULL;
  const char *attr = cube_attr_name(CUBE_ATTR_EXPERIMENTS);
  if (H5Aexists(f, attr) <= 0 || h5r_attr_str(f, c->path, "/", attr, list, sizeof list) != ASL_OK)
    return;
  int next = 0;
  for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
    for (int i = next; i < c->n_experiments; i++)
      if (strcmp(c->experiments[i].name, t) == 0) {
        ana_experiment e = c->experiments[i];
        memmove(&c->experiments[next + 1], &c->experiments[next],
                (size_t)(i - next) * sizeof e);
        c->experiments[next++] = e;
        break;
      }
}

asl_status ana_read_experiments(hid_t f, ana_cube *c, int lazy) {
  name_list l = {0};
  hsize_t idx = 0;
  if (H5Literate(f, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name, &l) < 0) {
    free(l.names);
    return asl_fail(ASL_EHDF5, "%s: cannot list the root group", c->path);
  }
  asl_status st = ASL_OK;
  c->experiments = calloc(l.n ? (size_t)l.n : 1, sizeof *c->experiments);
  if (!c->experiments) st = asl_fail(ASL_ENOMEM, "%s: out of memory", c->path);
  for (int i = 0; i < l.n && st == ASL_OK; i++) {
    if (strcmp(l.names[i], CUBE_GROUP_SUBJECTS) == 0 || strcmp(l.names[i], CUBE_GROUP_JOBS) == 0)
      continue;
    hid_t g = H5Gopen2(f, l.names[i], H5P_DEFAULT);
    if (g < 0) continue; // a dataset at the root: not an experiment
    int is_exp = h5r_exists(g, cube_ds_name(CUBE_DS_EXP_METRICS));
    H5Gclose(g);
    if (!is_exp) continue;
    ana_experiment *e = &c->experiments[c->n_experiments++];
    st = read_experiment(f, c->path, l.names[i], e, lazy);
    if (st == ASL_OK) st = check_refs(c, e);
  }
  free(l.names);
  if (st == ASL_OK) plan_order(f, c);
  return st;
}

void ana_experiment_free(ana_experiment *e) {
  for (int i = 0; e->axes && i < e->n_axes; i++) {
    free(e->axes[i].labels);
    free(e->axes[i].ivalues);
  }
  free(e->axes);
  free(e->metrics);
  free(e->job);
  ana_cells_close(e);
  memset(e, 0, sizeof *e);
}

const ana_experiment *ana_cube_experiment(const ana_cube *c, const char *name) {
  for (int i = 0; i < c->n_experiments; i++)
    if (strcmp(c->experiments[i].name, name) == 0) return &c->experiments[i];
  return NULL;
}

int ana_exp_axis(const ana_experiment *e, const char *name) {
  for (int i = 0; i < e->n_axes; i++)
    if (strcmp(e->axes[i].name, name) == 0) return i;
  return -1;
}

int ana_axis_label(const ana_axis *a, const char *label) {
  for (int i = 0; i < a->n; i++)
    if (strcmp(a->labels[i], label) == 0) return i;
  if (a->is_int) {
    char *end;
    long v = strtol(label, &end, 10);
    if (*label && *end == '\0')
      for (int i = 0; i < a->n; i++)
        if (a->ivalues[i] == v) return i;
  }
  return -1;
}

size_t ana_exp_cell(const ana_experiment *e, const int *design_idx) {
  size_t cell = 0;
  for (int i = 0; i < e->n_design; i++) cell = cell * (size_t)e->axes[i].n + (size_t)design_idx[i];
  return cell;
}

void ana_exp_cell_coords(const ana_experiment *e, size_t cell, int *design_idx) {
  for (int i = e->n_design - 1; i >= 0; i--) {
    design_idx[i] = (int)(cell % (size_t)e->axes[i].n);
    cell /= (size_t)e->axes[i].n;
  }
}

int ana_exp_job(const ana_experiment *e, size_t cell, int subject) {
  if (!e->job) return ana_cells_job(e, cell, subject);
  return e->job[cell * (size_t)ana_exp_n_subjects(e) + (size_t)subject];
}

float ana_exp_raw(const ana_experiment *e, size_t cell, int subject, int stage, int metric) {
  size_t ns = (size_t)ana_exp_n_stages(e), nm = (size_t)ana_exp_n_metrics(e);
  if (!e->metrics) return ana_cells_value(e, cell, subject, stage, metric);
  return e->metrics[((cell * (size_t)ana_exp_n_subjects(e) + (size_t)subject) * ns +
                     (size_t)stage) * nm + (size_t)metric];
}

double ana_exp_value(const ana_cube *c, const ana_experiment *e, size_t cell, int subject,
                     int stage, int metric) {
  double v = ana_exp_raw(e, cell, subject, stage, metric);
  if (!isfinite(v)) return NAN;
  int j = ana_exp_job(e, cell, subject);
  if (j < 0 || j >= c->jobs.n || c->jobs.status[j] != CUBE_JOB_DONE) return NAN;
  return v;
}

int ana_exp_subject_expected(const ana_cube *c, const ana_experiment *e, const int *idx, int s) {
  for (int a = 0; a < e->n_design; a++) {
    const char *n = e->axes[a].name; // called per cell and subject: the first letter first
    if ((n[0] != 's' || strcmp(n, "snr_group") != 0) &&
        (n[0] != 't' || strcmp(n, "test_snr_group") != 0))
      continue;
    const char *label = e->axes[a].labels[idx[a]];
    if (strcmp(label, "all") != 0 && strcmp(label, c->subjects.snr_group[s]) != 0) return 0;
  }
  return 1;
}
