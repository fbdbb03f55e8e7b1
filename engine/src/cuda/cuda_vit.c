// The ViT (vit3d) on CUDA: the CPU's forward and backward (vit3d_run.c)
// layer for layer, with the linear layers and the attention products as
// cuBLAS GEMMs (the heads of one volume as one strided-batched call) and
// the rest as own kernels (cuda_vit_kernels.cu, and the U-Net's dropout,
// add and Adam). Activations and gradients live in two device arenas cut
// as the CPU cuts its own, laid out once per batch size and only grown.
// Volumes of another size than the grid run by the CPU's tiling
// (vit3d_forward_tiles), one grid-sized tile at a time on the device.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cublas_v2.h>

#include "cuda_backend.h"
#include "cuda_ctx.h"
#include "cuda_layers.h"
#include "cuda_vit_kernels.h"
#include "vit3d.h"

struct nn_cuda_vit {
  cublasHandle_t blas;
  cublasComputeType_t comp;
  int n; // the batch the pointers below are cut for (0: none)
  float *arena, *garena;
  size_t arena_cap, garena_cap; // bytes
  float *in, *tok, *xf, *lnf, *muf, *rsf, *head, *out;
  vit_acts a[VIT_MAX_DEPTH];
  float *dx, *dtmp, *dln, *dqkv, *dao, *dh, *dg, *dhead, *dp, *dout;
};

static asl_status blas_check(cublasStatus_t e, const char *what) {
  if (e == CUBLAS_STATUS_SUCCESS) return ASL_OK;
  return asl_fail(e == CUBLAS_STATUS_ALLOC_FAILED ? ASL_ENOMEM : ASL_EIO, "cuBLAS: %s: %s",
                  what, cublasGetStatusString(e));
}
#define BL(call, what)                                  \
  do {                                                  \
    asl_status s_ = blas_check((call), (what));         \
    if (s_) return s_;                                  \
  } while (0)

// ---- GEMMs in the CPU's row-major terms --------------------------------------
// Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T, so each
// call is cblas_sgemm(CblasRowMajor, ...) with the operands swapped; count
// > 1 runs `count` products whose operands are sa, sb, sc floats apart.
static asl_status gemm(nn_cuda_vit *v, int ta, int tb, int M, int N, int K, float alpha,
                       const float *A, int lda, long long sa, const float *B, int ldb,
                       long long sb, float beta, float *C, int ldc, long long sc, int count) {
  const cublasOperation_t oa = ta ? CUBLAS_OP_T : CUBLAS_OP_N, ob = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
  if (count == 1)
    BL(cublasGemmEx(v->blas, ob, oa, N, M, K, &alpha, B, CUDA_R_32F, ldb, A, CUDA_R_32F, lda,
                    &beta, C, CUDA_R_32F, ldc, v->comp, CUBLAS_GEMM_DEFAULT), "GEMM");
  else
    BL(cublasGemmStridedBatchedEx(v->blas, ob, oa, N, M, K, &alpha, B, CUDA_R_32F, ldb, sb, A,
                                  CUDA_R_32F, lda, sa, &beta, C, CUDA_R_32F, ldc, sc, count,
                                  v->comp, CUBLAS_GEMM_DEFAULT), "batched GEMM");
  return ASL_OK;
}

// nn_linear_forward: out (M, N) = b + in (M, K) w (N, K)^T.
static asl_status linear_fwd(nn_cuda *c, float *out, const float *in, const float *w,
                             const float *b, int M, int K, int N) {
  nn_cu_fill_rows(out, b, M, N, c->stream);
  return gemm(c->vit, 0, 1, M, N, K, 1.0f, in, K, 0, w, K, 0, 1.0f, out, N, 0, 1);
}

// nn_linear_backward: dw += dout^T in, db += column sums, din += dout w.
static asl_status linear_bwd(nn_cuda *c, float *din, float *dw, float *db, const float *dout,
                             const float *in, const float *w, int M, int K, int N) {
  asl_status s = gemm(c->vit, 1, 0, N, K, M, 1.0f, dout, N, 0, in, K, 0, 1.0f, dw, K, 0, 1);
  if (s) return s;
  nn_cu_col_sums(db, dout, M, N, c->stream);
  if (din) s = gemm(c->vit, 0, 0, M, K, N, 1.0f, dout, N, 0, w, K, 0, 1.0f, din, K, 0, 1);
  return s;
}

// ---- attention (attention.c) ----------------------------------------------
// qkv (N, T, 3C), att (N, heads, T, T), out (N, T, C); per volume, its
// heads are one strided-batched GEMM (head h: columns h dh of q, k, v).
static asl_status attention_fwd(nn_cuda *c, const vit3d *w, float *out, float *att,
                                const float *qkv, int N) {
  nn_cuda_vit *v = c->vit;
  const int T = w->T, C = w->dim, H = w->heads, dh = C / H, ld = 3 * C;
  const long long TT = (long long)T * T;
  const float scale = 1.0f / sqrtf((float)dh);
  asl_status s = ASL_OK;
  for (int n = 0; n < N && !s; n++) {
    const float *q = qkv + (size_t)n * T * ld;
    s = gemm(v, 0, 1, T, T, dh, scale, q, ld, dh, q + C, ld, dh, 0.0f, att + n * H * TT, T,
             TT, H);
  }
  if (s) return s;
  nn_cu_softmax_rows(att, (size_t)N * H * T, T, c->stream);
  for (int n = 0; n < N && !s; n++) {
    const float *q = qkv + (size_t)n * T * ld;
    s = gemm(v, 0, 0, T, dh, T, 1.0f, att + n * H * TT, T, TT, q + 2 * C, ld, dh, 0.0f,
             out + (size_t)n * T * C, C, dh, H);
  }
  return s;
}

// dv += P^T dO; dP = dO v^T; dS = P (dP - rowsum(P dP)); dq += scale dS k;
// dk += scale dS^T q. dp: (N, heads, T, T) scratch.
static asl_status attention_bwd(nn_cuda *c, const vit3d *w, float *dqkv, const float *dout,
                                const float *qkv, const float *att, float *dp, int N) {
  nn_cuda_vit *v = c->vit;
  const int T = w->T, C = w->dim, H = w->heads, dh = C / H, ld = 3 * C;
  const long long TT = (long long)T * T;
  const float scale = 1.0f / sqrtf((float)dh);
  asl_status s = ASL_OK;
  for (int n = 0; n < N && !s; n++) {
    const size_t row = (size_t)n * T * ld;
    const float *dO = dout + (size_t)n * T * C, *p = att + n * H * TT;
    s = gemm(v, 1, 0, T, dh, T, 1.0f, p, T, TT, dO, C, dh, 1.0f, dqkv + row + 2 * C, ld, dh, H);
    if (!s)
      s = gemm(v, 0, 1, T, T, dh, 1.0f, dO, C, dh, qkv + row + 2 * C, ld, dh, 0.0f,
               dp + n * H * TT, T, TT, H);
  }
  if (s) return s;
  nn_cu_softmax_backward_rows(dp, att, (size_t)N * H * T, T, c->stream);
  for (int n = 0; n < N && !s; n++) {
    const size_t row = (size_t)n * T * ld;
    const float *d = dp + n * H * TT, *q = qkv + row;
    s = gemm(v, 0, 0, T, dh, T, scale, d, T, TT, q + C, ld, dh, 1.0f, dqkv + row, ld, dh, H);
    if (!s)
      s = gemm(v, 1, 0, T, dh, T, scale, d, T, TT, q, ld, dh, 1.0f, dqkv + row + C, ld, dh, H);
  }
  return s;
}

// ---- the memory plan (vit3d_run.c's cut_acts / cut_grads) -------------------
typedef struct {
  float *base;
  size_t used; // floats
} cutter;

static float *cut(cutter *k, size_t n) {
  float *p = k->base ? k->base + k->used : NULL;
  k->used += (n + 63) / 64 * 64; // 256-byte aligned
  return p;
}

// Dropout masks are bytes in float-sized slots (the CPU's mask layout).
static size_t cut_acts(nn_cuda_vit *v, const nn_model *m, const vit3d *w, float *base, int N) {
  cutter k = {base, 0};
  const size_t M = (size_t)N * w->T, C = w->dim, F = w->hidden;
  const size_t V = (size_t)m->grid[0] * m->grid[1] * m->grid[2];
  const size_t drop = w->dropout > 0.0f ? M * C : 0;
  v->in = cut(&k, (size_t)N * m->in_channels * V);
  v->tok = cut(&k, M * w->pin);
  for (int i = 0; i <= w->depth; i++) {
    vit_acts *a = &v->a[i];
    a->x = cut(&k, M * C);
    if (i == w->depth) break;
    a->ln1 = cut(&k, M * C), a->mu1 = cut(&k, M), a->rs1 = cut(&k, M);
    a->qkv = cut(&k, 3 * M * C);
    a->att = cut(&k, (size_t)N * w->heads * w->T * w->T);
    a->ao = cut(&k, M * C), a->proj = cut(&k, M * C), a->mask1 = cut(&k, drop);
    a->xmid = cut(&k, M * C);
    a->ln2 = cut(&k, M * C), a->mu2 = cut(&k, M), a->rs2 = cut(&k, M);
    a->h1 = cut(&k, M * F), a->g = cut(&k, M * F);
    a->h2 = cut(&k, M * C), a->mask2 = cut(&k, drop);
  }
  v->xf = v->a[w->depth].x;
  v->lnf = cut(&k, M * C), v->muf = cut(&k, M), v->rsf = cut(&k, M);
  v->head = cut(&k, M * w->pv);
  v->out = cut(&k, (size_t)N * V);
  return k.used;
}

static size_t cut_grads(nn_cuda_vit *v, const nn_model *m, const vit3d *w, float *base, int N) {
  cutter k = {base, 0};
  const size_t M = (size_t)N * w->T, C = w->dim, F = w->hidden;
  v->dx = cut(&k, M * C), v->dtmp = cut(&k, M * C), v->dln = cut(&k, M * C);
  v->dqkv = cut(&k, 3 * M * C), v->dao = cut(&k, M * C);
  v->dh = cut(&k, M * F), v->dg = cut(&k, M * F);
  v->dhead = cut(&k, M * w->pv);
  v->dp = cut(&k, (size_t)N * w->heads * w->T * w->T);
  v->dout = cut(&k, (size_t)N * m->grid[0] * m->grid[1] * m->grid[2]);
  return k.used;
}

// Lays out a batch of N at the grid; the arenas only grow. An inference
// plan has no gradient arena until a training step asks for one.
static void set_precision(nn_model *m);

asl_status nn_cuda_vit_plan(nn_model *m, int N, int train) {
  nn_cuda *c = m->cuda;
  nn_cuda_vit *v = c->vit;
  const vit3d *w = m->impl;
  set_precision(m); // the model's current option
  const size_t na = cut_acts(v, m, w, NULL, N), ng = train ? cut_grads(v, m, w, NULL, N) : 0;
  const size_t nl = nn_cu_loss_scratch((size_t)N * m->grid[0] * m->grid[1] * m->grid[2]);
  asl_status s = nn_cuda_grow(c, (void **)&v->arena, &v->arena_cap, na * sizeof(float));
  if (!s && train) s = nn_cuda_grow(c, (void **)&v->garena, &v->garena_cap, ng * sizeof(float));
  if (!s) s = nn_cuda_grow(c, (void **)&c->red, &c->red_cap, nl * sizeof(double));
  if (s) {
    v->n = 0;
    return s;
  }
  cut_acts(v, m, w, v->arena, N);
  if (train) cut_grads(v, m, w, v->garena, N);
  v->n = N;
  if (getenv("ASLSWEEP_CUDA_VERBOSE"))
    fprintf(stderr, "cuda: vit3d plan for batch %d (%s): activations %.1f MiB, gradients "
            "%.1f MiB; model holds %.1f MiB\n", N, train ? "training" : "inference",
            na * 4.0 / 1048576, ng * 4.0 / 1048576, c->bytes / 1048576.0);
  return ASL_OK;
}

// ---- forward ----------------------------------------------------------------
// x += branch r, r first dropped out (in place) in training mode.
static void branch_add(nn_model *m, const vit3d *w, float *out, const float *x, float *r,
                       float *mask, size_t n, int train) {
  nn_cuda *c = m->cuda;
  if (train && w->dropout > 0.0f)
    nn_cu_dropout_forward(r, (uint8_t *)mask, r, w->dropout, n, asl_rng_next(&m->rng),
                          c->stream);
  nn_cu_add(out, x, r, n, c->stream);
}

static asl_status block_fwd(nn_model *m, const vit3d *w, int i, int N, int train) {
  nn_cuda *c = m->cuda;
  nn_cuda_vit *v = c->vit;
  const float *p = c->params;
  const vit_block *b = &w->blk[i];
  vit_acts *a = &v->a[i];
  const int M = N * w->T, C = w->dim, F = w->hidden;
  nn_cu_layernorm_forward(a->ln1, a->mu1, a->rs1, a->x, p + b->n1w, p + b->n1b, M, C, w->eps,
                          c->stream);
  asl_status s = linear_fwd(c, a->qkv, a->ln1, p + b->qkvw, p + b->qkvb, M, C, 3 * C);
  if (!s) s = attention_fwd(c, w, a->ao, a->att, a->qkv, N);
  if (!s) s = linear_fwd(c, a->proj, a->ao, p + b->projw, p + b->projb, M, C, C);
  if (s) return s;
  branch_add(m, w, a->xmid, a->x, a->proj, a->mask1, (size_t)M * C, train);
  nn_cu_layernorm_forward(a->ln2, a->mu2, a->rs2, a->xmid, p + b->n2w, p + b->n2b, M, C,
                          w->eps, c->stream);
  s = linear_fwd(c, a->h1, a->ln2, p + b->fc1w, p + b->fc1b, M, C, F);
  if (s) return s;
  nn_cu_gelu_forward(a->g, a->h1, (size_t)M * F, c->stream);
  s = linear_fwd(c, a->h2, a->g, p + b->fc2w, p + b->fc2b, M, F, C);
  if (s) return s;
  branch_add(m, w, v->a[i + 1].x, a->xmid, a->h2, a->mask2, (size_t)M * C, train);
  CU(cudaGetLastError(), "vit3d block");
  return ASL_OK;
}

// The input (N, Cin, grid) in v->in -> v->out (N, 1, grid).
asl_status nn_cuda_vit_forward(nn_model *m, int train, const float **out) {
  nn_cuda *c = m->cuda;
  nn_cuda_vit *v = c->vit;
  const vit3d *w = m->impl;
  const float *p = c->params;
  const int N = v->n, M = N * w->T, C = w->dim;
  const int D = m->grid[2], H = m->grid[1], W = m->grid[0];
  const size_t V = (size_t)D * H * W;
  nn_cu_patchify(v->tok, v->in, N, m->in_channels, D, H, W, w->pz, w->py, w->px, c->stream);
  asl_status s = linear_fwd(c, v->a[0].x, v->tok, p + w->embw, p + w->embb, M, w->pin, C);
  if (s) return s;
  nn_cu_add_rows(v->a[0].x, p + w->pos, N, (size_t)w->T * C, c->stream);
  for (int i = 0; i < w->depth && !s; i++) s = block_fwd(m, w, i, N, train);
  if (s) return s;
  nn_cu_layernorm_forward(v->lnf, v->muf, v->rsf, v->xf, p + w->nw, p + w->nb, M, C, w->eps,
                          c->stream);
  s = linear_fwd(c, v->head, v->lnf, p + w->headw, p + w->headb, M, C, w->pv);
  if (s) return s;
  // Global residual: the network predicts the correction to the ASL channel.
  nn_cu_first_channel(v->out, v->in, N, m->in_channels, V, c->stream);
  nn_cu_unpatchify_add(v->out, v->head, N, 1, D, H, W, w->pz, w->py, w->px, c->stream);
  CU(cudaGetLastError(), "vit3d forward");
  c->out_dev = v->out;
  c->out_n = (size_t)N * V;
  *out = v->out;
  return ASL_OK;
}

// ---- backward ---------------------------------------------------------------
static asl_status branch_grad(nn_cuda *c, const vit3d *w, float *dr, const float *dout,
                              const float *mask, size_t n) {
  if (w->dropout > 0.0f) {
    CU(cudaMemsetAsync(dr, 0, n * sizeof(float), c->stream), "clear gradient");
    nn_cu_dropout_backward(dr, dout, (const uint8_t *)mask, w->dropout, n, c->stream);
  } else {
    CU(cudaMemcpyAsync(dr, dout, n * sizeof(float), cudaMemcpyDeviceToDevice, c->stream),
       "copy gradient");
  }
  return ASL_OK;
}

static asl_status zero(nn_cuda *c, float *p, size_t n) {
  CU(cudaMemsetAsync(p, 0, n * sizeof(float), c->stream), "clear gradient");
  return ASL_OK;
}

// The MLP half of block i: v->dx holds the block output's gradient and
// gets that of xmid.
static asl_status block_bwd_mlp(nn_cuda *c, const vit3d *w, int i) {
  nn_cuda_vit *v = c->vit;
  const float *p = c->params;
  float *g = c->grads;
  const vit_block *b = &w->blk[i];
  const vit_acts *a = &v->a[i];
  const int M = v->n * w->T, C = w->dim, F = w->hidden;
  const size_t MC = (size_t)M * C, MF = (size_t)M * F;
  asl_status s = branch_grad(c, w, v->dtmp, v->dx, a->mask2, MC);
  if (!s) s = zero(c, v->dg, MF);
  if (!s) s = linear_bwd(c, v->dg, g + b->fc2w, g + b->fc2b, v->dtmp, a->g, p + b->fc2w, M, F, C);
  if (!s) s = zero(c, v->dh, MF);
  if (s) return s;
  nn_cu_gelu_backward(v->dh, v->dg, a->h1, MF, c->stream);
  if (!s) s = zero(c, v->dln, MC);
  if (!s) s = linear_bwd(c, v->dln, g + b->fc1w, g + b->fc1b, v->dh, a->ln2, p + b->fc1w, M, C, F);
  if (s) return s;
  nn_cu_layernorm_backward(v->dx, g + b->n2w, g + b->n2b, v->dln, a->xmid, a->mu2, a->rs2,
                           p + b->n2w, M, C, c->stream);
  return ASL_OK;
}

// The attention half: v->dx holds xmid's gradient and gets the block input's.
static asl_status block_bwd_attn(nn_cuda *c, const vit3d *w, int i) {
  nn_cuda_vit *v = c->vit;
  const float *p = c->params;
  float *g = c->grads;
  const vit_block *b = &w->blk[i];
  const vit_acts *a = &v->a[i];
  const int N = v->n, M = N * w->T, C = w->dim;
  const size_t MC = (size_t)M * C;
  asl_status s = branch_grad(c, w, v->dtmp, v->dx, a->mask1, MC);
  if (!s) s = zero(c, v->dao, MC);
  if (!s) s = linear_bwd(c, v->dao, g + b->projw, g + b->projb, v->dtmp, a->ao, p + b->projw, M, C, C);
  if (!s) s = zero(c, v->dqkv, 3 * MC);
  if (!s) s = attention_bwd(c, w, v->dqkv, v->dao, a->qkv, a->att, v->dp, N);
  if (!s) s = zero(c, v->dln, MC);
  if (!s) s = linear_bwd(c, v->dln, g + b->qkvw, g + b->qkvb, v->dqkv, a->ln1, p + b->qkvw, M, C, 3 * C);
  if (s) return s;
  nn_cu_layernorm_backward(v->dx, g + b->n1w, g + b->n1b, v->dln, a->x, a->mu1, a->rs1,
                           p + b->n1w, M, C, c->stream);
  CU(cudaGetLastError(), "vit3d block backward");
  return ASL_OK;
}

// After a training forward, with the output's gradient in v->dout.
asl_status nn_cuda_vit_backward(nn_model *m) {
  nn_cuda *c = m->cuda;
  nn_cuda_vit *v = c->vit;
  const vit3d *w = m->impl;
  const float *p = c->params;
  float *g = c->grads;
  const int N = v->n, M = N * w->T, C = w->dim;
  const int D = m->grid[2], H = m->grid[1], W = m->grid[0];
  nn_cu_patchify(v->dhead, v->dout, N, 1, D, H, W, w->pz, w->py, w->px, c->stream);
  asl_status s = zero(c, v->dln, (size_t)M * C);
  if (!s) s = linear_bwd(c, v->dln, g + w->headw, g + w->headb, v->dhead, v->lnf, p + w->headw,
                         M, C, w->pv);
  if (!s) s = zero(c, v->dx, (size_t)M * C);
  if (s) return s;
  nn_cu_layernorm_backward(v->dx, g + w->nw, g + w->nb, v->dln, v->xf, v->muf, v->rsf,
                           p + w->nw, M, C, c->stream);
  for (int i = w->depth - 1; i >= 0 && !s; i--) {
    s = block_bwd_mlp(c, w, i);
    if (!s) s = block_bwd_attn(c, w, i);
  }
  if (s) return s;
  nn_cu_add_rows_backward(g + w->pos, v->dx, N, (size_t)w->T * C, c->stream);
  s = linear_bwd(c, NULL, g + w->embw, g + w->embb, v->dx, v->tok, p + w->embw, M, w->pin, C);
  if (s) return s;
  CU(cudaGetLastError(), "vit3d backward");
  return ASL_OK;
}

// ---- the model's device state -----------------------------------------------
// The GEMMs' arithmetic from the model's precision (nn/device.h): FP32
// without tensor cores; TF32 tensor cores; BF16 inputs with FP32
// accumulation (cuBLAS may take TF32 where it has no BF16 kernel).
static void set_precision(nn_model *m) {
  nn_cuda_vit *v = ((nn_cuda *)m->cuda)->vit;
  v->comp = m->precision == 1   ? CUBLAS_COMPUTE_32F_FAST_TF32
            : m->precision == 2 ? CUBLAS_COMPUTE_32F_FAST_16BF
                                : CUBLAS_COMPUTE_32F;
}

asl_status nn_cuda_vit_attach(nn_model *m) {
  nn_cuda *c = m->cuda;
  const char *why;
  if (!nn_cublas_load(&why)) return asl_fail(ASL_EUNSUPPORTED, "model vit3d: device cuda: %s", why);
  c->vit = calloc(1, sizeof *c->vit);
  if (!c->vit) return asl_fail(ASL_ENOMEM, "model vit3d: out of memory");
  BL(cublasCreate(&c->vit->blas), "start");
  BL(cublasSetStream(c->vit->blas, c->stream), "set the stream");
  // No atomics (the default, set here so it stays): GEMM results then do
  // not depend on scheduling.
  BL(cublasSetMathMode(c->vit->blas, CUBLAS_DEFAULT_MATH), "set the math mode");
  set_precision(m);
  return ASL_OK;
}

void nn_cuda_vit_free(nn_cuda *c) {
  nn_cuda_vit *v = c->vit;
  if (!v) return;
  if (v->blas) cublasDestroy(v->blas);
  cudaFree(v->arena);
  cudaFree(v->garena);
  free(v);
  c->vit = NULL;
}

float *nn_cuda_vit_input(nn_model *m) { return ((nn_cuda *)m->cuda)->vit->in; }
float *nn_cuda_vit_output_grad(nn_model *m) { return ((nn_cuda *)m->cuda)->vit->dout; }

// The output's gradient (the loss may leave it unwritten) and the
// parameter gradients.
asl_status nn_cuda_vit_zero_grads(nn_model *m) {
  nn_cuda *c = m->cuda;
  const size_t n = (size_t)c->vit->n * m->grid[0] * m->grid[1] * m->grid[2];
  CU(cudaMemsetAsync(c->vit->dout, 0, n * sizeof(float), c->stream), "clear gradients");
  CU(cudaMemsetAsync(c->grads, 0, (m->n_params ? m->n_params : 1) * sizeof(float), c->stream),
     "clear gradients");
  return ASL_OK;
}
