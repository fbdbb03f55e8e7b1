// Fast 3x3x3 convolution: a prepared copy of the input (padded or im2col,
// see conv3d_internal.h), 27 shifted register-blocked GEMMs for the forward
// pass and for the input gradient (the same kernel with transposed,
// tap-reversed weights on the prepared output gradient), and a chunked
// reduction for the weight gradient.
#include "nn/conv3d.h"

#include "conv3d_internal.h"
#include "conv3d_wino.h"

static size_t round16(size_t n) { return (n + 15) / 16 * 16; }

static size_t packed_floats(int Ci, int Co) {
  size_t a = (size_t)(Co + CONV3D_RB - 1) / CONV3D_RB * CONV3D_RB * Ci * 27;
  size_t b = (size_t)(Ci + CONV3D_RB - 1) / CONV3D_RB * CONV3D_RB * Co * 27;
  return round16(a > b ? a : b);
}

// Workspace carve-up, in order: prepared input (Ci, stride); output
// gradient over positions (Co, pstride); prepared output gradient (Co,
// stride), only for im2col (for the padded layout it is the previous one);
// packed weights; double accumulators of the weight gradient.
typedef struct {
  size_t x, dpos, dprep, wp, acc, floats;  // offsets in floats
} conv3d_ws;

static conv3d_ws carve(int Ci, int Co, const conv3d_geom *g) {
  conv3d_ws c;
  size_t at = 0;
  c.x = at, at += (size_t)Ci * g->stride;
  c.dpos = at, at += (size_t)Co * g->pstride;
  c.dprep = c.dpos;
  if (g->mode == CONV3D_COL) c.dprep = at, at += (size_t)Co * g->stride;
  c.wp = at, at += packed_floats(Ci, Co);
  c.acc = at, at += round16((size_t)Co * Ci * 27 * 2);
  c.floats = at;
  return c;
}

size_t nn_conv3d_workspace_floats(int N, int Ci, int Co, int D, int H, int W,
                                  int threads) {
  conv3d_geom g;
  conv3d_geom_init(&g, N, Ci, Co, D, H, W);
  size_t n = carve(Ci, Co, &g).floats, m = 0;
  // The Winograd path reuses the whole workspace (forward; input gradient
  // after the weight gradient is done with it).
  if (conv3d_wino_chosen(N, Ci, Co, D, H, W))
    m = conv3d_wino_workspace_floats(N, Ci, Co, D, H, W, threads);
  if (m > n) n = m;
  if (conv3d_wino_chosen(N, Co, Ci, D, H, W))
    m = conv3d_wino_workspace_floats(N, Co, Ci, D, H, W, threads);
  return m > n ? m : n;
}

void nn_conv3d_forward(float *out, const float *in, const float *w,
                       const float *b, int N, int Ci, int Co, int D, int H,
                       int W, float *ws) {
  if (conv3d_wino_chosen(N, Ci, Co, D, H, W)) {
    conv3d_wino(out, b, 0, in, w, Ci, Co, 0, N, D, H, W, ws);
    return;
  }
  conv3d_geom g;
  conv3d_geom_init(&g, N, Ci, Co, D, H, W);
  conv3d_ws c = carve(Ci, Co, &g);
  conv3d_prepare(ws + c.x, in, Ci, &g);
  conv3d_pack_weights(ws + c.wp, w, Ci, Co, 0);
  conv3d_gemm_taps(out, b, 0, ws + c.x, ws + c.wp, Ci, Co, &g);
}

// db(co) += sum over n and voxels of dout(n, co, .): float partial sums
// over short runs (vectorised), double across runs.
static void bias_grad(float *db, const float *dout, int N, int Co, size_t vox) {
#pragma omp parallel for schedule(static) if ((size_t)N * Co * vox >= NN_OMP_MIN_WORK)
  for (int co = 0; co < Co; co++) {
    double s = 0.0;
    for (int n = 0; n < N; n++) {
      const float *d = dout + ((size_t)n * Co + co) * vox;
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
  conv3d_geom_init(&g, N, Ci, Co, D, H, W);
  conv3d_ws c = carve(Ci, Co, &g);
  conv3d_prepare(ws + c.x, in, Ci, &g);
  conv3d_positions(ws + c.dpos, dout, Co, &g);
  if (db) bias_grad(db, dout, N, Co, (size_t)D * H * W);
  conv3d_weight_grad(dw, (double *)(ws + c.acc), ws + c.dpos, ws + c.x, Ci, Co, &g);
  if (din && conv3d_wino_chosen(N, Co, Ci, D, H, W)) {
    conv3d_wino(din, NULL, 1, dout, w, Ci, Co, 1, N, D, H, W, ws);
  } else if (din) {
    if (g.mode == CONV3D_COL) conv3d_prepare(ws + c.dprep, dout, Co, &g);
    conv3d_pack_weights(ws + c.wp, w, Ci, Co, 1);
    conv3d_gemm_taps(din, NULL, 1, ws + c.dprep, ws + c.wp, Co, Ci, &g);
  }
}
