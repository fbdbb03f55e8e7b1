// The U-Net's operation list (unet3d.h) run on the device: cuDNN for the
// convolutions (the 2x2x2 up-convolution is the data gradient of a stride-2
// convolution), the backend's kernels for the rest. Mirrors unet3d_run.c
// op for op; the backward accumulates into gradients zeroed once per step.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_ctx.h"
#include "cuda_layers.h"

static size_t up64(size_t n) { return (n + 63) / 64 * 64; }

static void level_dims(const nn_cuda *c, int level, int *d, int *h, int *w) {
  *d = c->pD >> level, *h = c->pH >> level, *w = c->pW >> level;
}

// The cuDNN convolution behind an op. UPCAT: the convolution whose data
// gradient is the up-convolution, from (co, 2d, 2h, 2w) to (ci, d, h, w)
// with the weights (ci, co, 2, 2, 2) read as (K = ci, C = co).
static nn_cuda_conv_shape conv_shape(const nn_model *m, const unet_op *op,
                                     int train) {
  const nn_cuda *c = m->cuda;
  const unet3d *u = m->impl;
  int d, h, w;
  level_dims(c, u->slots[op->in0].level, &d, &h, &w);
  nn_cuda_conv_shape s = {.N = c->pN, .ci = op->ci, .co = op->co, .k = 3,
                          .stride = 1, .pad = 1, .d = d, .h = h, .w = w,
                          .tf32 = m->precision == 1, .bf16 = m->precision == 2,
                          .deterministic = !m->nondeterministic, .train = train};
  if (op->kind == OP_CONV1) s.k = 1, s.pad = 0;
  if (op->kind == OP_UPCAT)
    s.ci = op->co, s.co = op->ci, s.k = 2, s.stride = 2, s.pad = 0,
    s.d = 2 * d, s.h = 2 * h, s.w = 2 * w;
  return s;
}

// Offsets of every slot, gradient and byte array; sizes of the scratch.
// Values on the input and output side of op i's convolution, and its
// weight count (0 for other ops).
static size_t conv_sides(const nn_model *m, const unet_op *op, size_t *nx,
                         size_t *ny) {
  *nx = *ny = 0;
  if (op->kind != OP_CONV3 && op->kind != OP_CONV1 && op->kind != OP_UPCAT) return 0;
  const nn_cuda_conv_shape s = conv_shape(m, op, 0);
  const size_t vx = (size_t)s.d * s.h * s.w, vy = vx / ((size_t)s.stride * s.stride * s.stride);
  *nx = (size_t)s.N * s.ci * vx;
  *ny = (size_t)s.N * s.co * vy;
  return (size_t)s.ci * s.co * s.k * s.k * s.k;
}

static void layout(nn_model *m, size_t *data, size_t *grad, size_t *arg,
                   size_t *up, size_t *red, size_t b16[3], int train) {
  nn_cuda *c = m->cuda;
  unet3d *u = m->impl;
  *data = *grad = *arg = *up = 0;
  b16[0] = b16[1] = b16[2] = 0;
  *red = nn_cu_loss_scratch(0);
  // The CPU engine's lifetime plan: tensors never alive together share
  // memory, in the activation and in the gradient arena alike.
  *data = unet3d_place(u, c->pN, c->pD, c->pH, c->pW, train, grad);
  u->pN = 0; // the host plan must lay itself out again before a CPU pass
  for (int s = 0; s < u->n_slots; s++) {
    c->slot_n[s] = u->slot_floats[s];
    c->slot_off[s] = u->slots[s].data;
    c->grad_off[s] = u->slots[s].grad;
  }
  for (int i = 0; i < u->n_ops; i++) {
    const unet_op *op = &u->ops[i];
    int d, h, w;
    level_dims(c, u->slots[op->in0].level, &d, &h, &w);
    const size_t V = (size_t)d * h * w;
    size_t r = 0;
    // One byte per value: the winner's index in its 2x2x2 block, or the
    // dropout's keep flag. An inference pass has no dropout masks.
    if (op->kind == OP_POOL || (train && op->kind == OP_DROPOUT)) {
      c->arg_off[i] = *arg;
      *arg += up64(c->slot_n[op->out]);
    }
    if (op->kind == OP_BNRELU || op->kind == OP_CONV1)
      r = nn_cu_chansum_scratch(c->pN, op->co, (int)V);
    if (op->kind == OP_UPCAT) {
      r = nn_cu_chansum_scratch(c->pN, op->co, (int)(8 * V));
      const size_t n = (size_t)c->pN * op->co * 8 * V;
      if (n > *up) *up = n;
    }
    if (r > *red) *red = r;
    const size_t nw = conv_sides(m, op, &c->conv_nx[i], &c->conv_ny[i]);
    if (c->conv_nx[i] > b16[0]) b16[0] = c->conv_nx[i];
    if (c->conv_ny[i] > b16[1]) b16[1] = c->conv_ny[i];
    if (nw > b16[2]) b16[2] = nw;
  }
}

// ASLSWEEP_CUDA_VERBOSE=1: one line per convolution and plan on stderr
// with cuDNN's algorithm numbers and math types (0 default, 1 tensor op,
// 3 FMA), to read performance figures against.
static void report_conv(const unet_op *op, const nn_cuda_conv_shape *s,
                        const nn_cuda_conv *cv) {
  fprintf(stderr, "cuda plan: %-10s N %d %dx%dx%d ci %d co %d k %d: fwd %d/%d "
          "data %d/%d filter %d/%d ws %.1f MiB\n", op->name, s->N, s->d, s->h,
          s->w, s->ci, s->co, s->k, (int)cv->fwd, (int)cv->math_fwd,
          (int)cv->bwd_data, (int)cv->math_data,
          s->train ? (int)cv->bwd_filter : -1, (int)cv->math_filter,
          cv->ws_bytes / 1048576.0);
}

static asl_status setup_convs(nn_model *m, size_t *ws, int train) {
  nn_cuda *c = m->cuda;
  const unet3d *u = m->impl;
  const char *v = getenv("ASLSWEEP_CUDA_VERBOSE");
  const int verbose = v && *v && strcmp(v, "0") != 0;
  *ws = 0;
  for (int i = 0; i < u->n_ops; i++) {
    const unet_op *op = &u->ops[i];
    if (op->kind != OP_CONV3 && op->kind != OP_CONV1 && op->kind != OP_UPCAT) continue;
    nn_cuda_conv_shape s = conv_shape(m, op, train);
    asl_status st = nn_cuda_conv_setup(&c->conv[i], c->dnn, &s);
    if (st) return st;
    if (c->conv[i].ws_bytes > *ws) *ws = c->conv[i].ws_bytes;
    if (verbose) report_conv(op, &s, &c->conv[i]);
  }
  return ASL_OK;
}

// BF16 scratch: the weights' copy and the largest input side, output side
// and filter of any convolution (sizes[0..2], values).
static asl_status grow_bf16(nn_model *m, const size_t sizes[3]) {
  nn_cuda *c = m->cuda;
  const size_t h = sizeof(uint16_t);
  asl_status s = nn_cuda_grow(c, (void **)&c->w16, &c->w16_cap, (m->n_params + 1) * h);
  if (!s) s = nn_cuda_grow(c, (void **)&c->a16, &c->a16_cap, (sizes[0] + 1) * h);
  if (!s) s = nn_cuda_grow(c, (void **)&c->b16, &c->b16_cap, (sizes[1] + 1) * h);
  if (!s) s = nn_cuda_grow(c, (void **)&c->dw16, &c->dw16_cap, (sizes[2] + 1) * h);
  return s;
}

asl_status nn_cuda_unet_plan(nn_model *m, int N, int D, int H, int W,
                             int train) {
  nn_cuda *c = m->cuda;
  const unet3d *u = m->impl;
  if (c->planned && c->pN == N && c->pD == D && c->pH == H && c->pW == W &&
      (c->ptrain || !train))
    return ASL_OK;
  c->planned = 0;
  c->pN = N, c->pD = D, c->pH = H, c->pW = W, c->ptrain = train;
  size_t data, grad, arg, up, red, ws, b16[3];
  layout(m, &data, &grad, &arg, &up, &red, b16, train);
  asl_status s = setup_convs(m, &ws, train);
  if (!s && m->precision == 2) s = grow_bf16(m, b16);
  if (!s) s = nn_cuda_grow(c, (void **)&c->data, &c->data_cap, data * sizeof(float));
  if (!s) s = nn_cuda_grow(c, (void **)&c->grad, &c->grad_cap, (grad ? grad : 1) * sizeof(float));
  if (!s) s = nn_cuda_grow(c, (void **)&c->arg, &c->arg_cap, arg ? arg : 1);
  if (!s) s = nn_cuda_grow(c, (void **)&c->up, &c->up_cap, (up ? up : 1) * sizeof(float));
  if (!s) s = nn_cuda_grow(c, (void **)&c->red, &c->red_cap, red * sizeof(double));
  if (!s) s = nn_cuda_grow(c, &c->ws, &c->ws_cap, ws ? ws : 1);
  if (!s) s = nn_cuda_grow(c, (void **)&c->bnsave, &c->bnsave_cap,
                           (u->n_bnsave + 1) * sizeof(float));
  if (s) return s;
  c->grad_n = grad;
  c->planned = 1;
  const char *v = getenv("ASLSWEEP_CUDA_VERBOSE");
  if (v && *v && strcmp(v, "0") != 0)
    fprintf(stderr, "cuda plan: N %d %dx%dx%d %s: activations %.1f MiB, gradients %.1f MiB, "
            "workspace %.1f MiB, up-convolution %.1f MiB, argmax/dropout %.1f MiB; "
            "model holds %.1f MiB\n", N, D, H, W, train ? "training" : "inference",
            data * 4.0 / 1048576, grad * 4.0 / 1048576, ws / 1048576.0, up * 4.0 / 1048576,
            arg / 1048576.0, c->bytes / 1048576.0);
  return ASL_OK;
}

float *nn_cuda_input(nn_model *m) {
  nn_cuda *c = m->cuda;
  return c->data + c->slot_off[0];
}

float *nn_cuda_output_grad(nn_model *m) {
  nn_cuda *c = m->cuda;
  const unet3d *u = m->impl;
  return c->grad + c->grad_off[u->ops[u->n_ops - 1].out];
}

// Other slots' gradients are cleared by their first writer (grad_for); the
// output's here, as the loss may leave it unwritten.
asl_status nn_cuda_zero_grads(nn_model *m) {
  nn_cuda *c = m->cuda;
  const unet3d *u = m->impl;
  const int out = u->ops[u->n_ops - 1].out;
  CU(cudaMemsetAsync(c->grad + c->grad_off[out], 0, c->slot_n[out] * sizeof(float),
                     c->stream), "clear gradients");
  CU(cudaMemsetAsync(c->grads, 0, (m->n_params ? m->n_params : 1) * sizeof(float), c->stream),
     "clear gradients");
  return ASL_OK;
}

// Op i's convolution in the model's precision, on FP32 tensors: directly,
// or (BF16) through bfloat16 copies made just before the cuDNN call, with
// the result converted back (beta 1: added). w: the weights' offset.
static int is_bf16(const nn_model *m) { return m->precision == 2; }

static asl_status conv_fwd(nn_model *m, int i, float *y, const float *x,
                           size_t w, float beta) {
  nn_cuda *c = m->cuda;
  if (!is_bf16(m))
    return nn_cuda_conv_forward(&c->conv[i], c->dnn, y, x, c->params + w, c->ws,
                                c->ws_cap, beta);
  nn_cu_to_bf16(c->a16, x, c->conv_nx[i], c->stream);
  asl_status s = nn_cuda_conv_forward(&c->conv[i], c->dnn, c->b16, c->a16,
                                      c->w16 + w, c->ws, c->ws_cap, 0.0f);
  if (!s) nn_cu_from_bf16(y, c->b16, c->conv_ny[i], beta != 0.0f, c->stream);
  return s;
}

static asl_status conv_data(nn_model *m, int i, float *dx, const float *dy,
                            size_t w, float beta) {
  nn_cuda *c = m->cuda;
  if (!is_bf16(m))
    return nn_cuda_conv_backward_data(&c->conv[i], c->dnn, dx, dy, c->params + w,
                                      c->ws, c->ws_cap, beta);
  nn_cu_to_bf16(c->b16, dy, c->conv_ny[i], c->stream);
  asl_status s = nn_cuda_conv_backward_data(&c->conv[i], c->dnn, c->a16, c->b16,
                                            c->w16 + w, c->ws, c->ws_cap, 0.0f);
  if (!s) nn_cu_from_bf16(dx, c->a16, c->conv_nx[i], beta != 0.0f, c->stream);
  return s;
}

// dw += the filter gradient (nw values).
static asl_status conv_filter(nn_model *m, int i, float *dw, const float *x,
                              const float *dy, size_t nw) {
  nn_cuda *c = m->cuda;
  if (!is_bf16(m))
    return nn_cuda_conv_backward_filter(&c->conv[i], c->dnn, dw, x, dy, c->ws,
                                        c->ws_cap, 1.0f);
  nn_cu_to_bf16(c->a16, x, c->conv_nx[i], c->stream);
  nn_cu_to_bf16(c->b16, dy, c->conv_ny[i], c->stream);
  asl_status s = nn_cuda_conv_backward_filter(&c->conv[i], c->dnn, c->dw16, c->a16,
                                              c->b16, c->ws, c->ws_cap, 0.0f);
  if (!s) nn_cu_from_bf16(dw, c->dw16, nw, 1, c->stream);
  return s;
}

static size_t conv_weights(const unet_op *op) {
  return (size_t)op->ci * op->co * (op->kind == OP_CONV3 ? 27 : op->kind == OP_UPCAT ? 8 : 1);
}

static asl_status upcat_forward(nn_model *m, int i, float *out, const float *in,
                                const float *skip, int d, int h, int w) {
  nn_cuda *c = m->cuda;
  const unet3d *u = m->impl;
  const unet_op *op = &u->ops[i];
  asl_status s = conv_data(m, i, c->up, in, op->w, 0.0f);
  if (!s)
    nn_cu_upcat_forward(out, c->up, c->params + op->b, skip, c->pN, op->co,
                        u->slots[op->in1].c, (size_t)8 * d * h * w, c->stream);
  return s;
}

static asl_status forward_op(nn_model *m, int i, int train) {
  nn_cuda *c = m->cuda;
  unet3d *u = m->impl;
  const unet_op *op = &u->ops[i];
  const int N = c->pN;
  int d, h, w;
  level_dims(c, u->slots[op->in0].level, &d, &h, &w);
  const int V = d * h * w;
  const float *in = c->data + c->slot_off[op->in0], *p = c->params;
  float *out = c->data + c->slot_off[op->out], *st = c->buffers + op->stat;
  const size_t n_out = c->slot_n[op->out];
  switch (op->kind) {
  case OP_CONV3:
    return conv_fwd(m, i, out, in, op->w, 0.0f);
  case OP_BNRELU:
    if (train)
      nn_cu_bnrelu_forward_train(out, c->bnsave + op->aux, c->bnsave + op->aux + op->co,
                                 st, st + op->co, in, p + op->w, p + op->b,
                                 u->momentum, u->eps, N, op->co, V, c->red, c->stream);
    else
      nn_cu_bnrelu_forward_eval(out, in, p + op->w, p + op->b, st, st + op->co,
                                u->eps, N, op->co, V, c->stream);
    return ASL_OK;
  case OP_DROPOUT:
    if (train && u->dropout > 0.0f)
      nn_cu_dropout_forward(out, c->arg + c->arg_off[i], in, u->dropout, n_out,
                            asl_rng_next(&m->rng), c->stream);
    else if (out != in) // in place when the plan aliased the two
      CU(cudaMemcpyAsync(out, in, n_out * sizeof(float), cudaMemcpyDeviceToDevice, c->stream),
         "dropout copy");
    return ASL_OK;
  case OP_POOL:
    nn_cu_maxpool_forward(out, c->arg + c->arg_off[i], in, N, op->ci, d, h, w, c->stream);
    return ASL_OK;
  case OP_ADD:
    nn_cu_add(out, in, c->data + c->slot_off[op->in1], n_out, c->stream);
    return ASL_OK;
  case OP_UPCAT:
    return upcat_forward(m, i, out, in, c->data + c->slot_off[op->in1], d, h, w);
  case OP_CONV1: {
    asl_status s = conv_fwd(m, i, out, in, op->w, 0.0f);
    if (!s) nn_cu_add_bias(out, p + op->b, N, op->co, (size_t)V, c->stream);
    return s;
  }
  case OP_CBIAS:
    nn_cu_chanbias_forward(out, in, c->cb + op->aux, u->cbias_n, N, op->co, (size_t)V,
                           c->stream);
    return ASL_OK;
  }
  return asl_fail(ASL_EUNSUPPORTED, "cuda: operation %s has no CUDA implementation", op->name);
}

// The owner's channel biases (host, (N, cbias_n)) up for this forward.
static asl_status upload_cbias(nn_model *m) {
  nn_cuda *c = m->cuda;
  const unet3d *u = m->impl;
  const size_t n = (size_t)c->pN * u->cbias_n;
  if (!u->cbias) return asl_fail(ASL_EINVAL, "cuda: U-Net with channel-bias hooks run without biases");
  asl_status s = nn_cuda_grow(c, (void **)&c->cb, &c->cb_cap, n * sizeof(float));
  if (s) return s;
  CU(cudaMemcpyAsync(c->cb, u->cbias, n * sizeof(float), cudaMemcpyHostToDevice, c->stream),
     "upload channel biases");
  return ASL_OK;
}

asl_status nn_cuda_unet_forward(nn_model *m, int train, const float **out) {
  nn_cuda *c = m->cuda;
  const unet3d *u = m->impl;
  if (u->cbias_n) {
    asl_status s = upload_cbias(m);
    if (s) return s;
  }
  // BF16: the FP32 master weights, rounded once per pass.
  if (is_bf16(m)) nn_cu_to_bf16(c->w16, c->params, m->n_params, c->stream);
  for (int i = 0; i < u->n_ops; i++) {
    asl_status s = forward_op(m, i, train);
    if (s) return s;
  }
  CU(cudaGetLastError(), "U-Net forward");
  const int last = u->ops[u->n_ops - 1].out;
  c->out_dev = c->data + c->slot_off[last];
  c->out_n = c->slot_n[last];
  *out = c->out_dev;
  return ASL_OK;
}

// The up-convolution's backward: the gradient of its output (the first co
// channels of dout) into c->up, the rest into dskip; then bias, input and
// weight gradients.
static asl_status upcat_backward(nn_model *m, int i, float *din, float *dskip,
                                 const float *dout, const float *in, int d,
                                 int h, int w) {
  nn_cuda *c = m->cuda;
  const unet3d *u = m->impl;
  const unet_op *op = &u->ops[i];
  const int V2 = 8 * d * h * w;
  nn_cu_upcat_backward(c->up, dskip, dout, c->pN, op->co, u->slots[op->in1].c,
                       (size_t)V2, c->stream);
  nn_cu_bias_backward(c->grads + op->b, c->up, c->pN, op->co, V2, c->red, c->stream);
  asl_status s = ASL_OK;
  if (din) s = conv_fwd(m, i, din, c->up, op->w, 1.0f);
  if (!s) s = conv_filter(m, i, c->grads + op->w, c->up, in, conv_weights(op));
  return s;
}

// A slot's gradient, cleared when op is its first writer (the kernels
// accumulate, and the memory held another tensor's gradient before).
static float *grad_for(nn_cuda *c, const unet3d *u, int slot, int op) {
  if (slot < 0 || !u->slots[slot].needs_grad) return NULL;
  float *g = c->grad + c->grad_off[slot];
  if (u->slots[slot].gfirst == op &&
      cudaMemsetAsync(g, 0, c->slot_n[slot] * sizeof(float), c->stream) != cudaSuccess)
    return NULL;
  return g;
}

static asl_status backward_op(nn_model *m, int i) {
  nn_cuda *c = m->cuda;
  unet3d *u = m->impl;
  const unet_op *op = &u->ops[i];
  const int N = c->pN;
  int d, h, w;
  level_dims(c, u->slots[op->in0].level, &d, &h, &w);
  const int V = d * h * w;
  const float *in = c->data + c->slot_off[op->in0], *p = c->params;
  const float *dout = c->grad + c->grad_off[op->out];
  float *g = c->grads;
  float *din = grad_for(c, u, op->in0, i);
  float *din1 = grad_for(c, u, op->in1, i);
  const size_t n_out = c->slot_n[op->out];
  asl_status s = ASL_OK;
  CU(cudaGetLastError(), "clear gradients");
  switch (op->kind) {
  case OP_CONV3:
  case OP_CONV1:
    if (op->kind == OP_CONV1)
      nn_cu_bias_backward(g + op->b, dout, N, op->co, V, c->red, c->stream);
    if (din) s = conv_data(m, i, din, dout, op->w, 1.0f);
    if (!s) s = conv_filter(m, i, g + op->w, in, dout, conv_weights(op));
    return s;
  case OP_BNRELU:
    nn_cu_bnrelu_backward(din, g + op->w, g + op->b, dout, in, c->bnsave + op->aux,
                          c->bnsave + op->aux + op->co, p + op->w, p + op->b, N,
                          op->co, V, c->red, c->stream);
    return ASL_OK;
  case OP_DROPOUT:
    if (u->dropout > 0.0f)
      nn_cu_dropout_backward(din, dout, c->arg + c->arg_off[i], u->dropout, n_out, c->stream);
    else nn_cu_accumulate(din, dout, n_out, c->stream);
    return ASL_OK;
  case OP_POOL:
    nn_cu_maxpool_backward(din, dout, c->arg + c->arg_off[i], N, op->ci, d, h, w, c->stream);
    return ASL_OK;
  case OP_ADD:
    if (din) nn_cu_accumulate(din, dout, n_out, c->stream);
    if (din1) nn_cu_accumulate(din1, dout, n_out, c->stream);
    return ASL_OK;
  case OP_UPCAT: return upcat_backward(m, i, din, din1, dout, in, d, h, w);
  case OP_CBIAS:
    nn_cu_chanbias_backward(din, c->dcb + op->aux, u->cbias_n, dout, N, op->co, (size_t)V,
                            c->stream);
    return ASL_OK;
  }
  return asl_fail(ASL_EUNSUPPORTED, "cuda: operation %s has no CUDA implementation", op->name);
}

// The channel-bias gradients down, added into the owner's (host) array.
static asl_status download_dcb(nn_model *m) {
  nn_cuda *c = m->cuda;
  const unet3d *u = m->impl;
  const size_t n = (size_t)c->pN * u->cbias_n;
  if (!u->cbias_grad) return ASL_OK;
  if (n > c->cbhost_n) {
    float *h = realloc(c->cbhost, n * sizeof(float));
    if (!h) return asl_fail(ASL_ENOMEM, "cuda: out of memory");
    c->cbhost = h, c->cbhost_n = n;
  }
  CU(cudaMemcpyAsync(c->cbhost, c->dcb, n * sizeof(float), cudaMemcpyDeviceToHost, c->stream),
     "download channel-bias gradients");
  CU(cudaStreamSynchronize(c->stream), "U-Net backward");
  for (size_t i = 0; i < n; i++) u->cbias_grad[i] += c->cbhost[i];
  return ASL_OK;
}

asl_status nn_cuda_unet_backward(nn_model *m) {
  nn_cuda *c = m->cuda;
  const unet3d *u = m->impl;
  if (u->cbias_n) {
    const size_t n = (size_t)c->pN * u->cbias_n;
    asl_status s = nn_cuda_grow(c, (void **)&c->dcb, &c->dcb_cap, n * sizeof(float));
    if (s) return s;
    CU(cudaMemsetAsync(c->dcb, 0, n * sizeof(float), c->stream), "clear channel-bias gradients");
  }
  for (int i = u->n_ops - 1; i >= 0; i--) {
    asl_status s = backward_op(m, i);
    if (s) return s;
  }
  CU(cudaGetLastError(), "U-Net backward");
  return u->cbias_n ? download_dcb(m) : ASL_OK;
}

void nn_cuda_unet_free(nn_cuda *c) {
  for (int i = 0; i < UNET_MAX_OPS; i++) nn_cuda_conv_free(&c->conv[i]);
  cudaFree(c->data);
  cudaFree(c->grad);
  cudaFree(c->arg);
  cudaFree(c->up);
  cudaFree(c->red);
  cudaFree(c->ws);
  cudaFree(c->bnsave);
  cudaFree(c->target);
  cudaFree(c->weight);
  cudaFree(c->w16);
  cudaFree(c->a16);
  cudaFree(c->b16);
  cudaFree(c->dw16);
  cudaFree(c->cb);
  cudaFree(c->dcb);
  free(c->cbhost);
}
