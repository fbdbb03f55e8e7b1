// Builds the paper's 3D U-Net as an operation list (see docs/engine.md):
//   encoder level l (l = 0..depth-1, c_l = base * 2^l channels):
//     2 x [conv3 -> BN -> ReLU], dropout = skip_l, max-pool
//   centre: 3 x [conv3 -> BN -> ReLU] + the pooled input (residual), dropout
//   decoder level l = depth-1..0: up-conv to c_l, concat(up, skip_l),
//     3 x [conv3 -> BN -> ReLU], dropout
//   final 1x1x1 convolution c_0 -> 1 (linear).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unet3d.h"

typedef struct {
  unet3d *u;
  size_t n_params, n_buffers;
  int cbias; // insert the OP_CBIAS conditioning hooks
} builder;

static int new_slot(builder *b, int c, int level) {
  unet3d *u = b->u;
  ASL_ASSERT(u->n_slots < UNET_MAX_SLOTS);
  u->slots[u->n_slots] =
      (unet_slot){.c = c, .level = level, .needs_grad = 1, .alias = -1};
  return u->n_slots++;
}

static int add_op(builder *b, unet_op_kind k, int in0, int in1, int co,
                  int level, const char *name) {
  unet3d *u = b->u;
  ASL_ASSERT(u->n_ops < UNET_MAX_OPS);
  unet_op *op = &u->ops[u->n_ops++];
  *op = (unet_op){.kind = k, .in0 = in0, .in1 = in1, .ci = u->slots[in0].c,
                  .co = co};
  snprintf(op->name, sizeof op->name, "%s", name);
  int out_level = k == OP_POOL ? level + 1 : (k == OP_UPCAT ? level - 1 : level);
  op->out = new_slot(b, k == OP_UPCAT ? co + u->slots[in1].c : co, out_level);
  switch (k) {
  case OP_CONV3: op->w = b->n_params; b->n_params += (size_t)co * op->ci * 27; break;
  case OP_UPCAT:
    op->w = b->n_params; b->n_params += (size_t)op->ci * co * 8;
    op->b = b->n_params; b->n_params += co; break;
  case OP_CONV1:
    op->w = b->n_params; b->n_params += (size_t)co * op->ci;
    op->b = b->n_params; b->n_params += co; break;
  case OP_BNRELU:
    op->w = b->n_params; op->b = op->w + co; b->n_params += 2 * (size_t)co;
    op->stat = b->n_buffers; b->n_buffers += 2 * (size_t)co;
    op->aux = u->n_bnsave; u->n_bnsave += 2 * (size_t)co; break;
  case OP_CBIAS: op->aux = (size_t)u->cbias_n; u->cbias_n += co; break;
  default: break;
  }
  return op->out;
}

// conv3 -> BN+ReLU, named e.g. "enc0.a"; the first unit of a block
// ("a", "centre.0") is followed by the channel-bias hook when enabled.
static int conv_unit(builder *b, int in, int co, int level, const char *name) {
  int c = add_op(b, OP_CONV3, in, -1, co, level, name);
  int r = add_op(b, OP_BNRELU, c, -1, co, level, name);
  const char *last = name + strlen(name) - 1;
  if (b->cbias && (*last == 'a' || *last == '0'))
    r = add_op(b, OP_CBIAS, r, -1, co, level, name);
  return r;
}

static void build(builder *b, int in_channels) {
  unet3d *u = b->u;
  const int L = u->depth;
  int skip[16], x = new_slot(b, in_channels, 0);
  u->slots[x].needs_grad = 0;
  char name[24];
  for (int l = 0; l < L; l++) {
    int c = u->base << l;
    for (int i = 0; i < 2; i++) {
      snprintf(name, sizeof name, "enc%d.%c", l, 'a' + i);
      x = conv_unit(b, x, c, l, name);
    }
    snprintf(name, sizeof name, "enc%d", l);
    skip[l] = add_op(b, OP_DROPOUT, x, -1, c, l, name);
    x = add_op(b, OP_POOL, skip[l], -1, c, l, name);
  }
  int c = u->base << (L - 1), centre_in = x;
  for (int i = 0; i < 3; i++) {
    snprintf(name, sizeof name, "centre.%d", i);
    x = conv_unit(b, x, c, L, name);
  }
  x = add_op(b, OP_ADD, x, centre_in, c, L, "centre.res");
  x = add_op(b, OP_DROPOUT, x, -1, c, L, "centre");
  for (int l = L - 1; l >= 0; l--) {
    c = u->base << l;
    snprintf(name, sizeof name, "up%d", l);
    x = add_op(b, OP_UPCAT, x, skip[l], c, l + 1, name);
    for (int i = 0; i < 3; i++) {
      snprintf(name, sizeof name, "dec%d.%c", l, 'a' + i);
      x = conv_unit(b, x, c, l, name);
    }
    snprintf(name, sizeof name, "dec%d", l);
    x = add_op(b, OP_DROPOUT, x, -1, c, l, name);
  }
  add_op(b, OP_CONV1, x, -1, 1, 0, "final");
}

asl_status unet3d_build(nn_model *m, const nn_param *p, int n,
                        const nn_model_desc *d, int channel_bias) {
  unet3d *u = calloc(1, sizeof *u);
  if (!u) return asl_fail(ASL_ENOMEM, "model %s: out of memory", d->kind);
  m->impl = u;
  u->eps = 1e-5f;
  // Values and the size limit were checked by nn_model_create (nn/desc.h).
  u->base = nn_desc_int(d, p, n, "base_channels");
  u->depth = nn_desc_int(d, p, n, "depth");
  u->dropout = nn_desc_float(d, p, n, "dropout");
  u->momentum = nn_desc_float(d, p, n, "bn_momentum");
  builder b = {.u = u, .cbias = channel_bias};
  build(&b, m->in_channels);
  m->n_params = b.n_params;
  m->n_buffers = b.n_buffers;
  return ASL_OK;
}

static asl_status unet_create(nn_model *m, const nn_param *p, int n) {
  return unet3d_build(m, p, n, &nn_unet3d_desc, 0);
}

static void unet_destroy(nn_model *m) {
  unet3d *u = m->impl;
  free(u->data);
  free(u->grad);
  free(u->ws);
  free(u->bnsave);
  free(u->arg);
  free(u);
  m->impl = NULL;
}

// PyTorch's default initialization: weights and biases uniform in
// +-1/sqrt(fan_in), fan_in = Ci*27 (Conv3d), Co*8 (ConvTranspose3d, as
// PyTorch computes it), Ci (1x1x1); BN gamma 1, beta 0, running stats 0, 1.
static void unet_init(nn_model *m, asl_rng *r) {
  unet3d *u = m->impl;
  for (int i = 0; i < u->n_ops; i++) {
    const unet_op *op = &u->ops[i];
    size_t nw = 0, nb = 0;
    double fan = 1;
    switch (op->kind) {
    case OP_CONV3: nw = (size_t)op->co * op->ci * 27; fan = op->ci * 27.0; break;
    case OP_UPCAT: nw = (size_t)op->ci * op->co * 8; nb = op->co; fan = op->co * 8.0; break;
    case OP_CONV1: nw = (size_t)op->co * op->ci; nb = op->co; fan = op->ci; break;
    case OP_BNRELU:
      for (int c = 0; c < op->co; c++) {
        m->params[op->w + c] = 1.0f;
        m->params[op->b + c] = 0.0f;
        m->buffers[op->stat + c] = 0.0f;
        m->buffers[op->stat + op->co + c] = 1.0f;
      }
      break;
    default: break;
    }
    const double bound = 1.0 / sqrt(fan);
    for (size_t k = 0; k < nw; k++)
      m->params[op->w + k] = (float)((2 * asl_rng_uniform(r) - 1) * bound);
    for (size_t k = 0; k < nb; k++)
      m->params[op->b + k] = (float)((2 * asl_rng_uniform(r) - 1) * bound);
  }
}

static int unet_multiple(const nn_model *m) {
  return 1 << ((const unet3d *)m->impl)->depth;
}

static double unet_flops(const nn_model *m, int nx, int ny, int nz) {
  const unet3d *u = m->impl;
  double total = 0;
  for (int i = 0; i < u->n_ops; i++) {
    const unet_op *op = &u->ops[i];
    int lv = u->slots[op->in0].level;
    double v = (double)(nx >> lv) * (ny >> lv) * (nz >> lv);
    if (op->kind == OP_CONV3) total += 2.0 * 27 * op->ci * op->co * v;
    if (op->kind == OP_UPCAT) total += 2.0 * 8 * op->ci * op->co * v;
    if (op->kind == OP_CONV1) total += 2.0 * op->ci * op->co * v;
  }
  return total;
}

// Names as in docs/engine.md: "<op>.conv", "<op>.bn.weight|bias|running_mean|
// running_var", "upL.weight|bias", "final.weight|bias".
static asl_status unet_param_find(const nn_model *m, const char *name,
                                  size_t *offset, size_t *count) {
  const unet3d *u = m->impl;
  char full[48];
  for (int i = 0; i < u->n_ops; i++) {
    const unet_op *op = &u->ops[i];
    const char *op_name = op->name;
    size_t wn = 0, bn = op->co;
    const char *suffix_w = ".weight", *suffix_b = ".bias";
    if (op->kind == OP_CONV3) wn = (size_t)op->co * op->ci * 27, suffix_w = ".conv", suffix_b = NULL;
    else if (op->kind == OP_BNRELU) wn = op->co, suffix_w = ".bn.weight", suffix_b = ".bn.bias";
    else if (op->kind == OP_UPCAT) wn = (size_t)op->ci * op->co * 8;
    else if (op->kind == OP_CONV1) wn = (size_t)op->co * op->ci;
    else continue;
    snprintf(full, sizeof full, "%s%s", op_name, suffix_w);
    if (strcmp(full, name) == 0) return *offset = op->w, *count = wn, ASL_OK;
    if (suffix_b) {
      snprintf(full, sizeof full, "%s%s", op_name, suffix_b);
      if (strcmp(full, name) == 0) return *offset = op->b, *count = bn, ASL_OK;
    }
    if (op->kind == OP_BNRELU) {
      snprintf(full, sizeof full, "%s.bn.running_mean", op_name);
      if (strcmp(full, name) == 0) return *offset = op->stat, *count = bn, ASL_OK;
      snprintf(full, sizeof full, "%s.bn.running_var", op_name);
      if (strcmp(full, name) == 0) return *offset = op->stat + bn, *count = bn, ASL_OK;
    }
  }
  return asl_fail(ASL_ENOTFOUND, "model unet3d has no parameter '%s'", name);
}

static asl_status unet_forward(nn_model *m, const float *x, int N, int D,
                               int H, int W, int train, const float **out) {
  return unet3d_forward(m, x, N, D, H, W, train, out);
}

const nn_model_ops nn_unet3d_ops = {
    .desc = &nn_unet3d_desc,
    .create = unet_create,
    .destroy = unet_destroy,
    .init = unet_init,
    .size_multiple = unet_multiple,
    .flops = unet_flops,
    .forward = unet_forward,
    .backward = unet3d_backward,
    .param_find = unet_param_find,
};
