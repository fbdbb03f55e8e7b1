// SSIM loss: 1 - weighted mean of the local 3D SSIM map (see nn/loss.h).
//
// With mu = G*x, Exx = G*(x^2), Exy = G*(x y) the map is
//   S = (2 mx my + C1)(2 (Exy - mx my) + C2) /
//       ((mx^2 + my^2 + C1)((Exx - mx^2) + (Eyy - my^2) + C2))
// and, G being symmetric with zero padding (so its own adjoint),
//   dS/dx = G*(dS/dmx) + 2 x G*(dS/dExx) + y G*(dS/dExy).
#include <math.h>
#include <string.h>

#include "nn/loss.h"
#include "omp_work.h"

enum { SSIM_R = 2 };
enum { MX, MY, EXX, EYY, EXY, PROD, TMP, GA, GB, GC, NMAPS };

size_t nn_ssim_loss_workspace_floats(int D, int H, int W) {
  return (size_t)NMAPS * D * H * W;
}

static void gauss_kernel(float k[2 * SSIM_R + 1]) {
  double s = 0.0, e[2 * SSIM_R + 1];
  for (int t = -SSIM_R; t <= SSIM_R; t++)
    s += e[t + SSIM_R] = exp(-0.5 * t * t / (1.5 * 1.5));
  for (int t = 0; t <= 2 * SSIM_R; t++) k[t] = (float)(e[t] / s);
}

static double weight_total(const float *w, size_t n) {
  if (!w) return (double)n;
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += w[i];
  return s;
}

// Fills the five local-statistics maps of one sample; returns C1, C2.
static void local_stats(float *ws, const float *x, const float *y, size_t V,
                        int D, int H, int W, float *c1, float *c2) {
  float k[2 * SSIM_R + 1];
  gauss_kernel(k);
  float lo = y[0], hi = y[0];
  for (size_t i = 1; i < V; i++) {
    lo = y[i] < lo ? y[i] : lo;
    hi = y[i] > hi ? y[i] : hi;
  }
  float L = hi > lo ? hi - lo : 1.0f;
  *c1 = (0.01f * L) * (0.01f * L);
  *c2 = (0.03f * L) * (0.03f * L);
  float *prod = ws + PROD * V, *tmp = ws + TMP * V;
  nn_filter3d_separable(ws + MX * V, x, tmp, D, H, W, k, SSIM_R, 0);
  nn_filter3d_separable(ws + MY * V, y, tmp, D, H, W, k, SSIM_R, 0);
  const float *a[3] = {x, y, x}, *b[3] = {x, y, y};
  const int dst[3] = {EXX, EYY, EXY};
  for (int m = 0; m < 3; m++) {
    for (size_t i = 0; i < V; i++) prod[i] = a[m][i] * b[m][i];
    nn_filter3d_separable(ws + dst[m] * V, prod, tmp, D, H, W, k, SSIM_R, 0);
  }
}

double nn_ssim_loss_forward(const float *pred, const float *target,
                            const float *w, int N, int D, int H, int W,
                            float *ws) {
  const size_t V = (size_t)D * H * W;
  const double sw = weight_total(w, (size_t)N * V);
  if (sw <= 0.0) return 0.0;
  double acc = 0.0;
  for (int n = 0; n < N; n++) {
    float c1, c2;
    local_stats(ws, pred + n * V, target + n * V, V, D, H, W, &c1, &c2);
    const float *wn = w ? w + n * V : NULL;
    for (size_t i = 0; i < V; i++) {
      double mx = ws[MX * V + i], my = ws[MY * V + i];
      double a1 = 2 * mx * my + c1, a2 = 2 * (ws[EXY * V + i] - mx * my) + c2;
      double b1 = mx * mx + my * my + c1;
      double b2 = ws[EXX * V + i] - mx * mx + ws[EYY * V + i] - my * my + c2;
      acc += (wn ? wn[i] : 1.0) * (a1 * a2) / (b1 * b2);
    }
  }
  return 1.0 - acc / sw;
}

void nn_ssim_loss_backward(float *dpred, const float *pred,
                           const float *target, const float *w, int N, int D,
                           int H, int W, float scale, float *ws) {
  const size_t V = (size_t)D * H * W;
  const double sw = weight_total(w, (size_t)N * V);
  if (sw <= 0.0) return;
  float k[2 * SSIM_R + 1];
  gauss_kernel(k);
  for (int n = 0; n < N; n++) {
    const float *x = pred + n * V, *y = target + n * V;
    const float *wn = w ? w + n * V : NULL;
    float c1, c2;
    local_stats(ws, x, y, V, D, H, W, &c1, &c2);
#pragma omp parallel for schedule(static) if (V >= NN_OMP_MIN_WORK)
    for (size_t i = 0; i < V; i++) {
      double mx = ws[MX * V + i], my = ws[MY * V + i];
      double a1 = 2 * mx * my + c1, a2 = 2 * (ws[EXY * V + i] - mx * my) + c2;
      double b1 = mx * mx + my * my + c1;
      double b2 = ws[EXX * V + i] - mx * mx + ws[EYY * V + i] - my * my + c2;
      double s = a1 * a2 / (b1 * b2);
      double coef = -(double)scale * (wn ? wn[i] : 1.0) / sw;
      ws[GA * V + i] = (float)(coef * (2 * my * (a2 - a1) / (b1 * b2) -
                                       2 * mx * s * (1 / b1 - 1 / b2)));
      ws[GB * V + i] = (float)(coef * (-s / b2));
      ws[GC * V + i] = (float)(coef * (2 * a1 / (b1 * b2)));
    }
    // The statistics maps are spent: reuse them for the filtered gradients.
    float *tmp = ws + TMP * V;
    nn_filter3d_separable(ws + MX * V, ws + GA * V, tmp, D, H, W, k, SSIM_R, 0);
    nn_filter3d_separable(ws + MY * V, ws + GB * V, tmp, D, H, W, k, SSIM_R, 0);
    nn_filter3d_separable(ws + EXX * V, ws + GC * V, tmp, D, H, W, k, SSIM_R, 0);
    float *dx = dpred + n * V;
#pragma omp parallel for schedule(static) if (V >= NN_OMP_MIN_WORK)
    for (size_t i = 0; i < V; i++)
      dx[i] += ws[MX * V + i] + 2 * x[i] * ws[MY * V + i] + y[i] * ws[EXX * V + i];
  }
}
