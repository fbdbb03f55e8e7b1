// The cube reader against fixture cubes written per docs/cube.md.
#include <hdf5.h>
#include <math.h>
#include <string.h>

#include "ana/cube.h"
#include "cube_fixture.h"
#include "harness.h"

static char path[1024];

static void write_default(cf_cube *fx, const char *name) {
  cf_cube_default(fx);
  cf_scratch_path(path, sizeof path, name);
}

TEST(reads_axes_labels_subjects_and_jobs) {
  cf_cube fx;
  write_default(&fx, "ana_read_default.h5");
  ASSERT_EQ(0, cf_cube_write(&fx, path));
  ana_cube c;
  ASSERT_OK(ana_cube_open(&c, path));
  ASSERT_EQ(CUBE_FORMAT_VERSION, c.format_version);
  ASSERT_STR_EQ("0.1.0", c.program_version);
  ASSERT_EQ(3, c.n_experiments);
  // In plan order (root attribute `experiments`), not name order.
  ASSERT_STR_EQ("main", c.experiments[0].name);
  ASSERT_STR_EQ("snr_matching", c.experiments[1].name);
  ASSERT_STR_EQ("generalization", c.experiments[2].name);
  ASSERT_STR_EQ("asl", c.executor);
  ASSERT(ana_cube_warning(&c) == NULL);
  const ana_experiment *m = ana_cube_experiment(&c, "main");
  ASSERT(m != NULL);
  ASSERT_EQ(5, m->n_design);
  ASSERT_EQ(8, m->n_axes);
  ASSERT_STR_EQ("nav", m->axes[1].name);
  ASSERT_EQ(1, m->axes[1].is_int);
  ASSERT_EQ(8, m->axes[1].ivalues[3]);
  ASSERT_STR_EQ("8", m->axes[1].labels[3]);
  ASSERT_EQ(0, m->axes[0].is_int);
  ASSERT_STR_EQ("interleaved", m->axes[0].labels[1]);
  ASSERT_STR_EQ("denoised", m->axes[6].labels[1]);
  ASSERT_STR_EQ("nmae", m->axes[7].labels[2]);
  ASSERT_EQ(2, ana_axis_label(&m->axes[1], "4"));
  ASSERT_EQ(2, ana_axis_label(&m->axes[1], "04"));
  ASSERT_EQ(-1, ana_axis_label(&m->axes[1], "3"));
  ASSERT_EQ(6, c.subjects.n);
  ASSERT_STR_EQ("sub-04", c.subjects.id[3]);
  ASSERT_EQ(0, c.subjects.fold[3]);
  ASSERT_STR_EQ("high", c.subjects.snr_group[3]);
  ASSERT_EQ(fx.n_jobs, c.jobs.n);
  ASSERT_EQ(CF_EPOCHS, c.jobs.n_epochs);
  ASSERT_STR_EQ(fx.jobs[5].key, ana_job_key(&c, 5));
  ASSERT_STR_EQ(fx.jobs[5].host, ana_job_host(&c, 5));
  ASSERT_EQ(fx.jobs[5].seed, c.jobs.seed[5]);
  ASSERT_EQ(fx.jobs[5].train_job, c.jobs.train_job[5]);
  ASSERT_NEAR(fx.jobs[4].train_loss[2], ana_job_train_loss(&c, 4)[2], 0);
  ASSERT(isnan(ana_job_val_loss(&c, 5)[0])); // an infer job: no loss row
  // Every value round-trips at its index.
  cf_experiment *fm = cf_find(&fx, "main");
  int idx[5] = {1, 2, 0, 0, 0};
  size_t cell = ana_exp_cell(m, idx);
  ASSERT_EQ(cf_cell(fm, idx), cell);
  int back[5];
  ana_exp_cell_coords(m, cell, back);
  ASSERT_EQ(2, back[1]);
  for (int s = 0; s < 6; s++)
    ASSERT_NEAR(*cf_value(fm, cell, s, 1, CF_PSNR), ana_exp_value(&c, m, cell, s, 1, 1), 0);
  ana_cube_free(&c);
  cf_cube_free(&fx);
}

TEST(partial_cube_marks_failed_and_missing_cells) {
  cf_cube fx;
  write_default(&fx, "ana_read_partial.h5");
  cf_experiment *fm = cf_find(&fx, "main");
  *cf_value(fm, 0, 0, 1, CF_SSIM) = NAN;
  int j = fm->job[1 * 6 + 1]; // cell 1, subject 1
  fx.jobs[j].status = 3;      // failed, but its numbers are on disk
  snprintf(fx.jobs[j].error, sizeof fx.jobs[j].error, "engine: loss is NaN");
  int j2 = fm->job[2 * 6 + 2];
  fx.jobs[j2].status = 1; // running: interrupted mid-write
  ASSERT_EQ(0, cf_cube_write(&fx, path));
  ana_cube c;
  ASSERT_OK(ana_cube_open(&c, path));
  const ana_experiment *m = ana_cube_experiment(&c, "main");
  ASSERT(isnan(ana_exp_value(&c, m, 0, 0, 1, 0)));
  ASSERT(!isnan(ana_exp_value(&c, m, 0, 0, 1, 1)));
  ASSERT(isnan(ana_exp_value(&c, m, 1, 1, 1, 0)));
  ASSERT(isnan(ana_exp_value(&c, m, 2, 2, 0, 2)));
  ASSERT_EQ(3, c.jobs.status[j]);
  ASSERT_STR_EQ("engine: loss is NaN", ana_job_error(&c, j));
  // The snr_matching experiment scores only the test group's subjects.
  const ana_experiment *s = ana_cube_experiment(&c, "snr_matching");
  ASSERT_EQ(-1, ana_exp_job(s, 0, 4));
  ASSERT(isnan(ana_exp_value(&c, s, 0, 4, 1, 0)));
  ana_cube_free(&c);
  cf_cube_free(&fx);
}

TEST(other_format_version_is_refused_naming_both) {
  cf_cube fx;
  write_default(&fx, "ana_read_v9.h5");
  fx.format_version = 9;
  ASSERT_EQ(0, cf_cube_write(&fx, path));
  ana_cube c;
  ASSERT_EQ(ASL_EFORMAT, ana_cube_open(&c, path));
  const char *msg = asl_error_message();
  ASSERT(strstr(msg, "cube format version 9,") != NULL);
  ASSERT(strstr(msg, "newer") != NULL);
  ASSERT(strstr(msg, "reads versions 1 to 3") != NULL);
  ASSERT(strstr(msg, path) != NULL);
  ASSERT_EQ(0, c.n_experiments);
  cf_cube_free(&fx);
}

TEST(missing_or_non_hdf5_file_is_a_clear_error) {
  ana_cube c;
  ASSERT_EQ(ASL_ENOTFOUND, ana_cube_open(&c, "/nonexistent/results.h5"));
  ASSERT(strstr(asl_error_message(), "/nonexistent/results.h5") != NULL);
  cf_scratch_path(path, sizeof path, "ana_read_text.h5");
  FILE *f = fopen(path, "w");
  ASSERT(f != NULL);
  fputs("not hdf5\n", f);
  fclose(f);
  ASSERT_EQ(ASL_EFORMAT, ana_cube_open(&c, path));
  ASSERT(strstr(asl_error_message(), "not an HDF5 file") != NULL);
}

// Removes one link from a written cube, as a damaged or foreign file would lack it.
static void delete_link(const char *file, const char *link) {
  hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT(f >= 0);
  ASSERT(H5Ldelete(f, link, H5P_DEFAULT) >= 0);
  H5Fclose(f);
}

TEST(incomplete_cube_names_the_missing_object) {
  cf_cube fx;
  write_default(&fx, "ana_read_nojob.h5");
  ASSERT_EQ(0, cf_cube_write(&fx, path));
  delete_link(path, "main/job");
  ana_cube c;
  ASSERT_EQ(ASL_EFORMAT, ana_cube_open(&c, path));
  ASSERT(strstr(asl_error_message(), "/main has no 'job'") != NULL);
  ASSERT_EQ(0, cf_cube_write(&fx, path));
  delete_link(path, "jobs/train_loss");
  ASSERT_EQ(ASL_EFORMAT, ana_cube_open(&c, path));
  ASSERT(strstr(asl_error_message(), "/jobs has no 'train_loss'") != NULL);
  // An experiment whose subject axis disagrees with /subjects.
  snprintf(fx.id[5], sizeof fx.id[5], "sub-99");
  ASSERT_EQ(0, cf_cube_write(&fx, path));
  hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t d = H5Dopen2(f, "subjects/id", H5P_DEFAULT);
  hid_t t = H5Dget_type(d);
  char ids[6][CUBE_SUBJECT_LEN] = {"sub-01", "sub-02", "sub-03", "sub-04", "sub-05", "sub-06"};
  ASSERT(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, ids) >= 0);
  H5Tclose(t);
  H5Dclose(d);
  H5Fclose(f);
  ASSERT_EQ(ASL_EFORMAT, ana_cube_open(&c, path));
  ASSERT(strstr(asl_error_message(), "subject 5 is 'sub-99'") != NULL);
  cf_cube_free(&fx);
}

// Scan labels of 127 characters (the most a sweep takes) that differ only
// in their last character read back whole from /subjects/id and from every
// experiment's subject axis, eagerly and lazily.
TEST(long_subject_ids_read_whole) {
  cf_cube fx;
  write_default(&fx, "ana_read_long_ids.h5");
  char want[2][CUBE_SUBJECT_LEN];
  for (int i = 0; i < 2; i++) {
    memset(want[i], 'x', CUBE_SUBJECT_LEN - 1);
    want[i][CUBE_SUBJECT_LEN - 1] = '\0';
    memcpy(want[i], "sub-01_ses-", 11);
    want[i][CUBE_SUBJECT_LEN - 2] = (char)('1' + i);
    memcpy(fx.id[i], want[i], sizeof want[i]);
  }
  ASSERT_EQ(0, cf_cube_write(&fx, path));
  for (int lazy = 0; lazy < 2; lazy++) {
    ana_cube c;
    ASSERT_OK(lazy ? ana_cube_open_lazy(&c, path) : ana_cube_open(&c, path));
    for (int i = 0; i < 2; i++) {
      ASSERT_EQ(127, (int)strlen(c.subjects.id[i]));
      ASSERT_STR_EQ(want[i], c.subjects.id[i]);
      for (int e = 0; e < c.n_experiments; e++) {
        const ana_experiment *x = &c.experiments[e];
        ASSERT_STR_EQ(want[i], x->axes[x->n_design].labels[i]);
      }
    }
    ASSERT_STR_EQ("sub-03", c.subjects.id[2]);
    ana_cube_free(&c);
  }
  cf_cube_free(&fx);
}

TEST(test_double_cube_carries_a_warning) {
  cf_cube fx;
  write_default(&fx, "ana_read_td.h5");
  snprintf(fx.executor, sizeof fx.executor, "test-double");
  ASSERT_EQ(0, cf_cube_write(&fx, path));
  ana_cube c;
  ASSERT_OK(ana_cube_open(&c, path));
  ASSERT(ana_cube_warning(&c) != NULL);
  ASSERT(strstr(ana_cube_warning(&c), "test double") != NULL);
  ana_cube_free(&c);
  cf_cube_free(&fx);
}

int main(void) {
  RUN(reads_axes_labels_subjects_and_jobs);
  RUN(partial_cube_marks_failed_and_missing_cells);
  RUN(other_format_version_is_refused_naming_both);
  RUN(long_subject_ids_read_whole);
  RUN(missing_or_non_hdf5_file_is_a_clear_error);
  RUN(incomplete_cube_names_the_missing_object);
  RUN(test_double_cube_carries_a_warning);
  return DONE();
}
