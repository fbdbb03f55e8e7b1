// Shared between the cube reader's source files.
#ifndef ANA_CUBE_INTERNAL_H
#define ANA_CUBE_INTERNAL_H

#include <hdf5.h>

#include "ana/cube.h"
#include "cube/jobs.h"

// Reads every experiment group (a group holding a `metrics` dataset) of the
// open file into c->experiments, sorted by name.
asl_status ana_read_experiments(hid_t f, ana_cube *c);
void ana_experiment_free(ana_experiment *e);

// The /jobs datasets of the open file (any format version) and one block
// of their rows (cube/jobs.h): the numbers are read through it at open, the
// strings and loss rows whenever asked for.
struct ana_job_rows;
asl_status ana_job_rows_open(struct ana_job_rows **out, hid_t f, int version, const char *path);
const cube_jobs *ana_job_rows_jobs(const struct ana_job_rows *r);
cube_rows *ana_job_rows_block(struct ana_job_rows *r);
// Marks the block as holding no strings (after it was used for numbers).
void ana_job_rows_forget(struct ana_job_rows *r);
void ana_job_rows_close(struct ana_job_rows *r);

#endif
