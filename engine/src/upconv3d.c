// Transposed 3D convolution, kernel 2, stride 2: every input voxel spreads
// into its own 2x2x2 output block, so the layer is one GEMM
// (Co*8 x Ci) . (Ci x V) per sample followed by a scatter, and no output
// value receives more than one contribution.
#include <cblas.h>
#include <string.h>

#include "nn/layers.h"
#include "omp_work.h"

// Columns per GEMM piece. Fixed (not derived from the thread count) so that
// every piece is computed the same way whatever the team size.
enum { UPCONV_CHUNK = 1024 };

size_t nn_upconv3d_workspace_floats(int Ci, int Co, int D, int H, int W) {
  (void)Ci;
  return (size_t)Co * 8 * D * H * W;
}

// cols: (Co*8, V) -> out: (Co, 2D, 2H, 2W), adding the bias.
static void scatter(float *out, const float *cols, const float *b, int Co,
                    int D, int H, int W) {
  const size_t V = (size_t)D * H * W;
  const int H2 = 2 * H, W2 = 2 * W;
#pragma omp parallel for schedule(static) if ((size_t)Co * 8 * V >= NN_OMP_MIN_WORK)
  for (int cz = 0; cz < Co * D; cz++) {
    int co = cz / D, z = cz % D;
    float bias = b ? b[co] : 0.0f;
    float *o = out + (size_t)co * 8 * V;
    for (int k = 0; k < 8; k++) {
      int dz = k >> 2, dy = (k >> 1) & 1, dx = k & 1;
      const float *c = cols + ((size_t)co * 8 + k) * V + (size_t)z * H * W;
      for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
          o[((size_t)(2 * z + dz) * H2 + 2 * y + dy) * W2 + 2 * x + dx] =
              c[(size_t)y * W + x] + bias;
    }
  }
}

// dout: (Co, 2D, 2H, 2W) -> dcols: (Co*8, V)
static void gather(float *dcols, const float *dout, int Co, int D, int H,
                   int W) {
  const size_t V = (size_t)D * H * W;
  const int H2 = 2 * H, W2 = 2 * W;
#pragma omp parallel for schedule(static) if ((size_t)Co * 8 * V >= NN_OMP_MIN_WORK)
  for (int cz = 0; cz < Co * D; cz++) {
    int co = cz / D, z = cz % D;
    const float *o = dout + (size_t)co * 8 * V;
    for (int k = 0; k < 8; k++) {
      int dz = k >> 2, dy = (k >> 1) & 1, dx = k & 1;
      float *c = dcols + ((size_t)co * 8 + k) * V + (size_t)z * H * W;
      for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
          c[(size_t)y * W + x] =
              o[((size_t)(2 * z + dz) * H2 + 2 * y + dy) * W2 + 2 * x + dx];
    }
  }
}

// in: (N, Ci, D, H, W)  w: (Ci, Co, 2, 2, 2)  out: (N, Co, 2D, 2H, 2W)
void nn_upconv3d_forward(float *out, const float *in, const float *w,
                         const float *b, int N, int Ci, int Co, int D, int H,
                         int W, float *ws) {
  const int V = D * H * W, M = Co * 8;
  const int chunks = (V + UPCONV_CHUNK - 1) / UPCONV_CHUNK;
  for (int n = 0; n < N; n++) {
    const float *x = in + (size_t)n * Ci * V;
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (int c = 0; c < chunks; c++) {
      int c0 = c * UPCONV_CHUNK, nc = V - c0 < UPCONV_CHUNK ? V - c0 : UPCONV_CHUNK;
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, M, nc, Ci, 1.0f, w,
                  M, x + c0, V, 0.0f, ws + c0, V);
    }
    scatter(out + (size_t)n * M * V, ws, b, Co, D, H, W);
  }
}

void nn_upconv3d_backward(float *din, float *dw, float *db, const float *dout,
                          const float *in, const float *w, int N, int Ci,
                          int Co, int D, int H, int W, float *ws) {
  const int V = D * H * W, M = Co * 8;
  const int chunks = (V + UPCONV_CHUNK - 1) / UPCONV_CHUNK;
  for (int n = 0; n < N; n++) {
    const float *x = in + (size_t)n * Ci * V;
    gather(ws, dout + (size_t)n * M * V, Co, D, H, W);
    if (db) {
      for (int co = 0; co < Co; co++) {
        double s = 0.0; // double: long sums
        for (size_t i = (size_t)co * 8 * V; i < (size_t)(co + 1) * 8 * V; i++)
          s += ws[i];
        db[co] += (float)s;
      }
    }
    if (din) {
      float *dx = din + (size_t)n * Ci * V;
#pragma omp parallel for schedule(static) if (chunks > 1)
      for (int c = 0; c < chunks; c++) {
        int c0 = c * UPCONV_CHUNK, nc = V - c0 < UPCONV_CHUNK ? V - c0 : UPCONV_CHUNK;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Ci, nc, M, 1.0f,
                    w, M, ws + c0, V, 1.0f, dx + c0, V);
      }
    }
    // dw (Ci x M) += x (Ci x V) . dcols^T, split by rows of dw.
#pragma omp parallel for schedule(static) if ((size_t)Ci * M * V >= 16 * NN_OMP_MIN_WORK)
    for (int ci = 0; ci < Ci; ci++)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 1, M, V, 1.0f,
                  x + (size_t)ci * V, V, ws, V, 1.0f, dw + (size_t)ci * M, M);
  }
}
