// Row checksums: the documented byte stream (docs/cube.md), and the
// verifier against a fixture cube damaged in the ways a disk or a careless
// edit would: a flipped metric bit, a number in a cell no job owns, a status
// byte out of range, a cube without checksums.
#include <hdf5.h>
#include <stdlib.h>
#include <unistd.h>

#include "../analysis/cube_fixture.h"
#include "cube/checksum.h"
#include "cube/h5.h"
#include "harness.h"

static char path[512];

// The stream spelled out in docs/cube.md, checked against an independent
// computation: Python's zlib.crc32 over the same bytes (struct.pack('<...')).
TEST(checksum_is_crc32_of_the_documented_stream) {
  const float tl[2] = {1.0f, 0.5f}, vl[2] = {2.0f, 0.25f};
  const float m[6] = {1, 2, 3, 4, 5, 6}, img[2] = {7, 8};
  cube_row row = {.key = "job-a", .kind = 1, .train_job = 0, .experiment = 0, .seed = 42,
                  .status = 2, .error = "", .epochs = 2, .train_loss = tl, .val_loss = vl};
  cube_sum s;
  cube_sum_row(&s, &row);
  cube_sum_cell(&s, 3, m, 6, img, 2);
  ASSERT_EQ(0x110628825ull, (unsigned long long)cube_sum_value(&s));
}

static void write_default(void) {
  cf_cube c;
  cf_cube_default(&c);
  ASSERT_EQ(0, cf_cube_write(&c, path));
  cf_cube_free(&c);
}

// Flips bit `bit` of element `index` of dataset `name`, in the file's bytes.
static void flip(const char *name, size_t index, int bit) {
  hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT), ds = H5Dopen2(f, name, H5P_DEFAULT);
  ASSERT(f >= 0 && ds >= 0);
  hid_t t = H5Dget_type(ds), sp = H5Dget_space(ds);
  size_t n = (size_t)H5Sget_simple_extent_npoints(sp), size = H5Tget_size(t);
  unsigned char *b = malloc(n * size);
  ASSERT(b && index < n);
  ASSERT(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, b) >= 0);
  b[index * size + (size_t)bit / 8] ^= (unsigned char)(1u << (bit % 8));
  ASSERT(H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, b) >= 0);
  free(b);
  H5Tclose(t), H5Sclose(sp), H5Dclose(ds), H5Fclose(f);
}

static int32_t read_i32(const char *name, size_t index) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), ds = H5Dopen2(f, name, H5P_DEFAULT);
  hid_t sp = H5Dget_space(ds);
  size_t n = (size_t)H5Sget_simple_extent_npoints(sp);
  int32_t *v = malloc(n * sizeof *v), out;
  ASSERT(v && index < n && H5Dread(ds, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
  out = v[index];
  free(v);
  H5Sclose(sp), H5Dclose(ds), H5Fclose(f);
  return out;
}

TEST(a_clean_cube_verifies_every_committed_row) {
  write_default();
  cube_verify_result r;
  ASSERT_OK(cube_verify_path(path, &r));
  ASSERT(r.has_checksums);
  ASSERT_EQ(0, r.n_bad);
  ASSERT(r.n_verified > 10);
  ASSERT_EQ(0, r.n_unverified);
  cube_verify_free(&r);
}

TEST(a_flipped_metric_bit_names_its_job_and_only_it) {
  write_default();
  int job = read_i32("/main/job", 0);
  ASSERT(job >= 0);
  flip("/main/metrics", 1, 9); // a low mantissa bit of a denoised/input value
  cube_verify_result r;
  ASSERT_OK(cube_verify_path(path, &r));
  ASSERT_EQ(1, r.n_bad);
  ASSERT_EQ(job, r.bad[0].job);
  ASSERT(r.bad_job[job]);
  ASSERT(strstr(r.bad[0].what, "(experiment main): checksum mismatch") != NULL);
  cube_verify_free(&r);
}

TEST(numbers_in_a_cell_no_job_owns_are_reported) {
  write_default();
  // Cell 0 given to no job: its numbers are now nobody's, and its job's
  // checksum misses the cell.
  int job = read_i32("/main/job", 0);
  flip("/main/job", 0, 31); // the sign bit: a negative job index
  cube_verify_result r;
  ASSERT_OK(cube_verify_path(path, &r));
  ASSERT_EQ(2, r.n_bad);
  int orphan = r.bad[0].job == -1 ? 0 : 1;
  ASSERT_EQ(-1, r.bad[orphan].job);
  ASSERT(strstr(r.bad[orphan].what, "experiment main: 1 cell") != NULL);
  ASSERT_EQ(job, r.bad[1 - orphan].job);
  cube_verify_free(&r);
}

TEST(a_status_out_of_range_is_reported) {
  write_default();
  flip("/jobs/status", 0, 6); // done (2) -> 66
  cube_verify_result r;
  ASSERT_OK(cube_verify_path(path, &r));
  ASSERT_EQ(1, r.n_bad);
  ASSERT_EQ(0, r.bad[0].job);
  ASSERT(strstr(r.bad[0].what, "status value 66") != NULL);
  cube_verify_free(&r);
}

TEST(a_cube_without_checksums_reads_as_unverified) {
  write_default();
  hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT(H5Ldelete(f, cube_ds_path(CUBE_DS_JOB_CHECKSUM), H5P_DEFAULT) >= 0);
  H5Fclose(f);
  cube_verify_result r;
  ASSERT_OK(cube_verify_path(path, &r));
  ASSERT(!r.has_checksums);
  ASSERT_EQ(0, r.n_bad);
  ASSERT(r.n_unverified > 10);
  char *text = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&text, &len);
  ASSERT_EQ(0, cube_verify_print(&r, "t", path, NULL, m));
  fclose(m);
  ASSERT(strstr(text, "unverified") != NULL);
  free(text);
  cube_verify_free(&r);
}

// Experiments are verified in slabs of whole subject rows: any slab size
// gives the same sums, and damage in the last slab is found as in the first.
TEST(slabs_of_any_size_give_the_same_verification) {
  write_default();
  cube_verify_result ref;
  ASSERT_OK(cube_verify_path(path, &ref));
  static const size_t sizes[] = {1, 6, 7, 13, 40};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    cube_verify_set_slab(sizes[i]);
    cube_verify_result r;
    ASSERT_OK(cube_verify_path(path, &r));
    ASSERT_EQ(0, r.n_bad);
    ASSERT_EQ(ref.n_verified, r.n_verified);
    ASSERT_EQ(0, memcmp(ref.computed, r.computed, sizeof *r.computed * (size_t)r.n_jobs));
    cube_verify_free(&r);
  }
  // The last cell of /main (16 cells x 6 subjects): a value flipped there.
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t ds = H5Dopen2(f, "/main/job", H5P_DEFAULT), sp = H5Dget_space(ds);
  size_t cells = (size_t)H5Sget_simple_extent_npoints(sp), last = cells;
  H5Sclose(sp), H5Dclose(ds), H5Fclose(f);
  while (last > 0 && read_i32("/main/job", last - 1) < 0) last--;
  ASSERT(last > cells / 2);
  int job = read_i32("/main/job", last - 1);
  flip("/main/metrics", (last - 1) * 6 + 4, 9);
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    cube_verify_set_slab(sizes[i]);
    cube_verify_result r;
    ASSERT_OK(cube_verify_path(path, &r));
    ASSERT_EQ(1, r.n_bad);
    ASSERT_EQ(job, r.bad[0].job);
    cube_verify_free(&r);
  }
  cube_verify_set_slab(0);
  cube_verify_free(&ref);
}

int main(void) {
  cf_scratch_path(path, sizeof path, "checksum.h5");
  RUN(checksum_is_crc32_of_the_documented_stream);
  RUN(a_clean_cube_verifies_every_committed_row);
  RUN(a_flipped_metric_bit_names_its_job_and_only_it);
  RUN(numbers_in_a_cell_no_job_owns_are_reported);
  RUN(a_status_out_of_range_is_reported);
  RUN(a_cube_without_checksums_reads_as_unverified);
  RUN(slabs_of_any_size_give_the_same_verification);
  // Every test again with slabs of one subject row (many slabs a cube).
  cube_verify_set_slab(1);
  RUN(a_clean_cube_verifies_every_committed_row);
  RUN(a_flipped_metric_bit_names_its_job_and_only_it);
  RUN(numbers_in_a_cell_no_job_owns_are_reported);
  RUN(a_status_out_of_range_is_reported);
  cube_verify_set_slab(0);
  unlink(path);
  return DONE();
}
