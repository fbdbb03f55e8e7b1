// Transposed 3D convolution, kernel 2, stride 2, straight from the
// definition: out[co, 2z+a, 2y+b, 2x+c] = b[co] + sum_ci in[ci,z,y,x] w[ci,co,a,b,c].
#include "nn/layers.h"

static size_t out_index(int co, int z, int y, int x, int k, int D, int H,
                        int W) {
  int dz = k >> 2, dy = (k >> 1) & 1, dx = k & 1;
  return (((size_t)co * 2 * D + 2 * z + dz) * 2 * H + 2 * y + dy) * 2 * W +
         2 * x + dx;
}

void nn_upconv3d_forward_ref(float *out, const float *in, const float *w,
                             const float *b, int N, int Ci, int Co, int D,
                             int H, int W) {
  const size_t V = (size_t)D * H * W;
  for (int n = 0; n < N; n++)
    for (int co = 0; co < Co; co++)
      for (int z = 0; z < D; z++)
        for (int y = 0; y < H; y++)
          for (int x = 0; x < W; x++)
            for (int k = 0; k < 8; k++) {
              double s = b ? b[co] : 0.0;
              for (int ci = 0; ci < Ci; ci++)
                s += (double)in[((size_t)n * Ci + ci) * V +
                                ((size_t)z * H + y) * W + x] *
                     w[((size_t)ci * Co + co) * 8 + k];
              out[(size_t)n * Co * 8 * V + out_index(co, z, y, x, k, D, H, W)] =
                  (float)s;
            }
}

void nn_upconv3d_backward_ref(float *din, float *dw, float *db,
                              const float *dout, const float *in,
                              const float *w, int N, int Ci, int Co, int D,
                              int H, int W) {
  const size_t V = (size_t)D * H * W;
  for (int n = 0; n < N; n++)
    for (int co = 0; co < Co; co++)
      for (int z = 0; z < D; z++)
        for (int y = 0; y < H; y++)
          for (int x = 0; x < W; x++)
            for (int k = 0; k < 8; k++) {
              float g = dout[(size_t)n * Co * 8 * V +
                             out_index(co, z, y, x, k, D, H, W)];
              if (db) db[co] += g;
              for (int ci = 0; ci < Ci; ci++) {
                size_t xi = ((size_t)n * Ci + ci) * V + ((size_t)z * H + y) * W + x;
                size_t wi = ((size_t)ci * Co + co) * 8 + k;
                if (din) din[xi] += g * w[wi];
                dw[wi] += g * in[xi];
              }
            }
}
