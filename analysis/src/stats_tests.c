// Paired t-test and Wilcoxon signed-rank test (scipy.stats conventions).
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ana/stats.h"

static void nan_result(ana_test *r, int n) {
  r->statistic = r->pvalue = r->z = NAN;
  r->n = n;
  r->exact = 0;
}

asl_status ana_ttest_paired(const double *x, const double *y, int n, ana_test *r) {
  if (n <= 0) return asl_fail(ASL_EINVAL, "paired t-test: no pairs");
  nan_result(r, n);
  if (n < 2) return ASL_OK;
  double mean = 0, ss = 0;
  for (int i = 0; i < n; i++) mean += x[i] - y[i];
  mean /= n;
  for (int i = 0; i < n; i++) ss += (x[i] - y[i] - mean) * (x[i] - y[i] - mean);
  double se = sqrt(ss / (n - 1) / n);
  if (se == 0) {
    // Constant differences: t is ±inf (p = 0) unless they are all zero.
    if (mean == 0) return ASL_OK;
    r->statistic = mean > 0 ? INFINITY : -INFINITY;
    r->pvalue = 0;
    return ASL_OK;
  }
  r->statistic = mean / se;
  r->pvalue = 2.0 * gsl_cdf_tdist_Q(fabs(r->statistic), n - 1);
  return ASL_OK;
}

typedef struct {
  double a; // |d|
  double d;
} absdiff;

static int cmp_abs(const void *p, const void *q) {
  double x = ((const absdiff *)p)->a, y = ((const absdiff *)q)->a;
  return (x > y) - (x < y);
}

// Two-sided exact p-value of R+ = rplus for n untied non-zero differences:
// the null distribution of R+ by dynamic programming over ranks 1..n.
static double exact_pvalue(int n, int rplus) {
  int top = n * (n + 1) / 2;
  double *pmf = calloc((size_t)top + 1, sizeof *pmf);
  if (!pmf) return NAN;
  pmf[0] = 1.0;
  for (int k = 1; k <= n; k++)
    for (int s = k * (k + 1) / 2; s >= 0; s--) pmf[s] = 0.5 * pmf[s] + (s >= k ? 0.5 * pmf[s - k] : 0);
  double p;
  if (rplus == top / 2) {
    p = 1.0; // the centre of the distribution (scipy's convention)
  } else {
    double less = 0, greater = 0;
    for (int s = 0; s <= rplus; s++) less += pmf[s];
    for (int s = rplus; s <= top; s++) greater += pmf[s];
    p = fmin(1.0, 2.0 * fmin(less, greater));
  }
  free(pmf);
  return p;
}

// Ranks the sorted |d| with average ranks for ties; returns R+, R- and the
// tie correction sum of t(t^2 - 1).
static void rank_sums(const absdiff *s, int m, double *rplus, double *rminus, double *ties) {
  *rplus = *rminus = *ties = 0;
  for (int i = 0; i < m;) {
    int j = i;
    while (j + 1 < m && s[j + 1].a == s[i].a) j++;
    double t = j - i + 1, rank = (i + j) / 2.0 + 1.0;
    *ties += t * (t * t - 1);
    for (int k = i; k <= j; k++) {
      if (s[k].d > 0) *rplus += rank;
      else if (s[k].d < 0) *rminus += rank;
    }
    i = j + 1;
  }
}

asl_status ana_wilcoxon_paired(const double *x, const double *y, int n, ana_test *r) {
  if (n <= 0) return asl_fail(ASL_EINVAL, "Wilcoxon signed-rank test: no pairs");
  nan_result(r, n);
  absdiff *s = malloc((size_t)n * sizeof *s);
  if (!s) return asl_fail(ASL_ENOMEM, "Wilcoxon signed-rank test: out of memory (%d pairs)", n);
  int m = 0, zeros = 0;
  for (int i = 0; i < n; i++) {
    double d = x[i] - y[i];
    if (d == 0) zeros++;
    else s[m++] = (absdiff){fabs(d), d}; // 'wilcox': zero differences are dropped
  }
  qsort(s, (size_t)m, sizeof *s, cmp_abs);
  double rplus, rminus, ties;
  rank_sums(s, m, &rplus, &rminus, &ties);
  free(s);
  r->n = m;
  if (m == 0) return ASL_OK; // all differences zero: no test
  r->statistic = fmin(rplus, rminus);
  if (n <= ANA_WILCOXON_EXACT_MAX && zeros == 0 && ties == 0) {
    r->exact = 1;
    r->pvalue = exact_pvalue(m, (int)rplus);
    if (isnan(r->pvalue)) return asl_fail(ASL_ENOMEM, "Wilcoxon exact test: out of memory");
    return ASL_OK;
  }
  double mn = m * (m + 1.0) * 0.25;
  double var = (m * (m + 1.0) * (2.0 * m + 1.0) - 0.5 * ties) / 24.0;
  r->z = (r->statistic - mn) / sqrt(var);
  r->pvalue = 2.0 * gsl_cdf_ugaussian_Q(fabs(r->z));
  return ASL_OK;
}

asl_status ana_test_paired(ana_test_kind kind, const double *x, const double *y, int n,
                           ana_test *r) {
  return kind == ANA_TEST_TTEST ? ana_ttest_paired(x, y, n, r) : ana_wilcoxon_paired(x, y, n, r);
}
