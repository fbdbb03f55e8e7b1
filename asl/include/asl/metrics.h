// Image quality metrics of one 3D volume against a reference, exactly as
// the sweeps score final images (DESIGN.md "Metrics"):
//
//   SSIM: 3D, Gaussian window sigma 1.5 truncated at 3.5 sigma (radius 5,
//         11 taps), K1 0.01, K2 0.03, population covariance, data range R =
//         max-min of the reference inside the mask; both volumes are set to 0
//         outside the mask, filtered separably (scipy.ndimage.gaussian_filter
//         with mode 'reflect', as scikit-image calls it), and the SSIM map is
//         averaged after cropping 5 voxels from every face. This reproduces
//         skimage.metrics.structural_similarity(ref, x, gaussian_weights=True,
//         sigma=1.5, use_sample_covariance=False, data_range=R) on the masked
//         volumes; like it, volumes with a side under 11 voxels are refused.
//   PSNR: 10 log10(R^2 / MSE), MSE over the mask; +inf when MSE is 0.
//   NMAE: mean |pred - ref| / mean |ref| over the mask.
//
// Mask: a 3D volume on the same grid, voxels nonzero = inside; NULL = the
// whole volume. Values are read as float32, every sum is kept in double.
// A reference that is constant inside the mask (R = 0) or zero everywhere
// in it (NMAE undefined) is refused with ASL_ENUMERIC.
#ifndef ASL_METRICS_H
#define ASL_METRICS_H

#include "asl/volume.h"

#define ASL_SSIM_RADIUS 5
#define ASL_SSIM_MIN_SIDE (2 * ASL_SSIM_RADIUS + 1)

typedef struct {
  double ssim, psnr, nmae;
} asl_metrics;

// Workspace for one grid, reused across calls so scoring allocates nothing.
// Only SSIM map voxels at least the radius away from every face are
// averaged, and a separable pass needs input only within the radius of its
// output, so each pass is computed on the cropped range of its own axis and
// never reads past a face: the border mode cannot change the result. The
// passes run plane by plane (z, then y, then x) so the working set stays in
// cache; every buffer is padded so the 4-wide vector loops need no tails.
typedef struct {
  int nx, ny, nz;
  void *buf;                     // one allocation holding everything below
  float *xa, *ya;                // masked reference and prediction, nx*ny*nz
  double *p1[5];                 // one plane after the z pass (nx*ny each)
  double *p2[5];                 // that plane after the y pass (nx*(ny-10))
  double *row;                   // SSIM values of one cropped row
  double w[ASL_SSIM_RADIUS + 1]; // Gaussian taps, w[0] the centre
} asl_metrics_ctx;

// ASL_EINVAL (with the sizes) when a side is under ASL_SSIM_MIN_SIDE.
asl_status asl_metrics_ctx_init(asl_metrics_ctx *c, int nx, int ny, int nz);
void asl_metrics_ctx_free(asl_metrics_ctx *c);

// Frames of the context's grid; mask may be NULL.
asl_status asl_ssim_frame(asl_metrics_ctx *c, const float *ref, const float *pred,
                          const float *mask, double *ssim);
asl_status asl_metrics_frame(asl_metrics_ctx *c, const float *ref, const float *pred,
                             const float *mask, asl_metrics *out);

// PSNR and NMAE alone (no size limit). n voxels, mask may be NULL.
asl_status asl_psnr(const float *ref, const float *pred, const float *mask, size_t n,
                    double *psnr);
asl_status asl_nmae(const float *ref, const float *pred, const float *mask, size_t n,
                    double *nmae);

// Every frame of `images` (4D, on ref's grid) scored against the 3D `ref`,
// as a subject's final images are scored against GT100: per_image[t] (nt
// entries, may be NULL) and their mean (may be NULL). c must be on ref's grid.
asl_status asl_metrics_series(asl_metrics_ctx *c, const asl_vol *images, const asl_vol *ref,
                              const asl_vol *mask, asl_metrics *per_image, asl_metrics *mean);

// Convenience for 3D volumes (nt == 1) with their own temporary context:
// checks that grids agree (ASL_ESHAPE naming both shapes).
asl_status asl_metrics_vol(const asl_vol *ref, const asl_vol *pred, const asl_vol *mask,
                           asl_metrics *out);

#endif
