// SNR features, k-means and group naming (asl/snr.h).
#include "asl/snr.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asl/average.h"
#include "asl/metrics.h"
#include "asl/rng.h"

asl_status asl_snr_features(const asl_vol *deltam, const asl_vol *mask, double *ssim_mean,
                            double *nmae_mean) {
  if (mask && (mask->nx != deltam->nx || mask->ny != deltam->ny || mask->nz != deltam->nz))
    return asl_fail(ASL_ESHAPE, "SNR features: mask grid %dx%dx%d differs from ASL %dx%dx%d",
                    mask->nx, mask->ny, mask->nz, deltam->nx, deltam->ny, deltam->nz);
  asl_vol gt;
  asl_status s = asl_ground_truth(&gt, deltam, 1.0);
  if (s != ASL_OK) return s;
  asl_metrics_ctx c;
  s = asl_metrics_ctx_init(&c, deltam->nx, deltam->ny, deltam->nz);
  double ssim_sum = 0.0, nmae_sum = 0.0;
  for (int t = 0; t < deltam->nt && s == ASL_OK; t++) {
    asl_metrics m;
    s = asl_metrics_frame(&c, gt.data, asl_vol_frame(deltam, t), mask ? mask->data : NULL, &m);
    if (s == ASL_OK) ssim_sum += m.ssim, nmae_sum += m.nmae;
  }
  asl_metrics_ctx_free(&c);
  asl_vol_free(&gt);
  if (s != ASL_OK) return s;
  *ssim_mean = ssim_sum / deltam->nt;
  *nmae_mean = nmae_sum / deltam->nt;
  return ASL_OK;
}

static double dist2(const double *a, const double *b, int d) {
  double s = 0.0;
  for (int j = 0; j < d; j++) s += (a[j] - b[j]) * (a[j] - b[j]);
  return s;
}

// k-means++: the first centre uniform, each next one drawn with probability
// proportional to the squared distance to the nearest centre so far.
static void seed_centres(const double *pts, int n, int d, int k, asl_rng *r, double *cen,
                         double *near) {
  int first = (int)asl_rng_below(r, (uint64_t)n);
  memcpy(cen, pts + (size_t)first * d, (size_t)d * sizeof *cen);
  for (int i = 0; i < n; i++) near[i] = dist2(pts + (size_t)i * d, cen, d);
  for (int c = 1; c < k; c++) {
    double total = 0.0;
    for (int i = 0; i < n; i++) total += near[i];
    int pick = n - 1;
    if (total > 0.0) {
      double u = asl_rng_uniform(r) * total, acc = 0.0;
      for (int i = 0; i < n; i++) {
        acc += near[i];
        if (u < acc) {
          pick = i;
          break;
        }
      }
    } else {
      pick = (int)asl_rng_below(r, (uint64_t)n); // all points coincide
    }
    double *cc = cen + (size_t)c * d;
    memcpy(cc, pts + (size_t)pick * d, (size_t)d * sizeof *cc);
    for (int i = 0; i < n; i++) {
      double dd = dist2(pts + (size_t)i * d, cc, d);
      if (dd < near[i]) near[i] = dd;
    }
  }
}

// One Lloyd step: assign each point to its nearest centre (lowest index on a
// tie), then move every non-empty centre to its members' mean. Returns the
// number of labels that changed.
static int lloyd_step(const double *pts, int n, int d, int k, double *cen, int *label,
                      int *count) {
  int changed = 0;
  for (int i = 0; i < n; i++) {
    int best = 0;
    double bd = DBL_MAX;
    for (int c = 0; c < k; c++) {
      double dd = dist2(pts + (size_t)i * d, cen + (size_t)c * d, d);
      if (dd < bd) bd = dd, best = c;
    }
    if (label[i] != best) changed++, label[i] = best;
  }
  memset(count, 0, (size_t)k * sizeof *count);
  for (int i = 0; i < n; i++) count[label[i]]++;
  for (int c = 0; c < k; c++) {
    if (count[c] == 0) continue; // an empty cluster keeps its centre
    double *cc = cen + (size_t)c * d;
    memset(cc, 0, (size_t)d * sizeof *cc);
    for (int i = 0; i < n; i++)
      if (label[i] == c)
        for (int j = 0; j < d; j++) cc[j] += pts[(size_t)i * d + j];
    for (int j = 0; j < d; j++) cc[j] /= count[c];
  }
  return changed;
}

asl_status asl_kmeans(const double *pts, int n, int d, int k, uint64_t seed, int *label) {
  if (n < 1 || d < 1 || k < 1 || k > n)
    return asl_fail(ASL_EINVAL, "k-means: %d groups from %d subjects is not possible (need "
                    "1 <= k <= number of subjects)", k, n);
  double *cen = malloc((size_t)k * d * sizeof *cen);
  double *near = malloc((size_t)n * sizeof *near);
  int *count = malloc((size_t)k * sizeof *count);
  if (!cen || !near || !count) {
    free(cen), free(near), free(count);
    return asl_fail(ASL_ENOMEM, "k-means on %d points: out of memory", n);
  }
  asl_rng r;
  asl_rng_seed(&r, seed);
  seed_centres(pts, n, d, k, &r, cen, near);
  for (int i = 0; i < n; i++) label[i] = -1;
  // Lloyd's iterations converge in a handful of steps on subject counts; the
  // cap only bounds a pathological oscillation.
  for (int it = 0; it < 300; it++)
    if (lloyd_step(pts, n, d, k, cen, label, count) == 0) break;
  free(cen), free(near), free(count);
  return ASL_OK;
}

// z-score of n values in place; no spread -> all 0.
static void standardize(double *v, int n) {
  double mean = 0.0, var = 0.0;
  for (int i = 0; i < n; i++) mean += v[i];
  mean /= n;
  for (int i = 0; i < n; i++) var += (v[i] - mean) * (v[i] - mean);
  double sd = sqrt(var / n);
  for (int i = 0; i < n; i++) v[i] = sd > 0.0 ? (v[i] - mean) / sd : 0.0;
}

// Renumbers labels so that group 0 has the lowest mean SSIM.
static void order_by_ssim(const double *ssim, int n, int k, int *group, double *mean, int *rank) {
  for (int c = 0; c < k; c++) {
    double s = 0.0;
    int m = 0;
    for (int i = 0; i < n; i++)
      if (group[i] == c) s += ssim[i], m++;
    mean[c] = m ? s / m : DBL_MAX; // empty groups sort last
  }
  for (int c = 0; c < k; c++) {
    rank[c] = 0;
    for (int o = 0; o < k; o++)
      if (mean[o] < mean[c] || (mean[o] == mean[c] && o < c)) rank[c]++;
  }
  for (int i = 0; i < n; i++) group[i] = rank[group[i]];
}

asl_status asl_snr_groups(const double *ssim, const double *nmae, int n, int k, uint64_t seed,
                          int *group) {
  if (n < 1 || k < 1 || k > n)
    return asl_fail(ASL_EINVAL, "SNR groups: %d groups from %d subjects is not possible (need "
                    "1 <= k <= number of subjects)", k, n);
  double *pts = malloc((size_t)n * 2 * sizeof *pts), *col = malloc((size_t)n * sizeof *col);
  double *mean = malloc((size_t)k * sizeof *mean);
  int *rank = malloc((size_t)k * sizeof *rank);
  asl_status s = ASL_OK;
  if (!pts || !col || !mean || !rank) {
    s = asl_fail(ASL_ENOMEM, "SNR groups of %d subjects: out of memory", n);
    goto done;
  }
  for (int f = 0; f < 2; f++) {
    const double *src = f == 0 ? ssim : nmae;
    for (int i = 0; i < n; i++) {
      if (!isfinite(src[i])) {
        s = asl_fail(ASL_ENUMERIC, "SNR groups: subject %d has %s = %g", i,
                     f == 0 ? "SSIM" : "NMAE", src[i]);
        goto done;
      }
      col[i] = src[i];
    }
    standardize(col, n);
    for (int i = 0; i < n; i++) pts[2 * i + f] = col[i];
  }
  s = asl_kmeans(pts, n, 2, k, seed, group);
  if (s == ASL_OK) order_by_ssim(ssim, n, k, group, mean, rank);
done:
  free(pts), free(col), free(mean), free(rank);
  return s;
}

const char *asl_snr_group_name(int g, int k, char *buf) {
  if (k == 2 && (g == 0 || g == 1))
    snprintf(buf, ASL_SNR_NAME_MAX, "%s", g == 0 ? "low" : "high");
  else
    snprintf(buf, ASL_SNR_NAME_MAX, "g%d", g);
  return buf;
}

int asl_snr_group_index(const char *name, int k) {
  char buf[ASL_SNR_NAME_MAX];
  for (int g = 0; g < k; g++)
    if (strcmp(name, asl_snr_group_name(g, k, buf)) == 0) return g;
  return -1;
}
