// SSIM, PSNR and NMAE on pairs whose values follow by hand.
#include <stdlib.h>

#include "asl/metrics.h"
#include "harness.h"

enum { NX = 16, NY = 12, NZ = 11 };

// ref = 10 + x: a ramp along x, constant along y and z.
static void ramp(asl_vol *v) {
  ASSERT_OK(asl_vol_init(v, NX, NY, NZ, 1));
  for (size_t i = 0; i < asl_vol_nvox(v); i++) v->data[i] = 10.0f + (float)(i % NX);
}

// Variance of x under the normalized 11-tap Gaussian (sigma 1.5).
static double window_variance(void) {
  double sw = 0, sk2 = 0;
  for (int k = -5; k <= 5; k++) {
    double w = exp(-k * k / (2 * 1.5 * 1.5));
    sw += w, sk2 += w * k * k;
  }
  return sk2 / sw;
}

// Inside the cropped region a symmetric window keeps a ramp's local mean at
// the ramp value and its local variance at window_variance(); for
// pred = a*ref + b the SSIM of column x follows in closed form.
static double ramp_ssim(double a, double b) {
  double R = NX - 1, c1 = (0.01 * R) * (0.01 * R), c2 = (0.03 * R) * (0.03 * R);
  double s2 = window_variance(), sum = 0;
  for (int x = 5; x < NX - 5; x++) {
    double ux = 10 + x, uy = a * ux + b;
    sum += (2 * ux * uy + c1) * (2 * a * s2 + c2) / ((ux * ux + uy * uy + c1) * (s2 + a * a * s2 + c2));
  }
  return sum / (NX - 10);
}

TEST(identical_volumes_score_ssim_1_nmae_0_psnr_inf) {
  asl_vol ref;
  ramp(&ref);
  asl_metrics m;
  ASSERT_OK(asl_metrics_vol(&ref, &ref, NULL, &m));
  ASSERT_NEAR(1.0, m.ssim, 1e-12);
  ASSERT(m.nmae == 0.0);
  ASSERT(isinf(m.psnr) && m.psnr > 0);
  asl_vol_free(&ref);
}

TEST(ssim_of_scaled_ramp_matches_closed_form) {
  asl_vol ref, pred;
  ramp(&ref);
  ASSERT_OK(asl_vol_copy(&pred, &ref));
  for (size_t i = 0; i < asl_vol_nvox(&pred); i++) pred.data[i] *= 2.0f;
  asl_metrics m;
  ASSERT_OK(asl_metrics_vol(&ref, &pred, NULL, &m));
  ASSERT_NEAR(ramp_ssim(2.0, 0.0), m.ssim, 1e-10);
  ASSERT(m.ssim < 0.95);
  asl_vol_free(&ref), asl_vol_free(&pred);
}

TEST(offset_ramp_matches_closed_form_ssim_psnr_nmae) {
  asl_vol ref, pred;
  ramp(&ref);
  ASSERT_OK(asl_vol_copy(&pred, &ref));
  for (size_t i = 0; i < asl_vol_nvox(&pred); i++) pred.data[i] += 3.0f;
  asl_metrics m;
  ASSERT_OK(asl_metrics_vol(&ref, &pred, NULL, &m));
  ASSERT_NEAR(ramp_ssim(1.0, 3.0), m.ssim, 1e-10);
  ASSERT_NEAR(10.0 * log10(15.0 * 15.0 / 9.0), m.psnr, 1e-9); // R = 15, MSE = 9
  ASSERT_NEAR(3.0 / 17.5, m.nmae, 1e-9);                       // mean |ref| = 17.5
  asl_vol_free(&ref), asl_vol_free(&pred);
}

TEST(psnr_and_nmae_of_four_voxels_with_and_without_mask) {
  const float ref[4] = {0, 1, 2, 3}, pred[4] = {1, 1, 2, 2}, mask[4] = {1, 1, 0, 1};
  double v;
  ASSERT_OK(asl_psnr(ref, pred, NULL, 4, &v));
  ASSERT_NEAR(10.0 * log10(9.0 / 0.5), v, 1e-12); // MSE (1+0+0+1)/4
  ASSERT_OK(asl_nmae(ref, pred, NULL, 4, &v));
  ASSERT_NEAR(2.0 / 6.0, v, 1e-12);
  ASSERT_OK(asl_psnr(ref, pred, mask, 4, &v));
  ASSERT_NEAR(10.0 * log10(9.0 / (2.0 / 3.0)), v, 1e-12); // R = 3 inside the mask
  ASSERT_OK(asl_nmae(ref, pred, mask, 4, &v));
  ASSERT_NEAR(2.0 / 4.0, v, 1e-12);
}

TEST(voxels_outside_the_mask_do_not_count) {
  asl_vol ref, pred, mask;
  ramp(&ref);
  ASSERT_OK(asl_vol_copy(&pred, &ref));
  ASSERT_OK(asl_vol_init(&mask, NX, NY, NZ, 1));
  for (size_t i = 0; i < asl_vol_nvox(&ref); i++) {
    int x = (int)(i % NX), y = (int)(i / NX % NY);
    mask.data[i] = (x > 2 && x < 13 && y > 1 && y < 10) ? 1.0f : 0.0f;
    pred.data[i] += 0.5f * (float)((i * 7) % 5);
  }
  asl_metrics a, b;
  ASSERT_OK(asl_metrics_vol(&ref, &pred, &mask, &a));
  for (size_t i = 0; i < asl_vol_nvox(&ref); i++)
    if (mask.data[i] == 0.0f) pred.data[i] = 1e4f, ref.data[i] = -1e4f;
  ASSERT_OK(asl_metrics_vol(&ref, &pred, &mask, &b));
  ASSERT(a.ssim == b.ssim && a.psnr == b.psnr && a.nmae == b.nmae);
  asl_metrics whole;
  ASSERT_OK(asl_metrics_vol(&ref, &pred, NULL, &whole));
  ASSERT(whole.psnr != a.psnr);
  asl_vol_free(&ref), asl_vol_free(&pred), asl_vol_free(&mask);
}

TEST(undefined_scores_are_refused_with_a_reason) {
  asl_vol ref, pred, mask, small;
  ramp(&ref);
  ASSERT_OK(asl_vol_copy(&pred, &ref));
  ASSERT_OK(asl_vol_init(&mask, NX, NY, NZ, 1));
  asl_metrics m;
  ASSERT_EQ(ASL_EINVAL, asl_metrics_vol(&ref, &pred, &mask, &m)); // empty mask
  pred.data[17] = NAN;
  ASSERT_EQ(ASL_ENUMERIC, asl_metrics_vol(&ref, &pred, NULL, &m));
  ASSERT(strstr(asl_error_message(), "prediction voxel 17") != NULL);
  pred.data[17] = 1.0f;
  for (size_t i = 0; i < asl_vol_nvox(&ref); i++) ref.data[i] = 4.0f;
  ASSERT_EQ(ASL_ENUMERIC, asl_metrics_vol(&ref, &pred, NULL, &m));
  ASSERT(strstr(asl_error_message(), "constant") != NULL);
  ASSERT_OK(asl_vol_init(&small, NX, NY, NZ - 1, 1));
  ASSERT_EQ(ASL_ESHAPE, asl_metrics_vol(&ref, &small, NULL, &m));
  ASSERT(strstr(asl_error_message(), "16x12x10x1") != NULL);
  const float zero[2] = {0, 0}, one[2] = {1, 1};
  double v;
  ASSERT_EQ(ASL_ENUMERIC, asl_nmae(zero, one, NULL, 2, &v));
  asl_vol_free(&ref), asl_vol_free(&pred), asl_vol_free(&mask), asl_vol_free(&small);
}

TEST(four_d_volumes_are_scored_one_frame_at_a_time) {
  asl_vol a, b;
  ASSERT_OK(asl_vol_init(&a, NX, NY, NZ, 2));
  ASSERT_OK(asl_vol_init(&b, NX, NY, NZ, 2));
  asl_metrics m;
  ASSERT_EQ(ASL_ESHAPE, asl_metrics_vol(&a, &b, NULL, &m));
  asl_vol_free(&a), asl_vol_free(&b);
}

TEST(series_scores_every_frame_and_averages) {
  asl_vol ref, imgs;
  ramp(&ref);
  ASSERT_OK(asl_vol_init_like(&imgs, &ref, 3));
  const float offset[3] = {0.0f, 3.0f, 1.5f};
  for (int t = 0; t < 3; t++)
    for (size_t i = 0; i < asl_vol_nvox(&ref); i++)
      asl_vol_frame(&imgs, t)[i] = ref.data[i] + offset[t];
  asl_metrics_ctx c;
  ASSERT_OK(asl_metrics_ctx_init(&c, NX, NY, NZ));
  asl_metrics per[3], mean;
  ASSERT_OK(asl_metrics_series(&c, &imgs, &ref, NULL, per, &mean));
  ASSERT(isinf(per[0].psnr));
  ASSERT_NEAR(ramp_ssim(1.0, 3.0), per[1].ssim, 1e-10);
  ASSERT_NEAR(ramp_ssim(1.0, 1.5), per[2].ssim, 1e-10);
  ASSERT_NEAR((1.0 + per[1].ssim + per[2].ssim) / 3, mean.ssim, 1e-12);
  ASSERT_NEAR((3.0 / 17.5 + 1.5 / 17.5) / 3, mean.nmae, 1e-9);
  asl_vol small;
  ASSERT_OK(asl_vol_init(&small, NX, NY, NZ + 1, 1));
  ASSERT_EQ(ASL_ESHAPE, asl_metrics_series(&c, &imgs, &small, NULL, per, &mean));
  asl_metrics_ctx_free(&c);
  asl_vol_free(&ref), asl_vol_free(&imgs), asl_vol_free(&small);
}

int main(void) {
  RUN(identical_volumes_score_ssim_1_nmae_0_psnr_inf);
  RUN(ssim_of_scaled_ramp_matches_closed_form);
  RUN(offset_ramp_matches_closed_form_ssim_psnr_nmae);
  RUN(psnr_and_nmae_of_four_voxels_with_and_without_mask);
  RUN(voxels_outside_the_mask_do_not_count);
  RUN(undefined_scores_are_refused_with_a_reason);
  RUN(four_d_volumes_are_scored_one_frame_at_a_time);
  RUN(series_scores_every_frame_and_averages);
  return DONE();
}
