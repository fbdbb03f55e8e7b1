// The phantom's ASL time series: kinetic-model signal on a background-
// suppressed static tissue signal, with slow drift, physiological
// fluctuation, small motion and thermal noise (docs/data.md).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "asl/subject.h"
#include "phantom_internal.h"

// Per-run draws of one subject.
typedef struct {
  double drift1, drift2; // static signal drift: linear and quadratic in run time
  double trend;          // perfusion change from the start to the end of the run
  double wave_amp, wave_cycles, wave_phase; // slow perfusion oscillation over the run
  double pos[3], theta;  // motion: translation (voxels) and in-plane rotation (rad)
  int jump_at;           // volume at which the subject shifts position (-1: never)
  double jump[3];        // that shift (voxels)
} run_state;

// Two standard normals per call (Marsaglia's polar method: no trigonometry,
// both outputs used; the noise generator is the phantom's hot loop).
static void normal2(asl_rng *r, double *a, double *b) {
  double u, v, q;
  do {
    u = 2.0 * asl_rng_uniform(r) - 1.0;
    v = 2.0 * asl_rng_uniform(r) - 1.0;
    q = u * u + v * v;
  } while (q >= 1.0 || q == 0.0);
  double m = sqrt(-2.0 * log(q) / q);
  *a = u * m, *b = v * m;
}

double ph_deltam_per_cbf(const asl_phantom_opts *o) {
  // White paper single-compartment model; CBF in ml/100g/min -> /6000 gives ml/g/s.
  if (o->pasl) return 2.0 * PH_ALPHA_PASL * PH_TI1 * exp(-PH_TI / PH_T1B) / (6000.0 * PH_LAMBDA);
  return 2.0 * PH_ALPHA_PCASL * PH_T1B * exp(-PH_PLD / PH_T1B) * (1.0 - exp(-PH_TAU / PH_T1B)) /
         (6000.0 * PH_LAMBDA);
}

// The volume at rest position: static signal with drift and fluctuation,
// minus the labeled-blood signal for label volumes.
static void rest_frame(float *out, const asl_vol *stat, const asl_vol *dm, const run_state *rs,
                       asl_rng *r, double tau, int is_label, double pair_fluct) {
  size_t n = asl_vol_nvox(stat);
  double g1, g2;
  normal2(r, &g1, &g2);
  double scale = 1.0 + rs->drift1 * tau + rs->drift2 * tau * tau + 0.004 * g1;
  double wave = rs->wave_amp * sin(2.0 * PH_PI * rs->wave_cycles * (tau + 0.5) + rs->wave_phase);
  double perf = (1.0 + rs->trend * tau + wave) * (1.0 + 0.1 * pair_fluct);
  double e = 0.0, spare = 0.0;
  int have = 0;
  for (size_t k = 0; k < n; k++) {
    if (stat->data[k] == 0.0f) { // outside the head: no tissue, no fluctuation
      out[k] = 0.0f;
      continue;
    }
    if (!have) normal2(r, &e, &spare), have = 1;
    else e = spare, have = 0;
    double s = stat->data[k] * scale * (1.0 + 0.01 * e);
    out[k] = (float)(s - (is_label ? dm->data[k] * perf : 0.0));
  }
}

// Moves the rest frame by the current motion and adds thermal noise.
static void move_and_noise(float *out, const asl_vol *rest, const run_state *rs, asl_rng *r, double sd) {
  double c[3] = {0.5 * (rest->nx - 1), 0.5 * (rest->ny - 1), 0.5 * (rest->nz - 1)};
  double ct = cos(rs->theta), st = sin(rs->theta);
  size_t i = 0;
  double spare = 0.0;
  for (int z = 0; z < rest->nz; z++)
    for (int y = 0; y < rest->ny; y++)
      for (int x = 0; x < rest->nx; x++, i++) {
        double dx = x - c[0], dy = y - c[1];
        double sx = c[0] + ct * dx - st * dy + rs->pos[0];
        double sy = c[1] + st * dx + ct * dy + rs->pos[1];
        double noise;
        if (i % 2 == 0) normal2(r, &noise, &spare);
        else noise = spare;
        out[i] = ph_sample(rest, 0, sx, sy, z + rs->pos[2]) + (float)(sd * noise);
      }
}

static void step_motion(run_state *rs, asl_rng *r, int v) {
  double a, b, c, d;
  normal2(r, &a, &b);
  normal2(r, &c, &d);
  if (v == rs->jump_at)
    for (int k = 0; k < 3; k++) rs->pos[k] += rs->jump[k];
  rs->pos[0] += 0.04 * a, rs->pos[1] += 0.04 * b, rs->pos[2] += 0.02 * c;
  rs->theta += 0.002 * d;
}

asl_status ph_make_series(asl_phantom_subject *s, const asl_phantom_opts *o, asl_rng *r,
                          const asl_vol *stat) {
  int pairs = o->timepoints, nt = 2 * pairs;
  asl_vol rest;
  asl_status st = asl_vol_init_like(&s->asl, stat, nt);
  if (st == ASL_OK) st = asl_vol_init_like(&rest, stat, 1);
  if (st != ASL_OK) return st;
  s->vol_type = malloc((size_t)nt * sizeof *s->vol_type);
  if (!s->vol_type) {
    asl_vol_free(&rest);
    return asl_fail(ASL_ENOMEM, "phantom: out of memory");
  }
  run_state rs = {0};
  double g;
  normal2(r, &rs.drift1, &rs.drift2);
  rs.drift1 *= 0.02, rs.drift2 *= 0.02;
  // Slow changes that windowed averaging keeps and interleaved averaging
  // spreads out: a perfusion trend (up to +-15% from the middle of the run),
  // a slow oscillation of 1-3 cycles per run (vasomotion, 5-15%), and, in
  // half the subjects, one sudden head shift of up to a voxel.
  rs.trend = 0.6 * (asl_rng_uniform(r) - 0.5);
  rs.wave_amp = 0.05 + 0.1 * asl_rng_uniform(r);
  rs.wave_cycles = 1.0 + 2.0 * asl_rng_uniform(r);
  rs.wave_phase = 2.0 * PH_PI * asl_rng_uniform(r);
  rs.jump_at = asl_rng_uniform(r) < 0.5 ? (int)asl_rng_below(r, (uint64_t)nt) : -1;
  for (int k = 0; k < 3; k++) rs.jump[k] = (k == 2 ? 0.5 : 1.0) * (2.0 * asl_rng_uniform(r) - 1.0);
  double pair_fluct = 0.0;
  for (int v = 0; v < nt; v++) {
    int is_label = v % 2;
    double tau = pairs > 1 ? (v / 2) / (double)(pairs - 1) - 0.5 : 0.0;
    if (!is_label) normal2(r, &pair_fluct, &g);
    s->vol_type[v] = is_label ? ASL_VOL_LABEL : ASL_VOL_CONTROL;
    rest_frame(rest.data, stat, &s->deltam, &rs, r, tau, is_label, pair_fluct);
    step_motion(&rs, r, v);
    move_and_noise(asl_vol_frame(&s->asl, v), &rest, &rs, r, s->noise_sd);
  }
  asl_vol_free(&rest);
  return ASL_OK;
}
