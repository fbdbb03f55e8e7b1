// Pre-averaging, ground truths and post-averaging (definitions in
// asl/average.h).
#include "asl/average.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

asl_status asl_strategy_parse(const char *name, asl_strategy *s) {
  if (name && strcmp(name, "windowed") == 0) {
    *s = ASL_WINDOWED;
    return ASL_OK;
  }
  if (name && strcmp(name, "interleaved") == 0) {
    *s = ASL_INTERLEAVED;
    return ASL_OK;
  }
  return asl_fail(ASL_EINVAL, "averaging strategy '%s': use 'windowed' or 'interleaved'",
                  name ? name : "(null)");
}

const char *asl_strategy_name(asl_strategy s) {
  return s == ASL_INTERLEAVED ? "interleaved" : "windowed";
}

int asl_preaverage_count(int nt, int nav) {
  if (nav < 1 || nt < 1 || nav > nt) return ASL_EINVAL;
  return nt / nav;
}

// dst = mean of the frames src[idx[0..m-1]], summed in double.
static asl_status mean_of_frames(float *dst, const asl_vol *src, const int *idx, int m) {
  size_t nv = asl_vol_nvox(src);
  double *acc = calloc(nv, sizeof *acc);
  if (!acc) return asl_fail(ASL_ENOMEM, "averaging %zu voxels: out of memory", nv);
  for (int i = 0; i < m; i++) {
    const float *f = asl_vol_frame(src, idx[i]);
    for (size_t v = 0; v < nv; v++) acc[v] += f[v];
  }
  for (size_t v = 0; v < nv; v++) dst[v] = (float)(acc[v] / m);
  free(acc);
  return ASL_OK;
}

// Averages n_out groups of `size` frames; frame j of group g is
// first(g) + j*step, i.e. start = g*start_mul, step given.
static asl_status average_groups(asl_vol *out, const asl_vol *src, int n_out, int size,
                                 int start_mul, int step) {
  asl_status s = asl_vol_init_like(out, src, n_out);
  if (s != ASL_OK) return s;
  int *idx = malloc((size_t)size * sizeof *idx);
  if (!idx) {
    asl_vol_free(out);
    return asl_fail(ASL_ENOMEM, "averaging: out of memory");
  }
  for (int g = 0; g < n_out && s == ASL_OK; g++) {
    for (int j = 0; j < size; j++) idx[j] = g * start_mul + j * step;
    s = mean_of_frames(asl_vol_frame(out, g), src, idx, size);
  }
  free(idx);
  if (s != ASL_OK) asl_vol_free(out);
  return s;
}

asl_status asl_preaverage(asl_vol *out, const asl_vol *deltam, int nav, asl_strategy strat,
                          int remainder_error, int *dropped) {
  memset(out, 0, sizeof *out);
  int nt = deltam->nt;
  if (nav < 1 || nav > nt)
    return asl_fail(ASL_EINVAL,
                    "pre-averaging: Nav = %d is not possible with %d time points "
                    "(use 1 <= Nav <= Nt)",
                    nav, nt);
  int rem = nt % nav, n_out = nt / nav;
  if (dropped) *dropped = rem;
  if (rem && remainder_error)
    return asl_fail(ASL_EINVAL,
                    "pre-averaging: Nav = %d does not divide Nt = %d (remainder %d) and "
                    "remainder is 'error'; choose a divisor of %d or set remainder: drop",
                    nav, nt, rem, nt);
  if (rem)
    fprintf(stderr,
            "warning: pre-averaging Nt = %d with Nav = %d drops the last %d time point%s\n", nt,
            nav, rem, rem == 1 ? "" : "s");
  if (strat == ASL_WINDOWED) return average_groups(out, deltam, n_out, nav, nav, 1);
  return average_groups(out, deltam, n_out, nav, 1, n_out);
}

int asl_ground_truth_count(int nt, double fraction) {
  // The small epsilon keeps 0.3 * 10 from flooring to 2.
  int m = (int)floor(fraction * nt + 1e-9);
  return m < 1 ? 1 : (m > nt ? nt : m);
}

asl_status asl_ground_truth(asl_vol *out, const asl_vol *deltam, double fraction) {
  memset(out, 0, sizeof *out);
  if (!(fraction > 0.0 && fraction <= 1.0))
    return asl_fail(ASL_EINVAL, "ground truth fraction %g: use a value in (0, 1] (1 = GT100)",
                    fraction);
  int m = asl_ground_truth_count(deltam->nt, fraction);
  return average_groups(out, deltam, 1, m, 0, 1);
}

asl_status asl_postaverage(asl_vol *out, const asl_vol *images, int nav_post, int *dropped) {
  memset(out, 0, sizeof *out);
  int n = images->nt;
  if (nav_post < 1 || nav_post > n)
    return asl_fail(ASL_EINVAL,
                    "post-averaging: Nav_post = %d is not possible with %d images "
                    "(use 1 <= Nav_post <= %d)",
                    nav_post, n, n);
  if (dropped) *dropped = n % nav_post;
  return average_groups(out, images, n / nav_post, nav_post, nav_post, 1);
}
