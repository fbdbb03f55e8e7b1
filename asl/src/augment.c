// In-plane augmentation applied alike to every channel (asl/augment.h).
#include "asl/augment.h"

#include <math.h>
#include <string.h>

void asl_aug_identity(asl_aug *a) { memset(a, 0, sizeof *a); }

void asl_aug_draw(asl_aug *a, asl_rng *r, unsigned enabled, int max_shift, int nx, int ny) {
  asl_aug_identity(a);
  // Every draw is made whether or not its part is enabled, so enabling one
  // part never changes what another draws.
  int fx = (int)asl_rng_below(r, 2), fy = (int)asl_rng_below(r, 2);
  int tr = (int)asl_rng_below(r, 2);
  int range = max_shift > 0 ? 2 * max_shift + 1 : 1;
  int sx = (int)asl_rng_below(r, (uint64_t)range) - (max_shift > 0 ? max_shift : 0);
  int sy = (int)asl_rng_below(r, (uint64_t)range) - (max_shift > 0 ? max_shift : 0);
  double angle = -45.0 + 90.0 * asl_rng_uniform(r);
  if (enabled & ASL_AUG_FLIP_X) a->flip_x = fx;
  if (enabled & ASL_AUG_FLIP_Y) a->flip_y = fy;
  if ((enabled & ASL_AUG_TRANSPOSE) && nx == ny) a->transpose = tr;
  if (enabled & ASL_AUG_SHIFT) a->shift_x = sx, a->shift_y = sy;
  if (enabled & ASL_AUG_ROTATE) a->angle_deg = angle;
}

// Reads src at (x, y) with 0 outside the slice.
static inline double at(const float *s, int nx, int ny, int x, int y) {
  return (x < 0 || y < 0 || x >= nx || y >= ny) ? 0.0 : s[(size_t)y * nx + x];
}

// Linear interpolation of src at a real position; neighbours outside are 0.
static float sample(const float *s, int nx, int ny, double x, double y) {
  double fx = floor(x), fy = floor(y);
  int x0 = (int)fx, y0 = (int)fy;
  double ax = x - fx, ay = y - fy;
  if (ax == 0.0 && ay == 0.0) return (float)at(s, nx, ny, x0, y0);
  double v0 = (1 - ax) * at(s, nx, ny, x0, y0) + ax * at(s, nx, ny, x0 + 1, y0);
  double v1 = (1 - ax) * at(s, nx, ny, x0, y0 + 1) + ax * at(s, nx, ny, x0 + 1, y0 + 1);
  return (float)((1 - ay) * v0 + ay * v1);
}

// Maps an output position back through rotation, shift, transpose and the
// flips (the forward order reversed) to the source position.
static void source_of(const asl_aug *a, int nx, int ny, double c, double s, double x, double y,
                      double *sx, double *sy) {
  double cx = 0.5 * (nx - 1), cy = 0.5 * (ny - 1);
  double dx = x - cx, dy = y - cy;
  double u = c * dx + s * dy + cx, v = -s * dx + c * dy + cy; // inverse rotation
  u -= a->shift_x, v -= a->shift_y;
  if (a->transpose) {
    double tmp = u;
    u = v, v = tmp;
  }
  if (a->flip_y) v = (ny - 1) - v;
  if (a->flip_x) u = (nx - 1) - u;
  *sx = u, *sy = v;
}

asl_status asl_aug_apply(float *dst, const float *src, int nx, int ny, int nz, const asl_aug *a) {
  if (a->transpose && nx != ny)
    return asl_fail(ASL_EINVAL,
                    "augmentation: transpose needs square slices, got %dx%d (use square "
                    "patches or disable transpose)",
                    nx, ny);
  double rad = a->angle_deg * (3.14159265358979323846 / 180.0);
  // Exact values for the identity angle, so pure flips/shifts copy exactly.
  double c = a->angle_deg == 0.0 ? 1.0 : cos(rad), s = a->angle_deg == 0.0 ? 0.0 : sin(rad);
  size_t plane = (size_t)nx * ny;
  for (int y = 0; y < ny; y++)
    for (int x = 0; x < nx; x++) {
      double u, v;
      source_of(a, nx, ny, c, s, x, y, &u, &v);
      for (int z = 0; z < nz; z++)
        dst[z * plane + (size_t)y * nx + x] = sample(src + z * plane, nx, ny, u, v);
    }
  return ASL_OK;
}
