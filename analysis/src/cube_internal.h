// Shared between the cube reader's source files.
#ifndef ANA_CUBE_INTERNAL_H
#define ANA_CUBE_INTERNAL_H

#include <hdf5.h>

#include "ana/cube.h"

// Reads every experiment group (a group holding a `metrics` dataset) of the
// open file into c->experiments, sorted by name.
asl_status ana_read_experiments(hid_t f, ana_cube *c);
void ana_experiment_free(ana_experiment *e);

#endif
