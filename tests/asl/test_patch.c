// Model-grid patches (padding, weights, shared position) and pad/crop round
// trips on the real ASL matrices.
#include <stdlib.h>

#include "asl/patch.h"
#include "harness.h"

// Voxel value = 1 + linear index, so every voxel is distinct and nonzero.
static void indexed(asl_vol *v, int nx, int ny, int nz, int nt) {
  ASSERT_OK(asl_vol_init(v, nx, ny, nz, nt));
  for (size_t i = 0; i < asl_vol_nvox(v) * nt; i++) v->data[i] = (float)(i + 1);
}

static float vox(const asl_vol *v, int t, int x, int y, int z) {
  return asl_vol_frame(v, t)[((size_t)z * v->ny + y) * v->nx + x];
}

// Checks every patch voxel against the volume (or 0 outside) and returns how
// many voxels came from inside.
static size_t check_patch(const float *p, const asl_vol *v, int t, const asl_patch *pt) {
  size_t inside = 0;
  for (int z = 0; z < pt->pz; z++)
    for (int y = 0; y < pt->py; y++)
      for (int x = 0; x < pt->px; x++) {
        int vx = x + pt->ox, vy = y + pt->oy, vz = z + pt->oz;
        int in = vx >= 0 && vy >= 0 && vz >= 0 && vx < v->nx && vy < v->ny && vz < v->nz;
        float got = p[((size_t)z * pt->py + y) * pt->px + x];
        if (in) {
          inside++;
          if (got != vox(v, t, vx, vy, vz)) HARNESS_FAIL("patch voxel %d,%d,%d", x, y, z);
        } else if (got != 0.0f) {
          HARNESS_FAIL("padding voxel %d,%d,%d is %g", x, y, z, got);
        }
      }
  return inside;
}

TEST(small_matrix_is_centred_and_zero_padded_with_weight_mask) {
  asl_vol v;
  indexed(&v, 64, 57, 16, 1);
  asl_rng r;
  asl_rng_seed(&r, 5);
  asl_patch p;
  ASSERT_OK(asl_patch_draw(&p, &r, &v, 64, 64, 32));
  ASSERT_EQ(0, p.ox);
  ASSERT_EQ(-3, p.oy); // (64 - 57) / 2
  ASSERT_EQ(-8, p.oz); // (32 - 16) / 2
  size_t n = 64 * 64 * 32;
  float *buf = malloc(n * sizeof *buf), *w = malloc(n * sizeof *w);
  asl_patch_extract(buf, &v, 0, &p);
  ASSERT_EQ(64 * 57 * 16, check_patch(buf, &v, 0, &p));
  ASSERT_OK(asl_patch_weight(w, &v, NULL, &p));
  size_t ones = 0;
  for (size_t i = 0; i < n; i++) {
    ASSERT(w[i] == 0.0f || w[i] == 1.0f);
    ASSERT((w[i] == 1.0f) == (buf[i] != 0.0f)); // weight 1 exactly on real voxels
    ones += w[i] == 1.0f;
  }
  ASSERT_EQ(64 * 57 * 16, ones);
  free(buf), free(w), asl_vol_free(&v);
}

TEST(large_matrix_patches_stay_inside_and_vary_with_the_stream) {
  asl_vol v;
  indexed(&v, 96, 96, 48, 1);
  asl_rng r, r2;
  asl_rng_seed(&r, 11), asl_rng_seed(&r2, 11);
  float *buf = malloc(64 * 64 * 32 * sizeof *buf);
  int seen_x[33] = {0}, distinct = 0;
  for (int i = 0; i < 200; i++) {
    asl_patch p, q;
    ASSERT_OK(asl_patch_draw(&p, &r, &v, 64, 64, 32));
    ASSERT_OK(asl_patch_draw(&q, &r2, &v, 64, 64, 32));
    ASSERT(p.ox == q.ox && p.oy == q.oy && p.oz == q.oz); // same seed, same patches
    ASSERT(p.ox >= 0 && p.ox <= 32 && p.oy >= 0 && p.oy <= 32 && p.oz >= 0 && p.oz <= 16);
    if (!seen_x[p.ox]++) distinct++;
    if (i < 3) {
      asl_patch_extract(buf, &v, 0, &p);
      ASSERT_EQ(64 * 64 * 32, check_patch(buf, &v, 0, &p));
    }
  }
  ASSERT(distinct > 25); // the origin covers its range
  free(buf), asl_vol_free(&v);
}

TEST(asl_m0_and_target_channels_share_the_patch_position) {
  asl_vol asl, m0;
  indexed(&asl, 40, 30, 20, 3);
  ASSERT_OK(asl_vol_init(&m0, 40, 30, 20, 1));
  for (size_t i = 0; i < asl_vol_nvox(&m0); i++) m0.data[i] = 2.0f * asl_vol_frame(&asl, 2)[i] + 1;
  asl_rng r;
  asl_rng_seed(&r, 3);
  asl_patch p;
  ASSERT_OK(asl_patch_draw(&p, &r, &asl, 32, 32, 16));
  ASSERT_EQ(-1, p.oy);
  size_t n = 32 * 32 * 16;
  float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
  asl_patch_extract(a, &asl, 2, &p);
  asl_patch_extract(b, &m0, 0, &p);
  check_patch(a, &asl, 2, &p);
  for (size_t i = 0; i < n; i++) ASSERT(a[i] == 0.0f ? b[i] == 0.0f : b[i] == 2.0f * a[i] + 1);
  free(a), free(b), asl_vol_free(&asl), asl_vol_free(&m0);
}

TEST(weight_is_restricted_to_the_brain_mask) {
  asl_vol v, mask;
  indexed(&v, 20, 12, 10, 1);
  ASSERT_OK(asl_vol_init(&mask, 20, 12, 10, 1));
  for (size_t i = 0; i < asl_vol_nvox(&mask); i++) mask.data[i] = (i % 3 == 0) ? 1.0f : 0.0f;
  asl_patch p = {16, 16, 16, 2, -2, -3};
  size_t n = 16 * 16 * 16, ones = 0;
  float *w = malloc(n * sizeof *w);
  ASSERT_OK(asl_patch_weight(w, &v, &mask, &p));
  for (int z = 0; z < 16; z++)
    for (int y = 0; y < 16; y++)
      for (int x = 0; x < 16; x++) {
        int vx = x + 2, vy = y - 2, vz = z - 3;
        int in = vy >= 0 && vz >= 0 && vy < 12 && vz < 10;
        float want = in && vox(&mask, 0, vx, vy, vz) != 0.0f ? 1.0f : 0.0f;
        ASSERT(w[((size_t)z * 16 + y) * 16 + x] == want);
        ones += want == 1.0f;
      }
  ASSERT(ones > 0);
  asl_vol wrong;
  ASSERT_OK(asl_vol_init(&wrong, 20, 12, 9, 1));
  ASSERT_EQ(ASL_ESHAPE, asl_patch_weight(w, &v, &wrong, &p));
  free(w), asl_vol_free(&v), asl_vol_free(&mask), asl_vol_free(&wrong);
}

static void round_trip(int nx, int ny, int nz, int px, int py, int pz) {
  asl_vol v, padded, back;
  indexed(&v, nx, ny, nz, 2);
  v.affine[0][0] = 3.0f, v.affine[1][1] = 3.5f, v.affine[2][2] = 5.0f;
  v.affine[0][3] = -90.0f, v.affine[1][3] = 20.0f, v.affine[2][3] = -40.0f;
  asl_pad_geom g;
  ASSERT_OK(asl_pad_geom_init(&g, nx, ny, nz, 16));
  ASSERT(g.px == px && g.py == py && g.pz == pz);
  ASSERT_OK(asl_pad_vol(&padded, &v, &g));
  ASSERT(padded.nx == px && padded.ny == py && padded.nz == pz && padded.nt == 2);
  double sum_in = 0, sum_pad = 0;
  for (size_t i = 0; i < asl_vol_nvox(&v) * 2; i++) sum_in += v.data[i];
  for (size_t i = 0; i < asl_vol_nvox(&padded) * 2; i++) sum_pad += padded.data[i];
  ASSERT(sum_in == sum_pad); // the border is zeros
  ASSERT(vox(&padded, 1, g.ox, g.oy, g.oz) == vox(&v, 1, 0, 0, 0));
  // Voxel (0,0,0) keeps its scanner position: padded affine at (ox,oy,oz).
  for (int row = 0; row < 3; row++) {
    double pos = padded.affine[row][3] + padded.affine[row][0] * g.ox +
                 padded.affine[row][1] * g.oy + padded.affine[row][2] * g.oz;
    ASSERT_NEAR(v.affine[row][3], pos, 1e-4);
  }
  ASSERT_OK(asl_crop_vol(&back, &padded, &g));
  ASSERT(back.nx == nx && back.ny == ny && back.nz == nz && back.nt == 2);
  ASSERT(memcmp(back.data, v.data, asl_vol_nvox(&v) * 2 * sizeof(float)) == 0);
  ASSERT(memcmp(back.affine, v.affine, sizeof v.affine) == 0);
  if (nx != px || ny != py || nz != pz) {
    asl_vol wrong;
    ASSERT_EQ(ASL_ESHAPE, asl_crop_vol(&wrong, &v, &g)); // unpadded input
  }
  asl_vol_free(&v), asl_vol_free(&padded), asl_vol_free(&back);
}

TEST(pad_crop_round_trip_64x57x16) { round_trip(64, 57, 16, 64, 64, 16); }
TEST(pad_crop_round_trip_96x96x48) { round_trip(96, 96, 48, 96, 96, 48); }
TEST(pad_crop_round_trip_128x128x24) { round_trip(128, 128, 24, 128, 128, 32); }

TEST(pad_and_crop_refuse_wrong_grids) {
  asl_pad_geom g;
  ASSERT_OK(asl_pad_geom_init(&g, 64, 57, 16, 16));
  ASSERT_EQ(3, g.oy); // 7 voxels of padding: 3 before, 4 after
  asl_vol v, out;
  ASSERT_OK(asl_vol_init(&v, 64, 57, 15, 1));
  ASSERT_EQ(ASL_ESHAPE, asl_pad_vol(&out, &v, &g));
  ASSERT_EQ(ASL_ESHAPE, asl_crop_vol(&out, &v, &g));
  ASSERT(out.data == NULL);
  ASSERT_EQ(ASL_EINVAL, asl_pad_geom_init(&g, 64, 57, 16, 0));
  asl_vol_free(&v);
}

int main(void) {
  RUN(small_matrix_is_centred_and_zero_padded_with_weight_mask);
  RUN(large_matrix_patches_stay_inside_and_vary_with_the_stream);
  RUN(asl_m0_and_target_channels_share_the_patch_position);
  RUN(weight_is_restricted_to_the_brain_mask);
  RUN(pad_crop_round_trip_64x57x16);
  RUN(pad_crop_round_trip_96x96x48);
  RUN(pad_crop_round_trip_128x128x24);
  RUN(pad_and_crop_refuse_wrong_grids);
  return DONE();
}
