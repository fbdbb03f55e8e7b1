// Runs the U-Net's operation list: forward in order, backward in reverse.
// All activations, gradients and scratch live in arenas sized once per
// (N, D, H, W, team size) by unet3d_plan, so the layers never allocate.
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "nn/conv3d.h"
#include "nn/layers.h"
#include "unet3d.h"

static size_t slot_size(const unet_slot *s, int N, int D, int H, int W) {
  return (size_t)N * s->c * (size_t)(D >> s->level) * (size_t)(H >> s->level) *
         (size_t)(W >> s->level);
}

static size_t op_ws(const unet_op *op, const unet_slot *in, int N, int D,
                    int H, int W, int threads) {
  int l = in->level;
  if (op->kind == OP_CONV3)
    return nn_conv3d_workspace_floats(N, op->ci, op->co, D >> l, H >> l,
                                      W >> l, threads);
  if (op->kind == OP_UPCONV)
    return nn_upconv3d_workspace_floats(op->ci, op->co, D >> l, H >> l, W >> l);
  return 0;
}

static asl_status grow(void **buf, size_t *cap, size_t bytes) {
  if (bytes <= *cap && *buf) return ASL_OK;
  free(*buf);
  bytes = (bytes + 63) / 64 * 64;
  *buf = aligned_alloc(64, bytes ? bytes : 64);
  *cap = *buf ? bytes : 0;
  if (!*buf)
    return asl_fail(ASL_ENOMEM, "unet3d: cannot allocate %zu MB of activations",
                    bytes >> 20);
  return ASL_OK;
}

// Offsets of every slot, mask and argmax array; grows the arenas other
// than the gradients (kept capacities: switching between training batches
// and inference volumes reallocates only when a larger plan comes).
static asl_status layout(unet3d *u, int N, int D, int H, int W, int threads) {
  size_t data = 0, grad = 0, ws = 0, arg = 0;
  for (int i = 0; i < u->n_slots; i++) {
    unet_slot *s = &u->slots[i];
    s->data = data;
    data += (slot_size(s, N, D, H, W) + 15) / 16 * 16; // 64-byte aligned
    s->grad = grad;
    if (s->needs_grad) grad += (slot_size(s, N, D, H, W) + 15) / 16 * 16;
  }
  for (int i = 0; i < u->n_ops; i++) {
    unet_op *op = &u->ops[i];
    const unet_slot *out = &u->slots[op->out];
    size_t w = op_ws(op, &u->slots[op->in0], N, D, H, W, threads);
    ws = w > ws ? w : ws;
    if (op->kind == OP_DROPOUT) { // the mask, after the activations
      op->aux = data;
      data += (slot_size(out, N, D, H, W) + 15) / 16 * 16;
    }
    if (op->kind == OP_POOL) {
      op->aux = arg;
      arg += slot_size(out, N, D, H, W);
    }
  }
  u->grad_need = grad;
  asl_status s = grow((void **)&u->data, &u->data_n, data * sizeof(float));
  if (!s) s = grow((void **)&u->ws, &u->ws_n, (ws ? ws : 1) * sizeof(float));
  if (!s) s = grow((void **)&u->arg, &u->arg_n, arg ? arg : 1);
  if (!s) s = grow((void **)&u->bnsave, &u->bnsave_n, (u->n_bnsave + 1) * sizeof(float));
  return s;
}

asl_status unet3d_plan(nn_model *m, int N, int D, int H, int W, int train) {
  unet3d *u = m->impl;
  const int threads = omp_get_max_threads();
  if (!(u->data && u->pN == N && u->pD == D && u->pH == H && u->pW == W &&
        u->pthreads == threads)) {
    asl_status s = layout(u, N, D, H, W, threads);
    if (s) {
      u->pN = 0;
      return s;
    }
    u->pN = N, u->pD = D, u->pH = H, u->pW = W, u->pthreads = threads;
  }
  return train ? grow((void **)&u->grad, &u->grad_n,
                      (u->grad_need ? u->grad_need : 1) * sizeof(float))
               : ASL_OK;
}

static void forward_op(nn_model *m, unet3d *u, const unet_op *op, int train) {
  const unet_slot *si = &u->slots[op->in0], *so = &u->slots[op->out];
  const int N = u->pN, l = si->level;
  const int d = u->pD >> l, h = u->pH >> l, w = u->pW >> l;
  const float *in = u->data + si->data;
  float *out = u->data + so->data, *p = m->params;
  const size_t n_out = slot_size(so, N, u->pD, u->pH, u->pW);
  switch (op->kind) {
  case OP_CONV3:
    nn_conv3d_forward(out, in, p + op->w, NULL, N, op->ci, op->co, d, h, w, u->ws);
    break;
  case OP_BN:
    if (train)
      nn_batchnorm3d_forward_train(out, u->bnsave + op->aux,
                                   u->bnsave + op->aux + op->co,
                                   m->buffers + op->stat,
                                   m->buffers + op->stat + op->co, in,
                                   p + op->w, p + op->b, u->momentum, u->eps,
                                   N, op->co, d * h * w);
    else
      nn_batchnorm3d_forward_eval(out, in, p + op->w, p + op->b,
                                  m->buffers + op->stat,
                                  m->buffers + op->stat + op->co, u->eps, N,
                                  op->co, d * h * w);
    break;
  case OP_RELU: nn_relu_forward(out, in, n_out); break;
  case OP_DROPOUT:
    if (train && u->dropout > 0.0f)
      nn_dropout_forward(out, u->data + op->aux, in, u->dropout, n_out, &m->rng);
    else
      memcpy(out, in, n_out * sizeof(float));
    break;
  case OP_POOL: nn_maxpool3d_forward(out, u->arg + op->aux, in, N, op->ci, d, h, w); break;
  case OP_ADD: nn_add_forward(out, in, u->data + u->slots[op->in1].data, n_out); break;
  case OP_UPCONV:
    nn_upconv3d_forward(out, in, p + op->w, p + op->b, N, op->ci, op->co, d, h, w, u->ws);
    break;
  case OP_CONCAT:
    nn_concat_forward(out, in, u->data + u->slots[op->in1].data, N, si->c,
                      u->slots[op->in1].c, d * h * w);
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
  memcpy(u->data + u->slots[0].data, x,
         slot_size(&u->slots[0], N, D, H, W) * sizeof(float));
  for (int i = 0; i < u->n_ops; i++) forward_op(m, u, &u->ops[i], train);
  *out = u->data + u->slots[u->ops[u->n_ops - 1].out].data;
  return ASL_OK;
}

static float *grad_of(unet3d *u, int slot) {
  return u->slots[slot].needs_grad ? u->grad + u->slots[slot].grad : NULL;
}

static void backward_op(nn_model *m, unet3d *u, const unet_op *op) {
  const unet_slot *si = &u->slots[op->in0], *so = &u->slots[op->out];
  const int N = u->pN, l = si->level;
  const int d = u->pD >> l, h = u->pH >> l, w = u->pW >> l;
  const float *in = u->data + si->data, *out = u->data + so->data;
  const float *dout = u->grad + so->grad, *p = m->params;
  float *din = grad_of(u, op->in0), *g = m->grads;
  const size_t n_out = slot_size(so, N, u->pD, u->pH, u->pW);
  switch (op->kind) {
  case OP_CONV3:
    nn_conv3d_backward(din, g + op->w, NULL, dout, in, p + op->w, N, op->ci,
                       op->co, d, h, w, u->ws);
    break;
  case OP_BN:
    nn_batchnorm3d_backward(din, g + op->w, g + op->b, dout, in,
                            u->bnsave + op->aux, u->bnsave + op->aux + op->co,
                            p + op->w, N, op->co, d * h * w);
    break;
  case OP_RELU: nn_relu_backward(din, dout, out, n_out); break;
  case OP_DROPOUT:
    if (u->dropout > 0.0f) nn_dropout_backward(din, dout, u->data + op->aux, n_out);
    else nn_add_backward(din, NULL, dout, n_out);
    break;
  case OP_POOL: nn_maxpool3d_backward(din, dout, u->arg + op->aux, N, op->ci, d, h, w); break;
  case OP_ADD: nn_add_backward(din, grad_of(u, op->in1), dout, n_out); break;
  case OP_UPCONV:
    nn_upconv3d_backward(din, g + op->w, g + op->b, dout, in, p + op->w, N,
                         op->ci, op->co, d, h, w, u->ws);
    break;
  case OP_CONCAT:
    nn_concat_backward(din, grad_of(u, op->in1), dout, N, si->c,
                       u->slots[op->in1].c, d * h * w);
    break;
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
  memset(u->grad, 0, u->grad_need * sizeof(float));
  const unet_slot *last = &u->slots[u->ops[u->n_ops - 1].out];
  memcpy(u->grad + last->grad, dout,
         slot_size(last, u->pN, u->pD, u->pH, u->pW) * sizeof(float));
  for (int i = u->n_ops - 1; i >= 0; i--) backward_op(m, u, &u->ops[i]);
}
