// Packed side volumes (cube/volumes.h): names round-trip through escaping,
// images come back with their shape, voxel size and affine, a rerun
// replaces an image, the reader finds the file holding an image, a damaged
// file is moved aside, and the copy keeps only the jobs asked for.
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cube/volumes.h"
#include "harness.h"

static char dir[256];

static void make_dir(void) {
  snprintf(dir, sizeof dir, "/tmp/aslsweep-volumes-XXXXXX");
  ASSERT(mkdtemp(dir) != NULL);
}

static void remove_dir(void) {
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ASSERT_EQ(0, system(cmd));
}

static cube_volume_geom geom(void) {
  cube_volume_geom g = {.nx = 5, .ny = 4, .nz = 3, .voxel = {1.5f, 2.0f, 4.0f}};
  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 4; c++) g.affine[r][c] = (float)(r * 4 + c) * 0.5f;
  return g;
}

static void fill(float *v, int n, float base) {
  for (int i = 0; i < n; i++) v[i] = base + (float)i;
}

TEST(volume_name_escapes_the_key_and_splits_back) {
  const char *key = "main/strategy=windowed/nav=4/model=a|b%c/fold=1";
  char name[CUBE_VOLUME_NAME_LEN], k[CUBE_VOLUME_NAME_LEN], s[64], kind[32];
  ASSERT_OK(cube_volumes_name(name, sizeof name, key, "sub-01", "denoised"));
  ASSERT(strchr(name, '/') == NULL);
  ASSERT_STR_EQ("main%2Fstrategy=windowed%2Fnav=4%2Fmodel=a%7Cb%25c%2Ffold=1|sub-01|denoised", name);
  ASSERT_OK(cube_volumes_split(name, k, sizeof k, s, sizeof s, kind, sizeof kind));
  ASSERT_STR_EQ(key, k);
  ASSERT_STR_EQ("sub-01", s);
  ASSERT_STR_EQ("denoised", kind);
  ASSERT(cube_volumes_split("no-separators", k, sizeof k, s, sizeof s, kind, sizeof kind) != 0);
  char tiny[16];
  ASSERT_EQ(ASL_EINVAL, cube_volumes_name(tiny, sizeof tiny, key, "sub-01", "denoised"));
}

TEST(volumes_come_back_with_shape_voxels_and_affine_and_a_rerun_replaces) {
  make_dir();
  char path[300], found[600];
  snprintf(path, sizeof path, "%s/rank-0.h5", dir);
  cube_volume_geom g = geom(), r;
  float a[60], b[60], *back = NULL;
  fill(a, 60, 1), fill(b, 60, -7);
  cube_volumes w;
  ASSERT_OK(cube_volumes_open(&w, path));
  ASSERT_OK(cube_volumes_put(&w, "k|sub-01|input", &g, a));
  ASSERT_OK(cube_volumes_flush(&w));
  cube_volumes_close(&w);
  // Reopened for appending (a resumed run): the old image stays, one is replaced.
  ASSERT_OK(cube_volumes_open(&w, path));
  ASSERT_OK(cube_volumes_put(&w, "k|sub-01|denoised", &g, a));
  ASSERT_OK(cube_volumes_put(&w, "k|sub-01|denoised", &g, b));
  ASSERT_OK(cube_volumes_flush(&w));
  cube_volumes_close(&w);
  ASSERT_OK(cube_volumes_find(dir, "k|sub-01|denoised", found, sizeof found));
  ASSERT_STR_EQ(path, found);
  ASSERT_OK(cube_volumes_read(found, "k|sub-01|denoised", &r, &back));
  ASSERT_EQ(5, r.nx);
  ASSERT_EQ(4, r.ny);
  ASSERT_EQ(3, r.nz);
  ASSERT(r.voxel[0] == 1.5f && r.voxel[2] == 4.0f && r.affine[3][2] == 7.0f);
  ASSERT(memcmp(back, b, sizeof b) == 0);
  free(back);
  ASSERT_OK(cube_volumes_read(found, "k|sub-01|input", &r, &back));
  ASSERT(memcmp(back, a, sizeof a) == 0);
  free(back);
  ASSERT_EQ(ASL_ENOTFOUND, cube_volumes_find(dir, "k|sub-02|input", found, sizeof found));
  remove_dir();
}

TEST(a_damaged_packed_file_is_moved_aside_and_a_new_one_started) {
  make_dir();
  char path[300], aside[320];
  snprintf(path, sizeof path, "%s/rank-1.h5", dir);
  snprintf(aside, sizeof aside, "%s.damaged", path);
  FILE *f = fopen(path, "w");
  ASSERT(f != NULL);
  fputs("not an HDF5 file", f);
  fclose(f);
  cube_volumes w;
  cube_volume_geom g = geom();
  float a[60];
  fill(a, 60, 0);
  ASSERT_OK(cube_volumes_open(&w, path));
  ASSERT_OK(cube_volumes_put(&w, "k|sub-01|gt100", &g, a));
  cube_volumes_close(&w);
  ASSERT_EQ(0, access(aside, F_OK));
  ASSERT(cube_volumes_holds(path, "k|sub-01|gt100"));
  remove_dir();
}

static int only_job_a(const char *key, void *arg) {
  (void)arg;
  return strcmp(key, "x/a") == 0;
}

TEST(copy_takes_only_the_jobs_asked_for) {
  make_dir();
  char src[300], dst[300];
  snprintf(src, sizeof src, "%s/rank-0.h5", dir);
  snprintf(dst, sizeof dst, "%s/merged.h5", dir);
  cube_volume_geom g = geom();
  float a[60];
  fill(a, 60, 3);
  char name[CUBE_VOLUME_NAME_LEN];
  cube_volumes w, m;
  ASSERT_OK(cube_volumes_open(&w, src));
  const char *keys[2] = {"x/a", "x/b"};
  for (int k = 0; k < 2; k++) {
    ASSERT_OK(cube_volumes_name(name, sizeof name, keys[k], "sub-01", "denoised"));
    ASSERT_OK(cube_volumes_put(&w, name, &g, a));
  }
  cube_volumes_close(&w);
  int copied = 0;
  ASSERT_OK(cube_volumes_open(&m, dst));
  ASSERT_OK(cube_volumes_copy(&m, src, only_job_a, NULL, &copied));
  cube_volumes_close(&m);
  ASSERT_EQ(1, copied);
  ASSERT(cube_volumes_holds(dst, "x%2Fa|sub-01|denoised"));
  ASSERT(!cube_volumes_holds(dst, "x%2Fb|sub-01|denoised"));
  remove_dir();
}

int main(void) {
  RUN(volume_name_escapes_the_key_and_splits_back);
  RUN(volumes_come_back_with_shape_voxels_and_affine_and_a_rerun_replaces);
  RUN(a_damaged_packed_file_is_moved_aside_and_a_new_one_started);
  RUN(copy_takes_only_the_jobs_asked_for);
  return DONE();
}
