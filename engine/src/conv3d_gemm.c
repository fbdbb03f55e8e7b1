// The forward GEMM driver: tiles of CONV3D_RB output channels by
// CONV3D_PB flat positions, each computed by the micro-kernel of the chosen
// instruction set (conv3d_kern_*.c) and scattered into the output.
// Inputs are read at 27 shifted addresses of the padded layout; weights come
// packed so the 8 values of one (ci, tap) are adjacent for broadcasting.
#include "conv3d_internal.h"

// Output voxel of position q (a padding position gives -1) and the number
// of consecutive positions from q that are consecutive voxels, at most `max`.
static ptrdiff_t voxel_run(ptrdiff_t q, ptrdiff_t max, const conv3d_geom *g,
                           ptrdiff_t *run) {
  if (g->mode == CONV3D_COL) {
    ptrdiff_t v = q % g->vox;
    *run = g->vox - v < max ? g->vox - v : max;
    return q < g->last ? q : -1;
  }
  ptrdiff_t n = q / g->vol, r = q % g->vol;
  ptrdiff_t z = r / g->plane - 1, y = (r % g->plane) / g->row - 1;
  ptrdiff_t x = r % g->row - 1;
  if (n >= g->N || z < 0 || z >= g->D || y < 0 || y >= g->H) {
    *run = g->row - (x + 1);  // rest of this padding row
    if (*run > max) *run = max;
    return -1;
  }
  if (x < 0 || x >= g->W) return *run = 1, -1;
  *run = g->W - x < max ? g->W - x : max;
  return (n * g->D + z) * g->H * g->W + y * g->W + x;
}

// Copies a computed tile (rows x PB positions from p) into out (N, C, vox)
// at channels c0.., adding the bias or accumulating as asked.
static void scatter_tile(float *out, int C, int c0, int rows,
                         const float tile[CONV3D_RB][CONV3D_PB], ptrdiff_t p,
                         const float *b, int accumulate, const conv3d_geom *g) {
  for (int i = 0; i < CONV3D_PB;) {
    ptrdiff_t run, v = voxel_run(p + i, CONV3D_PB - i, g, &run);
    if (v >= 0) {
      ptrdiff_t n = v / g->vox, o = v % g->vox;
      for (int r = 0; r < rows; r++) {
        float *d = out + (n * C + c0 + r) * g->vox + o;
        const float *s = tile[r] + i;
        float bias = b ? b[c0 + r] : 0.0f;
        if (accumulate)
          for (ptrdiff_t j = 0; j < run; j++) d[j] += s[j];
        else
          for (ptrdiff_t j = 0; j < run; j++) d[j] = s[j] + bias;
      }
    }
    i += (int)run;
  }
}

// True when some position of the tile [p, p + PB) is an output voxel: tiles
// wholly inside the padding planes between samples are skipped.
static int tile_has_voxels(ptrdiff_t p, const conv3d_geom *g) {
  for (int i = 0; i < CONV3D_PB;) {
    ptrdiff_t run;
    if (voxel_run(p + i, CONV3D_PB - i, g, &run) >= 0) return 1;
    i += (int)run;
  }
  return 0;
}

void conv3d_gemm_taps(float *out, const float *b, int accumulate,
                      const float *x, const float *wp, int Ci, int Co,
                      const conv3d_geom *g) {
  ptrdiff_t tiles = (g->last - g->first + CONV3D_PB - 1) / CONV3D_PB;
  int blocks = (Co + CONV3D_RB - 1) / CONV3D_RB;
  const conv3d_kernels *kern = conv3d_kernels_get();
  // Threads take contiguous runs of (tile, block) pairs: blocks vary
  // fastest so a tile's input window (Ci x 9 row segments) is reused from
  // L1, and small grids with few tiles still split evenly.
  // Tiny grids (the coarse levels at batch 1) run on one thread: a team
  // wake-up costs more than a few hundred thousand multiply-adds.
#pragma omp parallel for collapse(2) schedule(static) if ((double)tiles * CONV3D_PB * Ci * Co * 27 >= NN_CONV3D_MIN_MACS)
  for (ptrdiff_t t = 0; t < tiles; t++)
    for (int blk = 0; blk < blocks; blk++) {
      ptrdiff_t p = g->first + t * CONV3D_PB;
      if (!tile_has_voxels(p, g)) continue;
      _Alignas(64) float tile[CONV3D_RB][CONV3D_PB];
      int rows = Co - blk * CONV3D_RB;
      if (rows > CONV3D_RB) rows = CONV3D_RB;
      kern->tile(&tile[0][0], CONV3D_PB, rows, x + p,
                  wp + (size_t)blk * Ci * 27 * CONV3D_RB, Ci, g->stride, g->off);
      scatter_tile(out, Co, blk * CONV3D_RB, rows, (const float(*)[CONV3D_PB])tile,
                   p, b, accumulate, g);
    }
}
