// 3D patches <-> token rows: the ViT's patch embedding input and decoder output.
#include <string.h>

#include "nn/transformer.h"

// vol: (N, C, D, H, W) -> tokens: (N, T, C*pz*py*px), rows (c, dz, dy, dx).
void nn_patchify3d(float *tokens, const float *vol, int N, int C, int D,
                   int H, int W, int pz, int py, int px) {
  const int gz = D / pz, gy = H / py, gx = W / px, P = C * pz * py * px;
  for (int n = 0; n < N; n++)
    for (int tz = 0; tz < gz; tz++)
      for (int ty = 0; ty < gy; ty++)
        for (int tx = 0; tx < gx; tx++) {
          float *row = tokens + (((size_t)n * gz + tz) * gy * gx +
                                 (size_t)ty * gx + tx) * P;
          for (int c = 0; c < C; c++)
            for (int dz = 0; dz < pz; dz++)
              for (int dy = 0; dy < py; dy++) {
                const float *src =
                    vol + ((((size_t)n * C + c) * D + tz * pz + dz) * H +
                           ty * py + dy) * W + (size_t)tx * px;
                memcpy(row + ((c * pz + dz) * py + dy) * px, src,
                       px * sizeof(float));
              }
        }
}

void nn_unpatchify3d_add(float *vol, const float *tokens, int N, int C, int D,
                         int H, int W, int pz, int py, int px) {
  const int gz = D / pz, gy = H / py, gx = W / px, P = C * pz * py * px;
  for (int n = 0; n < N; n++)
    for (int tz = 0; tz < gz; tz++)
      for (int ty = 0; ty < gy; ty++)
        for (int tx = 0; tx < gx; tx++) {
          const float *row = tokens + (((size_t)n * gz + tz) * gy * gx +
                                       (size_t)ty * gx + tx) * P;
          for (int c = 0; c < C; c++)
            for (int dz = 0; dz < pz; dz++)
              for (int dy = 0; dy < py; dy++) {
                float *dst = vol + ((((size_t)n * C + c) * D + tz * pz + dz) * H +
                                    ty * py + dy) * W + (size_t)tx * px;
                const float *s = row + ((c * pz + dz) * py + dy) * px;
                for (int dx = 0; dx < px; dx++) dst[dx] += s[dx];
              }
        }
}
