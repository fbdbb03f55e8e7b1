// Applying a trained checkpoint to a new ASL scan (`aslsweep denoise`):
// the same preprocessing as the sweep's infer jobs (docs/denoise.md), read
// from the checkpoint's sidecar `<checkpoint>.json`.
#ifndef RUN_DENOISE_H
#define RUN_DENOISE_H

#include "asl/status.h"

typedef struct {
  const char *checkpoint; // a train job's checkpoint (with its .json sidecar)
  const char *asl; // 4D ASL series (control/label per aslcontext, or deltam)
  const char *aslcontext; // NULL: the BIDS *_aslcontext.tsv beside `asl` if it exists, else deltam
  const char *m0; // NULL: the mean of the series' m0scan volumes, if any
  const char *mask; // NULL: derived from M0, else from the mean control, else none
  const char *out; // output NIfTI: one volume per final image
  int nav_post; // 0: the checkpoint's
  int threads; // engine threads, <= 0: the OpenMP default
} run_denoise_opts;

// What was done, for the command's report line.
typedef struct {
  int n_deltam; // difference images in the scan
  int n_images; // pre-averaged images denoised
  int n_final; // volumes written
  int nav, nav_post;
  int m0; // 1: the model took the M0 channel
  char mask_source[16]; // "file", "from-M0", "from-ctrl" or "none"
} run_denoise_info;

// Runs the whole path; info may be NULL. Bad input (files, shapes, a Nav
// larger than the scan, a missing M0 the model needs) gives ASL_EINVAL,
// ASL_ENOTFOUND, ASL_EFORMAT, ASL_ESHAPE or ASL_ECHECKSUM; ASL_ENOMEM,
// ASL_EIO on writing and ASL_ENUMERIC are run-time failures.
asl_status run_denoise(const run_denoise_opts *o, run_denoise_info *info);
// Loads the checkpoint and its sidecar and checks them against each other,
// as run_denoise does first: for callers that must know the checkpoint is
// usable before they write anything.
asl_status run_denoise_check_checkpoint(const char *checkpoint);


#endif
