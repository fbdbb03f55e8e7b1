// What the runner's cube code (create, open, write, slice) shares. The HDF5
// helpers and the schema itself are the cube library's (cube/h5.h).
#ifndef RUN_CUBE_INTERNAL_H
#define RUN_CUBE_INTERNAL_H

#include <hdf5.h>
#include <stdint.h>

#include "asl/status.h"
#include "cube/h5.h"
#include "run/cube.h"

#define RUN_CUBE_MAX_RANK CUBE_MAX_RANK

// An empty run_cube (every handle closed), and its sizes and
// per-experiment image counts from the plan and subjects.
void run_cube_reset(run_cube *c);
// Closes after a failure, keeping the failure's message.
void run_cube_close_keep(run_cube *c);
// The cube_jobs handles of the runner's open cube (borrowed, not to close;
// loss_row and content_key not among them).
void run_cube_jobs_view(const run_cube *c, cube_jobs *J);
asl_status run_cube_shape(run_cube *c, const sweep_plan *p, const run_subjects *s);
// The checksum job `job` commits with `status` (cube/checksum.h): its /jobs
// row as written (loss rows `train`/`val` of c->epochs values each) and, for
// a done infer job, the cells it writes.
uint64_t run_cube_row_checksum(const run_cube *c, const sweep_plan *p, int job,
                               const run_result *r, int status, const float *train,
                               const float *val);

#endif
