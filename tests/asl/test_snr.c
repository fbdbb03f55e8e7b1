// k-means on hand-made points, SNR grouping of features and of synthetic
// subjects with clearly different noise levels.
#include <stdlib.h>

#include "asl/snr.h"
#include "asl/rng.h"
#include "harness.h"

TEST(kmeans_separates_two_hand_made_clusters) {
  const double pts[] = {0, 0, 1, 0, 0, 1, 10, 10, 11, 10, 10, 11.5};
  int label[6];
  for (uint64_t seed = 1; seed <= 20; seed++) {
    ASSERT_OK(asl_kmeans(pts, 6, 2, 2, seed, label));
    ASSERT(label[0] == label[1] && label[1] == label[2]);
    ASSERT(label[3] == label[4] && label[4] == label[5]);
    ASSERT(label[0] != label[3]);
  }
}

TEST(kmeans_three_clusters_and_determinism) {
  // Three groups on a line; k-means++ starts may vary with the seed, the
  // converged partition must not.
  const double pts[] = {0, 0.2, 0.4, 5, 5.3, 5.1, 9.8, 10, 10.4};
  int a[9], b[9];
  ASSERT_OK(asl_kmeans(pts, 9, 1, 3, 42, a));
  ASSERT_OK(asl_kmeans(pts, 9, 1, 3, 42, b));
  ASSERT(memcmp(a, b, sizeof a) == 0);
  for (int g = 0; g < 3; g++) {
    ASSERT(a[3 * g] == a[3 * g + 1] && a[3 * g] == a[3 * g + 2]);
    for (int h = 0; h < g; h++) ASSERT(a[3 * g] != a[3 * h]);
  }
  ASSERT_EQ(ASL_EINVAL, asl_kmeans(pts, 2, 1, 3, 1, a));
}

TEST(groups_ordered_by_ascending_mean_ssim) {
  const double ssim[] = {0.90, 0.30, 0.85, 0.35, 0.88};
  const double nmae[] = {0.10, 0.80, 0.12, 0.70, 0.11};
  int g[5];
  for (uint64_t seed = 0; seed < 10; seed++) {
    ASSERT_OK(asl_snr_groups(ssim, nmae, 5, 2, seed, g));
    const int want[] = {1, 0, 1, 0, 1};
    for (int i = 0; i < 5; i++) ASSERT_EQ(want[i], g[i]);
  }
  char buf[ASL_SNR_NAME_MAX];
  ASSERT_STR_EQ("low", asl_snr_group_name(0, 2, buf));
  ASSERT_STR_EQ("high", asl_snr_group_name(1, 2, buf));
  ASSERT_STR_EQ("g2", asl_snr_group_name(2, 3, buf));
  ASSERT_EQ(1, asl_snr_group_index("high", 2));
  ASSERT_EQ(0, asl_snr_group_index("g0", 3));
  ASSERT_EQ(-1, asl_snr_group_index("low", 3));
}

TEST(three_groups_follow_ssim_order) {
  const double ssim[] = {0.5, 0.9, 0.1, 0.52, 0.12, 0.91};
  const double nmae[] = {0.4, 0.1, 0.9, 0.41, 0.88, 0.09};
  int g[6];
  ASSERT_OK(asl_snr_groups(ssim, nmae, 6, 3, 3, g));
  const int want[] = {1, 2, 0, 1, 0, 2};
  for (int i = 0; i < 6; i++) ASSERT_EQ(want[i], g[i]);
  double bad[] = {0.5, NAN};
  ASSERT_EQ(ASL_ENUMERIC, asl_snr_groups(bad, nmae, 2, 2, 1, g));
  ASSERT_EQ(ASL_EINVAL, asl_snr_groups(ssim, nmae, 6, 7, 1, g));
}

// A subject: 8 frames of a smooth positive perfusion-like map plus Gaussian
// noise of the given SD.
static void subject(asl_vol *d, double noise, uint64_t seed) {
  ASSERT_OK(asl_vol_init(d, 16, 16, 12, 8));
  asl_rng r;
  asl_rng_seed(&r, seed);
  size_t nv = asl_vol_nvox(d);
  for (int t = 0; t < 8; t++)
    for (size_t i = 0; i < nv; i++) {
      int x = (int)(i % 16), y = (int)(i / 16 % 16), z = (int)(i / 256);
      double base = 40.0 + 30.0 * sin(x * 0.4) * cos(y * 0.3) + 2.0 * z;
      asl_vol_frame(d, t)[i] = (float)(base + noise * asl_rng_normal(&r));
    }
}

TEST(noisy_subjects_land_in_the_low_group) {
  const double noise[6] = {2.0, 40.0, 3.0, 35.0, 2.5, 45.0};
  double ssim[6], nmae[6];
  for (int s = 0; s < 6; s++) {
    asl_vol d;
    subject(&d, noise[s], 100 + s);
    ASSERT_OK(asl_snr_features(&d, NULL, &ssim[s], &nmae[s]));
    asl_vol_free(&d);
  }
  for (int s = 0; s < 6; s++)
    printf("  subject %d noise %.0f: ssim %.4f nmae %.4f\n", s, noise[s], ssim[s], nmae[s]);
  ASSERT(ssim[0] > ssim[1] && nmae[0] < nmae[1]);
  int g[6];
  ASSERT_OK(asl_snr_groups(ssim, nmae, 6, 2, 2026, g));
  for (int s = 0; s < 6; s++) ASSERT_EQ(noise[s] > 10 ? 0 : 1, g[s]);
}

TEST(noise_free_subject_scores_ssim_1_nmae_0) {
  asl_vol d, mask;
  subject(&d, 0.0, 1);
  ASSERT_OK(asl_vol_init(&mask, 16, 16, 12, 1));
  for (size_t i = 0; i < asl_vol_nvox(&mask); i++) mask.data[i] = (i % 16) > 3 ? 1.0f : 0.0f;
  double s, n;
  ASSERT_OK(asl_snr_features(&d, &mask, &s, &n));
  ASSERT_NEAR(1.0, s, 1e-9);
  ASSERT_NEAR(0.0, n, 1e-6);
  asl_vol wrong;
  ASSERT_OK(asl_vol_init(&wrong, 16, 16, 11, 1));
  ASSERT_EQ(ASL_ESHAPE, asl_snr_features(&d, &wrong, &s, &n));
  asl_vol_free(&d), asl_vol_free(&mask), asl_vol_free(&wrong);
}

int main(void) {
  RUN(kmeans_separates_two_hand_made_clusters);
  RUN(kmeans_three_clusters_and_determinism);
  RUN(groups_ordered_by_ascending_mean_ssim);
  RUN(three_groups_follow_ssim_order);
  RUN(noisy_subjects_land_in_the_low_group);
  RUN(noise_free_subject_scores_ssim_1_nmae_0);
  return DONE();
}
