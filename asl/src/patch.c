// Patches at the model grid and pad/crop to a size multiple (asl/patch.h).
#include "asl/patch.h"

#include <string.h>

// Origin along one axis: uniform when the volume covers the patch, centred
// (negative) when the volume is smaller.
static int draw_origin(asl_rng *r, int n, int p) {
  if (n >= p) return (int)asl_rng_below(r, (uint64_t)(n - p + 1));
  return -((p - n) / 2);
}

asl_status asl_patch_draw(asl_patch *p, asl_rng *r, const asl_vol *v, int px, int py, int pz) {
  if (px <= 0 || py <= 0 || pz <= 0)
    return asl_fail(ASL_EINVAL, "patch size %dx%dx%d: every size must be positive", px, py, pz);
  p->px = px, p->py = py, p->pz = pz;
  // Draw in a fixed order (x, y, z) so the stream is reproducible.
  p->ox = draw_origin(r, v->nx, px);
  p->oy = draw_origin(r, v->ny, py);
  p->oz = draw_origin(r, v->nz, pz);
  return ASL_OK;
}

// The run [lo, hi) of patch indices along an axis whose volume index
// (origin + i) lies in [0, n).
static void inside_range(int o, int n, int p, int *lo, int *hi) {
  *lo = o < 0 ? -o : 0;
  *hi = n - o < p ? n - o : p;
  if (*hi < *lo) *hi = *lo;
}

void asl_patch_extract(float *dst, const asl_vol *v, int t, const asl_patch *p) {
  const float *src = asl_vol_frame(v, t);
  int x0, x1, y0, y1, z0, z1;
  inside_range(p->ox, v->nx, p->px, &x0, &x1);
  inside_range(p->oy, v->ny, p->py, &y0, &y1);
  inside_range(p->oz, v->nz, p->pz, &z0, &z1);
  memset(dst, 0, (size_t)p->px * p->py * p->pz * sizeof *dst);
  for (int z = z0; z < z1; z++)
    for (int y = y0; y < y1; y++) {
      float *d = dst + ((size_t)z * p->py + y) * p->px;
      const float *s = src + ((size_t)(z + p->oz) * v->ny + (y + p->oy)) * v->nx + p->ox;
      memcpy(d + x0, s + x0, (size_t)(x1 - x0) * sizeof *d);
    }
}

asl_status asl_patch_weight(float *dst, const asl_vol *v, const asl_vol *mask,
                            const asl_patch *p) {
  if (mask && (mask->nx != v->nx || mask->ny != v->ny || mask->nz != v->nz))
    return asl_fail(ASL_ESHAPE, "patch weight: mask grid %dx%dx%d differs from image %dx%dx%d",
                    mask->nx, mask->ny, mask->nz, v->nx, v->ny, v->nz);
  if (mask) {
    asl_patch_extract(dst, mask, 0, p);
    size_t n = (size_t)p->px * p->py * p->pz;
    for (size_t i = 0; i < n; i++) dst[i] = dst[i] != 0.0f ? 1.0f : 0.0f;
    return ASL_OK;
  }
  int x0, x1, y0, y1, z0, z1;
  inside_range(p->ox, v->nx, p->px, &x0, &x1);
  inside_range(p->oy, v->ny, p->py, &y0, &y1);
  inside_range(p->oz, v->nz, p->pz, &z0, &z1);
  memset(dst, 0, (size_t)p->px * p->py * p->pz * sizeof *dst);
  for (int z = z0; z < z1; z++)
    for (int y = y0; y < y1; y++) {
      float *d = dst + ((size_t)z * p->py + y) * p->px;
      for (int x = x0; x < x1; x++) d[x] = 1.0f;
    }
  return ASL_OK;
}

static int round_up(int n, int m) { return (n + m - 1) / m * m; }

asl_status asl_pad_geom_init(asl_pad_geom *g, int nx, int ny, int nz, int multiple) {
  if (multiple < 1 || nx <= 0 || ny <= 0 || nz <= 0)
    return asl_fail(ASL_EINVAL, "pad %dx%dx%d to a multiple of %d: sizes and multiple must be "
                    "positive", nx, ny, nz, multiple);
  g->nx = nx, g->ny = ny, g->nz = nz;
  g->px = round_up(nx, multiple), g->py = round_up(ny, multiple), g->pz = round_up(nz, multiple);
  g->ox = (g->px - nx) / 2, g->oy = (g->py - ny) / 2, g->oz = (g->pz - nz) / 2;
  return ASL_OK;
}

void asl_pad_frame(float *dst, const float *src, const asl_pad_geom *g) {
  memset(dst, 0, (size_t)g->px * g->py * g->pz * sizeof *dst);
  for (int z = 0; z < g->nz; z++)
    for (int y = 0; y < g->ny; y++)
      memcpy(dst + ((size_t)(z + g->oz) * g->py + (y + g->oy)) * g->px + g->ox,
             src + ((size_t)z * g->ny + y) * g->nx, (size_t)g->nx * sizeof *dst);
}

void asl_crop_frame(float *dst, const float *src, const asl_pad_geom *g) {
  for (int z = 0; z < g->nz; z++)
    for (int y = 0; y < g->ny; y++)
      memcpy(dst + ((size_t)z * g->ny + y) * g->nx,
             src + ((size_t)(z + g->oz) * g->py + (y + g->oy)) * g->px + g->ox,
             (size_t)g->nx * sizeof *dst);
}

// Moves the affine's origin by (di, dj, dk) voxels, so that a voxel keeps its
// scanner position when the grid gains or loses a border.
static void shift_affine(asl_vol *v, int di, int dj, int dk) {
  for (int r = 0; r < 3; r++)
    v->affine[r][3] += v->affine[r][0] * di + v->affine[r][1] * dj + v->affine[r][2] * dk;
}

static asl_status copy_geometry_init(asl_vol *out, const asl_vol *in, int nx, int ny, int nz) {
  asl_status s = asl_vol_init(out, nx, ny, nz, in->nt);
  if (s != ASL_OK) return s;
  out->dx = in->dx, out->dy = in->dy, out->dz = in->dz;
  memcpy(out->affine, in->affine, sizeof out->affine);
  return ASL_OK;
}

asl_status asl_pad_vol(asl_vol *out, const asl_vol *in, const asl_pad_geom *g) {
  memset(out, 0, sizeof *out);
  if (in->nx != g->nx || in->ny != g->ny || in->nz != g->nz)
    return asl_fail(ASL_ESHAPE, "pad: image grid %dx%dx%d is not the geometry's %dx%dx%d",
                    in->nx, in->ny, in->nz, g->nx, g->ny, g->nz);
  asl_status s = copy_geometry_init(out, in, g->px, g->py, g->pz);
  if (s != ASL_OK) return s;
  shift_affine(out, -g->ox, -g->oy, -g->oz);
  for (int t = 0; t < in->nt; t++) asl_pad_frame(asl_vol_frame(out, t), asl_vol_frame(in, t), g);
  return ASL_OK;
}

asl_status asl_crop_vol(asl_vol *out, const asl_vol *in, const asl_pad_geom *g) {
  memset(out, 0, sizeof *out);
  if (in->nx != g->px || in->ny != g->py || in->nz != g->pz)
    return asl_fail(ASL_ESHAPE, "crop: image grid %dx%dx%d is not the padded grid %dx%dx%d",
                    in->nx, in->ny, in->nz, g->px, g->py, g->pz);
  asl_status s = copy_geometry_init(out, in, g->nx, g->ny, g->nz);
  if (s != ASL_OK) return s;
  shift_affine(out, g->ox, g->oy, g->oz);
  for (int t = 0; t < in->nt; t++) asl_crop_frame(asl_vol_frame(out, t), asl_vol_frame(in, t), g);
  return ASL_OK;
}
