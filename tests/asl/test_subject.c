// Subject loading on hand-built BIDS folders: every M0Type, mask rules,
// subtraction in either order, and each refusal (file + reason).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <nifti2_io.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asl/nifti.h"
#include "asl/subject.h"
#include "harness.h"

#define NX 8
#define NY 8
#define NZ 4

static char root[256];
static int counter;

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  ASSERT(f);
  fputs(text, f);
  fclose(f);
}

// A fresh subject folder; returns its id in `id` and perf path in `dir`.
static void new_subject(char *id, char *dir) {
  sprintf(id, "sub-%02d", ++counter);
  char p[512];
  snprintf(p, sizeof p, "%s/%s", root, id);
  ASSERT_EQ(0, mkdir(p, 0755));
  sprintf(dir, "%s/perf", p);
  ASSERT_EQ(0, mkdir(dir, 0755));
}

static const char *file(const char *dir, const char *id, const char *suffix) {
  static char p[4][512];
  static int k;
  k = (k + 1) % 4;
  snprintf(p[k], sizeof p[k], "%s/%s_%s", dir, id, suffix);
  return p[k];
}

// The subject's mask path in a derivatives dataset (masks never live in the
// raw tree); creates the folders.
static const char *mask_file(const char *id) {
  static char p[512];
  snprintf(p, sizeof p, "%s/derivatives", root);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/derivatives/masks", root);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/derivatives/masks/%s", root, id);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/derivatives/masks/%s/perf", root, id);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/derivatives/masks/%s/perf/%s_desc-brain_mask.nii.gz", root, id, id);
  return p;
}

// Sphere-ish brain of radius 3 centred in the grid: value `in` inside.
static float brain(int x, int y, int z, float in) {
  float dx = x - 3.5f, dy = y - 3.5f, dz = (z - 1.5f) * 2;
  return dx * dx + dy * dy + dz * dz <= 10.0f ? in : 0.0f;
}

// Writes an ASL series whose volume t has the value base(t) inside the brain.
static void write_series(const char *path, const char *types, int nt) {
  asl_vol v;
  ASSERT_OK(asl_vol_init(&v, NX, NY, NZ, nt));
  for (int t = 0; t < nt; t++) {
    float val = types[t] == 'c' ? 100.0f + t : types[t] == 'l' ? 97.0f + t
              : types[t] == 'd' ? 5.0f : types[t] == 'm' ? 1000.0f + 10 * t : 7.0f;
    for (int z = 0; z < NZ; z++)
      for (int y = 0; y < NY; y++)
        for (int x = 0; x < NX; x++) v.data[((t * NZ + z) * NY + y) * NX + x] = brain(x, y, z, val);
  }
  ASSERT_OK(asl_nifti_write(&v, path));
  asl_vol_free(&v);
}

static void write_context(const char *path, const char *types) {
  char text[1024] = "volume_type\n";
  for (const char *c = types; *c; c++)
    strcat(text, *c == 'c' ? "control\n" : *c == 'l' ? "label\n" : *c == 'd' ? "deltam\n"
               : *c == 'm' ? "m0scan\n" : "cbf\n");
  write_text(path, text);
}

static void write_sidecar(const char *path, const char *m0type) {
  char text[512];
  snprintf(text, sizeof text,
           "{\"ArterialSpinLabelingType\": \"PCASL\", \"PostLabelingDelay\": 1.8,\n"
           " \"LabelingDuration\": 1.8, \"M0Type\": \"%s\", \"M0Estimate\": 1234.5,\n"
           " \"BackgroundSuppression\": true}\n", m0type);
  write_text(path, text);
}

static void write_m0(const char *path, int nx, int nt) {
  asl_vol v;
  ASSERT_OK(asl_vol_init(&v, nx, NY, NZ, nt));
  for (int t = 0; t < nt; t++)
    for (int z = 0; z < NZ; z++)
      for (int y = 0; y < NY; y++)
        for (int x = 0; x < nx; x++)
          v.data[((t * NZ + z) * NY + y) * nx + x] = brain(x, y, z, 2000.0f + 100 * t);
  ASSERT_OK(asl_nifti_write(&v, path));
  asl_vol_free(&v);
}

// A complete subject: series of `types`, sidecar with `m0type`, and an M0
// file when Separate.
static void make(char *id, char *dir, const char *types, const char *m0type) {
  new_subject(id, dir);
  write_series(file(dir, id, "asl.nii.gz"), types, (int)strlen(types));
  write_context(file(dir, id, "aslcontext.tsv"), types);
  write_sidecar(file(dir, id, "asl.json"), m0type);
  if (strcmp(m0type, "Separate") == 0) write_m0(file(dir, id, "m0scan.nii.gz"), NX, 1);
}

static size_t centre(void) { return (1 * NY + 3) * NX + 3; }

TEST(subject_control_label_pairs_subtract_in_either_order) {
  char id[32], dir[512];
  make(id, dir, "clcllc", "Separate");
  asl_subject s;
  ASSERT_OK(asl_subject_load(&s, root, id + 4)); // id without "sub-" works too
  ASSERT_STR_EQ(id, s.id);
  ASSERT_EQ(6, s.asl.nt);
  ASSERT_STR_EQ("PCASL", s.labeling_type);
  ASSERT_NEAR(1.8, s.pld, 1e-9);
  ASSERT_EQ(1, s.background_suppression);
  ASSERT_EQ(3, asl_subject_n_deltam(&s));
  asl_vol d;
  ASSERT_OK(asl_subject_deltam(&s, &d));
  ASSERT_EQ(3, d.nt);
  // pair (c0, l1): 100 - 98; (c2, l3): 102 - 100; (l4, c5): 105 - 101.
  ASSERT_NEAR(2.0, asl_vol_frame(&d, 0)[centre()], 1e-5);
  ASSERT_NEAR(2.0, asl_vol_frame(&d, 1)[centre()], 1e-5);
  ASSERT_NEAR(4.0, asl_vol_frame(&d, 2)[centre()], 1e-5);
  ASSERT_NEAR(0.0, asl_vol_frame(&d, 2)[0], 0);
  asl_vol_free(&d);
  asl_subject_free(&s);
}

TEST(subject_separate_m0_and_mask_derived_from_it) {
  char id[32], dir[512];
  make(id, dir, "cl", "Separate");
  asl_subject s;
  ASSERT_OK(asl_subject_load(&s, root, id));
  ASSERT_EQ(1, s.has_m0);
  ASSERT_NEAR(2000.0, s.m0.data[centre()], 0);
  ASSERT_EQ(1, s.has_mask);
  ASSERT_EQ(ASL_MASK_FROM_M0, s.mask_source);
  for (int z = 0; z < NZ; z++)
    for (int y = 0; y < NY; y++)
      for (int x = 0; x < NX; x++)
        ASSERT_NEAR(brain(x, y, z, 1.0f), s.mask.data[(z * NY + y) * NX + x], 0);
  asl_subject_free(&s);
}

// BIDS matching of a shared M0: the file whose entities are all the scan's
// and most specific (acq-hi for an acq-hi run, not acq-lo); two equally
// specific ones are refused naming both.
TEST(subject_separate_m0_matched_by_entities) {
  char id[32], dir[512], stem[64], m0[600];
  new_subject(id, dir);
  snprintf(stem, sizeof stem, "%s_acq-hi_run-1", id);
  write_series(file(dir, stem, "asl.nii.gz"), "cl", 2);
  write_context(file(dir, stem, "aslcontext.tsv"), "cl");
  write_sidecar(file(dir, stem, "asl.json"), "Separate");
  char hi[64], lo[64], run[64];
  snprintf(hi, sizeof hi, "%s_acq-hi", id);
  snprintf(lo, sizeof lo, "%s_acq-lo", id);
  snprintf(run, sizeof run, "%s_run-1", id);
  write_m0(file(dir, lo, "m0scan.nii.gz"), NX, 2); // mean 2050: not this scan's
  write_m0(file(dir, id, "m0scan.nii.gz"), NX, 3); // mean 2100: less specific
  write_m0(file(dir, hi, "m0scan.nii.gz"), NX, 1); // 2000: the match
  asl_subject s;
  ASSERT_OK(asl_subject_load_q(&s, root, stem, NULL));
  ASSERT_NEAR(2000.0, s.m0.data[centre()], 0);
  snprintf(m0, sizeof m0, "%s", file(dir, hi, "m0scan.nii.gz"));
  ASSERT_STR_EQ(m0, s.m0_path);
  asl_subject_free(&s);
  write_m0(file(dir, run, "m0scan.nii.gz"), NX, 1); // as specific as acq-hi
  ASSERT_EQ(ASL_EFORMAT, asl_subject_load_q(&s, root, stem, NULL));
  ASSERT(strstr(asl_error_message(), "_acq-hi_m0scan.nii.gz and "));
  ASSERT(strstr(asl_error_message(), "_run-1_m0scan.nii.gz both match the scan"));
}

TEST(subject_included_m0_volumes_are_averaged_and_deltam_kept) {
  char id[32], dir[512];
  make(id, dir, "mmdxdcl", "Included");
  asl_subject s;
  ASSERT_OK(asl_subject_load(&s, root, id));
  ASSERT_EQ(1, s.has_m0);
  ASSERT_NEAR(1005.0, s.m0.data[centre()], 1e-3); // mean of 1000 and 1010
  ASSERT_EQ(1, s.n_skipped);
  asl_vol d;
  ASSERT_OK(asl_subject_deltam(&s, &d)); // warns about the cbf volume
  ASSERT_EQ(3, d.nt);
  ASSERT_NEAR(5.0, asl_vol_frame(&d, 0)[centre()], 0);
  ASSERT_NEAR(5.0, asl_vol_frame(&d, 1)[centre()], 0);
  ASSERT_NEAR(2.0, asl_vol_frame(&d, 2)[centre()], 1e-5); // 105 - 103
  asl_vol_free(&d);
  asl_subject_free(&s);
}

TEST(subject_estimate_m0_is_constant_and_mask_from_control) {
  char id[32], dir[512];
  make(id, dir, "clcl", "Estimate");
  asl_subject s;
  ASSERT_OK(asl_subject_load(&s, root, id));
  ASSERT_EQ(1, s.has_m0);
  ASSERT_NEAR(1234.5, s.m0.data[0], 1e-3);
  ASSERT_NEAR(1234.5, s.m0.data[centre()], 1e-3);
  ASSERT_EQ(ASL_MASK_FROM_CONTROL, s.mask_source);
  ASSERT_NEAR(1.0, s.mask.data[centre()], 0);
  ASSERT_NEAR(0.0, s.mask.data[0], 0);
  asl_subject_free(&s);
}

TEST(subject_absent_m0_has_none) {
  char id[32], dir[512];
  make(id, dir, "dd", "Absent");
  asl_subject s;
  ASSERT_OK(asl_subject_load(&s, root, id));
  ASSERT_EQ(0, s.has_m0);
  ASSERT(s.m0.data == NULL);
  ASSERT_EQ(0, s.has_mask); // deltam only, no M0: the whole volume
  asl_subject_free(&s);
}

TEST(subject_mask_file_wins_and_is_binarized) {
  char id[32], dir[512];
  make(id, dir, "cl", "Separate");
  asl_vol m;
  ASSERT_OK(asl_vol_init(&m, NX, NY, NZ, 1));
  m.data[5] = 0.9f, m.data[6] = 0.4f;
  ASSERT_OK(asl_nifti_write(&m, mask_file(id)));
  asl_vol_free(&m);
  asl_subject s;
  ASSERT_OK(asl_subject_load(&s, root, id));
  ASSERT_EQ(ASL_MASK_FILE, s.mask_source);
  ASSERT(strstr(s.mask_path, "derivatives/masks/"));
  ASSERT_NEAR(1.0, s.mask.data[5], 0);
  ASSERT_NEAR(0.0, s.mask.data[6], 0);
  ASSERT_NEAR(0.0, s.mask.data[centre()], 0);
  asl_subject_free(&s);
}

TEST(mask_from_image_drops_small_islands_and_fills_holes) {
  asl_vol img, mask;
  ASSERT_OK(asl_vol_init(&img, 12, 12, 5, 1));
  for (int z = 1; z < 4; z++)
    for (int y = 2; y < 9; y++)
      for (int x = 2; x < 9; x++) img.data[(z * 12 + y) * 12 + x] = 100.0f;
  img.data[(2 * 12 + 5) * 12 + 5] = 0.0f;   // a hole inside
  img.data[(2 * 12 + 11) * 12 + 11] = 90.0f; // an island at the edge
  ASSERT_OK(asl_mask_from_image(&img, &mask));
  ASSERT_NEAR(1.0, mask.data[(2 * 12 + 5) * 12 + 5], 0);
  ASSERT_NEAR(0.0, mask.data[(2 * 12 + 11) * 12 + 11], 0);
  double sum = 0;
  for (size_t i = 0; i < asl_vol_nvox(&mask); i++) sum += mask.data[i];
  ASSERT_NEAR(3 * 7 * 7, sum, 0);
  asl_vol_free(&mask);
  for (size_t i = 0; i < asl_vol_nvox(&img); i++) img.data[i] = -1.0f;
  ASSERT_EQ(ASL_ENOTFOUND, asl_mask_from_image(&img, &mask));
  asl_vol_free(&img);
}

// Loads `id` expecting failure `code` with `word` and the file in the message.
static void expect_refusal(const char *id, asl_status code, const char *path, const char *word) {
  asl_subject s;
  asl_status st = asl_subject_load(&s, root, id);
  if (st != code) HARNESS_FAIL("expected %d, got %d: %s", code, st, asl_error_message());
  ASSERT(s.asl.data == NULL && s.vol_type == NULL);
  const char *m = asl_error_message();
  if (!strstr(m, path) || !strstr(m, word))
    HARNESS_FAIL("message \"%s\" lacks \"%s\" or \"%s\"", m, path, word);
}

TEST(subject_refuses_nt_not_matching_aslcontext) {
  char id[32], dir[512];
  make(id, dir, "clcl", "Separate");
  write_context(file(dir, id, "aslcontext.tsv"), "clclcl");
  expect_refusal(id, ASL_ESHAPE, "_asl.nii.gz", "lists 6 rows");
}

TEST(subject_refuses_m0_on_another_grid) {
  char id[32], dir[512];
  make(id, dir, "cl", "Separate");
  write_m0(file(dir, id, "m0scan.nii.gz"), NX + 1, 1);
  expect_refusal(id, ASL_ESHAPE, "_m0scan.nii.gz", "does not match the ASL grid");
}

TEST(subject_refuses_m0_with_shifted_affine) {
  char id[32], dir[512];
  make(id, dir, "cl", "Separate");
  asl_vol v;
  ASSERT_OK(asl_vol_init(&v, NX, NY, NZ, 1));
  v.affine[0][3] = 2.0f;
  ASSERT_OK(asl_nifti_write(&v, file(dir, id, "m0scan.nii.gz")));
  asl_vol_free(&v);
  // Same size on both sides: the message says it is the position or
  // orientation that differs (it used to print the same size twice).
  expect_refusal(id, ASL_ESHAPE, "_m0scan.nii.gz",
                 "has the ASL series' size 8x8x4 but another position or orientation "
                 "(voxel-to-mm affine entry [0][3] is 2");
}

TEST(subject_refuses_mask_on_another_grid_or_4d) {
  char id[32], dir[512];
  make(id, dir, "cl", "Separate");
  asl_vol m;
  ASSERT_OK(asl_vol_init(&m, NX, NY, NZ + 1, 1));
  ASSERT_OK(asl_nifti_write(&m, mask_file(id)));
  asl_vol_free(&m);
  expect_refusal(id, ASL_ESHAPE, "desc-brain_mask.nii.gz", "mask grid");
  ASSERT_OK(asl_vol_init(&m, NX, NY, NZ, 2));
  ASSERT_OK(asl_nifti_write(&m, mask_file(id)));
  asl_vol_free(&m);
  expect_refusal(id, ASL_ESHAPE, "desc-brain_mask.nii.gz", "must be 3D");
  ASSERT_OK(asl_vol_init(&m, NX, NY, NZ, 1));
  ASSERT_OK(asl_nifti_write(&m, mask_file(id)));
  asl_vol_free(&m);
  expect_refusal(id, ASL_EFORMAT, "desc-brain_mask.nii.gz", "empty");
}

TEST(subject_refuses_nan_in_the_series) {
  char id[32], dir[512];
  make(id, dir, "cl", "Separate");
  asl_vol v;
  ASSERT_OK(asl_vol_init(&v, NX, NY, NZ, 2));
  v.data[17] = INFINITY;
  ASSERT_OK(asl_nifti_write(&v, file(dir, id, "asl.nii.gz")));
  asl_vol_free(&v);
  expect_refusal(id, ASL_ENUMERIC, "_asl.nii.gz", "Inf");
}

TEST(subject_refuses_truncated_and_non_nifti_series) {
  char id[32], dir[512];
  make(id, dir, "cl", "Separate");
  write_text(file(dir, id, "asl.nii.gz"), "not a nifti");
  expect_refusal(id, ASL_EFORMAT, "_asl.nii.gz", "NIfTI");
  char id2[32], dir2[512];
  make(id2, dir2, "cl", "Separate");
  asl_vol v;
  ASSERT_OK(asl_vol_init(&v, NX, NY, NZ, 2));
  ASSERT_OK(asl_nifti_write(&v, file(dir2, id2, "asl.nii")));
  asl_vol_free(&v);
  remove(file(dir2, id2, "asl.nii.gz"));
  ASSERT_EQ(0, truncate(file(dir2, id2, "asl.nii"), 600));
  expect_refusal(id2, ASL_EFORMAT, "_asl.nii", "truncated");
}

TEST(subject_refuses_missing_files) {
  char id[32], dir[512];
  make(id, dir, "cl", "Separate");
  remove(file(dir, id, "asl.json"));
  expect_refusal(id, ASL_ENOTFOUND, "_asl.json", "missing sidecar");
  make(id, dir, "cl", "Separate");
  remove(file(dir, id, "aslcontext.tsv"));
  expect_refusal(id, ASL_ENOTFOUND, "_aslcontext.tsv", "cannot be opened");
  make(id, dir, "cl", "Separate");
  remove(file(dir, id, "m0scan.nii.gz"));
  expect_refusal(id, ASL_ENOTFOUND, "_m0scan.nii.gz", "M0Type Separate");
  make(id, dir, "cl", "Separate");
  remove(file(dir, id, "asl.nii.gz"));
  expect_refusal(id, ASL_ENOTFOUND, "_asl.nii.gz", "missing ASL series");
  expect_refusal("sub-99", ASL_ENOTFOUND, "sub-99/perf", "no such folder");
}

TEST(subject_refuses_unpaired_control_and_empty_series) {
  char id[32], dir[512];
  make(id, dir, "ccll", "Separate");
  expect_refusal(id, ASL_EFORMAT, "aslcontext.tsv", "volume 0 (control");
  make(id, dir, "mm", "Included");
  expect_refusal(id, ASL_EFORMAT, "aslcontext.tsv", "nothing to denoise");
  make(id, dir, "cl", "Included");
  expect_refusal(id, ASL_EFORMAT, "aslcontext.tsv", "no row is m0scan");
}

TEST(subject_refuses_wrong_dimensions) {
  char id[32], dir[512];
  make(id, dir, "cl", "Separate");
  asl_vol v;
  ASSERT_OK(asl_vol_init(&v, NX, 1, 1, 2)); // one row of voxels is no image
  ASSERT_OK(asl_nifti_write(&v, file(dir, id, "asl.nii.gz")));
  asl_vol_free(&v);
  expect_refusal(id, ASL_ESHAPE, "_asl.nii.gz", "not a 3D image");
  int64_t dims[8] = {5, NX, NY, NZ, 1, 2, 1, 1}; // 5D, written by nifticlib directly
  nifti_image *nim = nifti_make_new_nim(dims, NIFTI_TYPE_FLOAT32, 1);
  ASSERT_EQ(0, nifti_set_filenames(nim, file(dir, id, "asl.nii.gz"), 0, 1));
  nifti_image_write(nim);
  nifti_image_free(nim);
  expect_refusal(id, ASL_ESHAPE, "_asl.nii.gz", "dimension 5");
}

int main(void) {
  snprintf(root, sizeof root, "/tmp/asl_test_subject_XXXXXX");
  if (!mkdtemp(root)) return 1;
  RUN(subject_control_label_pairs_subtract_in_either_order);
  RUN(subject_separate_m0_and_mask_derived_from_it);
  RUN(subject_separate_m0_matched_by_entities);
  RUN(subject_included_m0_volumes_are_averaged_and_deltam_kept);
  RUN(subject_estimate_m0_is_constant_and_mask_from_control);
  RUN(subject_absent_m0_has_none);
  RUN(subject_mask_file_wins_and_is_binarized);
  RUN(mask_from_image_drops_small_islands_and_fills_holes);
  RUN(subject_refuses_nt_not_matching_aslcontext);
  RUN(subject_refuses_m0_on_another_grid);
  RUN(subject_refuses_m0_with_shifted_affine);
  RUN(subject_refuses_mask_on_another_grid_or_4d);
  RUN(subject_refuses_nan_in_the_series);
  RUN(subject_refuses_truncated_and_non_nifti_series);
  RUN(subject_refuses_missing_files);
  RUN(subject_refuses_unpaired_control_and_empty_series);
  RUN(subject_refuses_wrong_dimensions);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", root);
  if (system(cmd) != 0) return 1;
  return DONE();
}
