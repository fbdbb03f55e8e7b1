// What one output's sidecar records (denoise_bids_json.c writes it).
#ifndef CLI_DENOISE_BIDS_OUT_H
#define CLI_DENOISE_BIDS_OUT_H

#include "denoise_bids.h"

typedef struct {
  char sources[4][4400]; // ASL series, aslcontext, M0 scan, mask file (BIDS URIs)
  int n_sources;
  char m0[4400];         // where M0 came from, in words or a URI
  char mask[4400];       // likewise for the brain mask
  char labeling_type[16], m0_type[16];
  double tr, pld;        // seconds; 0: not known / the whole series
  int nav_post, n_deltam, n_images, n_final;
  double *scales;        // n_scales masked means, one per pre-averaged image
  int n_scales;
  double m0_scale;       // the M0 channel's masked mean, 0 without it
} dbids_out;

asl_status dbids_write_sidecar(const char *path, const dbids_ckpt *ck, const dbids_out *o);

#endif
