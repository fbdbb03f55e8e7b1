// The ViT's own CUDA kernels (cuda_vit_kernels.h). Row operations
// (LayerNorm, softmax) give each row one warp; its lanes take every 32nd
// value and the warp adds their double partial sums by a fixed butterfly,
// so the order of additions depends only on the row length. Column sums
// give each column one thread that walks the rows in order.
#include "cuda_reduce.cuh"
#include "cuda_vit_kernels.h"

#define GRID_LOOP(i, n)                                                  \
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n); \
       i += (size_t)gridDim.x * blockDim.x)

enum { WARP = 32, ROWS_PER_BLOCK = NN_CU_BLOCK / WARP };

__device__ static inline double warp_sum(double v) {
  for (int o = WARP / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ static inline float warp_max(float v) {
  for (int o = WARP / 2; o > 0; o >>= 1) {
    const float u = __shfl_xor_sync(0xffffffffu, v, o);
    v = u > v ? u : v;
  }
  return v;
}

static unsigned row_blocks(size_t rows) {
  size_t b = (rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK;
  return (unsigned)(b > 65535u * 32u ? 65535u * 32u : (b ? b : 1));
}

// The warp's row loop: row r for this warp, lane l.
#define ROW_LOOP(r, rows)                                                          \
  for (size_t r = blockIdx.x * (size_t)ROWS_PER_BLOCK + threadIdx.x / WARP; r < (rows); \
       r += (size_t)gridDim.x * ROWS_PER_BLOCK)

__global__ static void k_ln_fwd(float *out, float *mean, float *rstd, const float *in,
                                const float *gamma, const float *beta, int M, int C,
                                float eps) {
  const int l = threadIdx.x % WARP;
  ROW_LOOP(i, (size_t)M) {
    const float *x = in + i * C;
    float *y = out + i * C;
    double s = 0.0, q = 0.0;
    for (int c = l; c < C; c += WARP) s += x[c];
    const double mu = warp_sum(s) / C;
    for (int c = l; c < C; c += WARP) q += (x[c] - mu) * (x[c] - mu);
    q = warp_sum(q);
    const float r = (float)(1.0 / sqrt(q / C + eps)), m = (float)mu;
    for (int c = l; c < C; c += WARP) y[c] = (x[c] - m) * r * gamma[c] + beta[c];
    if (l == 0) mean[i] = m, rstd[i] = r;
  }
}

__global__ static void k_ln_bwd_in(float *din, const float *dout, const float *in,
                                   const float *mean, const float *rstd, const float *gamma,
                                   int M, int C) {
  const int l = threadIdx.x % WARP;
  ROW_LOOP(i, (size_t)M) {
    const float *x = in + i * C, *g = dout + i * C;
    const float m = mean[i], r = rstd[i];
    double sg = 0.0, sgx = 0.0;
    for (int c = l; c < C; c += WARP) {
      const double gg = (double)g[c] * gamma[c];
      sg += gg;
      sgx += gg * (x[c] - m) * r;
    }
    const float a = (float)(warp_sum(sg) / C), b = (float)(warp_sum(sgx) / C);
    float *d = din + i * C;
    for (int c = l; c < C; c += WARP) d[c] += r * (g[c] * gamma[c] - a - (x[c] - m) * r * b);
  }
}

__global__ static void k_ln_bwd_params(float *dgamma, float *dbeta, const float *dout,
                                       const float *in, const float *mean, const float *rstd,
                                       int M, int C) {
  GRID_LOOP(c, (size_t)C) {
    double sw = 0.0, sb = 0.0;
    for (int i = 0; i < M; i++) {
      const float g = dout[(size_t)i * C + c];
      sw += (double)g * (in[(size_t)i * C + c] - mean[i]) * rstd[i];
      sb += g;
    }
    dgamma[c] += (float)sw;
    dbeta[c] += (float)sb;
  }
}

extern "C" void nn_cu_layernorm_forward(float *out, float *mean, float *rstd, const float *in,
                                        const float *gamma, const float *beta, int M, int C,
                                        float eps, cudaStream_t st) {
  k_ln_fwd<<<row_blocks(M), NN_CU_BLOCK, 0, st>>>(out, mean, rstd, in, gamma, beta, M, C, eps);
}

extern "C" void nn_cu_layernorm_backward(float *din, float *dgamma, float *dbeta,
                                         const float *dout, const float *in, const float *mean,
                                         const float *rstd, const float *gamma, int M, int C,
                                         cudaStream_t st) {
  if (din)
    k_ln_bwd_in<<<row_blocks(M), NN_CU_BLOCK, 0, st>>>(din, dout, in, mean, rstd, gamma, M, C);
  k_ln_bwd_params<<<nn_cu_grid(C), NN_CU_BLOCK, 0, st>>>(dgamma, dbeta, dout, in, mean, rstd,
                                                         M, C);
}

#define INV_SQRT2 0.70710678118654752f
#define INV_SQRT2PI 0.39894228040143268f

__global__ static void k_gelu_fwd(float *out, const float *in, size_t n) {
  GRID_LOOP(i, n) out[i] = 0.5f * in[i] * (1.0f + erff(in[i] * INV_SQRT2));
}

__global__ static void k_gelu_bwd(float *din, const float *dout, const float *in, size_t n) {
  GRID_LOOP(i, n) {
    const float x = in[i];
    const float cdf = 0.5f * (1.0f + erff(x * INV_SQRT2));
    const float pdf = INV_SQRT2PI * expf(-0.5f * x * x);
    din[i] += dout[i] * (cdf + x * pdf);
  }
}

extern "C" void nn_cu_gelu_forward(float *out, const float *in, size_t n, cudaStream_t st) {
  k_gelu_fwd<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(out, in, n);
}

extern "C" void nn_cu_gelu_backward(float *din, const float *dout, const float *in, size_t n,
                                    cudaStream_t st) {
  k_gelu_bwd<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(din, dout, in, n);
}

__global__ static void k_softmax(float *s, size_t R, int T) {
  const int l = threadIdx.x % WARP;
  ROW_LOOP(i, R) {
    float *r = s + i * T, mx = -INFINITY;
    for (int j = l; j < T; j += WARP) mx = r[j] > mx ? r[j] : mx;
    mx = warp_max(mx);
    double sum = 0.0;
    for (int j = l; j < T; j += WARP) {
      r[j] = expf(r[j] - mx);
      sum += r[j];
    }
    const float inv = 1.0f / (float)warp_sum(sum);
    for (int j = l; j < T; j += WARP) r[j] *= inv;
  }
}

__global__ static void k_softmax_bwd(float *dp, const float *p, size_t R, int T) {
  const int l = threadIdx.x % WARP;
  ROW_LOOP(i, R) {
    const float *pr = p + i * T;
    float *dr = dp + i * T;
    double dot = 0.0;
    for (int j = l; j < T; j += WARP) dot += (double)pr[j] * dr[j];
    const float d = (float)warp_sum(dot);
    for (int j = l; j < T; j += WARP) dr[j] = pr[j] * (dr[j] - d);
  }
}

extern "C" void nn_cu_softmax_rows(float *s, size_t R, int T, cudaStream_t st) {
  k_softmax<<<row_blocks(R), NN_CU_BLOCK, 0, st>>>(s, R, T);
}

extern "C" void nn_cu_softmax_backward_rows(float *dp, const float *p, size_t R, int T,
                                            cudaStream_t st) {
  k_softmax_bwd<<<row_blocks(R), NN_CU_BLOCK, 0, st>>>(dp, p, R, T);
}

typedef struct {
  int C, D, H, W, pz, py, px, gy, gx, T, P;
} patch_geom;

// The voxel of (N, C, D, H, W) behind value i of the tokens (N, T, P),
// P = C pz py px in the order (c, dz, dy, dx) (vit3d_patch.c).
__device__ static inline size_t patch_voxel(size_t i, const patch_geom g) {
  const size_t n = i / ((size_t)g.T * g.P);
  const int t = (int)(i / g.P % g.T), r = (int)(i % g.P);
  const int tz = t / (g.gy * g.gx), ty = t / g.gx % g.gy, tx = t % g.gx;
  const int pv = g.pz * g.py * g.px;
  const int c = r / pv, dz = r / (g.py * g.px) % g.pz, dy = r / g.px % g.py, dx = r % g.px;
  return (((n * g.C + c) * g.D + (size_t)tz * g.pz + dz) * g.H + (size_t)ty * g.py + dy) * g.W +
         (size_t)tx * g.px + dx;
}

static patch_geom geom(int C, int D, int H, int W, int pz, int py, int px) {
  patch_geom g = {C, D, H, W, pz, py, px, H / py, W / px, 0, C * pz * py * px};
  g.T = (D / pz) * g.gy * g.gx;
  return g;
}

__global__ static void k_patchify(float *tok, const float *vol, patch_geom g, size_t n) {
  GRID_LOOP(i, n) tok[i] = vol[patch_voxel(i, g)];
}

// Patches do not overlap: each voxel has one token value, one writer.
__global__ static void k_unpatchify_add(float *vol, const float *tok, patch_geom g, size_t n) {
  GRID_LOOP(i, n) vol[patch_voxel(i, g)] += tok[i];
}

extern "C" void nn_cu_patchify(float *tokens, const float *vol, int N, int C, int D, int H,
                               int W, int pz, int py, int px, cudaStream_t st) {
  const patch_geom g = geom(C, D, H, W, pz, py, px);
  const size_t n = (size_t)N * g.T * g.P;
  k_patchify<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(tokens, vol, g, n);
}

extern "C" void nn_cu_unpatchify_add(float *vol, const float *tokens, int N, int C, int D,
                                     int H, int W, int pz, int py, int px, cudaStream_t st) {
  const patch_geom g = geom(C, D, H, W, pz, py, px);
  const size_t n = (size_t)N * g.T * g.P;
  k_unpatchify_add<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(vol, tokens, g, n);
}

__global__ static void k_fill_rows(float *out, const float *b, int N, size_t n) {
  GRID_LOOP(i, n) out[i] = b ? b[i % N] : 0.0f;
}

__global__ static void k_col_sums(float *db, const float *dout, int M, int N) {
  GRID_LOOP(j, (size_t)N) {
    double s = 0.0;
    for (int i = 0; i < M; i++) s += dout[(size_t)i * N + j];
    db[j] += (float)s;
  }
}

__global__ static void k_add_rows(float *x, const float *a, size_t L, size_t n) {
  GRID_LOOP(i, n) x[i] = x[i] + a[i % L];
}

__global__ static void k_add_rows_bwd(float *da, const float *dx, int B, size_t L) {
  GRID_LOOP(j, L) {
    float s = da[j];
    for (int b = 0; b < B; b++) s += dx[(size_t)b * L + j];
    da[j] = s;
  }
}

__global__ static void k_first_channel(float *out, const float *x, int C, size_t V, size_t n) {
  GRID_LOOP(i, n) out[i] = x[(i / V) * C * V + i % V];
}

extern "C" void nn_cu_fill_rows(float *out, const float *bias, int M, int N, cudaStream_t st) {
  const size_t n = (size_t)M * N;
  k_fill_rows<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(out, bias, N, n);
}

extern "C" void nn_cu_col_sums(float *db, const float *dout, int M, int N, cudaStream_t st) {
  k_col_sums<<<nn_cu_grid(N), NN_CU_BLOCK, 0, st>>>(db, dout, M, N);
}

extern "C" void nn_cu_add_rows(float *x, const float *a, int B, size_t L, cudaStream_t st) {
  const size_t n = (size_t)B * L;
  k_add_rows<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(x, a, L, n);
}

extern "C" void nn_cu_add_rows_backward(float *da, const float *dx, int B, size_t L,
                                        cudaStream_t st) {
  k_add_rows_bwd<<<nn_cu_grid(L), NN_CU_BLOCK, 0, st>>>(da, dx, B, L);
}

extern "C" void nn_cu_first_channel(float *out, const float *x, int N, int C, size_t V,
                                    cudaStream_t st) {
  const size_t n = (size_t)N * V;
  k_first_channel<<<nn_cu_grid(n), NN_CU_BLOCK, 0, st>>>(out, x, C, V, n);
}
