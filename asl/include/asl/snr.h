// SNR grouping of subjects (DESIGN.md "SNR groups").
//
// Features per subject: the mean SSIM and mean NMAE of its single-time-point
// ΔM images against its own GT100, scored with asl_metrics (mask if given).
// Across subjects each feature is standardized (z-score; a feature with no
// spread becomes 0), then k-means (Lloyd's iterations, k-means++ seeding
// from asl_rng_seed(seed), so the same seed always gives the same groups)
// splits them. Groups are renumbered by ascending mean SSIM of their
// members: group 0 is the noisiest. Names: k == 2 -> "low", "high";
// otherwise "g0" .. "g<k-1>".
#ifndef ASL_SNR_H
#define ASL_SNR_H

#include <stdint.h>

#include "asl/volume.h"

// deltam: 4D (Nt >= 1); mask: 3D on the same grid or NULL.
asl_status asl_snr_features(const asl_vol *deltam, const asl_vol *mask, double *ssim_mean,
                            double *nmae_mean);

// group[i] in 0..k-1 for n subjects; 1 <= k <= n.
asl_status asl_snr_groups(const double *ssim, const double *nmae, int n, int k, uint64_t seed,
                          int *group);

// k-means on n points of dimension d (row-major), k-means++ seeded; labels
// in 0..k-1 in seeding order (not renumbered). Exposed for tests and tools.
asl_status asl_kmeans(const double *points, int n, int d, int k, uint64_t seed, int *label);

// Name of group g of k; buf must hold ASL_SNR_NAME_MAX chars. Returns buf.
#define ASL_SNR_NAME_MAX 16
const char *asl_snr_group_name(int g, int k, char *buf);
// Inverse of asl_snr_group_name: the group index, or -1 when not a name.
int asl_snr_group_index(const char *name, int k);

#endif
