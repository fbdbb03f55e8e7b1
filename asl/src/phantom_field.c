// Smooth random fields and image sampling for the phantom.
#include <math.h>

#include "phantom_internal.h"

void ph_field_init(ph_field *f, asl_rng *r, const int shape[3], double max_cycles) {
  for (int w = 0; w < PH_WAVES; w++) {
    for (int a = 0; a < 3; a++) {
      double cycles = (2.0 * asl_rng_uniform(r) - 1.0) * max_cycles;
      f->k[w][a] = 2.0 * PH_PI * cycles / shape[a];
    }
    f->phase[w] = 2.0 * PH_PI * asl_rng_uniform(r);
  }
  // Each cosine has variance 1/2; the sum of PH_WAVES of them is rescaled to 1.
  f->amp = sqrt(2.0 / PH_WAVES);
}

double ph_field_at(const ph_field *f, double x, double y, double z) {
  double s = 0.0;
  for (int w = 0; w < PH_WAVES; w++)
    s += cos(f->k[w][0] * x + f->k[w][1] * y + f->k[w][2] * z + f->phase[w]);
  return f->amp * s;
}

static float at(const asl_vol *v, const float *frame, int x, int y, int z) {
  if (x < 0 || y < 0 || z < 0 || x >= v->nx || y >= v->ny || z >= v->nz) return 0.0f;
  return frame[((size_t)z * v->ny + y) * v->nx + x];
}

float ph_sample(const asl_vol *v, int t, double x, double y, double z) {
  const float *f = asl_vol_frame(v, t);
  double fx = floor(x), fy = floor(y), fz = floor(z);
  int x0 = (int)fx, y0 = (int)fy, z0 = (int)fz;
  if (x0 < -1 || y0 < -1 || z0 < -1 || x0 >= v->nx || y0 >= v->ny || z0 >= v->nz) return 0.0f;
  double ax = x - fx, ay = y - fy, az = z - fz;
  double c00 = at(v, f, x0, y0, z0) * (1 - ax) + at(v, f, x0 + 1, y0, z0) * ax;
  double c10 = at(v, f, x0, y0 + 1, z0) * (1 - ax) + at(v, f, x0 + 1, y0 + 1, z0) * ax;
  double c01 = at(v, f, x0, y0, z0 + 1) * (1 - ax) + at(v, f, x0 + 1, y0, z0 + 1) * ax;
  double c11 = at(v, f, x0, y0 + 1, z0 + 1) * (1 - ax) + at(v, f, x0 + 1, y0 + 1, z0 + 1) * ax;
  double c0 = c00 * (1 - ay) + c10 * ay, c1 = c01 * (1 - ay) + c11 * ay;
  return (float)(c0 * (1 - az) + c1 * az);
}

float ph_sample_nearest(const asl_vol *v, int t, double x, double y, double z) {
  return at(v, asl_vol_frame(v, t), (int)lround(x), (int)lround(y), (int)lround(z));
}
