// The U-Net's memory plan (unet3d_place), which the CPU interpreter and the
// CUDA backend both lay their arenas out with: replaying the interpreter's
// reads and writes over the placed offsets, no tensor is read after another
// tensor wrote over any of its memory, in training (forward, loss, backward)
// and inference, for the paper's U-Net at 64x64x32 and a small odd one; and
// the sharing pays (the arenas are smaller than one buffer per tensor).

#include "harness.h"
#include "nn/model.h"
#include "unet3d.h"

typedef struct {
  int slot;
  size_t off, n;
} write_ev;

// One arena's history: every write in order; reading slot s checks that
// nothing but s (or an in-place alias of it) wrote over s since s's last
// write.
typedef struct {
  write_ev ev[4 * UNET_MAX_OPS];
  int n, last[UNET_MAX_SLOTS];
} arena;

static int root(const unet3d *u, int s) {
  while (u->slots[s].alias >= 0) s = u->slots[s].alias;
  return s;
}

static void put(arena *a, const unet3d *u, int s, size_t off) {
  a->last[s] = a->n;
  a->ev[a->n++] = (write_ev){root(u, s), off, u->slot_floats[s]};
}

static int intact(const arena *a, const unet3d *u, int s, size_t off) {
  if (a->last[s] < 0) return 0; // read before written
  for (int e = a->last[s] + 1; e < a->n; e++) {
    const write_ev *w = &a->ev[e];
    if (w->slot != root(u, s) && w->off < off + u->slot_floats[s] && off < w->off + w->n)
      return 0;
  }
  return 1;
}

static int reads_input_backward(unet_op_kind k) {
  return k == OP_CONV3 || k == OP_BNRELU || k == OP_UPCAT || k == OP_CONV1;
}

#define DATA(s) u->slots[s].data
#define GRAD(s) u->slots[s].grad

static void replay(const unet3d *u, int train) {
  static arena d, g;
  d.n = g.n = 0;
  for (int s = 0; s < UNET_MAX_SLOTS; s++) d.last[s] = g.last[s] = -1;
  put(&d, u, 0, DATA(0)); // the input
  for (int i = 0; i < u->n_ops; i++) {
    const unet_op *op = &u->ops[i];
    if (!intact(&d, u, op->in0, DATA(op->in0)))
      HARNESS_FAIL("train %d: op %s reads %d overwritten", train, op->name, op->in0);
    if (op->in1 >= 0 && !intact(&d, u, op->in1, DATA(op->in1)))
      HARNESS_FAIL("train %d: op %s reads %d overwritten", train, op->name, op->in1);
    put(&d, u, op->out, DATA(op->out));
    // An op reads its inputs while it writes its output: no overlap either.
    if (!intact(&d, u, op->in0, DATA(op->in0)) ||
        (op->in1 >= 0 && !intact(&d, u, op->in1, DATA(op->in1))))
      HARNESS_FAIL("train %d: op %s writes over its own input", train, op->name);
  }
  const int last = u->ops[u->n_ops - 1].out;
  ASSERT(intact(&d, u, last, DATA(last))); // the caller reads the prediction
  if (!train) return;
  put(&g, u, last, GRAD(last)); // the loss writes dpred
  for (int i = u->n_ops - 1; i >= 0; i--) {
    const unet_op *op = &u->ops[i];
    if (reads_input_backward(op->kind) && !intact(&d, u, op->in0, DATA(op->in0)))
      HARNESS_FAIL("backward of %s: its input was overwritten", op->name);
    if (!intact(&g, u, op->out, GRAD(op->out)))
      HARNESS_FAIL("backward of %s: the gradient of its output was overwritten", op->name);
    const int in[2] = {op->in0, op->in1};
    for (int k = 0; k < 2; k++) {
      const int s = in[k];
      if (s < 0 || !u->slots[s].needs_grad) continue;
      // The first writer clears it; later writers accumulate into it.
      if (u->slots[s].gfirst != i && !intact(&g, u, s, GRAD(s)))
        HARNESS_FAIL("backward of %s accumulates into an overwritten gradient", op->name);
      put(&g, u, s, GRAD(s));
    }
    if (!intact(&g, u, op->out, GRAD(op->out)))
      HARNESS_FAIL("backward of %s writes over the gradient it reads", op->name);
  }
}

// Replays the plan for N, D, H, W in both modes; returns the training
// arenas' floats and, in *all, what one buffer per tensor would take.
static size_t check(const char *base, const char *depth, int N, int D, int H,
                    int W, size_t *all) {
  const int grid[3] = {W, H, D};
  nn_param p[] = {{"base_channels", base}, {"depth", depth}};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "unet3d", 2, grid, p, 2, 1));
  unet3d *u = m->impl;
  size_t grad = 0, data = unet3d_place(u, N, D, H, W, 0, &grad);
  ASSERT_EQ(0, (long)grad);
  ASSERT(data > 0);
  replay(u, 0);
  data = unet3d_place(u, N, D, H, W, 1, &grad);
  replay(u, 1);
  *all = 0;
  for (int s = 0; s < u->n_slots; s++)
    *all += u->slot_floats[s] * (1 + (u->slots[s].needs_grad != 0));
  nn_model_free(m);
  return data + grad;
}

TEST(plan_never_overwrites_a_live_tensor) {
  size_t all;
  // The paper's U-Net at its training grid, batches 1 and 4.
  size_t used = check("16", "4", 4, 32, 64, 64, &all);
  ASSERT(used < all * 6 / 10); // about half: 583 MiB against some 1210 MiB at batch 4
  check("16", "4", 1, 32, 64, 64, &all);
  // A shallow, narrow one on a non-cubic grid.
  used = check("4", "2", 3, 8, 12, 20, &all);
  ASSERT(used < all);
}

int main(void) {
  RUN(plan_never_overwrites_a_live_tensor);
  return DONE();
}
