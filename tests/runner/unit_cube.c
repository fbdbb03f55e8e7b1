// The results cube on one rank: layout against the plan, a committed job
// read back, a resume with another spec refused, the status report.
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "run/cube.h"
#include "run/report.h"
#include "synth_plan.h"

static char dir[256], path[300];
static sweep_plan plan;
static run_subjects subj;

static void setup(void) {
  snprintf(dir, sizeof dir, "/tmp/aslsweep-unit-cube-XXXXXX");
  ASSERT(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/results.h5", dir);
  synth_spec s = {.n_nav = 2, .n_models = 2, .trainable_first = 1, .folds = 2, .subjects = 4,
                  .timepoints = 8, .epochs = 3, .repeat = 1, .seed = 9};
  synth_plan_build(&plan, &s);
  ASSERT_OK(run_subjects_init(&subj, 4));
  for (int i = 0; i < 4; i++) {
    snprintf(subj.s[i].id, RUN_ID_LEN, "sub-%02d", i + 1);
    subj.s[i].fold = i % 2;
    snprintf(subj.s[i].snr_group, RUN_GROUP_LEN, i < 2 ? "low" : "high");
    subj.s[i].nt = 8 + 2 * i; // the largest Nt sets the image axis
  }
}

static hsize_t dims_of(hid_t f, const char *name, hsize_t *d) {
  hid_t ds = H5Dopen2(f, name, H5P_DEFAULT), sp = H5Dget_space(ds);
  int r = H5Sget_simple_extent_dims(sp, d, NULL);
  H5Sclose(sp), H5Dclose(ds);
  return (hsize_t)r;
}

TEST(cube_layout_follows_the_plan_with_scales_attached) {
  run_cube c;
  ASSERT_OK(run_cube_create(&c, path, &plan, &subj, "unit", MPI_COMM_WORLD));
  ASSERT_EQ(7, c.exp[0].n_images); // max Nt 14 / min nav 2
  ASSERT_OK(run_cube_close(&c));
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT(f >= 0);
  hsize_t d[16];
  ASSERT_EQ(6, dims_of(f, "/main/metrics", d)); // nav, model, rep, subject, stage, metric
  ASSERT_EQ(2, d[0]);
  ASSERT_EQ(2, d[1]);
  ASSERT_EQ(1, d[2]);
  ASSERT_EQ(4, d[3]);
  ASSERT_EQ(2, d[4]);
  ASSERT_EQ(3, d[5]);
  ASSERT_EQ(7, dims_of(f, "/main/metrics_per_image", d));
  ASSERT_EQ(7, d[6]);
  const char *axes[] = {"nav", "model", "rep", "subject", "stage", "metric", "image"};
  hid_t ds = H5Dopen2(f, "/main/metrics_per_image", H5P_DEFAULT);
  for (int a = 0; a < 7; a++) {
    char name[64];
    snprintf(name, sizeof name, "/main/%s", axes[a]);
    hid_t sc = H5Dopen2(f, name, H5P_DEFAULT);
    ASSERT(H5DSis_attached(ds, sc, (unsigned)a) > 0);
    H5Dclose(sc);
  }
  H5Dclose(ds);
  signed char st[64];
  hid_t sd = H5Dopen2(f, "/jobs/status", H5P_DEFAULT);
  ASSERT(H5Dread(sd, H5T_NATIVE_SCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, st) >= 0);
  for (int j = 0; j < plan.n_jobs; j++) ASSERT_EQ(RUN_JOB_PENDING, st[j]);
  H5Dclose(sd);
  H5Fclose(f);
}

TEST(commit_writes_the_cells_and_then_done) {
  run_cube c;
  ASSERT_OK(run_cube_open(&c, path, &plan, MPI_COMM_WORLD));
  int j = -1;
  for (int k = 0; k < plan.n_jobs && j < 0; k++)
    if (plan.jobs[k].kind == SWEEP_JOB_INFER && plan.jobs[k].coords[0] == 1) j = k;
  ASSERT(j >= 0);
  run_result r;
  ASSERT_OK(run_result_init(&r, c.epochs, 4, 3, c.exp[0].n_images));
  r.tested[1] = 1;
  for (int stage = 0; stage < 2; stage++)
    for (int m = 0; m < 3; m++) {
      run_result_cell(&r, 1, stage)[m] = (float)(10 * stage + m);
      run_result_images(&r, 1, stage, m)[0] = (float)(100 + m);
    }
  ASSERT_OK(run_cube_commit(&c, &plan, j, &r, RUN_JOB_DONE, 1.5, 0, "host"));
  signed char st[64];
  ASSERT_OK(run_cube_read_status(&c, st));
  ASSERT_EQ(RUN_JOB_DONE, st[j]);
  ASSERT_OK(run_cube_close(&c));
  run_result_free(&r);
  // Read back: nav index 1, model and rep of the job, subject 1.
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), ds = H5Dopen2(f, "/main/metrics", H5P_DEFAULT);
  float v[2 * 2 * 1 * 4 * 2 * 3];
  ASSERT(H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
  const int *co = plan.jobs[j].coords;
  size_t cell = ((((size_t)co[0] * 2 + co[1]) * 1 + co[2]) * 4 + 1) * 6;
  ASSERT_NEAR(12.0, v[cell + 5], 0);     // denoised, nmae
  ASSERT(isnan(v[cell - 6]));             // subject 0 of the same job: not tested
  H5Dclose(ds);
  H5Fclose(f);
}

TEST(resume_with_another_spec_is_refused) {
  char *old = plan.text;
  plan.text = "another spec";
  run_cube c;
  asl_status st = run_cube_open(&c, path, &plan, MPI_COMM_WORLD);
  plan.text = old;
  ASSERT_EQ(ASL_ESPEC, st);
  ASSERT(strstr(asl_error_message(), "--force-new") != NULL);
}

TEST(status_report_counts_per_experiment) {
  run_report r;
  ASSERT_OK(run_report_read(&r, dir));
  ASSERT_EQ(plan.n_jobs, r.n_jobs);
  ASSERT_EQ(2, r.n_rows); // train, main
  ASSERT_EQ(1, r.rows[1].done);
  ASSERT_EQ(plan.n_train, 0 + r.rows[0].pending);
  run_report_free(&r);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  setup();
  RUN(cube_layout_follows_the_plan_with_scales_attached);
  RUN(commit_writes_the_cells_and_then_done);
  RUN(resume_with_another_spec_is_refused);
  RUN(status_report_counts_per_experiment);
  unlink(path);
  rmdir(dir);
  synth_plan_free(&plan);
  run_subjects_free(&subj);
  int rc = DONE();
  MPI_Finalize();
  return rc;
}
