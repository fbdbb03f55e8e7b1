// `aslsweep merge` (run/merge.h) on hand-made part cubes, one rank: each job
// taken from the part where it is done, failures kept with their error,
// slice marks dropped, a job done twice with equal numbers warned about and
// with different numbers (or tuned values) refused, tuned values carried,
// half-written cells of a job not done in a part ignored.
#include <hdf5.h>
#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cube/h5.h"
#include "cube/jobs.h"
#include "harness.h"
#include "run/cube.h"
#include "run/merge.h"
#include "run/slice.h"
#include "synth_plan.h"

static char root[256];
static sweep_plan plan;
static run_subjects subj;
static int train_job, infer_job, other_infer; // other_infer: another job's cells

static void part_path(char *out, size_t n, const char *name) {
  snprintf(out, n, "%s/%s", root, name);
}

static void make_part(const char *name) {
  char dir[512], path[600];
  part_path(dir, sizeof dir, name);
  mkdir(dir, 0777);
  snprintf(path, sizeof path, "%s/results.h5", dir);
  run_cube c;
  ASSERT_OK(run_cube_create(&c, path, &plan, &subj, "unit", MPI_COMM_WORLD));
  ASSERT_OK(run_cube_close(&c));
}

// Commits job j into part `name` with every number = v (subjects 1 and 3)
// and the tuned value `chosen`.
static void commit_tuned(const char *name, int j, float v, int status, const char *error,
                         double chosen) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s/results.h5", root, name);
  run_cube c;
  ASSERT_OK(run_cube_open(&c, path, &plan, MPI_COMM_WORLD));
  run_result r;
  ASSERT_OK(run_result_init(&r, c.epochs, subj.n, 3, c.exp[0].n_images));
  run_result_clear(&r);
  r.tested[1] = r.tested[3] = 1;
  for (int s = 1; s < 4; s += 2)
    for (int stage = 0; stage < 2; stage++)
      for (int m = 0; m < 3; m++) {
        run_result_cell(&r, s, stage)[m] = v + (float)m;
        run_result_images(&r, s, stage, m)[0] = v;
      }
  for (int e = 0; e < c.epochs; e++) r.train_loss[e] = r.val_loss[e] = v / (float)(e + 1);
  if (error) snprintf(r.error, sizeof r.error, "%s", error);
  r.chosen_param = chosen;
  ASSERT_OK(run_cube_commit(&c, &plan, j, &r, status, 1.0, 0, "h"));
  run_cube_close(&c);
  run_result_free(&r);
}

static void commit(const char *name, int j, float v, int status, const char *error) {
  commit_tuned(name, j, v, status, error, NAN);
}

static void set_status(const char *name, int j, int status) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s/results.h5", root, name);
  run_cube c;
  ASSERT_OK(run_cube_open(&c, path, &plan, MPI_COMM_WORLD));
  ASSERT_OK(run_cube_set_status(&c, j, status));
  run_cube_close(&c);
}

static asl_status merge(const char *out, int n, const char *const *names, char **log,
                        run_merge_summary *s) {
  char dirs[4][512], *argv[4], outdir[512];
  for (int i = 0; i < n; i++) {
    part_path(dirs[i], sizeof dirs[i], names[i]);
    argv[i] = dirs[i];
  }
  part_path(outdir, sizeof outdir, out);
  size_t len;
  FILE *f = open_memstream(log, &len);
  asl_status st = run_merge(outdir, n, argv, f, s);
  fclose(f);
  return st;
}

static void read_merged(const char *out, const char *name, hid_t type, void *buf) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s/results.h5", root, out);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT(f >= 0);
  hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
  ASSERT(ds >= 0);
  ASSERT(H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
  H5Dclose(ds);
  H5Fclose(f);
}

// Job j's row of a merged cube through the version-independent reader.
static void read_row(const char *out, int j, cube_rows *R) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s/results.h5", root, out);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT(f >= 0);
  int version = 0;
  ASSERT_OK(cube_check_version(f, path, &version));
  ASSERT_EQ(CUBE_FORMAT_VERSION, version);
  cube_jobs J;
  ASSERT_OK(cube_jobs_open(&J, f, version, path));
  ASSERT_OK(cube_rows_init(R, 1, J.epochs));
  ASSERT_OK(cube_rows_read(&J, j, 1, CUBE_ROW_LOSS | CUBE_ROW_ERROR | CUBE_ROW_NUMBERS, R, path));
  cube_jobs_close(&J);
  H5Fclose(f);
}

static void setup(void) {
  snprintf(root, sizeof root, "/tmp/aslsweep-unit-merge-XXXXXX");
  ASSERT(mkdtemp(root) != NULL);
  synth_spec s = {.n_nav = 2, .n_models = 2, .trainable_first = 1, .folds = 2, .subjects = 4,
                  .timepoints = 8, .epochs = 3, .repeat = 1, .seed = 9};
  ASSERT_EQ(0, synth_plan_build(&plan, &s));
  ASSERT_OK(run_subjects_init(&subj, 4));
  for (int i = 0; i < 4; i++) {
    snprintf(subj.s[i].id, RUN_ID_LEN, "sub-%02d", i + 1);
    subj.s[i].fold = i % 2;
    snprintf(subj.s[i].snr_group, RUN_GROUP_LEN, "all");
    subj.s[i].nt = 8;
  }
  train_job = infer_job = other_infer = -1;
  for (int j = 0; j < plan.n_jobs; j++) {
    if (plan.jobs[j].kind == SWEEP_JOB_TRAIN && train_job < 0) train_job = j;
    else if (plan.jobs[j].kind == SWEEP_JOB_INFER && infer_job < 0) infer_job = j;
    else if (plan.jobs[j].kind == SWEEP_JOB_INFER && other_infer < 0) other_infer = j;
  }
  ASSERT(train_job >= 0 && infer_job >= 0 && other_infer >= 0);
}

static void mark_slice(const char *name, int index, int count, asl_status want) {
  char path[600];
  snprintf(path, sizeof path, "%s/%s/results.h5", root, name);
  int *slice_of = calloc((size_t)plan.n_jobs, sizeof(int));
  ASSERT(slice_of);
  ASSERT_OK(run_slice_assign(&plan, count > 0 ? count : 1, slice_of, NULL));
  run_cube c;
  ASSERT_OK(run_cube_open(&c, path, &plan, MPI_COMM_WORLD));
  asl_status st = run_slice_mark(&c, slice_of, index, count, 1);
  run_cube_close(&c);
  free(slice_of);
  ASSERT_EQ(want, st);
}

// Checks the merged cells of job j: v + metric in each of its 2 cells.
static void check_cells(const char *out, int j, float v) {
  size_t n = 2 * 2 * 1 * 4; // nav, model, rep, subject
  int *job = malloc(sizeof(int) * n);
  float *m = malloc(sizeof(float) * n * 6);
  ASSERT(job && m);
  read_merged(out, "/main/job", H5T_NATIVE_INT, job);
  read_merged(out, "/main/metrics", H5T_NATIVE_FLOAT, m);
  int cells = 0;
  for (size_t c = 0; c < n; c++) {
    if (job[c] != j) continue;
    cells++;
    for (int k = 0; k < 6; k++) ASSERT_NEAR(v + (float)(k % 3), m[c * 6 + k], 0);
  }
  ASSERT_EQ(2, cells);
  free(job);
  free(m);
}

TEST(jobs_come_from_the_part_where_they_are_done) {
  make_part("a");
  make_part("b");
  mark_slice("a", 0, 2, ASL_OK);
  mark_slice("a", 1, 2, ASL_ESPEC); // another slice on this part
  mark_slice("a", 0, 0, ASL_ESPEC); // a whole run on a part
  mark_slice("a", 0, 2, ASL_OK);    // the same slice again: resume
  commit("a", train_job, 1, RUN_JOB_DONE, NULL);
  commit("a", infer_job, 0, RUN_JOB_FAILED, "boom");
  commit("b", infer_job, 5, RUN_JOB_DONE, NULL);
  const char *parts[] = {"a", "b"};
  char *log = NULL;
  run_merge_summary s;
  ASSERT_OK(merge("m1", 2, parts, &log, &s));
  ASSERT_EQ(plan.n_jobs, s.n_jobs);
  ASSERT_EQ(2, s.done);
  ASSERT_EQ(0, s.failed);
  ASSERT_EQ(plan.n_jobs - 2, s.pending);
  ASSERT_EQ(2, s.parts_read);
  ASSERT(strstr(log, plan.jobs[other_infer].key) != NULL); // named missing
  signed char st[64];
  read_merged("m1", "/jobs/status", H5T_NATIVE_SCHAR, st);
  ASSERT_EQ(RUN_JOB_DONE, st[train_job]);
  ASSERT_EQ(RUN_JOB_DONE, st[infer_job]);
  ASSERT_EQ(RUN_JOB_PENDING, st[other_infer]);
  cube_rows R;
  read_row("m1", train_job, &R);
  ASSERT_NEAR(1.0, R.train_loss[0], 0);
  ASSERT_NEAR(0.5, R.val_loss[1], 0);
  cube_rows_free(&R);
  // Infer jobs keep no loss rows (format version 2): they read as NaN.
  read_row("m1", infer_job, &R);
  ASSERT(isnan(R.train_loss[1]));
  ASSERT_EQ(RUN_JOB_DONE, R.status[0]);
  ASSERT_STR_EQ("", R.error);
  cube_rows_free(&R);
  check_cells("m1", infer_job, 5);
  char path[600];
  snprintf(path, sizeof path, "%s/m1/results.h5", root);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT(f >= 0);
  ASSERT_EQ(0, H5Aexists(f, "slice"));
  ASSERT_EQ(0, H5Lexists(f, "/jobs/slice", H5P_DEFAULT));
  H5Fclose(f);
  free(log);
}

TEST(a_job_failed_everywhere_keeps_its_error) {
  make_part("c");
  commit("c", infer_job, 0, RUN_JOB_FAILED, "boom on sub-02");
  const char *parts[] = {"c"};
  char *log = NULL;
  run_merge_summary s;
  ASSERT_OK(merge("m2", 1, parts, &log, &s));
  ASSERT_EQ(1, s.failed);
  ASSERT(strstr(log, "(failed in") != NULL);
  signed char st[64];
  read_merged("m2", "/jobs/status", H5T_NATIVE_SCHAR, st);
  ASSERT_EQ(RUN_JOB_FAILED, st[infer_job]);
  cube_rows R;
  read_row("m2", infer_job, &R);
  ASSERT_STR_EQ("boom on sub-02", R.error);
  cube_rows_free(&R);
  read_row("m2", other_infer, &R);
  ASSERT_STR_EQ("", R.error);
  cube_rows_free(&R);
  free(log);
}

TEST(a_job_done_twice_with_equal_numbers_is_taken_once_with_a_warning) {
  make_part("d");
  make_part("e");
  commit("d", infer_job, 7, RUN_JOB_DONE, NULL);
  commit("e", infer_job, 7, RUN_JOB_DONE, NULL);
  const char *parts[] = {"d", "e"};
  char *log = NULL;
  run_merge_summary s;
  ASSERT_OK(merge("m3", 2, parts, &log, &s));
  ASSERT_EQ(1, s.duplicates);
  ASSERT(strstr(log, "is done in") != NULL);
  check_cells("m3", infer_job, 7);
  free(log);
}

TEST(a_job_done_twice_with_different_numbers_is_refused) {
  make_part("f");
  make_part("g");
  commit("f", infer_job, 7, RUN_JOB_DONE, NULL);
  commit("g", infer_job, 8, RUN_JOB_DONE, NULL);
  const char *parts[] = {"f", "g"};
  char *log = NULL, path[600];
  run_merge_summary s;
  ASSERT_EQ(ASL_ESPEC, merge("m4", 2, parts, &log, &s));
  ASSERT(strstr(asl_error_message(), plan.jobs[infer_job].key) != NULL);
  ASSERT(strstr(asl_error_message(), "different") != NULL);
  snprintf(path, sizeof path, "%s/m4/results.h5", root);
  ASSERT(access(path, F_OK) != 0);
  snprintf(path, sizeof path, "%s/m4/results.h5.merging", root);
  ASSERT(access(path, F_OK) != 0);
  free(log);
}

TEST(tuned_values_are_carried_and_must_agree) {
  make_part("t1");
  make_part("t2");
  make_part("t3");
  commit_tuned("t1", infer_job, 7, RUN_JOB_DONE, NULL, 0.5);
  commit_tuned("t2", infer_job, 7, RUN_JOB_DONE, NULL, 0.5);
  commit_tuned("t2", train_job, 4, RUN_JOB_DONE, NULL, 1.25); // only in the second part
  commit_tuned("t3", infer_job, 7, RUN_JOB_DONE, NULL, 0.75); // same numbers, other choice
  const char *agree[] = {"t1", "t2"};
  char *log = NULL, path[600];
  run_merge_summary s;
  ASSERT_OK(merge("m6", 2, agree, &log, &s));
  ASSERT_EQ(1, s.duplicates);
  double *chosen = malloc(sizeof(double) * (size_t)plan.n_jobs);
  ASSERT(chosen);
  read_merged("m6", "/jobs/chosen_param", H5T_NATIVE_DOUBLE, chosen);
  for (int j = 0; j < plan.n_jobs; j++) {
    if (j == infer_job) ASSERT_NEAR(0.5, chosen[j], 0);
    else if (j == train_job) ASSERT_NEAR(1.25, chosen[j], 0);
    else ASSERT(isnan(chosen[j]));
  }
  free(chosen);
  free(log);
  log = NULL;
  const char *disagree[] = {"t1", "t3"};
  ASSERT_EQ(ASL_ESPEC, merge("m7", 2, disagree, &log, &s));
  ASSERT(strstr(asl_error_message(), plan.jobs[infer_job].key) != NULL);
  ASSERT(strstr(asl_error_message(), "different /jobs/chosen_param") != NULL);
  snprintf(path, sizeof path, "%s/m7/results.h5", root);
  ASSERT(access(path, F_OK) != 0);
  free(log);
}

TEST(cells_of_a_job_not_done_in_a_part_are_ignored) {
  make_part("h");
  make_part("i");
  commit("h", infer_job, 9, RUN_JOB_DONE, NULL);
  set_status("h", infer_job, RUN_JOB_RUNNING); // cells written, never committed
  commit("i", infer_job, 3, RUN_JOB_DONE, NULL);
  const char *parts[] = {"h", "i"};
  char *log = NULL;
  run_merge_summary s;
  ASSERT_OK(merge("m5", 2, parts, &log, &s));
  ASSERT_EQ(0, s.duplicates);
  check_cells("m5", infer_job, 3);
  free(log);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  setup();
  RUN(jobs_come_from_the_part_where_they_are_done);
  RUN(a_job_failed_everywhere_keeps_its_error);
  RUN(a_job_done_twice_with_equal_numbers_is_taken_once_with_a_warning);
  RUN(a_job_done_twice_with_different_numbers_is_refused);
  RUN(tuned_values_are_carried_and_must_agree);
  RUN(cells_of_a_job_not_done_in_a_part_are_ignored);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", root);
  synth_plan_free(&plan);
  run_subjects_free(&subj);
  int rc = DONE();
  MPI_Finalize();
  return rc;
}
