// Shared between the cube reader's source files.
#ifndef ANA_CUBE_INTERNAL_H
#define ANA_CUBE_INTERNAL_H

#include <hdf5.h>

#include "ana/cube.h"

// Reads every experiment group (a group holding a `metrics` dataset) of the
// open file into c->experiments, sorted by name.
asl_status ana_read_experiments(hid_t f, ana_cube *c);
void ana_experiment_free(ana_experiment *e);
// Reads /jobs/chosen_param into c->jobs.chosen_param (c->jobs.n values),
// all NaN for a cube written before it.
asl_status ana_read_chosen(hid_t f, ana_cube *c);

#endif
