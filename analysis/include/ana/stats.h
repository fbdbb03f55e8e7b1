// Statistics for ablation tables, on GSL's distribution functions.
//
// Conventions (also in docs/analysis.md):
// - SD is the sample standard deviation (ddof = 1, divisor n - 1), as in
//   papers' mean ± SD; NaN for n < 2.
// - Quantiles interpolate linearly between order statistics (numpy's default,
//   R type 7); IQR = Q3 - Q1.
// - Paired tests use d = x - y. Both match scipy.stats (ttest_rel, wilcoxon
//   with zero_method='wilcox', correction=False, two-sided).
// - Wilcoxon: the exact null distribution when n <= ANA_WILCOXON_EXACT_MAX
//   (scipy's 'auto' rule) and there are no zero and no tied |d|; otherwise the
//   normal approximation, zeros dropped, variance corrected for ties. (scipy
//   1.10 still uses the exact distribution with ties, truncating the rank
//   sum; later scipy and this code switch to the approximation.)
// - Undefined results (too few values, all differences zero) are NaN, not
//   errors: a table prints them as missing.
#ifndef ANA_STATS_H
#define ANA_STATS_H

#include <stdint.h>

#include "asl/status.h"

#define ANA_WILCOXON_EXACT_MAX 50

typedef struct {
  int n;
  double mean, sd, median, q1, q3, iqr;
} ana_summary;

// Summary of x[0..n-1]; NaN values are skipped (n counts the finite ones).
void ana_summarize(const double *x, int n, ana_summary *out);
// Linear-interpolation quantile q in [0, 1] of sorted[0..n-1].
double ana_quantile_sorted(const double *sorted, int n, double q);

typedef struct {
  double statistic; // t, or Wilcoxon's T = min(R+, R-)
  double pvalue;    // two-sided
  double z;         // Wilcoxon normal approximation's z; NaN when exact or t-test
  int n;            // pairs used (Wilcoxon approx: non-zero differences)
  int exact;        // 1 when the exact distribution gave the p-value
} ana_test;

typedef enum { ANA_TEST_WILCOXON = 0, ANA_TEST_TTEST = 1 } ana_test_kind;

// Paired two-sided tests of x[i] vs y[i]. n <= 0 or allocation failure
// returns an error; degenerate samples give NaN fields with ASL_OK.
asl_status ana_ttest_paired(const double *x, const double *y, int n, ana_test *r);
asl_status ana_wilcoxon_paired(const double *x, const double *y, int n, ana_test *r);
asl_status ana_test_paired(ana_test_kind kind, const double *x, const double *y, int n,
                           ana_test *r);

// Holm-Bonferroni adjusted p-values of p[0..n-1] into adj (may alias p).
// NaN p-values are not part of the family (m counts the finite ones) and stay
// NaN.
asl_status ana_holm(const double *p, int n, double *adj);

// Percentile bootstrap confidence interval of the mean of x[0..n-1]:
// `n_boot` resamples with replacement drawn from asl_rng seeded with `seed`,
// interval [(1-level)/2, (1+level)/2] quantiles of the resampled means.
asl_status ana_bootstrap_ci(const double *x, int n, int n_boot, double level, uint64_t seed,
                            double *lo, double *hi);

#endif
