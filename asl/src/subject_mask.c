// Brain mask from an image: robust threshold, largest component, holes filled.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "asl/subject.h"

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

// 98th percentile of the positive voxels; 0 when there are none.
static float robust_max(const float *v, size_t n, asl_status *st) {
  float *pos = malloc(n * sizeof *pos);
  if (!pos) {
    *st = asl_fail(ASL_ENOMEM, "mask: out of memory");
    return 0.0f;
  }
  size_t m = 0;
  for (size_t i = 0; i < n; i++)
    if (v[i] > 0.0f) pos[m++] = v[i];
  float r = 0.0f;
  if (m > 0) {
    qsort(pos, m, sizeof *pos, cmp_float);
    r = pos[(size_t)(0.98 * (double)(m - 1))];
  }
  free(pos);
  return r;
}

// Flood fill over voxels where grid[i] == from, setting them to `to`, from
// `seed`; 6-connectivity. Returns the number of voxels filled.
static size_t flood(uint8_t *grid, const int dims[3], size_t seed, uint8_t from, uint8_t to,
                    size_t *queue) {
  size_t head = 0, tail = 0, nxy = (size_t)dims[0] * dims[1];
  grid[seed] = to;
  queue[tail++] = seed;
  while (head < tail) {
    size_t i = queue[head++];
    int x = (int)(i % dims[0]), y = (int)(i / dims[0] % dims[1]), z = (int)(i / nxy);
    size_t nb[6];
    int k = 0;
    if (x > 0) nb[k++] = i - 1;
    if (x < dims[0] - 1) nb[k++] = i + 1;
    if (y > 0) nb[k++] = i - dims[0];
    if (y < dims[1] - 1) nb[k++] = i + dims[0];
    if (z > 0) nb[k++] = i - nxy;
    if (z < dims[2] - 1) nb[k++] = i + nxy;
    for (int j = 0; j < k; j++)
      if (grid[nb[j]] == from) grid[nb[j]] = to, queue[tail++] = nb[j];
  }
  return tail;
}

// Keeps the largest component of grid==1 (as 1), others become 0.
static void keep_largest(uint8_t *grid, const int dims[3], size_t n, size_t *queue) {
  size_t best = 0, best_seed = 0;
  for (size_t i = 0; i < n; i++) {
    if (grid[i] != 1) continue;
    size_t size = flood(grid, dims, i, 1, 2, queue);
    if (size > best) best = size, best_seed = i;
  }
  flood(grid, dims, best_seed, 2, 3, queue);
  for (size_t i = 0; i < n; i++) grid[i] = grid[i] == 3;
}

static int on_border(size_t i, const int dims[3]) {
  size_t nxy = (size_t)dims[0] * dims[1];
  int x = (int)(i % dims[0]), y = (int)(i / dims[0] % dims[1]), z = (int)(i / nxy);
  return x == 0 || y == 0 || x == dims[0] - 1 || y == dims[1] - 1 ||
         (dims[2] > 1 && (z == 0 || z == dims[2] - 1));
}

// Background reachable from the border stays out; every other voxel is in.
static void fill_holes(uint8_t *grid, const int dims[3], size_t n, size_t *queue) {
  for (size_t i = 0; i < n; i++)
    if (grid[i] == 0 && on_border(i, dims)) flood(grid, dims, i, 0, 4, queue);
  for (size_t i = 0; i < n; i++) grid[i] = grid[i] != 4;
}

asl_status asl_mask_from_image(const asl_vol *img, asl_vol *mask) {
  memset(mask, 0, sizeof *mask);
  size_t n = asl_vol_nvox(img);
  asl_status st = ASL_OK;
  float thr = (float)ASL_MASK_FRACTION * robust_max(img->data, n, &st);
  if (st != ASL_OK) return st;
  if (!(thr > 0.0f))
    return asl_fail(ASL_ENOTFOUND, "mask: the image has no positive voxels to threshold");
  uint8_t *grid = malloc(n);
  size_t *queue = malloc(n * sizeof *queue);
  if (!grid || !queue) {
    free(grid), free(queue);
    return asl_fail(ASL_ENOMEM, "mask: out of memory");
  }
  int dims[3] = {img->nx, img->ny, img->nz};
  for (size_t i = 0; i < n; i++) grid[i] = img->data[i] > thr;
  keep_largest(grid, dims, n, queue);
  fill_holes(grid, dims, n, queue);
  st = asl_vol_init_like(mask, img, 1);
  if (st == ASL_OK)
    for (size_t i = 0; i < n; i++) mask->data[i] = grid[i];
  free(grid), free(queue);
  return st;
}
