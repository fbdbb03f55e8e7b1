// The real executor: ASL data in, the engine for training and inference,
// ASL metrics out (exec_asl_data.c, exec_asl_train.c, exec_asl_infer.c).
#include "exec_asl.h"

static asl_status exa_run_job(run_executor *ex, const sweep_plan *p, int j, run_job_io *io,
                              run_result *r) {
  exa_state *x = ex->state;
  return p->jobs[j].kind == SWEEP_JOB_TRAIN ? exa_train(x, p, j, io, r) : exa_infer(x, p, j, io, r);
}

const run_executor run_executor_asl = {
    .name = "asl", .prepare = exa_prepare, .run_job = exa_run_job, .finish = exa_finish};
