// Small HDF5 helpers shared by the cube's create, open and write code.
#ifndef RUN_CUBE_INTERNAL_H
#define RUN_CUBE_INTERNAL_H

#include <hdf5.h>

#include "asl/status.h"

#define RUN_CUBE_MAX_RANK 32

// A fixed-length, NUL-terminated ASCII string type of `len` bytes.
hid_t cube_str_type(size_t len);
asl_status cube_attr_str(hid_t loc, const char *name, const char *value);
asl_status cube_attr_int(hid_t loc, const char *name, int value);
// Reads a string attribute into out (NUL-terminated, truncated to n).
asl_status cube_attr_read_str(hid_t loc, const char *name, char *out, size_t n);
// Contiguous dataset with space allocated and filled at creation, so that
// later raw writes change no metadata.
asl_status cube_dataset(hid_t *out, hid_t loc, const char *name, hid_t type, int rank,
                        const hsize_t *dims, const void *fill);
// Writes `buf` (laid out as `count`) at `start` of dataset `ds`.
asl_status cube_write_block(hid_t ds, hid_t memtype, int rank, const hsize_t *start,
                            const hsize_t *count, const void *buf);
asl_status cube_read_block(hid_t ds, hid_t memtype, int rank, const hsize_t *start,
                           const hsize_t *count, void *buf);
// An axis label list stored as int32 when every label is a decimal integer.
int cube_labels_numeric(int n, char *const *labels);

// Internal to the cube code: an empty run_cube (every handle closed), and
// its sizes and per-experiment image counts from the plan and subjects.
#include "run/cube.h"
void run_cube_reset(run_cube *c);
// Closes after a failure, keeping the failure's message.
void run_cube_close_keep(run_cube *c);
asl_status run_cube_shape(run_cube *c, const sweep_plan *p, const run_subjects *s);

#endif
