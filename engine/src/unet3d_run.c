// Runs the U-Net's operation list: forward in order, backward in reverse.
// All activations, gradients and scratch live in arenas laid out once per
// (N, D, H, W, mode, team size) by unet3d_plan (unet3d_plan.c), so the
// layers never allocate.
#include <string.h>

#include "nn/conv3d.h"
#include "nn/layers.h"
#include "omp_work.h"
#include "unet3d.h"

// OP_UPCAT, one sample at a time: the up-convolution's output goes straight
// into the first co channels of the concatenation (no separate tensor).
static void upcat_forward(unet3d *u, const unet_op *op, float *out,
                          const float *in, const float *skip, const float *p,
                          int d, int h, int w) {
  const size_t vin = (size_t)d * h * w, v = vin * 8;
  const int cs = u->slots[op->in1].c, ct = op->co + cs;
  for (int n = 0; n < u->pN; n++) {
    float *o = out + (size_t)n * ct * v;
    nn_upconv3d_forward(o, in + (size_t)n * op->ci * vin, p + op->w, p + op->b,
                        1, op->ci, op->co, d, h, w, u->ws);
    memcpy(o + (size_t)op->co * v, skip + (size_t)n * cs * v,
           (size_t)cs * v * sizeof(float));
  }
}

static void upcat_backward(unet3d *u, const unet_op *op, float *din,
                           float *dskip, const float *dout, const float *in,
                           const float *p, float *g, int d, int h, int w) {
  const size_t vin = (size_t)d * h * w, v = vin * 8;
  const int cs = u->slots[op->in1].c, ct = op->co + cs;
  if (dskip)
    for (int n = 0; n < u->pN; n++)
      nn_add_backward(dskip + (size_t)n * cs * v, NULL,
                      dout + ((size_t)n * ct + op->co) * v, (size_t)cs * v);
  for (int n = 0; n < u->pN; n++)
    nn_upconv3d_backward(din ? din + (size_t)n * op->ci * vin : NULL,
                         g + op->w, g + op->b, dout + (size_t)n * ct * v,
                         in + (size_t)n * op->ci * vin, p + op->w, 1, op->ci,
                         op->co, d, h, w, u->ws);
}

static void forward_op(nn_model *m, unet3d *u, const unet_op *op, int train) {
  const unet_slot *si = &u->slots[op->in0], *so = &u->slots[op->out];
  const int N = u->pN, l = si->level;
  const int d = u->pD >> l, h = u->pH >> l, w = u->pW >> l;
  const float *in = u->data + si->data;
  float *out = u->data + so->data, *p = m->params, *st = m->buffers + op->stat;
  const size_t n_out = u->slot_floats[op->out];
  switch (op->kind) {
  case OP_CONV3:
    nn_conv3d_forward(out, in, p + op->w, NULL, N, op->ci, op->co, d, h, w, u->ws);
    break;
  case OP_BNRELU:
    if (train)
      nn_bnrelu_forward_train(out, u->bnsave + op->aux,
                              u->bnsave + op->aux + op->co, st, st + op->co,
                              in, p + op->w, p + op->b, u->momentum, u->eps,
                              N, op->co, d * h * w);
    else
      nn_bnrelu_forward_eval(out, in, p + op->w, p + op->b, st, st + op->co,
                             u->eps, N, op->co, d * h * w);
    break;
  case OP_DROPOUT:
    if (train && u->dropout > 0.0f)
      nn_dropout_forward_u8(out, u->arg + op->mask, in, u->dropout, n_out, &m->rng);
    else if (out != in)
      memcpy(out, in, n_out * sizeof(float));
    break;
  case OP_POOL: nn_maxpool3d_forward(out, u->arg + op->aux, in, N, op->ci, d, h, w); break;
  case OP_ADD: nn_add_forward(out, in, u->data + u->slots[op->in1].data, n_out); break;
  case OP_UPCAT:
    upcat_forward(u, op, out, in, u->data + u->slots[op->in1].data, p, d, h, w);
    break;
  case OP_CONV1:
    nn_conv1x1_forward(out, in, p + op->w, p + op->b, N, op->ci, op->co, d * h * w);
    break;
  case OP_CBIAS:
    nn_chanbias_forward(out, in, u->cbias + op->aux, u->cbias_n, N, op->co, (size_t)d * h * w);
    break;
  }
}

asl_status unet3d_forward(nn_model *m, const float *x, int N, int D, int H,
                          int W, int train, const float **out) {
  unet3d *u = m->impl;
  asl_status s = unet3d_plan(m, N, D, H, W, train);
  if (s) return s;
  memcpy(u->data + u->slots[0].data, x, u->slot_floats[0] * sizeof(float));
  for (int i = 0; i < u->n_ops; i++) forward_op(m, u, &u->ops[i], train);
  *out = u->data + u->slots[u->ops[u->n_ops - 1].out].data;
  return ASL_OK;
}

// The gradient of a slot, zeroed first when op is its first writer: the
// layers accumulate, and the memory held another tensor's gradient before.
// Zeroing here, in parallel and just before use, replaces one serial memset
// of the whole arena per step.
static float *grad_for(unet3d *u, int slot, int op) {
  const unet_slot *s = &u->slots[slot];
  if (!s->needs_grad) return NULL;
  float *g = u->grad + s->grad;
  if (s->gfirst == op) {
    const size_t n = u->slot_floats[slot];
#pragma omp parallel for schedule(static) if (n >= NN_OMP_MIN_WORK)
    for (size_t i = 0; i < n; i++) g[i] = 0.0f;
  }
  return g;
}

static void backward_op(nn_model *m, unet3d *u, int i) {
  const unet_op *op = &u->ops[i];
  const unet_slot *si = &u->slots[op->in0], *so = &u->slots[op->out];
  const int N = u->pN, l = si->level;
  const int d = u->pD >> l, h = u->pH >> l, w = u->pW >> l;
  const float *in = u->data + si->data;
  const float *dout = u->grad + so->grad, *p = m->params;
  float *din = grad_for(u, op->in0, i), *g = m->grads;
  float *din1 = op->in1 >= 0 ? grad_for(u, op->in1, i) : NULL;
  const size_t n_out = u->slot_floats[op->out];
  switch (op->kind) {
  case OP_CONV3:
    nn_conv3d_backward(din, g + op->w, NULL, dout, in, p + op->w, N, op->ci,
                       op->co, d, h, w, u->ws);
    break;
  case OP_BNRELU:
    nn_bnrelu_backward(din, g + op->w, g + op->b, dout, in, u->bnsave + op->aux,
                       u->bnsave + op->aux + op->co, p + op->w, p + op->b, N,
                       op->co, d * h * w);
    break;
  case OP_DROPOUT:
    if (u->dropout > 0.0f)
      nn_dropout_backward_u8(din, dout, u->arg + op->mask, u->dropout, n_out);
    else nn_add_backward(din, NULL, dout, n_out);
    break;
  case OP_POOL: nn_maxpool3d_backward(din, dout, u->arg + op->aux, N, op->ci, d, h, w); break;
  case OP_ADD: nn_add_backward(din, din1, dout, n_out); break;
  case OP_UPCAT: upcat_backward(u, op, din, din1, dout, in, p, g, d, h, w); break;
  case OP_CONV1:
    nn_conv1x1_backward(din, g + op->w, g + op->b, dout, in, p + op->w, N,
                        op->ci, op->co, d * h * w);
    break;
  case OP_CBIAS:
    nn_chanbias_backward(din, u->cbias_grad + op->aux, u->cbias_n, dout, N,
                         op->co, (size_t)d * h * w);
    break;
  }
}

// After a training-mode forward: dout (N, 1, D, H, W).
void unet3d_backward(nn_model *m, const float *dout) {
  unet3d *u = m->impl;
  const int last = u->ops[u->n_ops - 1].out;
  memcpy(u->grad + u->slots[last].grad, dout, u->slot_floats[last] * sizeof(float));
  for (int i = u->n_ops - 1; i >= 0; i--) backward_op(m, u, i);
}
