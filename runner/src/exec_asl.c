// The real executor: ASL data in, the engine for training and inference,
// ASL metrics out (exec_asl_data.c, exec_asl_train.c, exec_asl_infer.c).
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_asl.h"
#include "nn/model.h"

static asl_status exa_run_job(run_executor *ex, const sweep_plan *p, int j, run_job_io *io,
                              run_result *r) {
  exa_state *x = ex->state;
  return p->jobs[j].kind == SWEEP_JOB_TRAIN ? exa_train(x, p, j, io, r) : exa_infer(x, p, j, io, r);
}

// The checkpoint's closing checksum (engine/src/checkpoint.c) over the file.
static asl_status exa_verify_checkpoint(run_executor *ex, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return asl_fail(ASL_ENOTFOUND, "%s: checkpoint missing (%s)", path, strerror(errno));
  asl_status st = ASL_OK;
  unsigned char *d = NULL;
  long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  if (size < 16 || fseek(f, 0, SEEK_SET) != 0 || !(d = malloc((size_t)size)) ||
      fread(d, 1, (size_t)size, f) != (size_t)size) {
    st = asl_fail(ASL_EFORMAT, "%s: checkpoint unreadable or truncated (%ld bytes)", path, size);
  } else {
    uint64_t stored;
    memcpy(&stored, d + size - 8, 8);
    if (stored != nn_checksum64(d, (size_t)size - 8))
      st = asl_fail(ASL_ECHECKSUM, "%s: checkpoint checksum mismatch (corrupt)", path);
  }
  free(d);
  fclose(f);
  return st;
}

const run_executor run_executor_asl = {.name = "asl",
                                       .prepare = exa_prepare,
                                       .run_job = exa_run_job,
                                       .finish = exa_finish,
                                       .verify_checkpoint = exa_verify_checkpoint};
