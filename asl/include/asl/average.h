// Pre-averaging, ground truths and post-averaging of ASL difference series.
//
// Input is a 4D asl_vol of Nt difference (ΔM) volumes, as label-control
// subtraction produces it. Every output is a new asl_vol on the same grid
// and geometry; `out` must not hold memory and is freed with asl_vol_free().
//
// Pre-averaging with Nav (DESIGN.md "ASL processing"):
//   Nt' = Nt - Nt mod Nav time points are used, n = Nt' / Nav images result.
//   windowed:    image g = mean of t = g*Nav .. g*Nav + Nav-1   (g = t / Nav)
//   interleaved: image g = mean of t = g, g+n, g+2n, ...  for t < Nt'
//                (g = t mod n, stride n = Nt'/Nav).
//   For both strategies the dropped points are the trailing Nt mod Nav ones
//   (t >= Nt'): interleaving runs over the first Nt' points, so a scan's last
//   incomplete repetition block is what is discarded, as with windowed.
//   remainder_error = 1 refuses a non-dividing Nav instead of dropping.
//   Nav > Nt is always an error.
// Ground truth: the mean of the first m = max(1, floor(fraction * Nt))
//   time points; fraction 1 is GT100, 0.5 GT50, 0.25 GT25.
// Post-averaging with nav_post: final image f = mean of images
//   f*nav_post .. f*nav_post + nav_post-1 in index order; the trailing
//   n mod nav_post images are dropped (reported in *dropped).
// Sums are accumulated in double.
#ifndef ASL_AVERAGE_H
#define ASL_AVERAGE_H

#include "asl/volume.h"

typedef enum { ASL_WINDOWED = 0, ASL_INTERLEAVED = 1 } asl_strategy;

// "windowed" / "interleaved" (the spec's words) to the enum; ASL_EINVAL else.
asl_status asl_strategy_parse(const char *name, asl_strategy *s);
const char *asl_strategy_name(asl_strategy s);

// Number of images pre-averaging gives (Nt / Nav, rounded down), or a
// negative status when nav < 1 or nav > nt.
int asl_preaverage_count(int nt, int nav);

// out: (nx, ny, nz, Nt'/Nav). *dropped (may be NULL) receives Nt mod Nav;
// when it is not 0 and remainder_error is 0 a warning naming the numbers is
// printed on stderr, so logs show the discarded time points.
asl_status asl_preaverage(asl_vol *out, const asl_vol *deltam, int nav, asl_strategy s,
                          int remainder_error, int *dropped);

// out: (nx, ny, nz, 1), the mean of the first max(1, floor(fraction*Nt))
// time points; fraction in (0, 1].
asl_status asl_ground_truth(asl_vol *out, const asl_vol *deltam, double fraction);
// How many time points asl_ground_truth averages for this Nt and fraction.
int asl_ground_truth_count(int nt, double fraction);

// out: (nx, ny, nz, n / nav_post). nav_post in 1..n; *dropped (may be NULL)
// receives n mod nav_post.
asl_status asl_postaverage(asl_vol *out, const asl_vol *images, int nav_post, int *dropped);

#endif
