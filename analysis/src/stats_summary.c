// Descriptive statistics, Holm correction and the bootstrap CI.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ana/stats.h"
#include "asl/rng.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double ana_quantile_sorted(const double *sorted, int n, double q) {
  if (n <= 0) return NAN;
  double h = (n - 1) * q;
  int lo = (int)floor(h);
  if (lo >= n - 1) return sorted[n - 1];
  return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
}

void ana_summarize(const double *x, int n, ana_summary *out) {
  double *v = malloc((n > 0 ? (size_t)n : 1) * sizeof *v);
  int k = 0;
  for (int i = 0; v && i < n; i++)
    if (isfinite(x[i])) v[k++] = x[i];
  out->n = k;
  out->mean = out->sd = out->median = out->q1 = out->q3 = out->iqr = NAN;
  if (!v || k == 0) {
    free(v);
    return;
  }
  double sum = 0;
  for (int i = 0; i < k; i++) sum += v[i];
  out->mean = sum / k;
  if (k > 1) {
    // Two-pass sum of squares: exact enough for metric values near each other.
    double ss = 0;
    for (int i = 0; i < k; i++) ss += (v[i] - out->mean) * (v[i] - out->mean);
    out->sd = sqrt(ss / (k - 1));
  }
  qsort(v, (size_t)k, sizeof *v, cmp_double);
  out->median = ana_quantile_sorted(v, k, 0.5);
  out->q1 = ana_quantile_sorted(v, k, 0.25);
  out->q3 = ana_quantile_sorted(v, k, 0.75);
  out->iqr = out->q3 - out->q1;
  free(v);
}

typedef struct {
  double p;
  int i;
} indexed_p;

static int cmp_indexed(const void *a, const void *b) {
  const indexed_p *x = a, *y = b;
  if (x->p != y->p) return (x->p > y->p) - (x->p < y->p);
  return x->i - y->i;
}

asl_status ana_holm(const double *p, int n, double *adj) {
  indexed_p *s = malloc((n > 0 ? (size_t)n : 1) * sizeof *s);
  if (!s) return asl_fail(ASL_ENOMEM, "Holm correction: out of memory for %d p-values", n);
  int m = 0;
  for (int i = 0; i < n; i++)
    if (isfinite(p[i])) s[m++] = (indexed_p){p[i], i};
  for (int i = 0; i < n; i++)
    if (!isfinite(p[i])) adj[i] = NAN;
  qsort(s, (size_t)m, sizeof *s, cmp_indexed);
  double running = 0;
  for (int k = 0; k < m; k++) {
    // Step-down: the k-th smallest is multiplied by (m - k); the running
    // maximum keeps adjusted values in the order of the raw ones.
    double a = fmin(1.0, (m - k) * s[k].p);
    running = fmax(running, a);
    adj[s[k].i] = running;
  }
  free(s);
  return ASL_OK;
}

asl_status ana_bootstrap_ci(const double *x, int n, int n_boot, double level, uint64_t seed,
                            double *lo, double *hi) {
  if (n <= 0 || n_boot <= 0 || !(level > 0 && level < 1))
    return asl_fail(ASL_EINVAL,
                    "bootstrap: need n > 0 values (got %d), resamples > 0 (got %d) and a level "
                    "in (0, 1) (got %g)",
                    n, n_boot, level);
  double *means = malloc((size_t)n_boot * sizeof *means);
  if (!means) return asl_fail(ASL_ENOMEM, "bootstrap: out of memory for %d resamples", n_boot);
  asl_rng r;
  asl_rng_seed(&r, seed);
  for (int b = 0; b < n_boot; b++) {
    double sum = 0;
    for (int i = 0; i < n; i++) sum += x[asl_rng_below(&r, (uint64_t)n)];
    means[b] = sum / n;
  }
  qsort(means, (size_t)n_boot, sizeof *means, cmp_double);
  *lo = ana_quantile_sorted(means, n_boot, (1.0 - level) / 2.0);
  *hi = ana_quantile_sorted(means, n_boot, (1.0 + level) / 2.0);
  free(means);
  return ASL_OK;
}
