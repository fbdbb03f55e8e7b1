// Linear layer (PyTorch nn.Linear) as GEMMs split across the OpenMP team by
// rows, OpenBLAS itself held to one thread: each thread owns a block of
// output rows, so results do not depend on scheduling.
#include <cblas.h>
#include <omp.h>

#include "nn/transformer.h"
#include "omp_work.h"

// Rows [*lo, *hi) of n for thread t of nt.
static void split(int n, int t, int nt, int *lo, int *hi) {
  *lo = (int)((long)n * t / nt);
  *hi = (int)((long)n * (t + 1) / nt);
}

// in: (M, K)  w: (N, K)  b: (N)  out: (M, N)
void nn_linear_forward(float *out, const float *in, const float *w,
                       const float *b, int M, int K, int N) {
#pragma omp parallel if ((size_t)M * N * K >= 64 * NN_OMP_MIN_WORK)
  {
    int lo, hi;
    split(M, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
    for (int i = lo; i < hi; i++)
      for (int j = 0; j < N; j++) out[(size_t)i * N + j] = b ? b[j] : 0.0f;
    if (hi > lo)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, hi - lo, N, K, 1.0f,
                  in + (size_t)lo * K, K, w, K, 1.0f, out + (size_t)lo * N, N);
  }
}

void nn_linear_backward(float *din, float *dw, float *db, const float *dout,
                        const float *in, const float *w, int M, int K, int N) {
#pragma omp parallel if ((size_t)M * N * K >= 64 * NN_OMP_MIN_WORK)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    int lo, hi;
    // dw (N x K) += dout^T (N x M) . in (M x K): this thread's rows of dw.
    split(N, t, nt, &lo, &hi);
    if (hi > lo)
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, hi - lo, K, M, 1.0f,
                  dout + lo, N, in, K, 1.0f, dw + (size_t)lo * K, K);
    if (db)
      for (int j = lo; j < hi; j++) {
        double s = 0.0; // double: sums over many rows
        for (int i = 0; i < M; i++) s += dout[(size_t)i * N + j];
        db[j] += (float)s;
      }
    // din (M x K) += dout (M x N) . w (N x K): this thread's rows of din.
    split(M, t, nt, &lo, &hi);
    if (din && hi > lo)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, hi - lo, K, N,
                  1.0f, dout + (size_t)lo * N, N, w, K, 1.0f,
                  din + (size_t)lo * K, K);
  }
}
