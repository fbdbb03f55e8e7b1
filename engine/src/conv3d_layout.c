// Prepared layouts of the fast convolution (see conv3d_internal.h):
// geometry, padded and im2col copies, channel-major transposes, weight
// packing.
#include "conv3d_internal.h"

#include <string.h>

// Slack after each channel: tiles run past `last` by < PB and read up to
// the largest shift further, so those reads stay inside and zeroed.
static ptrdiff_t with_slack(ptrdiff_t len, ptrdiff_t reach) {
  return (len + reach + CONV3D_PB + 16 + 15) / 16 * 16;
}

void conv3d_geom_init(conv3d_geom *g, int N, int Ci, int Co, int D, int H,
                      int W) {
  memset(g, 0, sizeof *g);
  g->N = N, g->D = D, g->H = H, g->W = W;
  g->vox = (ptrdiff_t)D * H * W;
  g->row = W + 2;
  g->plane = (ptrdiff_t)(H + 2) * g->row;
  g->vol = (ptrdiff_t)(D + 2) * g->plane;
  // im2col when padding would more than double the work (small grids) and
  // one tile's columns (C x 27 x PB floats) still fit in L2.
  int c = Ci > Co ? Ci : Co;
  g->mode = g->vol > 2 * g->vox && c <= 128 ? CONV3D_COL : CONV3D_PAD;
  if (g->mode == CONV3D_PAD) {
    ptrdiff_t reach = g->plane + g->row + 1;  // largest |off[k]|
    g->first = reach;
    g->last = (ptrdiff_t)N * g->vol - reach;
    g->stride = g->pstride = with_slack((ptrdiff_t)N * g->vol, reach);
    for (int t = 0; t < 9; t++) g->off9[t] = (t / 3 - 1) * g->row + (t % 3 - 1);
    for (int z = 0; z < 3; z++) g->zoff[z] = (z - 1) * g->plane;
  } else {
    g->first = 0;
    g->last = (ptrdiff_t)N * g->vox;
    g->pstride = with_slack(g->last, 0);
    g->stride = 27 * g->pstride;
    for (int t = 0; t < 9; t++) g->off9[t] = t * g->pstride;
    for (int z = 0; z < 3; z++) g->zoff[z] = z * 9 * g->pstride;
  }
  for (int k = 0; k < 27; k++) g->off[k] = g->zoff[k / 9] + g->off9[k % 9];
}

// One padded sample volume of one channel.
static void pad_volume(float *d, const float *s, const conv3d_geom *g) {
  int D = g->D, H = g->H, W = g->W;
  memset(d, 0, sizeof(float) * (size_t)(g->plane + g->row));
  for (int z = 0; z < D; z++) {
    float *pl = d + (z + 1) * g->plane;
    if (z > 0) memset(pl - g->row, 0, sizeof(float) * (size_t)(2 * g->row));
    for (int y = 0; y < H; y++) {
      float *r = pl + (y + 1) * g->row;
      r[0] = 0.0f;
      memcpy(r + 1, s + ((size_t)z * H + y) * W, sizeof(float) * (size_t)W);
      r[W + 1] = 0.0f;
    }
  }
  float *tail = d + (ptrdiff_t)D * g->plane + (H + 1) * g->row;
  memset(tail, 0, sizeof(float) * (size_t)(g->vol - (tail - d)));
}

static void pad_all(float *dst, const float *src, int C, const conv3d_geom *g) {
  int N = g->N;
#pragma omp parallel for schedule(static) if ((size_t)C * g->stride >= NN_OMP_MIN_WORK)
  for (int i = 0; i < C * N; i++) {
    int c = i / N, n = i % N;
    float *d = dst + c * g->stride + n * g->vol;
    pad_volume(d, src + ((size_t)n * C + c) * g->vox, g);
    if (n == N - 1)
      memset(d + g->vol, 0, sizeof(float) * (size_t)(g->stride - N * g->vol));
  }
}

// Row k of channel c of the im2col buffer: in(n, c, z+dz, y+dy, x+dx) or 0.
static void col_row(float *d, const float *src, int C, int c, int k,
                    const conv3d_geom *g) {
  int D = g->D, H = g->H, W = g->W;
  int dz = k / 9 - 1, dy = (k / 3) % 3 - 1, dx = k % 3 - 1;
  for (int n = 0; n < g->N; n++) {
    const float *s = src + ((size_t)n * C + c) * g->vox;
    for (int z = 0; z < D; z++)
      for (int y = 0; y < H; y++) {
        int zz = z + dz, yy = y + dy, ok = zz >= 0 && zz < D && yy >= 0 && yy < H;
        const float *sr = s + ((ptrdiff_t)zz * H + yy) * W + dx;
        for (int x = 0; x < W; x++)
          *d++ = ok && x + dx >= 0 && x + dx < W ? sr[x] : 0.0f;
      }
  }
}

void conv3d_prepare(float *dst, const float *src, int C, const conv3d_geom *g) {
  if (g->mode == CONV3D_PAD) {
    pad_all(dst, src, C, g);
    return;
  }
#pragma omp parallel for schedule(static) if ((size_t)C * 27 * g->pstride >= NN_OMP_MIN_WORK)
  for (int i = 0; i < C * 27; i++) {
    float *d = dst + (ptrdiff_t)i * g->pstride;
    col_row(d, src, C, i / 27, i % 27, g);
    memset(d + g->last, 0, sizeof(float) * (size_t)(g->pstride - g->last));
  }
}

void conv3d_positions(float *dst, const float *src, int C, const conv3d_geom *g) {
  if (g->mode == CONV3D_PAD) {
    pad_all(dst, src, C, g);
    return;
  }
#pragma omp parallel for schedule(static) if ((size_t)C * g->pstride >= NN_OMP_MIN_WORK)
  for (int c = 0; c < C; c++) {
    float *d = dst + (ptrdiff_t)c * g->pstride;
    for (int n = 0; n < g->N; n++)
      memcpy(d + n * g->vox, src + ((size_t)n * C + c) * g->vox,
             sizeof(float) * (size_t)g->vox);
    memset(d + g->last, 0, sizeof(float) * (size_t)(g->pstride - g->last));
  }
}

void conv3d_pack_weights(float *wp, const float *w, int Ci, int Co, int flip) {
  int rows = flip ? Ci : Co, cols = flip ? Co : Ci;
  int blocks = (rows + CONV3D_RB - 1) / CONV3D_RB;
  for (int rb = 0; rb < blocks; rb++)
    for (int c = 0; c < cols; c++)
      for (int k = 0; k < 27; k++)
        for (int r = 0; r < CONV3D_RB; r++) {
          int row = rb * CONV3D_RB + r;
          float v = 0.0f;
          if (row < rows)
            v = flip ? w[((size_t)c * Ci + row) * 27 + (26 - k)]
                     : w[((size_t)row * Ci + c) * 27 + k];
          wp[(((size_t)rb * cols + c) * 27 + k) * CONV3D_RB + r] = v;
        }
}
