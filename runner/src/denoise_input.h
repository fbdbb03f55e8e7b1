// The scan `aslsweep denoise` reads: difference series, M0 and mask on one
// grid, by the rules of docs/data.md for a lone NIfTI (docs/denoise.md).
#ifndef RUN_DENOISE_INPUT_H
#define RUN_DENOISE_INPUT_H

#include "exec_asl.h"
#include "run/denoise.h"

// Fills u (deltam, m0 when available, mask when available); mask_source
// gets "file", "from-M0", "from-ctrl" or "none". On failure u holds nothing.
asl_status run_denoise_read(const run_denoise_opts *o, exa_subject *u, char *mask_source, size_t n);
void run_denoise_subject_free(exa_subject *u);

#endif
