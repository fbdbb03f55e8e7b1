// Helpers shared by the scan listing's files; not public.
#ifndef ASL_BIDS_SCAN_INTERNAL_H
#define ASL_BIDS_SCAN_INTERNAL_H

#include "asl/bids.h"

int asl_bids_is_dir(const char *path);
// Sorted entries of `dir` starting with `prefix` and ending with `suffix`
// (NULL: folders only); the caller frees each name and the array.
char **asl_bids_ls(const char *dir, const char *prefix, const char *suffix, int *n);
// 1 when `name` ("sub-01") is among `labels` (given with or without `key`),
// or when there is no filter.
int asl_bids_wanted(const char *const *labels, int n, const char *key, const char *name);
// Every participant and session the query names must exist in the dataset.
asl_status asl_bids_check_filters(const char *root, const asl_bids_query *q, char **ids, int n_ids);
// Multi-delay series need a PLD choice (scan->pld; single-delay series are
// kept whole whatever it is); with one, keep[t] marks
// the volumes kept and `types` is compacted to them (*n shrinks). keep must
// have *n entries.
asl_status asl_bids_apply_pld(const asl_bids_sidecar *car, const asl_bids_scan *scan, int *types,
                              int *n, const char *tsv, int *keep);

#endif
