// The U-Net's memory plan: where every activation, gradient, dropout mask
// and argmax array lives for one (N, D, H, W, mode, team size).
//
// Time runs over the forward ops (op i at time i) and then the backward ops
// in reverse (op i at time 2n-1-i). An activation lives from its producer
// to its last reader: forward consumers, and in training the backward ops
// that read their input (convolutions for the weight gradient, BN+ReLU for
// the normalization). A gradient lives from the first backward op that
// accumulates into it to its producer's backward. Tensors whose lifetimes
// do not overlap share memory (greedy placement, largest first), so a
// level's gradients take two or three tensors' worth instead of one each,
// and inference keeps only the tensors still to be read.
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "nn/conv3d.h"
#include "nn/layers.h"
#include "unet3d.h"

typedef struct {
  long t0, t1;   // inclusive lifetime
  size_t size;   // floats (64-byte multiple)
  size_t *off;   // where the placement goes
  int id;        // tie-break: deterministic order
} life;

static size_t slot_size(const unet_slot *s, int N, int D, int H, int W) {
  return (size_t)N * s->c * (size_t)(D >> s->level) * (size_t)(H >> s->level) *
         (size_t)(W >> s->level);
}

static int by_size(const void *a, const void *b) {
  const life *x = a, *y = b;
  if (x->size != y->size) return x->size < y->size ? 1 : -1;
  return x->id - y->id;
}

// Places each lifetime at the lowest offset it found free of every placed
// tensor alive at the same time; returns the arena size in floats.
static size_t place(life *v, int n) {
  qsort(v, (size_t)n, sizeof *v, by_size);
  size_t total = 0;
  for (int i = 0; i < n; i++) {
    size_t off = 0;
    for (int moved = 1; moved;) {
      moved = 0;
      for (int j = 0; j < i; j++) {
        if (v[j].t1 < v[i].t0 || v[i].t1 < v[j].t0) continue;
        size_t o = *v[j].off;
        if (off < o + v[j].size && o < off + v[i].size) off = o + v[j].size, moved = 1;
      }
    }
    *v[i].off = off;
    if (off + v[i].size > total) total = off + v[i].size;
  }
  return total;
}

// Backward ops that read their input activation (in0).
static int bwd_reads_input(unet_op_kind k) {
  return k == OP_CONV3 || k == OP_BNRELU || k == OP_UPCAT || k == OP_CONV1;
}

static int root(const unet3d *u, int s) {
  while (u->slots[s].alias >= 0) s = u->slots[s].alias;
  return s;
}

static void extend(life *l, long t) {
  if (t < l->t0) l->t0 = t;
  if (t > l->t1) l->t1 = t;
}

// Activation lifetimes, merged over in-place aliases; returns the arena size.
static size_t place_data(unet3d *u, life *v, int train) {
  const long n = u->n_ops;
  for (int s = 0; s < u->n_slots; s++)
    v[s] = (life){.t0 = s == 0 ? 0 : n, .t1 = -1, .off = &u->slots[s].data, .id = s,
                  .size = (u->slot_floats[s] + 15) / 16 * 16};
  for (int i = 0; i < u->n_ops; i++) {
    const unet_op *op = &u->ops[i];
    extend(&v[root(u, op->out)], i);
    extend(&v[root(u, op->in0)], i);
    if (op->in1 >= 0) extend(&v[root(u, op->in1)], i);
    if (train && bwd_reads_input(op->kind)) extend(&v[root(u, op->in0)], 2 * n - 1 - i);
  }
  extend(&v[root(u, u->ops[n - 1].out)], 2 * n); // the caller reads it
  int k = 0;
  for (int s = 0; s < u->n_slots; s++)
    if (u->slots[s].alias < 0) v[k++] = v[s];
  size_t total = place(v, k);
  for (int s = 0; s < u->n_slots; s++) u->slots[s].data = u->slots[root(u, s)].data;
  return total;
}

// Gradient lifetimes over backward time 0..n-1 (op i at n-1-i); records
// each slot's first writer so the interpreter zeroes it just before.
static size_t place_grad(unet3d *u, life *v) {
  const long n = u->n_ops;
  int k = 0;
  for (int s = 0; s < u->n_slots; s++) u->slots[s].gfirst = -1;
  for (int i = 0; i < u->n_ops; i++) {
    const unet_op *op = &u->ops[i];
    if (u->slots[op->in0].gfirst < i) u->slots[op->in0].gfirst = i;
    if (op->in1 >= 0 && u->slots[op->in1].gfirst < i) u->slots[op->in1].gfirst = i;
  }
  for (int i = 0; i < u->n_ops; i++) {
    unet_slot *s = &u->slots[u->ops[i].out];
    if (!s->needs_grad) continue;
    long start = s->gfirst >= 0 ? n - 1 - s->gfirst : 0;
    v[k] = (life){.t0 = start, .t1 = n - 1 - i, .off = &s->grad,
                  .size = (u->slot_floats[u->ops[i].out] + 15) / 16 * 16, .id = k};
    k++;
  }
  return place(v, k);
}

// Dropout runs in place when the dropout is its input's only reader (its
// backward needs the mask only, and BN+ReLU's backward reads the BN input).
static void set_aliases(unet3d *u) {
  int readers[UNET_MAX_SLOTS] = {0};
  for (int i = 0; i < u->n_ops; i++) {
    readers[u->ops[i].in0]++;
    if (u->ops[i].in1 >= 0) readers[u->ops[i].in1]++;
  }
  for (int i = 0; i < u->n_ops; i++) {
    const unet_op *op = &u->ops[i];
    if (op->kind == OP_DROPOUT && readers[op->in0] == 1 && op->in0 != 0)
      u->slots[op->out].alias = op->in0;
  }
}

static size_t op_ws(const unet_op *op, const unet_slot *in, int N, int D,
                    int H, int W, int threads) {
  int l = in->level;
  if (op->kind == OP_CONV3)
    return nn_conv3d_workspace_floats(N, op->ci, op->co, D >> l, H >> l,
                                      W >> l, threads);
  if (op->kind == OP_UPCAT) // one sample at a time
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

size_t unet3d_place(unet3d *u, int N, int D, int H, int W, int train,
                    size_t *grad_floats) {
  life v[UNET_MAX_SLOTS];
  size_t arg = 0;
  set_aliases(u);
  for (int i = 0; i < u->n_slots; i++)
    u->slot_floats[i] = slot_size(&u->slots[i], N, D, H, W);
  for (int i = 0; i < u->n_ops; i++) {
    unet_op *op = &u->ops[i];
    if (op->kind == OP_POOL) op->aux = arg;
    if (op->kind == OP_DROPOUT) op->mask = arg;
    if (op->kind == OP_POOL || op->kind == OP_DROPOUT)
      arg += (u->slot_floats[op->out] + 63) / 64 * 64;
  }
  u->arg_need = arg;
  size_t data = place_data(u, v, train);
  *grad_floats = train ? place_grad(u, v) : 0;
  return data;
}

// Offsets of every slot, mask and argmax array; grows the arenas other
// than the gradients.
static asl_status layout(unet3d *u, int N, int D, int H, int W, int threads,
                         int train) {
  size_t ws = 0;
  for (int i = 0; i < u->n_ops; i++) {
    size_t w = op_ws(&u->ops[i], &u->slots[u->ops[i].in0], N, D, H, W, threads);
    ws = w > ws ? w : ws;
  }
  size_t data = unet3d_place(u, N, D, H, W, train, &u->grad_need);
  const size_t arg = u->arg_need;
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
        u->pthreads == threads && u->ptrain == train)) {
    asl_status s = layout(u, N, D, H, W, threads, train);
    if (s) {
      u->pN = 0;
      return s;
    }
    u->pN = N, u->pD = D, u->pH = H, u->pW = W, u->pthreads = threads;
    u->ptrain = train;
  }
  return train ? grow((void **)&u->grad, &u->grad_n,
                      (u->grad_need ? u->grad_need : 1) * sizeof(float))
               : ASL_OK;
}
