// Normalization by masked means, its inverse and its guards.
#include "asl/normalize.h"
#include "harness.h"

// 2x2x1 frames; mask keeps voxels 0 and 3.
static void setup(asl_vol *v, asl_vol *mask, const float (*frames)[4], int nt) {
  ASSERT_OK(asl_vol_init(v, 2, 2, 1, nt));
  for (int t = 0; t < nt; t++) memcpy(asl_vol_frame(v, t), frames[t], sizeof frames[t]);
  ASSERT_OK(asl_vol_init(mask, 2, 2, 1, 1));
  mask->data[0] = mask->data[3] = 1.0f;
}

TEST(masked_mean_uses_only_mask_voxels) {
  const float f[2][4] = {{2, 100, -50, 6}, {1, 1, 1, 1}};
  asl_vol v, m;
  setup(&v, &m, f, 2);
  double mean;
  ASSERT_OK(asl_masked_mean(&v, 0, &m, &mean));
  ASSERT_NEAR(4.0, mean, 1e-12);
  ASSERT_OK(asl_masked_mean(&v, 0, NULL, &mean));
  ASSERT_NEAR(14.5, mean, 1e-12);
  asl_vol_free(&v), asl_vol_free(&m);
}

TEST(input_target_and_m0_scaled_and_inverted) {
  const float in[2][4] = {{2, 100, -50, 6}, {10, 0, 0, 30}};
  asl_vol v, m, target, m0;
  setup(&v, &m, in, 2);
  double scales[2];
  ASSERT_OK(asl_normalize(&v, &m, scales));
  ASSERT_NEAR(4.0, scales[0], 1e-12);
  ASSERT_NEAR(20.0, scales[1], 1e-12);
  ASSERT_NEAR(0.5, v.data[0], 1e-7);
  ASSERT_NEAR(25.0, v.data[1], 1e-6);
  ASSERT_NEAR(1.5, asl_vol_frame(&v, 1)[3], 1e-7);
  // The target of image 1 takes image 1's scale, not its own mean.
  ASSERT_OK(asl_vol_init(&target, 2, 2, 1, 1));
  for (int i = 0; i < 4; i++) target.data[i] = 8.0f * (float)(i + 1);
  asl_norm_divide(&target, 0, scales[1]);
  ASSERT_NEAR(0.4, target.data[0], 1e-7);
  ASSERT_NEAR(1.6, target.data[3], 1e-7);
  // M0 by its own masked mean.
  ASSERT_OK(asl_vol_init(&m0, 2, 2, 1, 1));
  m0.data[0] = 1000, m0.data[1] = 7, m0.data[2] = 7, m0.data[3] = 3000;
  double s0;
  ASSERT_OK(asl_norm_scale(&m0, 0, &m, &s0));
  ASSERT_NEAR(2000.0, s0, 1e-9);
  asl_norm_divide(&m0, 0, s0);
  ASSERT_NEAR(1.5, m0.data[3], 1e-7);
  // The inverse restores the input.
  asl_denormalize(&v, scales);
  for (int t = 0; t < 2; t++)
    for (int i = 0; i < 4; i++) ASSERT_NEAR(in[t][i], asl_vol_frame(&v, t)[i], 1e-5);
  asl_norm_multiply(&target, 0, scales[1]);
  ASSERT_NEAR(32.0, target.data[3], 1e-5);
  asl_vol_free(&v), asl_vol_free(&m), asl_vol_free(&target), asl_vol_free(&m0);
}

TEST(zero_or_negative_mean_refused_and_image_unchanged) {
  const float in[3][4] = {{2, 0, 0, 6}, {-1, 5, 5, 1}, {-3, 9, 9, 1}};
  asl_vol v, m;
  setup(&v, &m, in, 3);
  double scales[3];
  ASSERT_EQ(ASL_ENUMERIC, asl_normalize(&v, &m, scales));
  ASSERT(strstr(asl_error_message(), "frame 1 has masked mean 0") != NULL);
  for (int t = 0; t < 3; t++)
    for (int i = 0; i < 4; i++) ASSERT(asl_vol_frame(&v, t)[i] == in[t][i]);
  double s;
  ASSERT_EQ(ASL_ENUMERIC, asl_norm_scale(&v, 2, &m, &s));
  ASSERT(strstr(asl_error_message(), "frame 2 has masked mean -1") != NULL);
  asl_vol_free(&v), asl_vol_free(&m);
}

TEST(empty_or_mismatched_mask_refused) {
  const float in[1][4] = {{1, 2, 3, 4}};
  asl_vol v, m, wrong;
  setup(&v, &m, in, 1);
  memset(m.data, 0, 4 * sizeof(float));
  double mean;
  ASSERT_EQ(ASL_EINVAL, asl_masked_mean(&v, 0, &m, &mean));
  ASSERT_OK(asl_vol_init(&wrong, 4, 1, 1, 1));
  ASSERT_EQ(ASL_ESHAPE, asl_masked_mean(&v, 0, &wrong, &mean));
  ASSERT(strstr(asl_error_message(), "4x1x1") != NULL);
  asl_vol_free(&v), asl_vol_free(&m), asl_vol_free(&wrong);
}

int main(void) {
  RUN(masked_mean_uses_only_mask_voxels);
  RUN(input_target_and_m0_scaled_and_inverted);
  RUN(zero_or_negative_mean_refused_and_image_unchanged);
  RUN(empty_or_mismatched_mask_refused);
  return DONE();
}
