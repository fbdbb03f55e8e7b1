// The 3D U-Net as a list of layer operations over tensor slots: the graph is
// built once (unet3d_graph.c) and run forward and in reverse for backward by
// one interpreter (unet3d_run.c).
#ifndef NN_UNET3D_H
#define NN_UNET3D_H

#include <stdint.h>

#include "model_internal.h"

typedef enum {
  OP_CONV3,   // 3x3x3 convolution, no bias (a BN follows)
  OP_BNRELU,  // batch normalization fused with the ReLU after it
  OP_DROPOUT, // in place: its output shares its input's memory
  OP_POOL,    // 2x2x2 max-pooling
  OP_ADD,     // residual connection
  OP_UPCAT,   // transposed convolution (kernel 2, stride 2, with bias) of
              // in0 written straight into channels 0..co-1 of out, in1
              // copied behind it (torch.cat((up(in0), in1), dim=1))
  OP_CONV1,   // final 1x1x1 convolution, with bias
  OP_CBIAS,   // + a per-sample channel bias (conditioning hook, see below)
} unet_op_kind;

typedef struct {
  unet_op_kind kind;
  int in0, in1, out; // slots (in1 = -1 when unused)
  int ci, co;
  size_t w, b;       // parameter offsets (BN: gamma, beta)
  size_t stat;       // BN: running mean at stat, running var at stat + co
  size_t aux;        // BN: saved mean/invstd offset; POOL: argmax offset
  size_t mask;       // DROPOUT: byte mask offset in arg
  char name[24];
} unet_op;

typedef struct {
  int c, level;      // shape (N, c, D >> level, H >> level, W >> level)
  int needs_grad;    // 0 for the network input
  int alias;         // slot whose memory this one reuses (in-place), or -1
  int gfirst;        // the op whose backward writes the gradient first
  size_t data, grad; // offsets in the plan's arenas
} unet_slot;

enum { UNET_MAX_OPS = 256, UNET_MAX_SLOTS = 256 };

typedef struct {
  int base, depth;
  float dropout, momentum, eps;
  int n_ops, n_slots;
  unet_op ops[UNET_MAX_OPS];
  unet_slot slots[UNET_MAX_SLOTS];
  size_t n_bnsave; // floats of saved BN statistics
  // Conditioning hook (unet3d_build with channel_bias = 1, used by ddpm3d):
  // an OP_CBIAS after the first conv unit of every block adds
  // cbias[n * cbias_n + op.aux + c] to channel c of sample n; backward adds
  // the voxel sums into cbias_grad. The owner points both at (N, cbias_n)
  // arrays before forward/backward. cbias_n = 0 without the hook.
  int cbias_n;
  const float *cbias;
  float *cbias_grad;
  // The plan: arenas sized for one (N, D, H, W), mode and team size.
  // Tensors share memory when their lifetimes do not overlap
  // (unet3d_plan.c): activations live from their op to the last op
  // (forward or backward) reading them, gradients from the first backward
  // op writing them to their producer's backward.
  int pN, pD, pH, pW, pthreads, ptrain;
  float *data, *grad, *ws, *bnsave;
  uint8_t *arg;
  size_t data_n, grad_n, ws_n, arg_n, bnsave_n; // capacities in bytes
  size_t grad_need;  // floats of gradient arena the plan needs (training)
  size_t arg_need;   // bytes of dropout masks and argmax arrays
  size_t slot_floats[UNET_MAX_SLOTS]; // each slot's size in this plan
} unet3d;

// Reads the U-Net keys through d (nn_model_create checked them) and builds
// the graph for m->in_channels inputs, with the OP_CBIAS hooks when channel_bias = 1.
// Sets m->impl, m->n_params and m->n_buffers.
asl_status unet3d_build(nn_model *m, const nn_param *p, int n,
                        const nn_model_desc *d, int channel_bias);
// OP_CBIAS: out (N, C, V) = in + bias[n * ld + c]; dbias[n * ld + c] += the
// sum of dout over V, din += dout (ddpm3d_cbias.c).
void nn_chanbias_forward(float *out, const float *in, const float *bias,
                         int ld, int N, int C, size_t V);
void nn_chanbias_backward(float *din, float *dbias, int ld, const float *dout,
                          int N, int C, size_t V);
// Lays out the arenas for (N, D, H, W) and grows them, keeping the largest
// capacity seen (switching batch sizes does not reallocate); the gradient
// arena only for training. Inference reuses activation memory as soon as a
// tensor's last reader has run.
asl_status unet3d_plan(nn_model *m, int N, int D, int H, int W, int train);
// The plan's placement alone, allocating nothing (the CUDA backend lays its
// device arenas out with it): sets every slot's data and grad offset and
// size, returns the activation arena's floats and *grad_floats the
// gradient arena's (0 unless train). Invalidates nothing by itself: a
// caller using other shapes must reset pN so unet3d_plan lays out again.
size_t unet3d_place(unet3d *u, int N, int D, int H, int W, int train,
                    size_t *grad_floats);
asl_status unet3d_forward(nn_model *m, const float *x, int N, int D, int H,
                          int W, int train, const float **out);
void unet3d_backward(nn_model *m, const float *dout);

#endif
