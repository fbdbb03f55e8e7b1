// Augmentation on asymmetric toy volumes: involutions, known voxel maps,
// rotation of a linear ramp, one transform for every channel, the draws.
#include <stdlib.h>

#include "asl/augment.h"
#include "harness.h"

// Distinct values: 1 + x + 10*y + 100*z, no symmetry to hide a wrong axis.
static float *toy(int nx, int ny, int nz) {
  float *v = malloc((size_t)nx * ny * nz * sizeof *v);
  for (int z = 0; z < nz; z++)
    for (int y = 0; y < ny; y++)
      for (int x = 0; x < nx; x++) v[((size_t)z * ny + y) * nx + x] = 1.0f + x + 10 * y + 100 * z;
  return v;
}

#define AT(v, nx, ny, x, y, z) (v)[((size_t)(z) * (ny) + (y)) * (nx) + (x)]

static void apply_twice_is_identity(asl_aug a, int nx, int ny, int nz) {
  size_t n = (size_t)nx * ny * nz;
  float *src = toy(nx, ny, nz), *once = malloc(n * sizeof *once), *twice = malloc(n * sizeof *twice);
  ASSERT_OK(asl_aug_apply(once, src, nx, ny, nz, &a));
  ASSERT(memcmp(once, src, n * sizeof *src) != 0);
  ASSERT_OK(asl_aug_apply(twice, once, nx, ny, nz, &a));
  ASSERT(memcmp(twice, src, n * sizeof *src) == 0);
  free(src), free(once), free(twice);
}

TEST(flips_and_transpose_are_involutions) {
  asl_aug a;
  asl_aug_identity(&a), a.flip_x = 1;
  apply_twice_is_identity(a, 6, 4, 3);
  asl_aug_identity(&a), a.flip_y = 1;
  apply_twice_is_identity(a, 6, 4, 3);
  asl_aug_identity(&a), a.transpose = 1;
  apply_twice_is_identity(a, 5, 5, 2);
}

TEST(flip_and_transpose_map_known_voxels) {
  int nx = 6, ny = 4, nz = 3;
  float *src = toy(nx, ny, nz), *dst = malloc(6 * 4 * 3 * sizeof *dst);
  asl_aug a;
  asl_aug_identity(&a), a.flip_x = 1;
  ASSERT_OK(asl_aug_apply(dst, src, nx, ny, nz, &a));
  ASSERT(AT(dst, nx, ny, 0, 1, 2) == AT(src, nx, ny, 5, 1, 2));
  asl_aug_identity(&a), a.flip_y = 1;
  ASSERT_OK(asl_aug_apply(dst, src, nx, ny, nz, &a));
  ASSERT(AT(dst, nx, ny, 2, 0, 1) == AT(src, nx, ny, 2, 3, 1));
  free(src), free(dst);
  float *sq = toy(5, 5, 2), *out = malloc(5 * 5 * 2 * sizeof *out);
  asl_aug_identity(&a), a.transpose = 1;
  ASSERT_OK(asl_aug_apply(out, sq, 5, 5, 2, &a));
  ASSERT(AT(out, 5, 5, 1, 3, 1) == AT(sq, 5, 5, 3, 1, 1));
  // flip x then transpose: out(x, y) = src(nx-1-y, x)
  a.flip_x = 1;
  ASSERT_OK(asl_aug_apply(out, sq, 5, 5, 2, &a));
  ASSERT(AT(out, 5, 5, 1, 3, 0) == AT(sq, 5, 5, 1, 1, 0));
  ASSERT(AT(out, 5, 5, 0, 0, 0) == AT(sq, 5, 5, 4, 0, 0));
  free(sq), free(out);
}

TEST(transpose_of_non_square_slices_is_refused) {
  float src[24] = {0}, dst[24];
  asl_aug a;
  asl_aug_identity(&a), a.transpose = 1;
  ASSERT_EQ(ASL_EINVAL, asl_aug_apply(dst, src, 6, 4, 1, &a));
  ASSERT(strstr(asl_error_message(), "6x4") != NULL);
}

TEST(shift_moves_by_whole_voxels_and_fills_zeros) {
  int nx = 6, ny = 4;
  float *src = toy(nx, ny, 1), dst[24];
  asl_aug a;
  asl_aug_identity(&a), a.shift_x = 2, a.shift_y = -1;
  ASSERT_OK(asl_aug_apply(dst, src, nx, ny, 1, &a));
  for (int y = 0; y < ny; y++)
    for (int x = 0; x < nx; x++) {
      int sx = x - 2, sy = y + 1;
      float want = (sx >= 0 && sy < ny) ? AT(src, nx, ny, sx, sy, 0) : 0.0f;
      ASSERT(AT(dst, nx, ny, x, y, 0) == want);
    }
  free(src);
}

TEST(rotation_by_90_degrees_moves_a_point_counter_clockwise) {
  float src[5 * 5 * 2] = {0}, dst[5 * 5 * 2];
  AT(src, 5, 5, 4, 2, 1) = 7.0f; // centre (2, 2) + (2, 0)
  asl_aug a;
  asl_aug_identity(&a), a.angle_deg = 90.0;
  ASSERT_OK(asl_aug_apply(dst, src, 5, 5, 2, &a));
  ASSERT_NEAR(7.0, AT(dst, 5, 5, 2, 4, 1), 1e-5); // centre + (0, 2)
  double total = 0;
  for (int i = 0; i < 50; i++) total += dst[i];
  ASSERT_NEAR(7.0, total, 1e-5);
}

TEST(rotation_by_30_degrees_resamples_a_linear_ramp_exactly) {
  int n = 32;
  float *src = malloc((size_t)n * n * sizeof *src), *dst = malloc((size_t)n * n * sizeof *dst);
  for (int y = 0; y < n; y++)
    for (int x = 0; x < n; x++) src[y * n + x] = 3.0f * x - 2.0f * y + 5.0f;
  asl_aug a;
  asl_aug_identity(&a), a.angle_deg = 30.0;
  ASSERT_OK(asl_aug_apply(dst, src, n, n, 1, &a));
  double c = sqrt(3.0) / 2.0, s = 0.5, ctr = 0.5 * (n - 1); // cos, sin of 30 degrees
  int checked = 0;
  for (int y = 8; y < 24; y++)
    for (int x = 8; x < 24; x++) {
      // Source of (x, y): rotate back by 30 degrees about the centre.
      double dx = x - ctr, dy = y - ctr;
      double u = c * dx + s * dy + ctr, v = -s * dx + c * dy + ctr;
      ASSERT_NEAR(3.0 * u - 2.0 * v + 5.0, dst[y * n + x], 1e-4);
      checked++;
    }
  ASSERT_EQ(256, checked);
  ASSERT(dst[0] == 0.0f); // corners rotate out of the slice and read 0
  free(src), free(dst);
}

TEST(same_transform_on_input_m0_and_target) {
  int n = 16, nz = 3;
  size_t nv = (size_t)n * n * nz;
  float *in = toy(n, n, nz), *m0 = malloc(nv * sizeof *m0), *tg = malloc(nv * sizeof *tg);
  for (size_t i = 0; i < nv; i++) m0[i] = 2.0f * in[i], tg[i] = in[i] + 1000.0f;
  float *o_in = malloc(nv * sizeof *o_in), *o_m0 = malloc(nv * sizeof *o_m0);
  float *o_tg = malloc(nv * sizeof *o_tg), *o_one = malloc(nv * sizeof *o_one);
  float *ones = malloc(nv * sizeof *ones);
  for (size_t i = 0; i < nv; i++) ones[i] = 1.0f;
  asl_rng r;
  asl_rng_seed(&r, 99);
  for (int rep = 0; rep < 5; rep++) {
    asl_aug a;
    asl_aug_draw(&a, &r, ASL_AUG_ALL, 3, n, n);
    ASSERT_OK(asl_aug_apply(o_in, in, n, n, nz, &a));
    ASSERT_OK(asl_aug_apply(o_m0, m0, n, n, nz, &a));
    ASSERT_OK(asl_aug_apply(o_tg, tg, n, n, nz, &a));
    ASSERT_OK(asl_aug_apply(o_one, ones, n, n, nz, &a));
    // Linear interpolation commutes with scaling and offsets: the
    // channels' relations survive only if all used the same transform.
    for (size_t i = 0; i < nv; i++) {
      ASSERT_NEAR(2.0 * o_in[i], o_m0[i], 1e-3);
      ASSERT_NEAR(o_in[i] + 1000.0 * o_one[i], o_tg[i], 1e-2);
    }
  }
  free(in), free(m0), free(tg), free(o_in), free(o_m0), free(o_tg), free(o_one), free(ones);
}

TEST(draw_is_seeded_bounded_and_respects_the_bit_set) {
  asl_rng r1, r2;
  asl_rng_seed(&r1, 7), asl_rng_seed(&r2, 7);
  int fx = 0, tr = 0, neg = 0, pos = 0;
  for (int i = 0; i < 2000; i++) {
    asl_aug a, b;
    asl_aug_draw(&a, &r1, ASL_AUG_ALL, 4, 64, 64);
    asl_aug_draw(&b, &r2, ASL_AUG_ALL, 4, 64, 64);
    ASSERT(memcmp(&a, &b, sizeof a) == 0);
    ASSERT(a.angle_deg >= -45.0 && a.angle_deg <= 45.0);
    ASSERT(abs(a.shift_x) <= 4 && abs(a.shift_y) <= 4);
    fx += a.flip_x, tr += a.transpose;
    neg += a.angle_deg < -30, pos += a.angle_deg > 30;
  }
  ASSERT(fx > 850 && fx < 1150);
  ASSERT(tr > 850 && tr < 1150);
  ASSERT(neg > 270 && neg < 400 && pos > 270 && pos < 400); // a sixth (333) in each tail
  // Only flips enabled: the rest is identity, and the flips are the ones the
  // full set would have drawn from the same stream.
  asl_rng_seed(&r1, 8), asl_rng_seed(&r2, 8);
  for (int i = 0; i < 50; i++) {
    asl_aug a, b;
    asl_aug_draw(&a, &r1, ASL_AUG_FLIP_X | ASL_AUG_FLIP_Y, 4, 64, 64);
    asl_aug_draw(&b, &r2, ASL_AUG_ALL, 4, 64, 64);
    ASSERT(a.transpose == 0 && a.shift_x == 0 && a.shift_y == 0 && a.angle_deg == 0.0);
    ASSERT(a.flip_x == b.flip_x && a.flip_y == b.flip_y);
  }
  // Non-square slices never get a transpose.
  for (int i = 0; i < 100; i++) {
    asl_aug a;
    asl_aug_draw(&a, &r1, ASL_AUG_ALL, 0, 64, 57);
    ASSERT(a.transpose == 0 && a.shift_x == 0);
  }
}

int main(void) {
  RUN(flips_and_transpose_are_involutions);
  RUN(flip_and_transpose_map_known_voxels);
  RUN(transpose_of_non_square_slices_is_refused);
  RUN(shift_moves_by_whole_voxels_and_fills_zeros);
  RUN(rotation_by_90_degrees_moves_a_point_counter_clockwise);
  RUN(rotation_by_30_degrees_resamples_a_linear_ramp_exactly);
  RUN(same_transform_on_input_m0_and_target);
  RUN(draw_is_seeded_bounded_and_respects_the_bit_set);
  return DONE();
}
