// NIfTI I/O: round trips through asl_nifti_write, files built with
// nifticlib directly (other datatypes, scaling, qform-only geometry), and
// every refusal (truncated, not NIfTI, NaN, 5D, complex, missing).
#include <nifti2_io.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asl/nifti.h"
#include "harness.h"

static char tmpdir[256];

static const char *tmp(const char *name) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  return path;
}

static void expect_fail(const char *path, asl_status want, const char *word);

static void fill_ramp(asl_vol *v) {
  size_t n = asl_vol_nvox(v) * v->nt;
  for (size_t i = 0; i < n; i++) v->data[i] = (float)i * 0.5f - 3.0f;
}

static void roundtrip(const char *name) {
  asl_vol v, w;
  ASSERT_OK(asl_vol_init(&v, 5, 4, 3, 2));
  fill_ramp(&v);
  v.dx = 2.0f, v.dy = 2.5f, v.dz = 4.0f;
  float aff[4][4] = {{0, -2.5f, 0, 10}, {2, 0, 0, -20}, {0, 0, 4, 7}, {0, 0, 0, 1}};
  memcpy(v.affine, aff, sizeof aff);
  ASSERT_OK(asl_nifti_write(&v, tmp(name)));
  ASSERT_OK(asl_nifti_read(&w, tmp(name)));
  ASSERT_EQ(5, w.nx);
  ASSERT_EQ(4, w.ny);
  ASSERT_EQ(3, w.nz);
  ASSERT_EQ(2, w.nt);
  ASSERT_NEAR(2.5, w.dy, 1e-6);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) ASSERT_NEAR(aff[i][j], w.affine[i][j], 1e-4);
  for (size_t i = 0; i < 120; i++) ASSERT_NEAR(v.data[i], w.data[i], 0);
  asl_vol_free(&v), asl_vol_free(&w);
}

TEST(nifti_roundtrip_plain_keeps_values_and_affine) { roundtrip("a.nii"); }
TEST(nifti_roundtrip_gz_keeps_values_and_affine) { roundtrip("a.nii.gz"); }

TEST(nifti_3d_volume_has_one_time_point) {
  asl_vol v, w;
  ASSERT_OK(asl_vol_init(&v, 3, 3, 3, 1));
  fill_ramp(&v);
  ASSERT_OK(asl_nifti_write(&v, tmp("three.nii.gz")));
  ASSERT_OK(asl_nifti_read(&w, tmp("three.nii.gz")));
  ASSERT_EQ(1, w.nt);
  ASSERT_NEAR(10.0, w.data[26], 0);
  asl_vol_free(&v), asl_vol_free(&w);
}

TEST(nifti_u8_writer_rounds_and_clamps) {
  asl_vol v, w;
  ASSERT_OK(asl_vol_init(&v, 4, 1, 1, 1));
  v.data[0] = -1, v.data[1] = 0.6f, v.data[2] = 300, v.data[3] = 7.4f;
  ASSERT_OK(asl_nifti_write_u8(&v, tmp("mask.nii.gz")));
  ASSERT_OK(asl_nifti_read(&w, tmp("mask.nii.gz")));
  ASSERT_NEAR(0, w.data[0], 0);
  ASSERT_NEAR(1, w.data[1], 0);
  ASSERT_NEAR(255, w.data[2], 0);
  ASSERT_NEAR(7, w.data[3], 0);
  asl_vol_free(&v), asl_vol_free(&w);
}

TEST(nifti_i16_writer_scales_to_the_largest_magnitude) {
  asl_vol v, w;
  ASSERT_OK(asl_vol_init(&v, 10, 10, 2, 3));
  size_t n = asl_vol_nvox(&v) * 3;
  for (size_t i = 0; i < n; i++) v.data[i] = (float)sin(0.37 * (double)i) * 850.0f - 3.0f;
  v.affine[0][3] = 12.5f;
  ASSERT_OK(asl_nifti_write_i16(&v, tmp("i16.nii.gz")));
  ASSERT_OK(asl_nifti_read(&w, tmp("i16.nii.gz")));
  ASSERT_EQ(3, w.nt);
  ASSERT_NEAR(12.5, w.affine[0][3], 1e-5);
  float big = 0;
  for (size_t i = 0; i < n; i++) big = fmaxf(big, fabsf(v.data[i]));
  for (size_t i = 0; i < n; i++) ASSERT_NEAR(v.data[i], w.data[i], big / 64000.0 + 1e-4);
  asl_vol_free(&v), asl_vol_free(&w);
}

// Writes a 4x3x2 image of `datatype` straight through nifticlib; values i.
static void write_direct(const char *path, int datatype, double slope, double inter, int sform) {
  int64_t dims[8] = {3, 4, 3, 2, 1, 1, 1, 1};
  nifti_image *nim = nifti_make_new_nim(dims, datatype, 1);
  ASSERT(nim);
  for (int i = 0; i < 24; i++) {
    if (datatype == NIFTI_TYPE_INT16) ((int16_t *)nim->data)[i] = (int16_t)(i - 5);
    else if (datatype == NIFTI_TYPE_UINT8) ((uint8_t *)nim->data)[i] = (uint8_t)i;
    else if (datatype == NIFTI_TYPE_FLOAT64) ((double *)nim->data)[i] = i * 0.25;
    else if (datatype == NIFTI_TYPE_INT32) ((int32_t *)nim->data)[i] = i * 1000;
  }
  nim->scl_slope = slope, nim->scl_inter = inter;
  nim->pixdim[1] = nim->dx = 3.0;
  nim->sform_code = sform ? NIFTI_XFORM_SCANNER_ANAT : 0;
  nim->qform_code = NIFTI_XFORM_SCANNER_ANAT;
  nim->quatern_b = 0, nim->quatern_c = 0, nim->quatern_d = 1; // 180 deg about z
  nim->qoffset_x = 5, nim->qoffset_y = 6, nim->qoffset_z = 7, nim->qfac = 1;
  for (int i = 0; i < 4; i++) nim->sto_xyz.m[i][i] = i == 3 ? 1 : 9;
  ASSERT_EQ(0, nifti_set_filenames(nim, path, 0, 1));
  nifti_image_write(nim);
  nifti_image_free(nim);
}

TEST(nifti_int16_with_slope_and_intercept_is_scaled) {
  asl_vol v;
  write_direct(tmp("s16.nii.gz"), NIFTI_TYPE_INT16, 2.0, 1.0, 1);
  ASSERT_OK(asl_nifti_read(&v, tmp("s16.nii.gz")));
  ASSERT_NEAR((0 - 5) * 2.0 + 1.0, v.data[0], 1e-6);
  ASSERT_NEAR((23 - 5) * 2.0 + 1.0, v.data[23], 1e-6);
  ASSERT_NEAR(9.0, v.affine[0][0], 1e-6); // sform wins over qform
  asl_vol_free(&v);
}

TEST(nifti_zero_slope_means_unscaled) {
  asl_vol v;
  write_direct(tmp("u8.nii"), NIFTI_TYPE_UINT8, 0.0, 4.0, 1);
  ASSERT_OK(asl_nifti_read(&v, tmp("u8.nii")));
  ASSERT_NEAR(23.0, v.data[23], 0);
  asl_vol_free(&v);
}

TEST(nifti_float64_and_int32_convert) {
  asl_vol v;
  write_direct(tmp("f64.nii"), NIFTI_TYPE_FLOAT64, 1.0, 0.0, 1);
  ASSERT_OK(asl_nifti_read(&v, tmp("f64.nii")));
  ASSERT_NEAR(23 * 0.25, v.data[23], 1e-6);
  asl_vol_free(&v);
  write_direct(tmp("i32.nii.gz"), NIFTI_TYPE_INT32, 0.001, 0.0, 1);
  ASSERT_OK(asl_nifti_read(&v, tmp("i32.nii.gz")));
  ASSERT_NEAR(23.0, v.data[23], 1e-4);
  asl_vol_free(&v);
}

// NIfTI-2 files come from nibabel (tests/fuzz/corpus/bids/make_corpus.py):
// nifticlib 3.0 writes no header when asked for NIfTI-2.
static void copy_nifti2_fixture(const char *dst) {
  const char *src_dir = getenv("ASLSWEEP_SOURCE_DIR");
  char src[512];
  snprintf(src, sizeof src, "%s/tests/fuzz/corpus/bids/f64_nifti2.nii", src_dir ? src_dir : ".");
  FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
  ASSERT(in && out);
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf, in);
  ASSERT(n > 540);
  ASSERT_EQ(n, fwrite(buf, 1, n, out));
  fclose(in);
  fclose(out);
}

TEST(nifti2_file_reads_like_nifti1) {
  copy_nifti2_fixture(tmp("two.nii"));
  FILE *f = fopen(tmp("two.nii"), "rb");
  int32_t hdr_size = 0;
  ASSERT(f);
  ASSERT_EQ(1, fread(&hdr_size, 4, 1, f));
  fclose(f);
  ASSERT_EQ(540, hdr_size); // really NIfTI-2
  asl_vol v;
  ASSERT_OK(asl_nifti_read(&v, tmp("two.nii")));
  ASSERT_EQ(2, v.nx);
  ASSERT_EQ(3, v.ny);
  ASSERT_EQ(2, v.nt);
  ASSERT_NEAR(-2.5, v.data[0], 1e-6); // (i - 5) * 0.5 in nibabel's C order
  ASSERT_NEAR(3.0, v.affine[0][0], 1e-6);
  ASSERT_NEAR(-120.0, v.affine[1][3], 1e-5);
  asl_vol_free(&v);
}

// Regression: nifticlib overran its stack on a NIfTI-2 header whose dim[0]
// was garbage; the reader must refuse such a header before nifticlib sees it.
TEST(nifti2_header_with_wild_dim0_is_refused_not_crashing) {
  copy_nifti2_fixture(tmp("wild.nii"));
  FILE *f = fopen(tmp("wild.nii"), "r+b");
  ASSERT(f);
  ASSERT_EQ(0, fseek(f, 16, SEEK_SET)); // NIfTI-2 dim[0], int64
  const char junk[8] = "me_type\n";
  ASSERT_EQ(8, fwrite(junk, 1, 8, f));
  fclose(f);
  expect_fail(tmp("wild.nii"), ASL_EFORMAT, "dim[0]");
}

TEST(nifti_qform_used_when_sform_unset) {
  asl_vol v;
  write_direct(tmp("q.nii"), NIFTI_TYPE_UINT8, 1.0, 0.0, 0);
  ASSERT_OK(asl_nifti_read(&v, tmp("q.nii")));
  ASSERT_NEAR(-3.0, v.affine[0][0], 1e-5); // rotation by pi about z flips x
  ASSERT_NEAR(5.0, v.affine[0][3], 1e-5);
  ASSERT_NEAR(7.0, v.affine[2][3], 1e-5);
  asl_vol_free(&v);
}

static void write_bytes(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  ASSERT(f);
  ASSERT_EQ(n, fwrite(data, 1, n, f));
  fclose(f);
}

static void expect_fail(const char *path, asl_status want, const char *word) {
  asl_vol v;
  asl_status s = asl_nifti_read(&v, path);
  ASSERT_EQ(want, s);
  ASSERT(v.data == NULL);
  ASSERT(strstr(asl_error_message(), path) != NULL);
  if (!strstr(asl_error_message(), word))
    HARNESS_FAIL("message \"%s\" lacks \"%s\"", asl_error_message(), word);
}

TEST(nifti_truncated_file_is_refused) {
  asl_vol v;
  ASSERT_OK(asl_vol_init(&v, 8, 8, 8, 2));
  ASSERT_OK(asl_nifti_write(&v, tmp("t.nii")));
  asl_vol_free(&v);
  ASSERT_EQ(0, truncate(tmp("t.nii"), 352 + 1000));
  expect_fail(tmp("t.nii"), ASL_EFORMAT, "truncated");
}

TEST(nifti_truncated_gz_is_refused) {
  asl_vol v;
  ASSERT_OK(asl_vol_init(&v, 16, 16, 16, 2));
  fill_ramp(&v);
  ASSERT_OK(asl_nifti_write(&v, tmp("t.nii.gz")));
  asl_vol_free(&v);
  FILE *f = fopen(tmp("t.nii.gz"), "rb");
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  write_bytes(tmp("t.nii.gz"), buf, n / 2);
  asl_vol w;
  ASSERT(asl_nifti_read(&w, tmp("t.nii.gz")) != ASL_OK);
  ASSERT(w.data == NULL);
}

// A small .nii.gz whose header claims a big image used to be allocated in
// full (1.6 GB for a 0.5 MB file); the voxel count is checked first.
TEST(nifti_header_over_the_voxel_cap_is_refused_naming_the_file) {
  asl_vol v, w;
  ASSERT_OK(asl_vol_init(&v, 32, 32, 16, 4)); // 65536 voxels
  ASSERT_OK(asl_nifti_write(&v, tmp("big.nii.gz")));
  asl_vol_free(&v);
  ASSERT_EQ(0, setenv("ASLSWEEP_MAX_VOXELS", "65535", 1));
  ASSERT_EQ(ASL_EFORMAT, asl_nifti_read(&w, tmp("big.nii.gz")));
  ASSERT(w.data == NULL);
  ASSERT(strstr(asl_error_message(), tmp("big.nii.gz")));
  ASSERT(strstr(asl_error_message(), "65536 voxels, more than the 65535 allowed (ASLSWEEP_MAX_VOXELS)"));
  ASSERT_EQ(0, setenv("ASLSWEEP_MAX_VOXELS", "lots", 1));
  expect_fail(tmp("big.nii.gz"), ASL_EINVAL, "ASLSWEEP_MAX_VOXELS=lots is not a positive");
  ASSERT_EQ(0, setenv("ASLSWEEP_MAX_VOXELS", "65536", 1));
  ASSERT_OK(asl_nifti_read(&w, tmp("big.nii.gz")));
  asl_vol_free(&w);
  // The default comes from available memory: a real scan's size passes it.
  ASSERT_EQ(0, unsetenv("ASLSWEEP_MAX_VOXELS"));
  ASSERT_OK(asl_nifti_read(&w, tmp("big.nii.gz")));
  asl_vol_free(&w);
}

TEST(nifti_non_nifti_file_is_refused) {
  write_bytes(tmp("junk.nii"), "hello, this is not an image at all", 34);
  expect_fail(tmp("junk.nii"), ASL_EFORMAT, "NIfTI");
  char zeros[400] = {0};
  write_bytes(tmp("zeros.nii"), zeros, sizeof zeros);
  expect_fail(tmp("zeros.nii"), ASL_EFORMAT, "NIfTI");
}

TEST(nifti_wrong_extension_is_refused) {
  write_bytes(tmp("x.img"), "x", 1);
  expect_fail(tmp("x.img"), ASL_EFORMAT, ".nii");
}

TEST(nifti_missing_file_is_refused) { expect_fail(tmp("nope.nii.gz"), ASL_ENOTFOUND, "cannot open"); }

TEST(nifti_nan_voxel_is_refused) {
  asl_vol v;
  ASSERT_OK(asl_vol_init(&v, 2, 2, 2, 1));
  v.data[5] = NAN;
  ASSERT_OK(asl_nifti_write(&v, tmp("nan.nii.gz")));
  asl_vol_free(&v);
  expect_fail(tmp("nan.nii.gz"), ASL_ENUMERIC, "NaN");
}

TEST(nifti_five_dimensions_are_refused) {
  int64_t dims[8] = {5, 2, 2, 2, 1, 3, 1, 1};
  nifti_image *nim = nifti_make_new_nim(dims, NIFTI_TYPE_FLOAT32, 1);
  ASSERT_EQ(0, nifti_set_filenames(nim, tmp("5d.nii"), 0, 1));
  nifti_image_write(nim);
  nifti_image_free(nim);
  expect_fail(tmp("5d.nii"), ASL_ESHAPE, "dimension 5");
}

TEST(nifti_complex_datatype_is_refused) {
  int64_t dims[8] = {3, 2, 2, 2, 1, 1, 1, 1};
  nifti_image *nim = nifti_make_new_nim(dims, NIFTI_TYPE_COMPLEX64, 1);
  ASSERT_EQ(0, nifti_set_filenames(nim, tmp("c.nii"), 0, 1));
  nifti_image_write(nim);
  nifti_image_free(nim);
  expect_fail(tmp("c.nii"), ASL_EUNSUPPORTED, "datatype");
}

TEST(nifti_write_into_missing_folder_fails_cleanly) {
  asl_vol v;
  ASSERT_OK(asl_vol_init(&v, 2, 2, 2, 1));
  ASSERT_EQ(ASL_EIO, asl_nifti_write(&v, tmp("no/such/dir/x.nii.gz")));
  ASSERT(strstr(asl_error_message(), "writable"));
  asl_vol_free(&v);
}

int main(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/asl_test_nifti_XXXXXX");
  if (!mkdtemp(tmpdir)) return 1;
  RUN(nifti_roundtrip_plain_keeps_values_and_affine);
  RUN(nifti_roundtrip_gz_keeps_values_and_affine);
  RUN(nifti_3d_volume_has_one_time_point);
  RUN(nifti_u8_writer_rounds_and_clamps);
  RUN(nifti_i16_writer_scales_to_the_largest_magnitude);
  RUN(nifti_int16_with_slope_and_intercept_is_scaled);
  RUN(nifti_zero_slope_means_unscaled);
  RUN(nifti_float64_and_int32_convert);
  RUN(nifti2_file_reads_like_nifti1);
  RUN(nifti2_header_with_wild_dim0_is_refused_not_crashing);
  RUN(nifti_qform_used_when_sform_unset);
  RUN(nifti_truncated_file_is_refused);
  RUN(nifti_truncated_gz_is_refused);
  RUN(nifti_header_over_the_voxel_cap_is_refused_naming_the_file);
  RUN(nifti_non_nifti_file_is_refused);
  RUN(nifti_wrong_extension_is_refused);
  RUN(nifti_missing_file_is_refused);
  RUN(nifti_nan_voxel_is_refused);
  RUN(nifti_five_dimensions_are_refused);
  RUN(nifti_complex_datatype_is_refused);
  RUN(nifti_write_into_missing_folder_fails_cleanly);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  if (system(cmd) != 0) return 1;
  return DONE();
}
