// vit3d behind the model API: hyper-parameters, parameter layout and names,
// initialization, FLOPs (see vit3d.h and docs/vit3d.md).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vit3d.h"

static void add_tensor(vit3d *v, size_t *n, size_t *off, size_t count,
                       const char *fmt, int i) {
  vit_tensor *t = &v->tensors[v->n_tensors++];
  snprintf(t->name, sizeof t->name, fmt, i);
  t->offset = *off = *n;
  t->count = count;
  *n += count;
}

// Lays every tensor out in m->params (the order of docs/vit3d.md).
static asl_status layout(nn_model *m, vit3d *v) {
  const size_t C = v->dim, F = v->hidden;
  v->tensors = calloc(7 + 12 * (size_t)v->depth, sizeof *v->tensors);
  if (!v->tensors) return asl_fail(ASL_ENOMEM, "model vit3d: out of memory");
  size_t n = 0;
  add_tensor(v, &n, &v->embw, C * v->pin, "embed.weight", 0);
  add_tensor(v, &n, &v->embb, C, "embed.bias", 0);
  add_tensor(v, &n, &v->pos, (size_t)v->T * C, "pos_embed", 0);
  for (int i = 0; i < v->depth; i++) {
    vit_block *b = &v->blk[i];
    add_tensor(v, &n, &b->n1w, C, "blocks.%d.norm1.weight", i);
    add_tensor(v, &n, &b->n1b, C, "blocks.%d.norm1.bias", i);
    add_tensor(v, &n, &b->qkvw, 3 * C * C, "blocks.%d.self_attn.in_proj_weight", i);
    add_tensor(v, &n, &b->qkvb, 3 * C, "blocks.%d.self_attn.in_proj_bias", i);
    add_tensor(v, &n, &b->projw, C * C, "blocks.%d.self_attn.out_proj.weight", i);
    add_tensor(v, &n, &b->projb, C, "blocks.%d.self_attn.out_proj.bias", i);
    add_tensor(v, &n, &b->n2w, C, "blocks.%d.norm2.weight", i);
    add_tensor(v, &n, &b->n2b, C, "blocks.%d.norm2.bias", i);
    add_tensor(v, &n, &b->fc1w, F * C, "blocks.%d.linear1.weight", i);
    add_tensor(v, &n, &b->fc1b, F, "blocks.%d.linear1.bias", i);
    add_tensor(v, &n, &b->fc2w, C * F, "blocks.%d.linear2.weight", i);
    add_tensor(v, &n, &b->fc2b, C, "blocks.%d.linear2.bias", i);
  }
  add_tensor(v, &n, &v->nw, C, "norm.weight", 0);
  add_tensor(v, &n, &v->nb, C, "norm.bias", 0);
  add_tensor(v, &n, &v->headw, (size_t)v->pv * C, "head.weight", 0);
  add_tensor(v, &n, &v->headb, v->pv, "head.bias", 0);
  m->n_params = n;
  m->n_buffers = 0;
  return ASL_OK;
}

// Values, the patch and dim % heads were checked by nn_model_create
// (vit3d_desc.c), the grid against the patch too.
static void read_params(vit3d *v, const nn_param *p, int n) {
  const nn_model_desc *d = &nn_vit3d_desc;
  v->dim = nn_desc_int(d, p, n, "dim");
  v->depth = nn_desc_int(d, p, n, "depth");
  v->heads = nn_desc_int(d, p, n, "heads");
  v->mlp_ratio = nn_desc_float(d, p, n, "mlp_ratio");
  v->dropout = nn_desc_float(d, p, n, "dropout");
  int patch[3];
  asl_status s = nn_desc_size3(d, "patch", nn_desc_text(d, p, n, "patch"), patch);
  ASL_ASSERT(s == ASL_OK);
  v->px = patch[0], v->py = patch[1], v->pz = patch[2];
  v->hidden = (int)lround(v->mlp_ratio * v->dim);
  if (v->hidden < 1) v->hidden = 1;
}

static asl_status vit_create(nn_model *m, const nn_param *p, int n) {
  vit3d *v = calloc(1, sizeof *v);
  if (!v) return asl_fail(ASL_ENOMEM, "model vit3d: out of memory");
  m->impl = v;
  v->eps = 1e-5f;
  read_params(v, p, n);
  const int *g = m->grid;
  v->gx = g[0] / v->px, v->gy = g[1] / v->py, v->gz = g[2] / v->pz;
  v->T = v->gx * v->gy * v->gz;
  v->pv = v->px * v->py * v->pz;
  v->pin = m->in_channels * v->pv;
  return layout(m, v);
}

static void vit_destroy(nn_model *m) {
  vit3d *v = m->impl;
  free(v->tensors);
  free(v->arena);
  free(v->garena);
  free(v->tile_in);
  free(v->tile_acc);
  free(v->tile_cnt);
  free(v);
  m->impl = NULL;
}

static void uniform(float *w, size_t n, double bound, asl_rng *r) {
  for (size_t i = 0; i < n; i++)
    w[i] = (float)((2 * asl_rng_uniform(r) - 1) * bound);
}

// Linear weights uniform in +-1/sqrt(fan_in) (PyTorch's nn.Linear bound),
// biases 0, position embeddings N(0, 0.02^2), LayerNorm 1 and 0. The
// decoder starts at zero, so an untrained vit3d is the identity and
// training learns the correction to the input.
static void vit_init(nn_model *m, asl_rng *r) {
  vit3d *v = m->impl;
  float *p = m->params;
  const size_t C = v->dim, F = v->hidden;
  memset(p, 0, m->n_params * sizeof(float));
  uniform(p + v->embw, C * v->pin, 1.0 / sqrt((double)v->pin), r);
  for (size_t i = 0; i < (size_t)v->T * C; i++)
    p[v->pos + i] = (float)(0.02 * asl_rng_normal(r));
  for (int i = 0; i < v->depth; i++) {
    const vit_block *b = &v->blk[i];
    uniform(p + b->qkvw, 3 * C * C, 1.0 / sqrt((double)C), r);
    uniform(p + b->projw, C * C, 1.0 / sqrt((double)C), r);
    uniform(p + b->fc1w, F * C, 1.0 / sqrt((double)C), r);
    uniform(p + b->fc2w, C * F, 1.0 / sqrt((double)F), r);
    for (size_t c = 0; c < C; c++) p[b->n1w + c] = p[b->n2w + c] = 1.0f;
  }
  for (size_t c = 0; c < C; c++) p[v->nw + c] = 1.0f;
}

// Any volume size runs (by tiles, vit3d_tile.c), so nothing is padded; the
// grid itself is checked against the patch by nn_model_create (vit3d_desc.c).
static int vit_multiple(const nn_model *m) {
  (void)m;
  return 1;
}

static double grid_flops(const vit3d *v) {
  const double T = v->T, C = v->dim, F = v->hidden;
  double block = 2 * T * C * 3 * C + 2 * 2 * T * T * C + 2 * T * C * C +
                 2 * 2 * T * C * F;
  return 2 * T * v->pin * C + v->depth * block + 2 * T * C * v->pv;
}

// One grid pass per tile (the whole volume when it is the grid).
static double vit_flops(const nn_model *m, int nx, int ny, int nz) {
  int s[4096];
  double tiles = (double)vit3d_tile_starts(nx, m->grid[0], s, 4096) *
                 vit3d_tile_starts(ny, m->grid[1], s, 4096) *
                 vit3d_tile_starts(nz, m->grid[2], s, 4096);
  return tiles * grid_flops(m->impl);
}

static asl_status vit_param_find(const nn_model *m, const char *name,
                                 size_t *offset, size_t *count) {
  const vit3d *v = m->impl;
  for (int i = 0; i < v->n_tensors; i++)
    if (strcmp(v->tensors[i].name, name) == 0) {
      *offset = v->tensors[i].offset;
      *count = v->tensors[i].count;
      return ASL_OK;
    }
  return asl_fail(ASL_ENOTFOUND, "model vit3d has no parameter '%s'", name);
}

static asl_status vit_forward(nn_model *m, const float *x, int N, int D,
                              int H, int W, int train, const float **out) {
  if (D == m->grid[2] && H == m->grid[1] && W == m->grid[0]) {
    asl_status s = vit3d_plan(m, N);
    if (s) return s;
    vit3d_forward_grid(m, x, N, train);
    *out = ((vit3d *)m->impl)->out;
    return ASL_OK;
  }
  if (train)
    return asl_fail(ASL_EINVAL,
                    "model vit3d: training runs at the model grid %dx%dx%d, "
                    "not %dx%dx%d",
                    m->grid[0], m->grid[1], m->grid[2], W, H, D);
  return vit3d_forward_tiled(m, x, N, D, H, W, out);
}

const nn_model_ops nn_vit3d_ops = {
    .desc = &nn_vit3d_desc,
    .create = vit_create,
    .destroy = vit_destroy,
    .init = vit_init,
    .size_multiple = vit_multiple,
    .flops = vit_flops,
    .forward = vit_forward,
    .backward = vit3d_backward,
    .param_find = vit_param_find,
};
