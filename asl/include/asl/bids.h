// BIDS-ASL pieces: listing subjects, the aslcontext.tsv table and the
// sub-XX_asl.json sidecar. asl/subject.h puts them together.
#ifndef ASL_BIDS_H
#define ASL_BIDS_H

#include <stddef.h>
#include <stdint.h>

#include "asl/status.h"

// Longest subject id ("sub-<label>") aslsweep stores: ids live in fixed
// 32-byte fields.
#define ASL_BIDS_ID_MAX 31

// Sorted ids ("sub-01", ...) of every ROOT/sub-*/ folder that has a perf/
// folder. *ids is NULL and *n is 0 when there are none (that is not an error;
// a missing or unreadable root is, and so is an id longer than
// ASL_BIDS_ID_MAX: ASL_EFORMAT naming the folder).
asl_status asl_bids_list_subjects(const char *root, char ***ids, int *n);
void asl_bids_free_list(char **ids, int n);

// Parses aslcontext.tsv text: a header row whose columns include
// "volume_type", then one row per volume. Types (case-insensitive): control,
// label, deltam, m0scan, cbf, noRF -> ASL_VOL_* of asl/subject.h. CRLF and a
// missing final newline are accepted; blank rows only at the end. *types is
// malloc'ed (caller frees); `name` prefixes messages (file:line).
asl_status asl_bids_parse_aslcontext(const char *text, size_t len, const char *name, int **types,
                                     int *n);
asl_status asl_bids_read_aslcontext(const char *path, int **types, int *n);
// Nt of one series from its aslcontext.tsv alone: the difference volumes
// subtraction will give (adjacent control/label pairs + deltam rows; m0scan
// and others ignored). The sweep planner and subject loading count alike.
asl_status asl_bids_count_deltam(const char *path, int *nt);

// What aslsweep uses from sub-XX_asl.json.
typedef struct {
  char labeling_type[16];   // ArterialSpinLabelingType: PCASL, CASL, PASL
  char m0_type[16];         // M0Type: Separate, Included, Estimate, Absent
  double pld;               // PostLabelingDelay (s); one value or an array of equal values
  double labeling_duration; // LabelingDuration (PCASL/CASL), BolusCutOffDelayTime (PASL) or 0
  double m0_estimate;       // M0Estimate (M0Type Estimate), else 0
  int background_suppression; // 1, 0, or -1 when absent
} asl_bids_sidecar;

// Reads the fields above from a parsed sidecar (file name for messages).
// Required: ArterialSpinLabelingType, M0Type, PostLabelingDelay, and
// LabelingDuration for (P)CASL, M0Estimate for M0Type Estimate.
asl_status asl_bids_read_sidecar(const char *path, asl_bids_sidecar *out);
asl_status asl_bids_parse_sidecar(const char *text, size_t len, const char *name,
                                  asl_bids_sidecar *out);

// One subject as `aslsweep inspect` reports it.
typedef struct {
  char id[32];
  int usable;               // 1 when it loads and can be scored
  char problem[1024];       // why not ("file: reason; what to do"), or notes; "" when none
  int nx, ny, nz, nt;       // grid and raw volumes
  int n_deltam;             // difference volumes
  float dx, dy, dz;         // voxel size (mm)
  char labeling_type[16];
  char m0_type[16];
  int has_m0, has_mask, mask_source; // mask_source: ASL_MASK_* of asl/subject.h
  double ssim, nmae;        // mean single-time-point SSIM/NMAE vs GT100 (NaN when unusable)
  int group;                // SNR group (0 = noisiest), -1 when unusable
} asl_bids_report;

// Loads every subject of `root`, scores its single-time-point deltam against
// GT100 (the mean of all of them) and splits the usable subjects into k SNR
// groups (k-means seeded by `seed`; fewer usable subjects than k: one group
// per subject). *rows is malloc'ed (caller frees), sorted by id. Fails only
// when the root cannot be read or holds no subject.
asl_status asl_bids_inspect(const char *root, int k, uint64_t seed, asl_bids_report **rows, int *n);

#endif
