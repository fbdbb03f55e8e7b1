// Baselines tuned per fold: a gaussian `sigma` or nlm `h` given as `auto`
// in the spec is chosen by each infer job among fixed candidates, by the
// mean NMAE against GT100 of the final images of its fold's training
// subjects (never its test subjects). docs/denoise.md.
#ifndef RUN_EXEC_ASL_TUNE_H
#define RUN_EXEC_ASL_TUNE_H

#include "exec_asl.h"
#include "nn/model.h"

#define EXA_TUNE_MAX 8

// The candidates of a tunable parameter of `kind` (the descriptor's
// candidates, e.g. gaussian sigma, nlm h); 0 when it is not tunable.
int exa_tune_candidates(const char *kind, const char *key, const char **out, int max);

// The index of the `auto` parameter in par (-1 when none).
int exa_tune_auto_index(const nn_param *par, int n);

// Replaces par[k].value (an `auto`) by the best candidate for job j, whose
// text stays valid as long as the program runs. `chosen` (size n_chosen)
// receives "sigma=1.5 (training NMAE 0.5:0.61 1:0.58 ...)" for the log.
asl_status exa_tune(exa_state *x, const sweep_plan *p, int j, run_job_io *io, nn_param *par, int n,
                    int k, char *chosen, size_t n_chosen);

// Appends "<UTC> tuned job J KEY: <chosen>" to DIR/run.log.
asl_status exa_tune_log(const run_job_io *io, int j, const char *key, const char *chosen);

#endif
