// The U-Net's OP_CBIAS layer (unet3d.h): a per-sample, per-channel bias, how
// ddpm3d adds its timestep embedding to every U-Net block.
#include "unet3d.h"

void nn_chanbias_forward(float *out, const float *in, const float *bias,
                         int ld, int N, int C, size_t V) {
#pragma omp parallel for collapse(2) if ((size_t)N * C * V > 65536)
  for (int n = 0; n < N; n++)
    for (int c = 0; c < C; c++) {
      const float b = bias[(size_t)n * ld + c];
      const float *i = in + ((size_t)n * C + c) * V;
      float *o = out + ((size_t)n * C + c) * V;
      for (size_t v = 0; v < V; v++) o[v] = i[v] + b;
    }
}

void nn_chanbias_backward(float *din, float *dbias, int ld, const float *dout,
                          int N, int C, size_t V) {
#pragma omp parallel for collapse(2) if ((size_t)N * C * V > 65536)
  for (int n = 0; n < N; n++)
    for (int c = 0; c < C; c++) {
      const float *g = dout + ((size_t)n * C + c) * V;
      float *d = din ? din + ((size_t)n * C + c) * V : NULL;
      double s = 0; // sums over a whole volume: float would lose digits
      for (size_t v = 0; v < V; v++) {
        s += g[v];
        if (d) d[v] += g[v];
      }
      if (dbias) dbias[(size_t)n * ld + c] += (float)s;
    }
}
