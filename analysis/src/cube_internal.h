// Shared between the cube reader's source files.
#ifndef ANA_CUBE_INTERNAL_H
#define ANA_CUBE_INTERNAL_H

#include <hdf5.h>

#include "ana/cube.h"
#include "cube/jobs.h"

// Reads every experiment group (a group holding a `metrics` dataset) of the
// open file into c->experiments, sorted by name.
// lazy: the cells stay in the file (ana_cells_open).
asl_status ana_read_experiments(hid_t f, ana_cube *c, int lazy);
// The job indices of the lazily read experiments, each within -1 .. jobs-1
// (what ana_read_experiments checks of cells it reads whole), read in
// storage order; for cubes whose rows verification does not cover (no
// checksums): verification names a stray index of the others.
asl_status ana_check_lazy_jobs(const ana_cube *c);
// Keeps g's metrics and job datasets open for reads of runs of cells.
asl_status ana_cells_open(ana_experiment *e, hid_t g, const char *path);
void ana_cells_close(ana_experiment *e);
// A lazy experiment's stored value and job index (NaN and -1 when the run
// holding the cell cannot be read).
float ana_cells_value(const ana_experiment *e, size_t cell, int subject, int stage, int metric);
int ana_cells_job(const ana_experiment *e, size_t cell, int subject);
void ana_experiment_free(ana_experiment *e);
// Reads /jobs/chosen_param into c->jobs.chosen_param (c->jobs.n values),
// all NaN for a cube written before it.
asl_status ana_read_chosen(hid_t f, ana_cube *c);

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
