// The fused layers of the U-Net (BN + ReLU, byte-mask dropout) against the
// unfused composition, bitwise, plus central differences for BN + ReLU; and
// the U-Net's memory plan: shared activation and gradient memory, kept
// capacity across batch sizes, results unchanged by re-planning.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/src/unet3d.h"
#include "asl/status.h"
#include "gradcheck.h"
#include "harness.h"
#include "nn/layers.h"
#include "nn/model.h"

typedef struct {
  int N, C, V;
  size_t n;
  float *x, *g, *b, *r, *out, *y, *dx, *dx2, *dy, *dg, *db, *dg2, *db2;
  float sm[64], si[64], rm[64], rv[64], rm2[64], rv2[64];
} bn_case;

static float *fresh(size_t n) {
  float *p = calloc(n, sizeof(float));
  ASSERT(p != NULL);
  return p;
}

// Inputs spread around a channel-dependent mean, gamma of both signs (the
// ReLU mask then depends on the sign of gamma), some exact zeros in dout.
static void bn_setup(bn_case *t, uint64_t seed, int N, int C, int V) {
  asl_rng r;
  asl_rng_seed(&r, seed);
  t->N = N, t->C = C, t->V = V, t->n = (size_t)N * C * V;
  float **bufs[] = {&t->x, &t->r, &t->out, &t->y, &t->dx, &t->dx2, &t->dy};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) *bufs[i] = fresh(t->n);
  float **par[] = {&t->g, &t->b, &t->dg, &t->db, &t->dg2, &t->db2};
  for (size_t i = 0; i < sizeof par / sizeof *par; i++) *par[i] = fresh((size_t)C);
  gc_fill(t->x, t->n, &r, 2.0);
  gc_fill(t->r, t->n, &r, 1.0);
  for (size_t i = 0; i < t->n; i += 7) t->r[i] = 0.0f;
  for (size_t i = 0; i < t->n; i++) t->x[i] += (float)((i / V) % C) * 0.5f;
  for (int c = 0; c < C; c++) {
    t->g[c] = (float)((c % 3 == 2 ? -1 : 1) * (0.5 + asl_rng_uniform(&r)));
    t->b[c] = (float)(asl_rng_uniform(&r) - 0.5);
    t->rm[c] = t->rm2[c] = 0.1f * c, t->rv[c] = t->rv2[c] = 1.0f + 0.1f * c;
  }
}

static void bn_free(bn_case *t) {
  float *bufs[] = {t->x, t->r, t->out, t->y, t->dx, t->dx2, t->dy,
                   t->g, t->b, t->dg, t->db, t->dg2, t->db2};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
}

static void bnrelu_matches_composition(int N, int C, int V) {
  bn_case t;
  bn_setup(&t, 11 + (uint64_t)V, N, C, V);
  float sm2[64], si2[64];
  // Unfused: BN -> y, ReLU -> out; backward through the zeroed y gradient.
  nn_batchnorm3d_forward_train(t.y, sm2, si2, t.rm2, t.rv2, t.x, t.g, t.b, 0.1f,
                               1e-5f, N, C, V);
  nn_relu_forward(t.out, t.y, t.n);
  nn_relu_backward(t.dy, t.r, t.out, t.n);
  nn_batchnorm3d_backward(t.dx2, t.dg2, t.db2, t.dy, t.x, sm2, si2, t.g, N, C, V);
  // Fused, into a buffer holding other values first (only the ReLU output).
  float *out = fresh(t.n);
  nn_bnrelu_forward_train(out, t.sm, t.si, t.rm, t.rv, t.x, t.g, t.b, 0.1f,
                          1e-5f, N, C, V);
  nn_bnrelu_backward(t.dx, t.dg, t.db, t.r, t.x, t.sm, t.si, t.g, t.b, N, C, V);
  ASSERT(memcmp(out, t.out, t.n * sizeof(float)) == 0);
  ASSERT(memcmp(t.dx, t.dx2, t.n * sizeof(float)) == 0);
  ASSERT(memcmp(t.dg, t.dg2, (size_t)C * sizeof(float)) == 0);
  ASSERT(memcmp(t.db, t.db2, (size_t)C * sizeof(float)) == 0);
  ASSERT(memcmp(t.rm, t.rm2, (size_t)C * sizeof(float)) == 0);
  ASSERT(memcmp(t.rv, t.rv2, (size_t)C * sizeof(float)) == 0);
  size_t zeros = 0;
  for (size_t i = 0; i < t.n; i++) zeros += out[i] == 0.0f;
  ASSERT(zeros > t.n / 10 && zeros < t.n * 9 / 10); // both sides of the kink
  // Inference mode, with the running statistics just updated.
  nn_batchnorm3d_forward_eval(t.y, t.x, t.g, t.b, t.rm, t.rv, 1e-5f, N, C, V);
  nn_relu_forward(t.out, t.y, t.n);
  nn_bnrelu_forward_eval(out, t.x, t.g, t.b, t.rm, t.rv, 1e-5f, N, C, V);
  ASSERT(memcmp(out, t.out, t.n * sizeof(float)) == 0);
  free(out);
  bn_free(&t);
}

TEST(bnrelu_equals_batchnorm_then_relu_bitwise_small) {
  bnrelu_matches_composition(3, 5, 70); // one thread
}

TEST(bnrelu_equals_batchnorm_then_relu_bitwise_parallel) {
  bnrelu_matches_composition(2, 8, 4096); // above the OpenMP threshold
}

static bn_case *gc_case;
static double bnrelu_f(void *c) {
  (void)c;
  bn_case *t = gc_case;
  float rm[64], rv[64];
  nn_bnrelu_forward_train(t->out, t->sm, t->si, rm, rv, t->x, t->g, t->b, 0.1f,
                          1e-5f, t->N, t->C, t->V);
  return gc_project(t->out, t->r, t->n);
}

TEST(bnrelu_gradient_matches_central_differences) {
  // The check steps x by h: take the first seed whose BN outputs all keep
  // clear of the ReLU kink.
  bn_case t;
  double closest = 0;
  for (uint64_t seed = 1; seed < 200 && closest <= 2e-2; seed++) {
    if (seed > 1) bn_free(&t);
    bn_setup(&t, seed, 3, 4, 10);
    gc_case = &t;
    bnrelu_f(NULL);
    closest = 1e9;
    for (size_t i = 0; i < t.n; i++) {
      int c = (int)((i / 10) % 4);
      double y = (t.x[i] - t.sm[c]) * t.si[c] * t.g[c] + t.b[c];
      closest = fmin(closest, fabs(y));
    }
  }
  ASSERT(closest > 2e-2);
  nn_bnrelu_backward(t.dx, t.dg, t.db, t.r, t.x, t.sm, t.si, t.g, t.b, 3, 4, 10);
  ASSERT(gc_check(bnrelu_f, NULL, t.x, t.n, t.dx, 1e-3, 200, 1e-1, "bnrelu.dx") < 2e-2);
  ASSERT(gc_check(bnrelu_f, NULL, t.g, 4, t.dg, 1e-3, 200, 1e-2, "bnrelu.dgamma") < 1e-2);
  ASSERT(gc_check(bnrelu_f, NULL, t.b, 4, t.db, 1e-3, 200, 1e-2, "bnrelu.dbeta") < 1e-2);
  bn_free(&t);
}

TEST(byte_mask_dropout_equals_float_mask_dropout_bitwise) {
  enum { n = 50000 };
  static float in[n], out[n], out8[n], maskf[n], dout[n], din[n], din8[n];
  static uint8_t mask8[n];
  asl_rng r, r8;
  asl_rng_seed(&r, 3);
  gc_fill(in, n, &r, 3.0);
  gc_fill(dout, n, &r, 1.0);
  asl_rng_seed(&r, 21);
  asl_rng_seed(&r8, 21);
  nn_dropout_forward(out, maskf, in, 0.3f, n, &r);
  memcpy(out8, in, sizeof in);
  nn_dropout_forward_u8(out8, mask8, out8, 0.3f, n, &r8); // in place
  ASSERT(memcmp(out, out8, sizeof out) == 0);
  ASSERT(asl_rng_uniform(&r) == asl_rng_uniform(&r8)); // same draws used
  nn_dropout_backward(din, dout, maskf, n);
  nn_dropout_backward_u8(din8, dout, mask8, 0.3f, n);
  ASSERT(memcmp(din, din8, sizeof din) == 0);
  size_t dropped = 0;
  for (size_t i = 0; i < n; i++) dropped += mask8[i] == 0;
  ASSERT(dropped > n * 0.28 && dropped < n * 0.32);
}

static nn_model *unet(int base, const int grid[3]) {
  char b[8];
  snprintf(b, sizeof b, "%d", base);
  nn_param p[] = {{"base_channels", b}, {"dropout", "0.1"}};
  nn_model *m = NULL;
  ASSERT_OK(nn_model_create(&m, "unet3d", 2, grid, p, 2, 17));
  nn_optim_config oc;
  nn_optim_config_default(&oc);
  ASSERT_OK(nn_model_set_optimizer(m, &oc));
  return m;
}

// Model-level behaviour of the plan: inference at another batch size
// between training steps re-plans the arenas (different lifetimes, shared
// memory); the training that follows must be bitwise the run without it.
TEST(replanning_between_steps_leaves_training_bitwise_unchanged) {
  const int grid[3] = {16, 16, 16};
  nn_model *a = unet(4, grid), *b = unet(4, grid);
  enum { B = 3, V = 16 * 16 * 16 };
  static float x[B * 2 * V], y[B * V];
  asl_rng r;
  asl_rng_seed(&r, 8);
  gc_fill(x, B * 2 * V, &r, 1.0);
  gc_fill(y, B * V, &r, 1.0);
  float la, lb, le;
  for (int step = 0; step < 3; step++) {
    int n = step == 1 ? 1 : B;
    ASSERT_OK(nn_train_step(a, x, y, NULL, n, &la));
    ASSERT_OK(nn_eval_loss(a, x, y, NULL, 1 + step % 2 * (B - 1), &le));
    ASSERT_OK(nn_train_step(b, x, y, NULL, n, &lb));
    ASSERT(la == lb && isfinite(le));
  }
  size_t np = nn_model_param_count(a);
  ASSERT(memcmp(nn_model_params(a), nn_model_params(b), np * sizeof(float)) == 0);
  ASSERT(memcmp(nn_model_grads(a), nn_model_grads(b), np * sizeof(float)) == 0);
  nn_model_free(a);
  nn_model_free(b);
}

static int disjoint(size_t a, size_t na, size_t b, size_t nb) {
  return a + na <= b || b + nb <= a;
}

// Every op's tensors (inputs, output; activations and gradients) occupy
// distinct memory, except the in-place dropout's activation (gradients
// only in a training plan).
static void assert_ops_disjoint(const unet3d *u, int train) {
  for (int i = 0; i < u->n_ops; i++) {
    const unet_op *op = &u->ops[i];
    int t[3] = {op->in0, op->out, op->in1};
    for (int a = 0; a < 3; a++)
      for (int b = a + 1; b < 3; b++) {
        if (t[a] < 0 || t[b] < 0) continue;
        const unet_slot *x = &u->slots[t[a]], *y = &u->slots[t[b]];
        size_t nx = u->slot_floats[t[a]], ny = u->slot_floats[t[b]];
        if (op->kind != OP_DROPOUT) ASSERT(disjoint(x->data, nx, y->data, ny));
        if (train && x->needs_grad && y->needs_grad) ASSERT(disjoint(x->grad, nx, y->grad, ny));
      }
  }
}

// The paper's U-Net at the benchmark size (batch 4, 64x64x32): activations
// that backward does not need and gradients past their producer's backward
// share memory; arenas keep their capacity across batch sizes. Planning
// only lays out and reserves memory (untouched pages cost nothing).
TEST(unet_plan_shares_memory_between_dead_tensors) {
  const int grid[3] = {64, 64, 32};
  nn_model *m = unet(16, grid);
  unet3d *u = m->impl;
  ASSERT_OK(unet3d_plan(m, 4, 32, 64, 64, 1));
  assert_ops_disjoint(u, 1);
  size_t all_data = 0, all_grad = 0;
  for (int s = 0; s < u->n_slots; s++) {
    all_data += u->slot_floats[s];
    if (u->slots[s].needs_grad) all_grad += u->slot_floats[s];
  }
  size_t train_data = u->data_n / sizeof(float), grad = u->grad_need;
  printf("floats: data %zu of %zu, gradients %zu of %zu\n", train_data,
         all_data, grad, all_grad);
  // Backward needs most activations (conv and BN inputs); gradients need a
  // few tensors per level at a time.
  ASSERT(train_data + grad < (all_data + all_grad) / 2);
  ASSERT(grad < all_grad / 4);
  float *data = u->data, *grads = u->grad;
  ASSERT_OK(unet3d_plan(m, 1, 32, 64, 64, 1)); // smaller: same memory
  assert_ops_disjoint(u, 1);
  ASSERT_OK(unet3d_plan(m, 4, 32, 64, 64, 1));
  ASSERT(u->data == data && u->grad == grads);
  nn_model_free(m);
  m = unet(16, grid); // inference alone keeps only tensors still to be read
  u = m->impl;
  ASSERT_OK(unet3d_plan(m, 4, 32, 64, 64, 0));
  assert_ops_disjoint(u, 0);
  printf("floats: inference data %zu\n", u->data_n / sizeof(float));
  ASSERT(u->data_n / sizeof(float) < train_data / 3);
  ASSERT(u->grad == NULL);
  nn_model_free(m);
}

int main(void) {
  RUN(bnrelu_equals_batchnorm_then_relu_bitwise_small);
  RUN(bnrelu_equals_batchnorm_then_relu_bitwise_parallel);
  RUN(bnrelu_gradient_matches_central_differences);
  RUN(byte_mask_dropout_equals_float_mask_dropout_bitwise);
  RUN(replanning_between_steps_leaves_training_bitwise_unchanged);
  RUN(unet_plan_shares_memory_between_dead_tensors);
  return DONE();
}
