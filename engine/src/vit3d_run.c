// vit3d forward and backward at the model grid. Every activation and
// gradient lives in two arenas cut by vit3d_plan, so the layers never
// allocate; the arenas grow only when a larger batch or team comes.
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "nn/layers.h"
#include "nn/transformer.h"
#include "vit3d.h"

typedef struct {
  float *base;
  size_t used;
} cutter;

// Next n floats, 64-byte aligned (base NULL: only counts).
static float *cut(cutter *c, size_t n) {
  float *p = c->base ? c->base + c->used : NULL;
  c->used += (n + 15) / 16 * 16;
  return p;
}

static size_t cut_acts(vit3d *v, float *base, int N) {
  cutter c = {base, 0};
  const size_t M = (size_t)N * v->T, C = v->dim, F = v->hidden;
  const size_t drop = v->dropout > 0.0f ? M * C : 0;
  v->tok = cut(&c, M * v->pin);
  for (int i = 0; i <= v->depth; i++) {
    vit_acts *a = &v->a[i];
    a->x = cut(&c, M * C);
    if (i == v->depth) break; // the last stream is the final norm's input
    a->ln1 = cut(&c, M * C), a->mu1 = cut(&c, M), a->rs1 = cut(&c, M);
    a->qkv = cut(&c, 3 * M * C);
    a->att = cut(&c, (size_t)N * v->heads * v->T * v->T);
    a->ao = cut(&c, M * C), a->proj = cut(&c, M * C), a->mask1 = cut(&c, drop);
    a->xmid = cut(&c, M * C);
    a->ln2 = cut(&c, M * C), a->mu2 = cut(&c, M), a->rs2 = cut(&c, M);
    a->h1 = cut(&c, M * F), a->g = cut(&c, M * F);
    a->h2 = cut(&c, M * C), a->mask2 = cut(&c, drop);
  }
  v->xf = v->a[v->depth].x;
  v->lnf = cut(&c, M * C), v->muf = cut(&c, M), v->rsf = cut(&c, M);
  v->head = cut(&c, M * v->pv);
  v->out = cut(&c, M * v->pv);
  return c.used;
}

static size_t cut_grads(vit3d *v, float *base, int N, int threads) {
  cutter c = {base, 0};
  const size_t M = (size_t)N * v->T, C = v->dim, F = v->hidden;
  v->dx = cut(&c, M * C), v->dtmp = cut(&c, M * C), v->dln = cut(&c, M * C);
  v->dqkv = cut(&c, 3 * M * C), v->dao = cut(&c, M * C);
  v->dh = cut(&c, M * F), v->dg = cut(&c, M * F);
  v->dhead = cut(&c, M * v->pv);
  v->ws = cut(&c, nn_attention_workspace_floats(v->T, threads));
  return c.used;
}

asl_status vit3d_plan(nn_model *m, int N) {
  vit3d *v = m->impl;
  const int threads = omp_get_max_threads();
  if (!v->arena || N > v->cap_n || threads > v->cap_threads) {
    const int cn = N > v->cap_n ? N : v->cap_n;
    const int ct = threads > v->cap_threads ? threads : v->cap_threads;
    free(v->arena);
    free(v->garena);
    const size_t na = cut_acts(v, NULL, cn), ng = cut_grads(v, NULL, cn, ct);
    v->arena = aligned_alloc(64, na * sizeof(float));
    v->garena = aligned_alloc(64, ng * sizeof(float));
    if (!v->arena || !v->garena) {
      free(v->arena), free(v->garena);
      v->arena = v->garena = NULL;
      v->cap_n = v->cap_threads = 0;
      return asl_fail(ASL_ENOMEM,
                      "model vit3d: cannot allocate %zu MB of activations for "
                      "batch %d (lower the batch or the grid)",
                      (na + ng) * sizeof(float) >> 20, cn);
    }
    v->cap_n = cn, v->cap_threads = ct;
  }
  cut_acts(v, v->arena, N);
  cut_grads(v, v->garena, N, v->cap_threads);
  v->n = N;
  return ASL_OK;
}

// x += residual branch r, r first dropped out in training mode.
static void branch_add(nn_model *m, vit3d *v, float *out, const float *x,
                       float *r, float *mask, size_t n, int train) {
  if (train && v->dropout > 0.0f)
    nn_dropout_forward(r, mask, r, v->dropout, n, &m->rng);
  nn_add_forward(out, x, r, n);
}

static void block_forward(nn_model *m, vit3d *v, int i, int N, int train) {
  const float *p = m->params;
  const vit_block *b = &v->blk[i];
  vit_acts *a = &v->a[i];
  const int M = N * v->T, C = v->dim, F = v->hidden;
  nn_layernorm_forward(a->ln1, a->mu1, a->rs1, a->x, p + b->n1w, p + b->n1b,
                       M, C, v->eps);
  nn_linear_forward(a->qkv, a->ln1, p + b->qkvw, p + b->qkvb, M, C, 3 * C);
  nn_attention_forward(a->ao, a->att, a->qkv, N, v->T, v->heads, C / v->heads);
  nn_linear_forward(a->proj, a->ao, p + b->projw, p + b->projb, M, C, C);
  branch_add(m, v, a->xmid, a->x, a->proj, a->mask1, (size_t)M * C, train);
  nn_layernorm_forward(a->ln2, a->mu2, a->rs2, a->xmid, p + b->n2w,
                       p + b->n2b, M, C, v->eps);
  nn_linear_forward(a->h1, a->ln2, p + b->fc1w, p + b->fc1b, M, C, F);
  nn_gelu_forward(a->g, a->h1, (size_t)M * F);
  nn_linear_forward(a->h2, a->g, p + b->fc2w, p + b->fc2b, M, F, C);
  branch_add(m, v, v->a[i + 1].x, a->xmid, a->h2, a->mask2, (size_t)M * C,
             train);
}

// x: (N, Cin, D, H, W) at the grid -> v->out (N, 1, D, H, W).
void vit3d_forward_grid(nn_model *m, const float *x, int N, int train) {
  vit3d *v = m->impl;
  const float *p = m->params;
  const int M = N * v->T, C = v->dim;
  const int D = m->grid[2], H = m->grid[1], W = m->grid[0];
  const size_t V = (size_t)D * H * W;
  nn_patchify3d(v->tok, x, N, m->in_channels, D, H, W, v->pz, v->py, v->px);
  nn_linear_forward(v->a[0].x, v->tok, p + v->embw, p + v->embb, M, v->pin, C);
  for (int n = 0; n < N; n++)
    nn_add_forward(v->a[0].x + (size_t)n * v->T * C,
                   v->a[0].x + (size_t)n * v->T * C, p + v->pos,
                   (size_t)v->T * C);
  for (int i = 0; i < v->depth; i++) block_forward(m, v, i, N, train);
  nn_layernorm_forward(v->lnf, v->muf, v->rsf, v->xf, p + v->nw, p + v->nb, M,
                       C, v->eps);
  nn_linear_forward(v->head, v->lnf, p + v->headw, p + v->headb, M, C, v->pv);
  // Global residual: the network predicts the correction to the ASL channel.
  for (int n = 0; n < N; n++)
    memcpy(v->out + n * V, x + (size_t)n * m->in_channels * V, V * sizeof(float));
  nn_unpatchify3d_add(v->out, v->head, N, 1, D, H, W, v->pz, v->py, v->px);
}

// dr = dout through the branch's dropout mask (or a copy).
static void branch_grad(vit3d *v, float *dr, const float *dout,
                        const float *mask, size_t n) {
  if (v->dropout > 0.0f) {
    memset(dr, 0, n * sizeof(float));
    nn_dropout_backward(dr, dout, mask, n);
  } else {
    memcpy(dr, dout, n * sizeof(float));
  }
}

// v->dx holds the gradient of the block's output; leaves that of its input.
static void block_backward(nn_model *m, vit3d *v, int i) {
  const float *p = m->params;
  float *g = m->grads;
  const vit_block *b = &v->blk[i];
  const vit_acts *a = &v->a[i];
  const int N = v->n, M = N * v->T, C = v->dim, F = v->hidden;
  const size_t MC = (size_t)M * C, MF = (size_t)M * F;
  branch_grad(v, v->dtmp, v->dx, a->mask2, MC);
  memset(v->dg, 0, MF * sizeof(float));
  nn_linear_backward(v->dg, g + b->fc2w, g + b->fc2b, v->dtmp, a->g,
                     p + b->fc2w, M, F, C);
  memset(v->dh, 0, MF * sizeof(float));
  nn_gelu_backward(v->dh, v->dg, a->h1, MF);
  memset(v->dln, 0, MC * sizeof(float));
  nn_linear_backward(v->dln, g + b->fc1w, g + b->fc1b, v->dh, a->ln2,
                     p + b->fc1w, M, C, F);
  nn_layernorm_backward(v->dx, g + b->n2w, g + b->n2b, v->dln, a->xmid, a->mu2,
                        a->rs2, p + b->n2w, M, C);
  branch_grad(v, v->dtmp, v->dx, a->mask1, MC);
  memset(v->dao, 0, MC * sizeof(float));
  nn_linear_backward(v->dao, g + b->projw, g + b->projb, v->dtmp, a->ao,
                     p + b->projw, M, C, C);
  memset(v->dqkv, 0, 3 * MC * sizeof(float));
  nn_attention_backward(v->dqkv, v->dao, a->qkv, a->att, N, v->T, v->heads,
                        C / v->heads, v->ws);
  memset(v->dln, 0, MC * sizeof(float));
  nn_linear_backward(v->dln, g + b->qkvw, g + b->qkvb, v->dqkv, a->ln1,
                     p + b->qkvw, M, C, 3 * C);
  nn_layernorm_backward(v->dx, g + b->n1w, g + b->n1b, v->dln, a->x, a->mu1,
                        a->rs1, p + b->n1w, M, C);
}

// After vit3d_forward_grid(train = 1): dout (N, 1, D, H, W). The input gets
// no gradient (it is data), so the global residual adds nothing here.
void vit3d_backward(nn_model *m, const float *dout) {
  vit3d *v = m->impl;
  const float *p = m->params;
  float *g = m->grads;
  const int N = v->n, M = N * v->T, C = v->dim;
  const int D = m->grid[2], H = m->grid[1], W = m->grid[0];
  nn_patchify3d(v->dhead, dout, N, 1, D, H, W, v->pz, v->py, v->px);
  memset(v->dln, 0, (size_t)M * C * sizeof(float));
  nn_linear_backward(v->dln, g + v->headw, g + v->headb, v->dhead, v->lnf,
                     p + v->headw, M, C, v->pv);
  memset(v->dx, 0, (size_t)M * C * sizeof(float));
  nn_layernorm_backward(v->dx, g + v->nw, g + v->nb, v->dln, v->xf, v->muf,
                        v->rsf, p + v->nw, M, C);
  for (int i = v->depth - 1; i >= 0; i--) block_backward(m, v, i);
  for (int n = 0; n < N; n++)
    nn_add_backward(g + v->pos, NULL, v->dx + (size_t)n * v->T * C,
                    (size_t)v->T * C);
  nn_linear_backward(NULL, g + v->embw, g + v->embb, v->dx, v->tok,
                     p + v->embw, M, v->pin, C);
}
