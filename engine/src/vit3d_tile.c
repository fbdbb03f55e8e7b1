// Whole-volume inference for vit3d. The learned position embeddings fix the
// token grid, so a volume of another size is covered by grid-sized tiles
// that overlap by half a tile (the last one flush with the volume's end),
// each run at the model grid; overlapping predictions are averaged. Parts
// of a tile beyond a smaller volume are zero, as in training on zero-padded
// patches.
#include <string.h>

#include "vit3d.h"

int vit3d_tile_starts(int L, int G, int *starts, int max) {
  if (L <= G) {
    if (max > 0) starts[0] = 0;
    return 1;
  }
  const int step = G / 2 > 0 ? G / 2 : 1;
  const int n = (L - G + step - 1) / step + 1;
  for (int i = 0; i < n && i < max; i++)
    starts[i] = i * step < L - G ? i * step : L - G;
  return n;
}

// tile (C, g2, g1, g0) <- vol (C, D, H, W) at origin o (z, y, x), zeros
// outside the volume.
static void gather(float *tile, const float *vol, int C, int D, int H, int W,
                   const int g[3], const int o[3]) {
  const int nx = W - o[2] < g[0] ? W - o[2] : g[0];
  memset(tile, 0, (size_t)C * g[0] * g[1] * g[2] * sizeof(float));
  for (int c = 0; c < C; c++)
    for (int z = 0; z < g[2] && o[0] + z < D; z++)
      for (int y = 0; y < g[1] && o[1] + y < H; y++)
        memcpy(tile + (((size_t)c * g[2] + z) * g[1] + y) * g[0],
               vol + (((size_t)c * D + o[0] + z) * H + o[1] + y) * W + o[2],
               nx * sizeof(float));
}

// acc (D, H, W) += the tile's prediction inside the volume; cnt += 1 there.
static void scatter(float *acc, float *cnt, const float *pred, int D, int H,
                    int W, const int g[3], const int o[3]) {
  for (int z = 0; z < g[2] && o[0] + z < D; z++)
    for (int y = 0; y < g[1] && o[1] + y < H; y++)
      for (int x = 0; x < g[0] && o[2] + x < W; x++) {
        const size_t i = ((size_t)(o[0] + z) * H + o[1] + y) * W + o[2] + x;
        acc[i] += pred[((size_t)z * g[1] + y) * g[0] + x];
        if (cnt) cnt[i] += 1.0f;
      }
}

static asl_status tile_buffers(vit3d *v, int C, const int g[3], int N,
                               size_t V) {
  asl_status s = nn_scratch_reserve(&v->tile_in, &v->tile_in_n,
                                    (size_t)C * g[0] * g[1] * g[2]);
  if (!s) s = nn_scratch_reserve(&v->tile_acc, &v->tile_acc_n, (size_t)N * V);
  if (!s) s = nn_scratch_reserve(&v->tile_cnt, &v->tile_cnt_n, V);
  return s;
}

asl_status vit3d_forward_tiles(nn_model *m, const float *x, int N, int D, int H,
                               int W, vit3d_tile_fn run, const float **out) {
  vit3d *v = m->impl;
  const int *g = m->grid, C = m->in_channels;
  const size_t V = (size_t)D * H * W;
  enum { MAX_TILES = 4096 };
  int sz[MAX_TILES], sy[MAX_TILES], sx[MAX_TILES];
  const int nz = vit3d_tile_starts(D, g[2], sz, MAX_TILES);
  const int ny = vit3d_tile_starts(H, g[1], sy, MAX_TILES);
  const int nx = vit3d_tile_starts(W, g[0], sx, MAX_TILES);
  if (nz > MAX_TILES || ny > MAX_TILES || nx > MAX_TILES)
    return asl_fail(ASL_EINVAL,
                    "model vit3d: volume %dx%dx%d needs over %d tiles of the "
                    "grid %dx%dx%d along one axis (use a larger grid)",
                    W, H, D, MAX_TILES, g[0], g[1], g[2]);
  asl_status s = tile_buffers(v, C, g, N, V);
  if (s) return s;
  memset(v->tile_acc, 0, (size_t)N * V * sizeof(float));
  memset(v->tile_cnt, 0, V * sizeof(float));
  for (int n = 0; n < N; n++)
    for (int iz = 0; iz < nz; iz++)
      for (int iy = 0; iy < ny; iy++)
        for (int ix = 0; ix < nx; ix++) {
          const int o[3] = {sz[iz], sy[iy], sx[ix]};
          const float *pred;
          gather(v->tile_in, x + (size_t)n * C * V, C, D, H, W, g, o);
          if ((s = run(m, v->tile_in, &pred))) return s;
          scatter(v->tile_acc + n * V, n == 0 ? v->tile_cnt : NULL, pred, D,
                  H, W, g, o);
        }
  for (int n = 0; n < N; n++)
    for (size_t i = 0; i < V; i++) v->tile_acc[n * V + i] /= v->tile_cnt[i];
  *out = v->tile_acc;
  return ASL_OK;
}

static asl_status cpu_tile(nn_model *m, const float *tile, const float **pred) {
  asl_status s = vit3d_plan(m, 1);
  if (s) return s;
  vit3d_forward_grid(m, tile, 1, 0);
  *pred = ((vit3d *)m->impl)->out;
  return ASL_OK;
}

// x: (N, C, D, H, W) any size -> *out (N, 1, D, H, W), inference mode.
asl_status vit3d_forward_tiled(nn_model *m, const float *x, int N, int D,
                               int H, int W, const float **out) {
  return vit3d_forward_tiles(m, x, N, D, H, W, cpu_tile, out);
}
