// Fast 3x3x3 convolution: padded channel-major copies of the tensors (see
// conv3d_internal.h), 27 shifted register-blocked GEMMs for the forward pass
// and the input gradient (the same kernel with transposed, tap-reversed
// weights), and a chunked reduction for the weight gradient.
#include "nn/conv3d.h"

#include "conv3d_internal.h"

static size_t round16(size_t n) { return (n + 15) / 16 * 16; }

static size_t packed_floats(int rows, int cols) {
  return round16((size_t)(rows + CONV3D_RB - 1) / CONV3D_RB * CONV3D_RB * cols * 27);
}

size_t nn_conv3d_workspace_floats(int N, int Ci, int Co, int D, int H, int W,
                                  int threads) {
  (void)threads;  // work is split without per-thread buffers
  conv3d_geom g;
  conv3d_geom_init(&g, N, D, H, W);
  size_t s = (size_t)g.stride;
  size_t packed = packed_floats(Co, Ci);
  if (packed_floats(Ci, Co) > packed) packed = packed_floats(Ci, Co);
  size_t acc = round16((size_t)Co * Ci * 27 * 2);  // doubles, as float pairs
  return s * (2 * (size_t)Ci + Co) + packed + acc;
}

void nn_conv3d_forward(float *out, const float *in, const float *w,
                       const float *b, int N, int Ci, int Co, int D, int H,
                       int W, float *ws) {
  conv3d_geom g;
  conv3d_geom_init(&g, N, D, H, W);
  float *inp = ws, *outp = inp + (size_t)Ci * g.stride;
  float *wp = outp + (size_t)Co * g.stride;
  conv3d_pad(inp, in, Ci, &g);
  conv3d_pack_weights(wp, w, Ci, Co, 0);
  conv3d_gemm_taps(outp, inp, wp, Ci, Co, &g);
  conv3d_unpad(out, outp, b, Co, 0, &g);
}

// db(co) += sum over n and voxels of dout(n, co, .), summed in double.
static void bias_grad(float *db, const float *dout, int N, int Co, size_t vox) {
#pragma omp parallel for schedule(static)
  for (int co = 0; co < Co; co++) {
    double s = 0.0;
    for (int n = 0; n < N; n++) {
      const float *d = dout + ((size_t)n * Co + co) * vox;
      // float partial sums over short runs (vectorised), double across runs
      for (size_t v0 = 0; v0 < vox; v0 += 1024) {
        size_t v1 = v0 + 1024 < vox ? v0 + 1024 : vox;
        float part = 0.0f;
#pragma omp simd reduction(+ : part)
        for (size_t v = v0; v < v1; v++) part += d[v];
        s += part;
      }
    }
    db[co] += (float)s;
  }
}

void nn_conv3d_backward(float *din, float *dw, float *db, const float *dout,
                        const float *in, const float *w, int N, int Ci, int Co,
                        int D, int H, int W, float *ws) {
  conv3d_geom g;
  conv3d_geom_init(&g, N, D, H, W);
  float *inp = ws, *doutp = inp + (size_t)Ci * g.stride;
  float *dinp = doutp + (size_t)Co * g.stride;
  float *wp = dinp + (size_t)Ci * g.stride;
  size_t packed = packed_floats(Co, Ci);
  if (packed_floats(Ci, Co) > packed) packed = packed_floats(Ci, Co);
  double *acc = (double *)(wp + packed);
  conv3d_pad(inp, in, Ci, &g);
  conv3d_pad(doutp, dout, Co, &g);
  if (db) bias_grad(db, dout, N, Co, (size_t)D * H * W);
  conv3d_weight_grad(dw, acc, doutp, inp, Ci, Co, &g);
  if (din) {
    conv3d_pack_weights(wp, w, Ci, Co, 1);
    conv3d_gemm_taps(dinp, doutp, wp, Co, Ci, &g);
    conv3d_unpad(din, dinp, NULL, Ci, 1, &g);
  }
}
