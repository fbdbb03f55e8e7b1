// Naive 3x3x3 convolution straight from the definition: the oracle the fast
// kernels are tested against. Accumulates each output in double so the
// reference is more accurate than anything it checks.
#include "nn/conv3d.h"

#include <stddef.h>

// Index of voxel (z, y, x) of channel c of sample n in a (N, C, D, H, W) array.
static size_t at(int n, int c, int C, int z, int y, int x, int D, int H, int W) {
  return ((((size_t)n * C + c) * D + z) * H + y) * W + x;
}

static int inside(int z, int y, int x, int D, int H, int W) {
  return z >= 0 && z < D && y >= 0 && y < H && x >= 0 && x < W;
}

// One output voxel: sum over ci and the 27 taps.
static double out_voxel(const float *in, const float *w, int n, int co, int z,
                        int y, int x, int Ci, int D, int H, int W) {
  double s = 0.0;
  for (int ci = 0; ci < Ci; ci++) {
    const float *wk = w + ((size_t)co * Ci + ci) * 27;
    for (int k = 0; k < 27; k++) {
      int zz = z + k / 9 - 1, yy = y + (k / 3) % 3 - 1, xx = x + k % 3 - 1;
      if (inside(zz, yy, xx, D, H, W))
        s += (double)wk[k] * in[at(n, ci, Ci, zz, yy, xx, D, H, W)];
    }
  }
  return s;
}

void nn_conv3d_forward_ref(float *out, const float *in, const float *w,
                           const float *b, int N, int Ci, int Co, int D, int H,
                           int W) {
  for (int n = 0; n < N; n++)
    for (int co = 0; co < Co; co++)
      for (int z = 0; z < D; z++)
        for (int y = 0; y < H; y++)
          for (int x = 0; x < W; x++) {
            double s = out_voxel(in, w, n, co, z, y, x, Ci, D, H, W);
            if (b) s += b[co];
            out[at(n, co, Co, z, y, x, D, H, W)] = (float)s;
          }
}

// din(n, ci, p) = sum over co, taps k with p = q + k - 1 of dout(n, co, q) w(co, ci, k).
static void backward_input_ref(float *din, const float *dout, const float *w,
                               int N, int Ci, int Co, int D, int H, int W) {
  for (int n = 0; n < N; n++)
    for (int ci = 0; ci < Ci; ci++)
      for (int z = 0; z < D; z++)
        for (int y = 0; y < H; y++)
          for (int x = 0; x < W; x++) {
            double s = 0.0;
            for (int co = 0; co < Co; co++) {
              const float *wk = w + ((size_t)co * Ci + ci) * 27;
              for (int k = 0; k < 27; k++) {
                int zz = z - (k / 9 - 1), yy = y - ((k / 3) % 3 - 1);
                int xx = x - (k % 3 - 1);
                if (inside(zz, yy, xx, D, H, W))
                  s += (double)wk[k] * dout[at(n, co, Co, zz, yy, xx, D, H, W)];
              }
            }
            din[at(n, ci, Ci, z, y, x, D, H, W)] += (float)s;
          }
}

// dw(co, ci, k) = sum over n, q of dout(n, co, q) in(n, ci, q + k - 1).
static void backward_weight_ref(float *dw, const float *dout, const float *in,
                                int N, int Ci, int Co, int D, int H, int W) {
  for (int co = 0; co < Co; co++)
    for (int ci = 0; ci < Ci; ci++)
      for (int k = 0; k < 27; k++) {
        int dz = k / 9 - 1, dy = (k / 3) % 3 - 1, dx = k % 3 - 1;
        double s = 0.0;
        for (int n = 0; n < N; n++)
          for (int z = 0; z < D; z++)
            for (int y = 0; y < H; y++)
              for (int x = 0; x < W; x++)
                if (inside(z + dz, y + dy, x + dx, D, H, W))
                  s += (double)dout[at(n, co, Co, z, y, x, D, H, W)] *
                       in[at(n, ci, Ci, z + dz, y + dy, x + dx, D, H, W)];
        dw[((size_t)co * Ci + ci) * 27 + k] += (float)s;
      }
}

void nn_conv3d_backward_ref(float *din, float *dw, float *db,
                            const float *dout, const float *in, const float *w,
                            int N, int Ci, int Co, int D, int H, int W) {
  if (din) backward_input_ref(din, dout, w, N, Ci, Co, D, H, W);
  backward_weight_ref(dw, dout, in, N, Ci, Co, D, H, W);
  if (db) {
    size_t vox = (size_t)D * H * W;
    for (int co = 0; co < Co; co++) {
      double s = 0.0;
      for (int n = 0; n < N; n++)
        for (size_t v = 0; v < vox; v++) s += dout[((size_t)n * Co + co) * vox + v];
      db[co] += (float)s;
    }
  }
}
