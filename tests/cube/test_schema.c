// The schema table against the cubes actually written: every dataset the
// runner creates is in the table (or is an axis), with the table's type and
// fill value, and the analysis fixture writes the very same schema.
#include <hdf5.h>
#include <hdf5_hl.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../analysis/cube_fixture.h"
#include "cube/h5.h"
#include "cube/layout.h"
#include "harness.h"
#include "run/cube.h"
#include "../runner/synth_plan.h"

static char dir[256], run_path[300], fx_path[300];

static void write_runner_cube(void) {
  sweep_plan plan;
  run_subjects subj;
  synth_spec s = {.n_nav = 2, .n_models = 2, .trainable_first = 1, .folds = 2, .subjects = 4,
                  .timepoints = 8, .epochs = 3, .repeat = 1, .seed = 9};
  synth_plan_build(&plan, &s);
  ASSERT_OK(run_subjects_init(&subj, 4));
  for (int i = 0; i < 4; i++) {
    snprintf(subj.s[i].id, RUN_ID_LEN, "sub-%02d", i + 1);
    subj.s[i].fold = i % 2;
    snprintf(subj.s[i].snr_group, RUN_GROUP_LEN, i < 2 ? "low" : "high");
    subj.s[i].nt = 8;
  }
  run_cube c;
  ASSERT_OK(run_cube_create(&c, run_path, &plan, &subj, "unit", MPI_COMM_WORLD));
  ASSERT_OK(run_cube_close(&c));
  run_subjects_free(&subj);
  sweep_plan_free(&plan);
}

static void setup(void) {
  snprintf(dir, sizeof dir, "/tmp/aslsweep-cube-schema-XXXXXX");
  ASSERT(mkdtemp(dir) != NULL);
  snprintf(run_path, sizeof run_path, "%s/run.h5", dir);
  snprintf(fx_path, sizeof fx_path, "%s/fixture.h5", dir);
  write_runner_cube();
  cf_cube fx;
  cf_cube_default(&fx);
  ASSERT_EQ(0, cf_cube_write(&fx, fx_path));
  cf_cube_free(&fx);
}

typedef struct {
  int seen[CUBE_DS_COUNT];
  int unknown, axes, wrong_type;
  char first_unknown[256];
} visit_log;

// The table entry of the dataset at `path` ("jobs/status", "main/metrics").
static const cube_dataset_def *entry_of(const char *path) {
  char group[256];
  const char *slash = strrchr(path, '/');
  if (!slash) return NULL;
  snprintf(group, sizeof group, "%.*s", (int)(slash - path), path);
  int root = strcmp(group, CUBE_GROUP_SUBJECTS) == 0 || strcmp(group, CUBE_GROUP_JOBS) == 0;
  return cube_dataset_find(root ? group : NULL, slash + 1);
}

static herr_t visit(hid_t f, const char *path, const H5O_info_t *info, void *data) {
  visit_log *v = data;
  if (info->type != H5O_TYPE_DATASET) return 0;
  hid_t ds = H5Dopen2(f, path, H5P_DEFAULT);
  const cube_dataset_def *x = entry_of(path);
  if (x) {
    v->seen[x - cube_datasets]++;
    hid_t t = H5Dget_type(ds), want = cube_file_type(x->type, x->str_len);
    if (H5Tequal(t, want) <= 0) v->wrong_type++;
    H5Tclose(t);
    if (x->type == CUBE_T_STR) H5Tclose(want);
  } else if (H5DSis_scale(ds) > 0) {
    v->axes++;
  } else if (v->unknown++ == 0) {
    snprintf(v->first_unknown, sizeof v->first_unknown, "%s", path);
  }
  H5Dclose(ds);
  return 0;
}

static visit_log walk(const char *path) {
  visit_log v;
  memset(&v, 0, sizeof v);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT(f >= 0);
  ASSERT(H5Ovisit2(f, H5_INDEX_NAME, H5_ITER_NATIVE, visit, &v, H5O_INFO_BASIC) >= 0);
  H5Fclose(f);
  return v;
}

TEST(every_dataset_the_runner_creates_is_in_the_table) {
  visit_log v = walk(run_path);
  if (v.unknown) fprintf(stderr, "not in the table: %s\n", v.first_unknown);
  ASSERT_EQ(0, v.unknown);
  ASSERT_EQ(0, v.wrong_type);
  ASSERT(v.axes > 0);
  // Every table dataset is written, except /jobs/slice (job-array parts
  // only) and /jobs/error (format version 1 only).
  for (int d = 0; d < CUBE_DS_COUNT; d++)
    if (d != CUBE_DS_JOB_SLICE && d != CUBE_DS_JOB_ERROR && !v.seen[d])
      HARNESS_FAIL("%s not written", cube_ds_name(d));
  ASSERT_EQ(0, v.seen[CUBE_DS_JOB_ERROR]);
}

// Type, storage and fill value of one dataset, as bytes to compare.
typedef struct {
  H5T_class_t cls;
  size_t size;
  int rank;
  H5D_layout_t layout;
  H5D_alloc_time_t alloc;
  H5D_fill_value_t fill_defined;
  unsigned char fill[16];
  int is_scale_attached;
  int utf8;  // carries _Encoding = "utf-8"
} ds_shape;

static ds_shape shape_of(hid_t f, const char *path) {
  ds_shape s;
  memset(&s, 0, sizeof s);
  hid_t ds = H5Dopen2(f, path, H5P_DEFAULT);
  if (ds < 0) HARNESS_FAIL("no dataset %s", path);
  hid_t t = H5Dget_type(ds), sp = H5Dget_space(ds), pl = H5Dget_create_plist(ds);
  s.cls = H5Tget_class(t);
  s.size = H5Tget_size(t);
  s.rank = H5Sget_simple_extent_ndims(sp);
  s.layout = H5Pget_layout(pl);
  H5Pget_alloc_time(pl, &s.alloc);
  H5Pfill_value_defined(pl, &s.fill_defined);
  if (s.fill_defined == H5D_FILL_VALUE_USER_DEFINED && s.size <= sizeof s.fill)
    H5Pget_fill_value(pl, t, s.fill);
  s.is_scale_attached = H5DSget_num_scales(ds, 0) > 0;
  char enc[16] = "";
  if (H5Aexists(ds, CUBE_ENCODING_ATTR) > 0 &&
      cube_attr_read_str(ds, CUBE_ENCODING_ATTR, enc, sizeof enc) == ASL_OK)
    s.utf8 = strcmp(enc, "utf-8") == 0;
  H5Pclose(pl), H5Sclose(sp), H5Tclose(t), H5Dclose(ds);
  return s;
}

TEST(fixture_writer_and_runner_writer_produce_one_schema) {
  visit_log v = walk(fx_path);
  if (v.unknown) fprintf(stderr, "not in the table: %s\n", v.first_unknown);
  ASSERT_EQ(0, v.unknown);
  ASSERT_EQ(0, v.wrong_type);
  hid_t a = H5Fopen(run_path, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t b = H5Fopen(fx_path, H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT(a >= 0 && b >= 0);
  for (int d = 0; d < CUBE_DS_COUNT; d++) {
    if (d == CUBE_DS_JOB_SLICE || d == CUBE_DS_JOB_ERROR) continue;
    char path[128];
    if (cube_datasets[d].path) snprintf(path, sizeof path, "%s", cube_datasets[d].path);
    else snprintf(path, sizeof path, "/main/%s", cube_ds_name(d));
    ds_shape x = shape_of(a, path), y = shape_of(b, path);
    // The experiments' own axes differ (the runner's plan has fewer), the
    // rest of the dataset's description must not.
    int own = cube_datasets[d].path ? 0 : 1;
    if (x.cls != y.cls || x.size != y.size || (!own && x.rank != y.rank) ||
        x.layout != y.layout || x.alloc != y.alloc || x.fill_defined != y.fill_defined ||
        memcmp(x.fill, y.fill, sizeof x.fill) != 0 || x.is_scale_attached != y.is_scale_attached ||
        x.utf8 != y.utf8)
      HARNESS_FAIL("%s: the runner and the fixture write it differently", path);
    // netCDF readers (xarray) name every dimension and decode every string.
    if (!x.is_scale_attached) HARNESS_FAIL("%s: no dimension scale on its first axis", path);
    if (x.utf8 != (cube_datasets[d].type == CUBE_T_STR))
      HARNESS_FAIL("%s: _Encoding utf-8 %s", path, x.utf8 ? "on a number" : "missing");
  }
  H5Fclose(a);
  H5Fclose(b);
}

// The attributes every cube carries, by where they live.
static int has_attr(hid_t f, const char *obj, const char *name) {
  return H5Aexists_by_name(f, obj, name, H5P_DEFAULT) > 0;
}

TEST(both_writers_write_every_attribute_of_the_table) {
  const char *files[2] = {run_path, fx_path};
  for (int i = 0; i < 2; i++) {
    hid_t f = H5Fopen(files[i], H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT(f >= 0);
    for (int k = 0; k < CUBE_ATTR_COUNT; k++) {
      if (k == CUBE_ATTR_SLICE) continue;
      const char *where = cube_attributes[k].where;
      const char *obj = strcmp(where, "exp") == 0 ? "/main" : where;
      if (!has_attr(f, obj, cube_attr_name(k)))
        HARNESS_FAIL("%s: no attribute %s on %s", files[i], cube_attr_name(k), obj);
    }
    ASSERT_OK(cube_check_version(f, files[i], NULL));
    H5Fclose(f);
  }
}

TEST(job_status_names_come_from_one_table) {
  ASSERT_STR_EQ("pending", cube_job_status_name(CUBE_JOB_PENDING));
  ASSERT_STR_EQ("done", cube_job_status_name(CUBE_JOB_DONE));
  ASSERT_STR_EQ("unknown", cube_job_status_name(CUBE_JOB_N_STATUSES));
  ASSERT_STR_EQ("pending,running,done,failed", cube_job_status_labels());
  ASSERT_EQ(RUN_JOB_FAILED, CUBE_JOB_FAILED);
}

TEST(cube_calls_put_back_the_callers_hdf5_error_printing) {
  H5E_auto2_t fn = NULL;
  void *data = NULL;
  H5Eset_auto2(H5E_DEFAULT, (H5E_auto2_t)H5Eprint2, stderr);
  hid_t f = H5Fopen(run_path, H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_OK(cube_check_version(f, run_path, NULL));
  H5Fclose(f);
  H5Eget_auto2(H5E_DEFAULT, &fn, &data);
  ASSERT(fn == (H5E_auto2_t)H5Eprint2);
  ASSERT(data == stderr);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  setup();
  RUN(every_dataset_the_runner_creates_is_in_the_table);
  RUN(fixture_writer_and_runner_writer_produce_one_schema);
  RUN(both_writers_write_every_attribute_of_the_table);
  RUN(job_status_names_come_from_one_table);
  RUN(cube_calls_put_back_the_callers_hdf5_error_printing);
  unlink(run_path);
  unlink(fx_path);
  rmdir(dir);
  MPI_Finalize();
  return DONE();
}
