// `aslsweep denoise BIDS_DIR OUT_DIR participant`: the BIDS-App form of
// denoise, writing a BIDS-Derivatives dataset (docs/denoise.md).
#ifndef CLI_DENOISE_BIDS_H
#define CLI_DENOISE_BIDS_H

#include "asl/bids.h"

#define DBIDS_MAX_LABELS 256

typedef struct {
  const char *bids, *out, *checkpoint;
  const char *participants[DBIDS_MAX_LABELS], *sessions[DBIDS_MAX_LABELS];
  asl_bids_query q; // filters, --pld, --masks
  int nav_post, threads;
  char command_line[8192];
} dbids_args;

// What the checkpoint's sidecar (<checkpoint>.json) says about its inputs.
typedef struct {
  char strategy[32], kind[64], name[64];
  int nav, nav_post, m0, remainder_error;
  char sha256[65];
  char path[4096]; // absolute
} dbids_ckpt;

// True when argv (argv[0] = "denoise") has the BIDS-App form: three
// positional arguments first.
int dbids_wanted(int argc, char **argv);
// The whole command: parses, checks, denoises every selected scan; returns
// the exit status.
int dbids_main(int argc, char **argv);

// Reads <checkpoint>.json and hashes the checkpoint.
asl_status dbids_read_ckpt(const char *checkpoint, dbids_ckpt *ck);
// What can be refused before any image is read: the series missing (a
// session without ASL), a multi-delay series without --pld or without the
// delay asked for, an M0 channel that M0Type Absent cannot feed.
asl_status dbids_check_scan(const dbids_args *a, const dbids_ckpt *ck, const asl_bids_scan *scan);
// Called once the scan's data loaded and before anything of it is written;
// its failure stops the scan.
typedef asl_status (*dbids_first_fn)(void *arg);
// One scan: loaded as the sweep loads it, `first` called (when not NULL),
// denoised, written with its sidecar under OUT_DIR. tmp is a scratch folder.
asl_status dbids_scan(const dbids_args *a, const dbids_ckpt *ck, const asl_bids_scan *scan,
                      const char *tmp, dbids_first_fn first, void *arg);

#endif
