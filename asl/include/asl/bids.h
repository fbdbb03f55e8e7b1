// BIDS-ASL pieces: listing subjects, the aslcontext.tsv table and the
// sub-XX_asl.json sidecar. asl/subject.h puts them together.
#ifndef ASL_BIDS_H
#define ASL_BIDS_H

#include <stddef.h>
#include <stdint.h>

#include "asl/status.h"

// Longest scan label (sub-01_ses-1_acq-x_run-2, plus _pld-<ms>ms) and
// subject id ("sub-<label>") the BIDS side holds; longer ones are refused
// by name, never cut. A sweep takes as many (sweep/plan.h,
// SWEEP_SUBJECT_ID_MAX; cube/schema.h, CUBE_SUBJECT_LEN).
#define ASL_BIDS_LABEL_MAX 127
#define ASL_BIDS_ID_MAX ASL_BIDS_LABEL_MAX

// Sorted ids ("sub-01", ...) of every ROOT/sub-*/ folder that has a perf/
// folder, directly or in a ses-*/ folder. *ids is NULL and *n is 0 when
// there are none (that is not an error; a missing or unreadable root is, and
// so is an id longer than ASL_BIDS_ID_MAX: ASL_EFORMAT naming the folder).
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

// At most this many distinct post-labeling delays in one series.
#define ASL_BIDS_MAX_PLD 32

// What aslsweep uses from sub-XX_asl.json (and the sidecars it inherits).
typedef struct {
  char labeling_type[16];   // ArterialSpinLabelingType: PCASL, CASL, PASL
  char m0_type[16];         // M0Type: Separate, Included, Estimate, Absent
  double pld;               // PostLabelingDelay (s): the single delay, 0 when missing or multi-delay
  double labeling_duration; // LabelingDuration (PCASL/CASL), BolusCutOffDelayTime (PASL) or 0
  double m0_estimate;       // M0Estimate (M0Type Estimate), else 0
  int background_suppression; // 1, 0, or -1 when absent
  double repetition_time;   // RepetitionTime (s), 0 when missing; read leniently, never required
  double repetition_time_prep; // RepetitionTimePreparation (s; the first entry of an array) or 0
  int n_plds;               // distinct nonzero delays (0 when missing, >1: multi-delay)
  double plds[ASL_BIDS_MAX_PLD]; // them, ascending
  int n_vol_pld;            // entries of vol_pld (0: a single number was given)
  double *vol_pld;          // PostLabelingDelay per volume when given as an array (malloc'ed)
  char warnings[512];       // fields denoising does not use that are missing ("" when none)
  char source[4200];        // the nearest sidecar file, for messages
} asl_bids_sidecar;

// Reads the fields above from a parsed sidecar (file name for messages).
// Required: ArterialSpinLabelingType, M0Type, and M0Estimate for M0Type
// Estimate. PostLabelingDelay and LabelingDuration are not used by denoising:
// missing, they leave a note in `warnings`. Free with asl_bids_sidecar_free.
asl_status asl_bids_read_sidecar(const char *path, asl_bids_sidecar *out);
asl_status asl_bids_parse_sidecar(const char *text, size_t len, const char *name,
                                  asl_bids_sidecar *out);
// BIDS inheritance: `paths` ordered from the farthest (dataset level) to the
// nearest; a nearer file's field overrides. Missing files are skipped; none
// present at all is an error naming paths[n-1].
asl_status asl_bids_read_sidecars(const char *const *paths, int n, asl_bids_sidecar *out);
void asl_bids_sidecar_free(asl_bids_sidecar *c);

// One ASL series of a dataset. Every sub-*/[ses-*/]perf/*_asl.nii[.gz] is a
// scan; its label is the file name before "_asl" (sub-01, sub-01_ses-1_run-2)
// plus "_pld-<ms>ms" when each delay of a multi-delay series is its own scan.
typedef struct {
  char label[ASL_BIDS_LABEL_MAX + 1];   // subject-axis label
  char subject[ASL_BIDS_LABEL_MAX + 1]; // sub-01
  char session[ASL_BIDS_LABEL_MAX + 1]; // ses-1, or "" without sessions
  char stem[ASL_BIDS_LABEL_MAX + 1];    // sub-01_ses-1_run-2
  char dir[4096];           // ROOT/sub-01/ses-1/perf
  double pld;               // the delay chosen (s), 0: the whole series
  int nt;                   // difference volumes it gives (after the PLD choice)
} asl_bids_scan;

// What to read: filters and choices of the sweep spec's data section.
typedef struct {
  const char *const *participants; // labels with or without "sub-"; NULL/0: all
  int n_participants;
  const char *const *sessions;     // labels with or without "ses-"; NULL/0: all
  int n_sessions;
  int pld_all;              // 1: each delay of a multi-delay series is its own scan
  double pld;               // > 0: keep only the volumes of this delay (s)
  const char *masks;        // derivatives dataset holding the brain masks, or NULL
} asl_bids_query;

// Every scan of `root` the query selects, sorted by label, with its Nt
// counted from aslcontext.tsv and the sidecars (no NIfTI opened). A filter
// naming a participant or session that does not exist, a multi-delay series
// without a delay choice, a session folder without an ASL series are refused
// with the file or folder named. q may be NULL (everything, no choices).
asl_status asl_bids_list_scans(const char *root, const asl_bids_query *q, asl_bids_scan **scans,
                               int *n);
// The scan a label names (as asl_bids_list_scans gives it), without listing;
// a bare subject id ("01", "sub-01") names its perf/ folder's scan.
asl_status asl_bids_scan_from_label(const char *root, const char *label, const asl_bids_query *q,
                                    asl_bids_scan *scan);
// The sidecars a scan inherits, farthest first (dataset, subject, session,
// perf levels; names whose entities are a subset of the scan's), and their
// merged fields. Fills `out` as asl_bids_read_sidecars does.
asl_status asl_bids_scan_sidecar(const char *root, const asl_bids_scan *scan,
                                 asl_bids_sidecar *out);
// Nt of one scan from its aslcontext.tsv and sidecars (after the PLD
// choice), as subject loading will count it; the series must exist.
asl_status asl_bids_count_scan(const char *root, const asl_bids_scan *scan, int *nt);
// Keeps the volumes of one delay: keep[t] = 1 for volume t when its
// PostLabelingDelay is `pld` (within 1 ms) or it is an m0scan row. Refuses
// a delay the series does not have, or a per-volume array of the wrong size.
asl_status asl_bids_pld_select(const asl_bids_sidecar *c, const int *types, int n, double pld,
                               const char *tsv, int *keep);

// One subject as `aslsweep inspect` reports it.
typedef struct {
  char id[ASL_BIDS_LABEL_MAX + 1]; // scan label (asl_bids_scan.label)
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
// The same over the scans a query selects (participants, sessions, PLD
// choice, masks folder); q NULL is asl_bids_inspect.
asl_status asl_bids_inspect_q(const char *root, const asl_bids_query *q, int k, uint64_t seed,
                              asl_bids_report **rows, int *n);

#endif
