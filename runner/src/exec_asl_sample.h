// Inputs of a job for one subject, normalized as DESIGN.md says: each
// image divided by its masked mean (the scale, recorded), its target by the
// same scale, M0 by its own masked mean.
#ifndef RUN_EXEC_ASL_SAMPLE_H
#define RUN_EXEC_ASL_SAMPLE_H

#include "exec_asl.h"
#include "nn/model.h"

typedef struct {
  asl_vol images;  // (nx, ny, nz, n) network inputs before normalization
  double *scale;   // (n) recorded scales
  asl_vol target;  // (nx, ny, nz, n) target / scale[t] per image (train only)
  asl_vol m0;      // 3D M0 / its masked mean (when the job uses M0)
  int has_m0;
  const asl_vol *mask; // the subject's mask or NULL
} exa_sample;

// input: "pre" -> pre-averaged images of the job's strategy and nav, or
// "GT50"/"GT25" -> one ground-truth image. target: NULL for none, else the
// ground truth name whose normalized copy goes with every image.
asl_status exa_sample_make(exa_sample *s, const sweep_plan *p, const sweep_job *jb,
                           const exa_subject *u, const char *input, const char *target);
void exa_sample_free(exa_sample *s);

// Writes channel 0 = image t / scale, channel 1 = M0 (when used) into x
// laid out (C, nz, ny, nx).
void exa_sample_channels(const exa_sample *s, int t, float *x);

// Every image of s through the model on the whole volume, times its scale:
// out gets (nx, ny, nz, n). `stop` (may be NULL) is asked before each image;
// non-zero gives ASL_EINTERRUPTED. `what` names the job or file in messages.
// The runner's infer jobs and `aslsweep denoise` share this path. `unc`
// (NULL: not wanted; ddpm3d models only) gets image 0's per-voxel SD across
// the model's samples.
asl_status exa_sample_denoise(nn_model *m, const exa_sample *s, asl_vol *out, asl_vol *unc,
                              int (*stop)(void *), void *arg, const char *what);

#endif
