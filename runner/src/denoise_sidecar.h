// The checkpoint sidecar: `<checkpoint>.json`, written by every train job
// next to its checkpoint, records the preprocessing a trained model expects
// (pre-averaging strategy and Nav, M0 channel, normalization, target, grid,
// model) so `aslsweep denoise` can apply the model to a new scan the way the
// sweep did (docs/denoise.md).
#ifndef RUN_DENOISE_SIDECAR_H
#define RUN_DENOISE_SIDECAR_H

#include "asl/status.h"
#include "sweep/plan.h"

#define RUN_SIDECAR_FORMAT "aslsweep-checkpoint"
#define RUN_SIDECAR_VERSION 1

typedef struct {
  int version;
  char spec[128]; // the spec's name
  char job[256]; // the train job's key
  char strategy[16]; // "windowed" | "interleaved"
  int nav;
  int nav_post; // 1 for train jobs: final images = pre-averaged images
  int m0; // 1: channel 1 is M0 / its masked mean
  int remainder_error; // 1: a Nav that does not divide Nt is refused
  char train_target[8];
  int grid[3];
  char kind[32]; // the model kind, checked against the checkpoint's
  int in_channels;
  char normalization[32]; // "masked-mean"
} run_sidecar;

// "<ckpt>.json" into out (size n).
void run_sidecar_path(const char *ckpt, char *out, size_t n);
// Writes the sidecar of train job j for checkpoint `ckpt`: `<ckpt>.json.tmp`,
// fsynced, renamed over `<ckpt>.json`.
asl_status run_sidecar_write(const sweep_plan *p, int j, const char *ckpt);
// Reads `<ckpt>.json`; a missing, malformed or incomplete sidecar is
// ASL_ENOTFOUND / ASL_EFORMAT naming the file and the field.
asl_status run_sidecar_read(const char *ckpt, run_sidecar *out);

#endif
