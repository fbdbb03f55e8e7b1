// Reading DIR/logs for `aslsweep log`: the files in time order and the
// attempt blocks in them, streamed a line at a time (logs of a large study
// are hundreds of MB). The writer is runner/src/job_log.c.
#ifndef CLI_LOG_SCAN_H
#define CLI_LOG_SCAN_H

#include <stddef.h>
#include <stdio.h>

#include "asl/status.h"

enum { LOG_ENDED_UNKNOWN, LOG_ENDED_DONE, LOG_ENDED_FAILED, LOG_ENDED_INTERRUPTED };

// One attempt: the whole block text (header line included, '\n'-ended),
// the job key it belongs to, how it ended, and where it starts.
typedef struct {
  const char *key;
  const char *text;
  size_t len;
  int ended;    // LOG_ENDED_*
  int file;     // index into log_files' list
  long offset;  // byte offset of the header line in that file
} log_block;

// Returns nonzero to stop the scan (that value comes back from log_scan).
typedef int (*log_block_fn)(const log_block *b, void *ctx);

typedef struct {
  char dir[4200];  // DIR/logs
  char **names;    // file names in time order
  int n;
} log_files;

// Lists DIR/logs/*.log: per-job files of earlier versions (<key>.log) first,
// then the per-rank files (<YYYYmmddTHHMMSSZ>-r<rank>.log) by their stamp.
// ASL_ENOTFOUND when DIR or DIR/logs does not exist.
asl_status log_files_list(log_files *lf, const char *dir);
void log_files_free(log_files *lf);
// True when NAME is a per-rank file name.
int log_is_rank_file(const char *name);
// Calls fn for every block of file `file`, in order. Lines before the first
// block header (a file cut mid-line) are skipped.
asl_status log_scan(const log_files *lf, int file, log_block_fn fn, void *ctx, int *stopped);
// Writes the block starting at `offset` of file `file` to out.
asl_status log_print_block(const log_files *lf, int file, long offset, FILE *out);

#endif
