// The /jobs rows of format version 2 (cube/jobs.h): error texts in the
// heap (one writer's stretch, shared copies of equal texts, a text cut when
// the stretch is full), loss rows for train jobs only, blocks of rows
// read back as a version-1 reader would see them, and the tuned values
// (/jobs/chosen_param) read, copied and written with the rows, NaN from a
// cube without them.
#include <hdf5.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "../analysis/cube_fixture.h"
#include "cube/h5.h"
#include "cube/jobs.h"
#include "harness.h"

static char path[512];
static cf_cube fx;

static hid_t open_rw(cube_jobs *J) {
  hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT(f >= 0);
  int version = 0;
  ASSERT_OK(cube_check_version(f, path, &version));
  ASSERT_EQ(CUBE_FORMAT_VERSION, version);
  ASSERT_OK(cube_jobs_open(J, f, version, path));
  return f;
}

static void read_rows(const cube_jobs *J, int j0, int n, cube_rows *R) {
  ASSERT_OK(cube_rows_init(R, n, J->epochs));
  ASSERT_OK(cube_rows_read(J, j0, n, CUBE_ROW_KEY | CUBE_ROW_ERROR | CUBE_ROW_LOSS |
                           CUBE_ROW_NUMBERS | CUBE_ROW_HOST, R, path));
}

TEST(rows_read_in_blocks_match_the_fixture) {
  cube_jobs J;
  hid_t f = open_rw(&J);
  ASSERT_EQ(fx.n_jobs, J.n_jobs);
  int n_train = 0;
  for (int j = 0; j < fx.n_jobs; j++) n_train += fx.jobs[j].kind == 0;
  ASSERT_EQ(n_train, J.n_loss_rows); // loss rows of train jobs only
  // Blocks of 5 rows, none aligned with the train/infer pattern.
  for (int j0 = 0; j0 < J.n_jobs; j0 += 5) {
    int n = J.n_jobs - j0 < 5 ? J.n_jobs - j0 : 5;
    cube_rows R;
    read_rows(&J, j0, n, &R);
    for (int i = 0; i < n; i++) {
      const cf_job *b = &fx.jobs[j0 + i];
      ASSERT_STR_EQ(b->key, R.key + (size_t)i * CUBE_KEY_LEN);
      ASSERT_STR_EQ(b->host, R.host + (size_t)i * CUBE_HOST_LEN);
      ASSERT_EQ(b->seed, R.seed[i]);
      for (int e = 0; e < CF_EPOCHS; e++) {
        float t = R.train_loss[(size_t)i * CF_EPOCHS + e];
        if (b->kind == 0) ASSERT_NEAR(b->train_loss[e], t, 0);
        else ASSERT(isnan(t));
      }
    }
    cube_rows_free(&R);
  }
  cube_jobs_close(&J);
  H5Fclose(f);
}

TEST(error_texts_share_copies_and_are_cut_when_the_stretch_is_full) {
  cube_jobs J;
  hid_t f = open_rw(&J);
  int64_t used = -1;
  ASSERT_OK(cube_heap_used(&J, &used, path));
  ASSERT_EQ(0, used); // the fixture's jobs all succeeded
  cube_heap_region r;
  cube_heap_split(&r, used, J.heap_size, 1, 2); // the second of two writers
  ASSERT_EQ(J.heap_size / 2, r.next);
  ASSERT_EQ(J.heap_size, r.end);
  char stored[CUBE_ERROR_LEN];
  ASSERT_OK(cube_jobs_put_error(&J, &r, 3, "not run: its train job T failed", stored, path));
  ASSERT_STR_EQ("not run: its train job T failed", stored);
  int64_t first = r.next;
  ASSERT_OK(cube_jobs_put_error(&J, &r, 5, "not run: its train job T failed", stored, path));
  ASSERT_EQ(first, r.next); // the same text again: one copy
  ASSERT_OK(cube_jobs_put_error(&J, &r, 7, "", stored, path));
  ASSERT_STR_EQ("", stored);
  // A stretch with room for 80 bytes: a 200-byte text is cut, with the note.
  char longer[201];
  memset(longer, 'x', 200);
  longer[200] = '\0';
  r.end = r.next + 80;
  ASSERT_OK(cube_jobs_put_error(&J, &r, 8, longer, stored, path));
  ASSERT_EQ(80, (int)strlen(stored) + 1);
  ASSERT(strstr(stored, "[cut: the cube's error space is full") != NULL);
  ASSERT_OK(cube_heap_used(&J, &used, path));
  ASSERT_EQ(r.next, used); // the text furthest in ends where the writer stopped
  cube_rows R;
  read_rows(&J, 3, 6, &R);
  ASSERT_STR_EQ("not run: its train job T failed", R.error);
  ASSERT_STR_EQ("not run: its train job T failed", R.error + 2 * CUBE_ERROR_LEN);
  ASSERT_STR_EQ("", R.error + 4 * CUBE_ERROR_LEN);
  ASSERT_STR_EQ(stored, R.error + 5 * CUBE_ERROR_LEN);
  ASSERT_EQ(R.error_at[0], R.error_at[2]);
  cube_rows_free(&R);
  // A stretch without room: the row keeps no text.
  r.end = r.next + 4;
  ASSERT_OK(cube_jobs_put_error(&J, &r, 9, "boom", stored, path));
  ASSERT_STR_EQ("", stored);
  cube_jobs_close(&J);
  H5Fclose(f);
}

TEST(a_damaged_error_offset_is_a_clear_error) {
  cube_jobs J;
  hid_t f = open_rw(&J);
  int64_t past = J.heap_size + 5;
  hsize_t start[1] = {2}, one[1] = {1};
  ASSERT_OK(cube_write_block(J.error_at, H5T_NATIVE_INT64, 1, start, one, &past));
  cube_rows R;
  ASSERT_OK(cube_rows_init(&R, 4, J.epochs));
  ASSERT_EQ(ASL_EFORMAT, cube_rows_read(&J, 0, 4, CUBE_ROW_ERROR, &R, path));
  ASSERT(strstr(asl_error_message(), "the cube is damaged") != NULL);
  cube_rows_free(&R);
  cube_jobs_close(&J);
  H5Fclose(f);
}

// Tuned jobs of the fixture: every third infer job.
static int fx_tuned(int j) { return fx.jobs[j].kind == 1 && j % 3 == 0; }

TEST(tuned_values_are_read_copied_and_written_with_the_rows) {
  cube_jobs J;
  hid_t f = open_rw(&J);
  ASSERT(J.chosen_param >= 0);
  int n = J.n_jobs, tuned = 0;
  cube_rows R, W;
  ASSERT_OK(cube_rows_init(&R, n, J.epochs));
  ASSERT_OK(cube_rows_read(&J, 0, n, CUBE_ROW_CHOSEN | CUBE_ROW_NUMBERS | CUBE_ROW_LOSS |
                           CUBE_ROW_HOST | CUBE_ROW_ERROR, &R, path));
  for (int j = 0; j < n; j++) {
    if (fx_tuned(j)) ASSERT_NEAR(fx.jobs[j].chosen_param, R.chosen_param[j], 0);
    else ASSERT(isnan(R.chosen_param[j]));
    tuned += fx_tuned(j);
  }
  ASSERT(tuned >= 2);
  // Rows 1.. of W take rows 0.. of R (as growth moves rows to new indices),
  // row 0 gets the fill values; written back, the values moved with them.
  ASSERT_OK(cube_rows_init(&W, n, J.epochs));
  ASSERT_OK(cube_rows_read(&J, 0, n, CUBE_ROW_LOSS, &W, path));
  cube_rows_copy(&W, 0, NULL, 0);
  for (int i = 1; i < n; i++) cube_rows_copy(&W, i, &R, i - 1);
  cube_heap_region heap;
  cube_heap_split(&heap, 0, J.heap_size, 0, 1);
  ASSERT_OK(cube_rows_write(&J, &heap, &W, path));
  cube_rows B;
  ASSERT_OK(cube_rows_init(&B, n, J.epochs));
  ASSERT_OK(cube_rows_read(&J, 0, n, CUBE_ROW_CHOSEN, &B, path));
  ASSERT(isnan(B.chosen_param[0]));
  for (int i = 1; i < n; i++) {
    if (fx_tuned(i - 1)) ASSERT_NEAR(fx.jobs[i - 1].chosen_param, B.chosen_param[i], 0);
    else ASSERT(isnan(B.chosen_param[i]));
  }
  cube_rows_free(&B);
  // Back as the fixture wrote them, for the tests after this one.
  ASSERT_OK(cube_rows_write(&J, &heap, &R, path));
  cube_rows_free(&R);
  cube_rows_free(&W);
  cube_jobs_close(&J);
  H5Fclose(f);
}

TEST(a_cube_without_tuned_values_reads_nan_and_is_not_given_them) {
  char old[600];
  snprintf(old, sizeof old, "%s.old.h5", path);
  cf_cube c = fx;
  ASSERT_EQ(0, cf_cube_write(&c, old));
  hid_t f = H5Fopen(old, H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT(f >= 0);
  ASSERT(H5Ldelete(f, cube_ds_path(CUBE_DS_JOB_CHOSEN_PARAM), H5P_DEFAULT) >= 0);
  cube_jobs J;
  ASSERT_OK(cube_jobs_open(&J, f, CUBE_FORMAT_VERSION, old));
  ASSERT(J.chosen_param < 0);
  cube_rows R;
  ASSERT_OK(cube_rows_init(&R, J.n_jobs, J.epochs));
  ASSERT_OK(cube_rows_read(&J, 0, J.n_jobs, CUBE_ROW_CHOSEN | CUBE_ROW_NUMBERS | CUBE_ROW_LOSS |
                           CUBE_ROW_HOST | CUBE_ROW_ERROR, &R, old));
  for (int j = 0; j < J.n_jobs; j++) ASSERT(isnan(R.chosen_param[j]));
  R.chosen_param[0] = 2.5;
  cube_heap_region heap;
  cube_heap_split(&heap, 0, J.heap_size, 0, 1);
  ASSERT_OK(cube_rows_write(&J, &heap, &R, old));
  ASSERT_EQ(0, H5Lexists(f, cube_ds_path(CUBE_DS_JOB_CHOSEN_PARAM), H5P_DEFAULT));
  cube_rows_free(&R);
  cube_jobs_close(&J);
  H5Fclose(f);
  unlink(old);
}

int main(void) {
  cf_scratch_path(path, sizeof path, "cube_jobs.h5");
  cf_cube_default(&fx);
  for (int j = 0; j < fx.n_jobs; j++)
    if ((fx.jobs[j].tuned = fx_tuned(j))) fx.jobs[j].chosen_param = 0.25 * (j + 1);
  ASSERT_EQ(0, cf_cube_write(&fx, path));
  RUN(rows_read_in_blocks_match_the_fixture);
  RUN(error_texts_share_copies_and_are_cut_when_the_stretch_is_full);
  RUN(tuned_values_are_read_copied_and_written_with_the_rows);
  RUN(a_cube_without_tuned_values_reads_nan_and_is_not_given_them);
  RUN(a_damaged_error_offset_is_a_clear_error);
  cf_cube_free(&fx);
  unlink(path);
  return DONE();
}
