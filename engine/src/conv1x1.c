// 1x1x1 convolution: a (Co x Ci) . (Ci x V) GEMM per sample.
#include <cblas.h>

#include "nn/layers.h"
#include "omp_work.h"

// in: (N, Ci, V)  w: (Co, Ci)  b: (Co)  out: (N, Co, V)
void nn_conv1x1_forward(float *out, const float *in, const float *w,
                        const float *b, int N, int Ci, int Co, int V) {
  for (int n = 0; n < N; n++) {
    float *o = out + (size_t)n * Co * V;
#pragma omp parallel for schedule(static) if ((size_t)Co * V >= NN_OMP_MIN_WORK)
    for (int co = 0; co < Co; co++)
      for (int v = 0; v < V; v++) o[(size_t)co * V + v] = b ? b[co] : 0.0f;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Co, V, Ci, 1.0f, w,
                Ci, in + (size_t)n * Ci * V, V, 1.0f, o, V);
  }
}

void nn_conv1x1_backward(float *din, float *dw, float *db, const float *dout,
                         const float *in, const float *w, int N, int Ci,
                         int Co, int V) {
  for (int n = 0; n < N; n++) {
    const float *g = dout + (size_t)n * Co * V;
    if (db)
      for (int co = 0; co < Co; co++) {
        double s = 0.0; // double: long sums
        for (int v = 0; v < V; v++) s += g[(size_t)co * V + v];
        db[co] += (float)s;
      }
    // dw (Co x Ci) += g (Co x V) . in^T (V x Ci)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Co, Ci, V, 1.0f, g, V,
                in + (size_t)n * Ci * V, V, 1.0f, dw, Ci);
    // din (Ci x V) += w^T (Ci x Co) . g (Co x V)
    if (din)
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Ci, V, Co, 1.0f, w,
                  Ci, g, V, 1.0f, din + (size_t)n * Ci * V, V);
  }
}
