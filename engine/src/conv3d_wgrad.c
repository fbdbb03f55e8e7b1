// Weight gradient: dw(co, ci, k) = sum over flat p of dout(co, p) in(ci, p + off[k]).
// Task: CONV3D_WB output channels by one input channel, all 27 taps, each
// a sum of 16 lanes along p, by the micro-kernel of the chosen instruction
// set (conv3d_kern_*.c), which groups taps to fit its registers. Each (co, ci, k) entry belongs to
// exactly one thread and is summed in a fixed order (float within a chunk,
// double across chunks), so results do not depend on the thread count.
#include "conv3d_internal.h"

#include <omp.h>

// Positions per chunk: dout rows and input windows of a chunk stay in L1/L2.
#define WG_CHUNK 1024

// One task (co block, ci) over one chunk, adding into acc.
static void wg_task(const conv3d_kernels *kern, double *acc, const float *dpos,
                    const float *x, int task, int Ci, int Co,
                    const conv3d_geom *g, ptrdiff_t p0, ptrdiff_t p1) {
  int ci = task % Ci, cb = task / Ci;
  const float *d[CONV3D_WB];
  for (int r = 0; r < CONV3D_WB; r++) {
    int co = cb * CONV3D_WB + r;
    d[r] = dpos + (co < Co ? co : cb * CONV3D_WB) * g->pstride;
  }
  double sums[CONV3D_WB][27] = {{0}};
  kern->wg(sums, d, x + ci * g->stride, g->off, p0, p1);
  for (int r = 0; r < CONV3D_WB; r++) {
    int co = cb * CONV3D_WB + r;
    if (co >= Co) continue;
    double *a = acc + ((size_t)co * Ci + ci) * 27;
    for (int t = 0; t < 27; t++) a[t] += sums[r][t];
  }
}

void conv3d_weight_grad(float *dw, double *acc, const float *dpos,
                        const float *x, int Ci, int Co, const conv3d_geom *g) {
  int tasks = (Co + CONV3D_WB - 1) / CONV3D_WB * Ci;
  ptrdiff_t span = (g->last - g->first + 15) / 16 * 16;
  const conv3d_kernels *kern = conv3d_kernels_get();
#pragma omp parallel if ((double)(g->last - g->first) * Ci * Co * 27 >= NN_CONV3D_MIN_MACS)
  {
    int nt = omp_get_num_threads(), id = omp_get_thread_num();
    int t0 = (int)((long)tasks * id / nt), t1 = (int)((long)tasks * (id + 1) / nt);
    // Zero this thread's entries; they are disjoint from every other thread's.
    for (int t = t0; t < t1; t++) {
      int ci = t % Ci, cb = t / Ci;
      for (int r = 0; r < CONV3D_WB && cb * CONV3D_WB + r < Co; r++)
        for (int k = 0; k < 27; k++) acc[((size_t)(cb * CONV3D_WB + r) * Ci + ci) * 27 + k] = 0.0;
    }
    // Padded layout: one segment per sample, from its first to its last
    // voxel (the padding planes between samples hold no output gradient);
    // reads stay within the sample's padded volume, the next one's first
    // padding plane or the zeroed slack.
    int segs = g->mode == CONV3D_PAD ? g->N : 1;
    for (int n = 0; n < segs; n++) {
      ptrdiff_t s0 = g->mode == CONV3D_PAD ? n * g->vol + g->first : g->first;
      ptrdiff_t len = g->mode == CONV3D_PAD ? g->vol - 2 * g->first : span;
      len = (len + 15) / 16 * 16;
      for (ptrdiff_t c = 0; c < len; c += WG_CHUNK) {
        ptrdiff_t p0 = s0 + c;
        ptrdiff_t p1 = p0 + (len - c < WG_CHUNK ? len - c : WG_CHUNK);
        for (int t = t0; t < t1; t++) wg_task(kern, acc, dpos, x, t, Ci, Co, g, p0, p1);
      }
    }
  }
  size_t n = (size_t)Co * Ci * 27;
  for (size_t i = 0; i < n; i++) dw[i] += (float)acc[i];
}
