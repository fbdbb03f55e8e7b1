// The 3D Vision Transformer denoiser (kind vit3d; docs/vit3d.md):
//   patches (C*pz*py*px voxels) -> linear embedding + learned position
//   embedding -> depth x pre-norm blocks [x += attn(LN1 x); x += MLP(LN2 x)]
//   -> LN -> linear decoder to pz*py*px voxels -> + the ASL input channel.
// Parameters live in m->params in the order of the table built by
// vit3d_layout (names as PyTorch's TransformerEncoderLayer).
#ifndef NN_VIT3D_H
#define NN_VIT3D_H

#include "model_internal.h"

// Offsets of one block's tensors in the parameter buffer.
typedef struct {
  size_t n1w, n1b, qkvw, qkvb, projw, projb, n2w, n2b, fc1w, fc1b, fc2w, fc2b;
} vit_block;

// One block's saved activations (rows M = N * T).
typedef struct {
  float *x;                  // (M, C) block input (the residual stream)
  float *ln1, *mu1, *rs1;    // (M, C), (M), (M)
  float *qkv, *att, *ao;     // (M, 3C), (N, heads, T, T), (M, C)
  float *proj, *mask1, *xmid; // (M, C) each; mask only with dropout
  float *ln2, *mu2, *rs2;
  float *h1, *g, *h2, *mask2; // (M, F), (M, F), (M, C), (M, C)
} vit_acts;

typedef struct {
  char name[40];
  size_t offset, count;
} vit_tensor;

enum { VIT_MAX_DEPTH = 64 };

typedef struct {
  int dim, depth, heads, hidden;  // hidden = MLP width F
  float mlp_ratio, dropout, eps;
  int px, py, pz;                 // patch (voxels along x, y, z)
  int gx, gy, gz, T;              // token grid and count at the model grid
  int pv, pin;                    // voxels per patch, input row length
  size_t embw, embb, pos, nw, nb, headw, headb;
  vit_block blk[VIT_MAX_DEPTH];
  vit_tensor *tensors;            // name -> offset table
  int n_tensors;
  // Activation and gradient arenas, sized for up to cap_n volumes.
  int cap_n, cap_threads, n;      // n: the batch the pointers below are cut for
  float *arena, *garena;
  float *tok, *xf, *lnf, *muf, *rsf, *head, *out;
  vit_acts a[VIT_MAX_DEPTH];
  float *dx, *dtmp, *dln, *dqkv, *dao, *dh, *dg, *dhead, *ws;
  // Whole-volume inference by tiles (vit3d_tile.c).
  float *tile_in, *tile_acc, *tile_cnt;
  size_t tile_in_n, tile_acc_n, tile_cnt_n;
} vit3d;

// Cuts the arenas for a batch of N volumes at the model grid (allocating
// only when N or the team size grows beyond what was planned).
asl_status vit3d_plan(nn_model *m, int N);
// Forward at the model grid: x (N, C, gz*pz, gy*py, gx*px) -> v->out.
void vit3d_forward_grid(nn_model *m, const float *x, int N, int train);
void vit3d_backward(nn_model *m, const float *dout);
// Forward at any volume size by overlapping grid-sized tiles (inference).
asl_status vit3d_forward_tiled(nn_model *m, const float *x, int N, int D,
                               int H, int W, const float **out);
// The same with each grid-sized tile (1, C, grid) run by `run`, which
// leaves the tile's prediction (grid) in host memory at *pred (the CUDA
// backend runs the tiles on the device this way).
typedef asl_status (*vit3d_tile_fn)(nn_model *m, const float *tile,
                                    const float **pred);
asl_status vit3d_forward_tiles(nn_model *m, const float *x, int N, int D,
                               int H, int W, vit3d_tile_fn run,
                               const float **out);
// Tile origins along one axis of length L for tiles of G voxels: half-tile
// steps, the last tile flush with the end; one tile at 0 when L <= G.
int vit3d_tile_starts(int L, int G, int *starts, int max);

#endif
