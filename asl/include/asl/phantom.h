// A realistic ASL phantom written as a BIDS-ASL dataset (docs/data.md has
// the model and its constants). Anatomy comes from the MNI ch2bet template
// and AAL atlas of Debian's mricron-data package; every subject is a random
// smooth deformation of it with its own CBF, noise level, drift and motion.
#ifndef ASL_PHANTOM_H
#define ASL_PHANTOM_H

#include <stdint.h>

#include "asl/volume.h"

typedef struct {
  int subjects;        // number of subjects (sub-01 ...)
  int shape[3];        // grid x, y, z
  int timepoints;      // control/label pairs per subject (2x volumes)
  uint64_t seed;       // every draw derives from (seed, subject id)
  int pasl;            // 1: PASL (Q2TIPS) instead of pCASL
  int hypoperfusion;   // 1: every third subject gets a hypoperfused region
  double noise;        // scale of every subject's noise level (1 = default)
  const char *template_dir; // NULL: /usr/share/mricron/templates
  int threads;         // subjects made in parallel; 0: one per online core (at most 8)
} asl_phantom_opts;

void asl_phantom_defaults(asl_phantom_opts *o);

// Writes the dataset under `outdir` (created if needed), valid raw BIDS:
// dataset_description.json, README, participants.tsv/.json,
// sub-XX/perf/{_asl.nii.gz, _aslcontext.tsv, _asl.json, _m0scan.nii.gz,
// _m0scan.json}, and derivatives/phantom/sub-XX/perf/ with the noise-free CBF
// and deltam, the GM/WM fractions and the brain mask (_desc-brain_mask).
asl_status asl_phantom_write(const asl_phantom_opts *o, const char *outdir);

// The anatomy on the phantom grid, computed once per call: tissue fractions
// (partial volume) and AAL region labels.
typedef struct {
  asl_vol gm, wm, csf; // fractions in [0, 1]
  asl_vol region;      // AAL label (0 outside the atlas)
} asl_phantom_anatomy;

asl_status asl_phantom_anatomy_load(asl_phantom_anatomy *a, const asl_phantom_opts *o);
void asl_phantom_anatomy_free(asl_phantom_anatomy *a);

// One subject in memory.
typedef struct {
  char id[32];
  asl_vol asl;        // 2*timepoints volumes: control, label, control, label ...
  int *vol_type;      // ASL_VOL_CONTROL / ASL_VOL_LABEL per volume
  asl_vol m0, mask;   // 3D
  asl_vol cbf;        // noise-free CBF (ml/100g/min)
  asl_vol deltam;     // noise-free control - label at rest position
  asl_vol gm, wm;     // the subject's deformed tissue fractions
  double noise_sd;    // thermal noise SD of each volume (same units as asl)
  int low_snr;        // 1 when drawn from the low-SNR tier
  int hypoperfused;   // 1 when it has a hypoperfused region
} asl_phantom_subject;

// Subject `index` (0-based; id sub-<index+1, two digits>) of the dataset.
asl_status asl_phantom_subject_make(asl_phantom_subject *s, const asl_phantom_anatomy *a,
                                    const asl_phantom_opts *o, int index);
void asl_phantom_subject_free(asl_phantom_subject *s);

#endif
