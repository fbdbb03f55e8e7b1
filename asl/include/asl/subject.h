// One BIDS-ASL subject in memory: the raw ASL series with its volume types,
// the M0 image and the brain mask, plus the acquisition parameters the
// sidecar gives. docs/data.md describes the accepted layout and the M0 and
// mask rules.
#ifndef ASL_SUBJECT_H
#define ASL_SUBJECT_H

#include "asl/bids.h"
#include "asl/volume.h"

// Volume types of sub-XX_aslcontext.tsv.
enum {
  ASL_VOL_CONTROL = 0,
  ASL_VOL_LABEL = 1,
  ASL_VOL_DELTAM = 2,
  ASL_VOL_M0 = 3,    // "m0scan" inside the ASL series
  ASL_VOL_OTHER = 4  // "cbf", "noRF": read but skipped by asl_subject_deltam
};

// Where the mask came from.
enum { ASL_MASK_NONE = 0, ASL_MASK_FILE, ASL_MASK_FROM_M0, ASL_MASK_FROM_CONTROL };

typedef struct {
  char id[ASL_BIDS_LABEL_MAX + 1]; // scan label: "sub-01", "sub-01_ses-1_run-2" (asl_bids_scan.label)
  char dir[4096];        // the scan's perf/ folder
  char stem[ASL_BIDS_LABEL_MAX + 1]; // file names' stem: "sub-01_ses-1_run-2"
  char mask_path[4200];  // the mask file used (mask_source ASL_MASK_FILE)
  char m0_path[4200];    // the M0 scan file used (M0Type Separate), else ""
  asl_vol asl;           // raw 4D series, nt volumes
  int *vol_type;         // asl.nt entries, ASL_VOL_*
  asl_vol m0;            // 3D M0 image (valid when has_m0)
  int has_m0;
  asl_vol mask;          // 3D, 1 inside the brain, 0 outside (valid when has_mask)
  int has_mask;
  int mask_source;       // ASL_MASK_*
  char labeling_type[16]; // "PCASL", "CASL", "PASL"
  char m0_type[16];       // "Separate", "Included", "Estimate", "Absent"
  double pld;             // PostLabelingDelay (s); PASL: inversion time TI
  double labeling_duration; // LabelingDuration (s); PASL: BolusCutOffDelayTime or 0
  double repetition_time; // RepetitionTime, else RepetitionTimePreparation (s), else 0
  int background_suppression; // 1, 0, or -1 when the sidecar does not say
  int n_skipped;          // volumes of type ASL_VOL_OTHER (skipped with a warning)
  char warnings[512];     // sidecar fields missing that denoising does not need ("" when none)
} asl_subject;

// Loads BIDS_ROOT/SUBJECT_ID/perf/ (subject_id with or without "sub-").
// Checks grids, Nt against aslcontext rows, NaN/Inf, sidecar fields; every
// refusal names the file, the reason and what to do. On failure `s` holds
// nothing.
asl_status asl_subject_load(asl_subject *s, const char *bids_root, const char *subject_id);
// Loads one scan by its label (asl/bids.h: sub-01, sub-01_ses-1_run-2,
// sub-01_pld-1500ms) with the query's PLD choice and masks folder. Sidecars
// are inherited; a multi-delay series keeps the volumes of the chosen delay.
// Masks: <masks>/<sub>/[<ses>/]perf/<stem>_desc-brain_mask.nii[.gz] (or the
// subject/session-level name), else the first ROOT/derivatives/*/ holding
// one; never the raw tree. q may be NULL.
asl_status asl_subject_load_q(asl_subject *s, const char *bids_root, const char *label,
                              const asl_bids_query *q);
void asl_subject_free(asl_subject *s);

// Number of difference volumes asl_subject_deltam will produce.
int asl_subject_n_deltam(const asl_subject *s);

// Difference volumes in time order: each control/label pair (either order,
// adjacent in the series) gives control - label; deltam volumes are taken as
// they are; m0scan volumes are skipped silently, other types with a warning
// on stderr. `deltam` must not hold memory; it gets the ASL grid and Nt
// frames.
asl_status asl_subject_deltam(const asl_subject *s, asl_vol *deltam);

// Brain mask from a positive-valued image (M0 or mean control): voxels above
// ASL_MASK_FRACTION of the robust maximum (98th percentile of the positive
// voxels), then the largest 6-connected component, then holes filled (every
// voxel not reachable from the border through background joins the mask).
#define ASL_MASK_FRACTION 0.2
asl_status asl_mask_from_image(const asl_vol *img, asl_vol *mask);

#endif
