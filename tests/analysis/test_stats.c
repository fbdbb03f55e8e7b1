// analysis/ statistics against scipy/numpy values (stats_fixture.txt, written
// by make_stats_fixtures.py), plus properties of the bootstrap CI.
#include <math.h>
#include <stdlib.h>

#include "ana/stats.h"
#include "harness.h"

#define REL_CLOSED 1e-9 // closed forms: mean, SD, quantiles, t, T
#define REL_P 1e-6      // p-values

static void assert_rel(double expected, double actual, double rel, const char *what, int line) {
  double tol = rel * fabs(expected) + 1e-300;
  if (!(fabs(expected - actual) <= tol))
    HARNESS_FAIL("fixture line %d %s: expected %.17g, got %.17g", line, what, expected, actual);
}

static int read_doubles(FILE *f, double *out, int n) {
  for (int i = 0; i < n; i++)
    if (fscanf(f, "%lf", &out[i]) != 1) return 0;
  return 1;
}

static FILE *open_fixture(void) {
  char path[1024];
  const char *src = getenv("ASLSWEEP_SOURCE_DIR");
  snprintf(path, sizeof path, "%s/tests/analysis/stats_fixture.txt", src ? src : ".");
  return fopen(path, "r");
}

static void check_case(FILE *f, const char *kind, int n, int line, int *counts) {
  double x[128], y[128], e[128];
  ASSERT(n > 0 && n <= 64);
  if (strcmp(kind, "summary") == 0) {
    ASSERT(read_doubles(f, x, n) && read_doubles(f, e, 5));
    ana_summary s;
    ana_summarize(x, n, &s);
    ASSERT_EQ(n, s.n);
    assert_rel(e[0], s.mean, REL_CLOSED, "mean", line);
    assert_rel(e[1], s.sd, REL_CLOSED, "sd", line);
    assert_rel(e[2], s.median, REL_CLOSED, "median", line);
    assert_rel(e[3], s.q1, REL_CLOSED, "q1", line);
    assert_rel(e[4], s.q3, REL_CLOSED, "q3", line);
    counts[0]++;
  } else if (strcmp(kind, "ttest") == 0 || strcmp(kind, "wilcoxon") == 0) {
    int w = kind[0] == 'w';
    ASSERT(read_doubles(f, x, n) && read_doubles(f, y, n) && read_doubles(f, e, w ? 3 : 2));
    ana_test r;
    ASSERT_OK(w ? ana_wilcoxon_paired(x, y, n, &r) : ana_ttest_paired(x, y, n, &r));
    assert_rel(e[0], r.statistic, REL_CLOSED, "statistic", line);
    assert_rel(e[1], r.pvalue, REL_P, "p-value", line);
    if (w) ASSERT_EQ((int)e[2], r.exact);
    counts[w ? 2 : 1]++;
  } else if (strcmp(kind, "holm") == 0) {
    ASSERT(read_doubles(f, x, n) && read_doubles(f, e, n));
    ASSERT_OK(ana_holm(x, n, y));
    for (int i = 0; i < n; i++) assert_rel(e[i], y[i], REL_CLOSED, "holm", line);
    counts[3]++;
  } else {
    HARNESS_FAIL("fixture line %d: unknown kind %s", line, kind);
  }
}

TEST(statistics_match_scipy_fixture) {
  FILE *f = open_fixture();
  ASSERT(f != NULL);
  char kind[32];
  int n, line = 1, counts[4] = {0};
  int c;
  while ((c = fgetc(f)) == '#')
    while ((c = fgetc(f)) != '\n' && c != EOF) {}
  if (c != EOF) ungetc(c, f);
  while (fscanf(f, "%31s %d", kind, &n) == 2) {
    line++;
    check_case(f, kind, n, line, counts);
  }
  fclose(f);
  // Every kind is present and the exact and approximate Wilcoxon paths ran.
  ASSERT(counts[0] >= 5 && counts[1] >= 5 && counts[2] >= 10 && counts[3] >= 3);
}

TEST(wilcoxon_chooses_exact_only_without_ties_or_zeros) {
  double x[6] = {1, 2, 3, 4, 5, 6}, y[6] = {0.5, 2.4, 2.0, 3.1, 4.7, 5.85};
  ana_test r;
  ASSERT_OK(ana_wilcoxon_paired(x, y, 6, &r));
  ASSERT_EQ(1, r.exact);
  y[1] = 2; // a zero difference
  ASSERT_OK(ana_wilcoxon_paired(x, y, 6, &r));
  ASSERT_EQ(0, r.exact);
  ASSERT_EQ(5, r.n);
  // All differences zero: no test, NaN.
  ASSERT_OK(ana_wilcoxon_paired(x, x, 6, &r));
  ASSERT(isnan(r.pvalue));
}

TEST(ttest_degenerate_samples_give_nan_or_zero) {
  double x[3] = {1, 2, 3}, y[3] = {0, 1, 2};
  ana_test r;
  ASSERT_OK(ana_ttest_paired(x, y, 3, &r)); // constant difference 1
  ASSERT(isinf(r.statistic));
  ASSERT_NEAR(0, r.pvalue, 0);
  ASSERT_OK(ana_ttest_paired(x, y, 1, &r));
  ASSERT(isnan(r.pvalue));
  ASSERT_EQ(ASL_EINVAL, ana_ttest_paired(x, y, 0, &r));
}

TEST(holm_skips_nan_pvalues) {
  double p[4] = {0.01, NAN, 0.04, 0.02}, adj[4];
  ASSERT_OK(ana_holm(p, 4, adj));
  ASSERT_NEAR(0.03, adj[0], 1e-15);
  ASSERT(isnan(adj[1]));
  ASSERT_NEAR(0.04, adj[2], 1e-15);
  ASSERT_NEAR(0.04, adj[3], 1e-15);
}

TEST(bootstrap_ci_is_seeded_and_brackets_the_mean) {
  double x[20];
  for (int i = 0; i < 20; i++) x[i] = 0.6 + 0.01 * ((i * 7) % 11);
  ana_summary s;
  ana_summarize(x, 20, &s);
  double lo, hi, lo2, hi2, lo3, hi3;
  ASSERT_OK(ana_bootstrap_ci(x, 20, 2000, 0.95, 42, &lo, &hi));
  ASSERT_OK(ana_bootstrap_ci(x, 20, 2000, 0.95, 42, &lo2, &hi2));
  ASSERT_NEAR(lo, lo2, 0);
  ASSERT_NEAR(hi, hi2, 0);
  ASSERT(lo < s.mean && s.mean < hi);
  // The percentile interval of the mean is about mean ± 1.96 SD/sqrt(n).
  double half = 1.96 * s.sd / sqrt(20.0);
  ASSERT_NEAR(half, (hi - lo) / 2, 0.25 * half);
  ASSERT_OK(ana_bootstrap_ci(x, 20, 2000, 0.95, 43, &lo3, &hi3));
  ASSERT(lo3 != lo || hi3 != hi);
  ASSERT_OK(ana_bootstrap_ci(x, 20, 2000, 0.5, 42, &lo3, &hi3));
  ASSERT(lo3 > lo && hi3 < hi);
  double c[3] = {0.7, 0.7, 0.7};
  ASSERT_OK(ana_bootstrap_ci(c, 3, 100, 0.95, 1, &lo, &hi));
  ASSERT_NEAR(0.7, lo, 1e-15);
  ASSERT_NEAR(0.7, hi, 1e-15);
  ASSERT_EQ(ASL_EINVAL, ana_bootstrap_ci(c, 3, 100, 1.5, 1, &lo, &hi));
}

TEST(summary_skips_nan_and_uses_sample_sd) {
  double x[5] = {1, NAN, 2, 3, 4};
  ana_summary s;
  ana_summarize(x, 5, &s);
  ASSERT_EQ(4, s.n);
  ASSERT_NEAR(2.5, s.mean, 1e-15);
  ASSERT_NEAR(sqrt(5.0 / 3.0), s.sd, 1e-15);
  ASSERT_NEAR(1.75, s.q1, 1e-15);
  ASSERT_NEAR(1.5, s.iqr, 1e-15);
  ana_summarize(x, 1, &s);
  ASSERT_EQ(1, s.n);
  ASSERT(isnan(s.sd));
}

int main(void) {
  RUN(statistics_match_scipy_fixture);
  RUN(wilcoxon_chooses_exact_only_without_ties_or_zeros);
  RUN(ttest_degenerate_samples_give_nan_or_zero);
  RUN(holm_skips_nan_pvalues);
  RUN(bootstrap_ci_is_seeded_and_brackets_the_mean);
  RUN(summary_skips_nan_and_uses_sample_sd);
  return DONE();
}
