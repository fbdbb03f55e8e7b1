// SSIM, PSNR and NMAE against scikit-image/numpy on committed fixtures
// (written by tests/asl/make_ssim_fixtures.py).
#include <stdint.h>
#include <stdlib.h>

#include "asl/metrics.h"
#include "harness.h"

typedef struct {
  int nx, ny, nz, has_mask;
  double ssim, psnr, nmae;
  float *ref, *pred, *mask;
} fixture;

static void fixture_free(fixture *f) {
  free(f->ref), free(f->pred), free(f->mask);
  memset(f, 0, sizeof *f);
}

// Reads tests/asl/fixtures/ssim_<name>.bin; returns 0 on success.
static int fixture_read(fixture *f, const char *name) {
  memset(f, 0, sizeof *f);
  const char *root = getenv("ASLSWEEP_SOURCE_DIR");
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/asl/fixtures/ssim_%s.bin", root ? root : ".", name);
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    fprintf(stderr, "cannot open %s\n", path);
    return -1;
  }
  char magic[8];
  int32_t dims[4];
  double vals[3];
  int ok = fread(magic, 1, 8, fp) == 8 && memcmp(magic, "ASLSSIM1", 8) == 0 &&
           fread(dims, sizeof dims[0], 4, fp) == 4 && fread(vals, sizeof vals[0], 3, fp) == 3;
  if (ok) {
    f->nx = dims[0], f->ny = dims[1], f->nz = dims[2], f->has_mask = dims[3];
    f->ssim = vals[0], f->psnr = vals[1], f->nmae = vals[2];
    size_t n = (size_t)f->nx * f->ny * f->nz;
    f->ref = malloc(n * sizeof(float));
    f->pred = malloc(n * sizeof(float));
    f->mask = f->has_mask ? malloc(n * sizeof(float)) : NULL;
    ok = f->ref && f->pred && fread(f->ref, sizeof(float), n, fp) == n &&
         fread(f->pred, sizeof(float), n, fp) == n &&
         (!f->has_mask || (f->mask && fread(f->mask, sizeof(float), n, fp) == n));
  }
  fclose(fp);
  if (!ok) fixture_free(f);
  return ok ? 0 : -1;
}

static void check_fixture(const char *name) {
  fixture f;
  ASSERT_EQ(0, fixture_read(&f, name));
  asl_metrics_ctx c;
  ASSERT_OK(asl_metrics_ctx_init(&c, f.nx, f.ny, f.nz));
  asl_metrics m;
  asl_status s = asl_metrics_frame(&c, f.ref, f.pred, f.mask, &m);
  asl_metrics want = {f.ssim, f.psnr, f.nmae};
  asl_metrics_ctx_free(&c);
  fixture_free(&f);
  ASSERT_OK(s);
  printf("  %s: ssim %.12f (skimage %.12f) psnr %.9f nmae %.9f\n", name, m.ssim, want.ssim,
         m.psnr, m.nmae);
  ASSERT_NEAR(want.ssim, m.ssim, 1e-5);
  ASSERT_NEAR(want.psnr, m.psnr, 1e-6);
  ASSERT_NEAR(want.nmae, m.nmae, 1e-9);
}

TEST(ssim_matches_skimage_cube11) { check_fixture("cube11"); }
TEST(ssim_matches_skimage_odd_shape_with_mask) { check_fixture("odd_13x17x12_mask"); }
TEST(ssim_matches_skimage_negative_values) { check_fixture("negative_19x11x15"); }
TEST(ssim_matches_skimage_smoothed_with_mask) { check_fixture("smoothed_24x20x14_mask"); }
TEST(ssim_matches_skimage_asl_64x57x16) { check_fixture("asl_64x57x16"); }

TEST(ssim_context_reused_gives_same_value) {
  fixture f;
  ASSERT_EQ(0, fixture_read(&f, "odd_13x17x12_mask"));
  asl_metrics_ctx c;
  ASSERT_OK(asl_metrics_ctx_init(&c, f.nx, f.ny, f.nz));
  double a = 0, b = 0, unmasked = 0;
  ASSERT_OK(asl_ssim_frame(&c, f.ref, f.pred, f.mask, &a));
  ASSERT_OK(asl_ssim_frame(&c, f.ref, f.pred, NULL, &unmasked));
  ASSERT_OK(asl_ssim_frame(&c, f.ref, f.pred, f.mask, &b));
  asl_metrics_ctx_free(&c);
  fixture_free(&f);
  ASSERT(a == b);
  ASSERT(fabs(a - unmasked) > 1e-3); // the mask does change the score
}

TEST(ssim_refuses_side_under_window_like_skimage) {
  asl_metrics_ctx c;
  ASSERT_EQ(ASL_EINVAL, asl_metrics_ctx_init(&c, 12, 12, 10));
  ASSERT(strstr(asl_error_message(), "12x12x10") != NULL);
  ASSERT_EQ(ASL_EINVAL, asl_metrics_ctx_init(&c, 10, 64, 64));
  ASSERT_OK(asl_metrics_ctx_init(&c, 11, 11, 11));
  asl_metrics_ctx_free(&c);
}

int main(void) {
  RUN(ssim_matches_skimage_cube11);
  RUN(ssim_matches_skimage_odd_shape_with_mask);
  RUN(ssim_matches_skimage_negative_values);
  RUN(ssim_matches_skimage_smoothed_with_mask);
  RUN(ssim_matches_skimage_asl_64x57x16);
  RUN(ssim_context_reused_gives_same_value);
  RUN(ssim_refuses_side_under_window_like_skimage);
  return DONE();
}
