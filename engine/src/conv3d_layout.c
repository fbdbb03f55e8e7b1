// Padded channel-major layout of the fast convolution: geometry, pad and
// unpad copies, weight packing. See conv3d_internal.h for the layout.
#include "conv3d_internal.h"

#include <string.h>

void conv3d_geom_init(conv3d_geom *g, int N, int D, int H, int W) {
  g->N = N, g->D = D, g->H = H, g->W = W;
  g->row = W + 2;
  g->plane = (ptrdiff_t)(H + 2) * g->row;
  g->vol = (ptrdiff_t)(D + 2) * g->plane;
  ptrdiff_t reach = g->plane + g->row + 1;  // largest |off[k]|
  g->first = reach;
  g->last = (ptrdiff_t)N * g->vol - reach;
  // Tiles run past `last` by < PB and read up to `reach` further: the slack
  // keeps those reads inside the channel and zeroed.
  ptrdiff_t len = (ptrdiff_t)N * g->vol + reach + CONV3D_PB + 16;
  g->stride = (len + 15) / 16 * 16;
  for (int k = 0; k < 27; k++)
    g->off[k] = (k / 9 - 1) * g->plane + ((k / 3) % 3 - 1) * g->row + (k % 3 - 1);
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

void conv3d_pad(float *dst, const float *src, int C, const conv3d_geom *g) {
  int N = g->N;
  size_t vox = (size_t)g->D * g->H * g->W;
#pragma omp parallel for schedule(static)
  for (int i = 0; i < C * N; i++) {
    int c = i / N, n = i % N;
    float *d = dst + c * g->stride + n * g->vol;
    pad_volume(d, src + ((size_t)n * C + c) * vox, g);
    if (n == N - 1)
      memset(d + g->vol, 0, sizeof(float) * (size_t)(g->stride - N * g->vol));
  }
}

void conv3d_unpad(float *dst, const float *src, const float *b, int C,
                  int accumulate, const conv3d_geom *g) {
  int N = g->N, D = g->D, H = g->H, W = g->W;
#pragma omp parallel for schedule(static)
  for (int i = 0; i < N * C; i++) {
    int n = i / C, c = i % C;
    float bias = b ? b[c] : 0.0f;
    float *d = dst + (size_t)i * D * H * W;
    const float *s = src + c * g->stride + n * g->vol + g->plane + g->row + 1;
    for (int z = 0; z < D; z++)
      for (int y = 0; y < H; y++) {
        const float *sr = s + z * g->plane + y * g->row;
        float *dr = d + ((size_t)z * H + y) * W;
        if (accumulate)
          for (int x = 0; x < W; x++) dr[x] += sr[x] + bias;
        else
          for (int x = 0; x < W; x++) dr[x] = sr[x] + bias;
      }
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
