// Writing the cube's layout: the root attributes, the table's datasets, the
// axes (dimension scales) and the experiment attributes. Used by the
// runner's parallel writer (every rank calls, `writer` is rank 0) and by
// serial writers such as the test fixtures (`writer` 1), so every cube has
// the same types, fill values and storage.
#ifndef CUBE_LAYOUT_H
#define CUBE_LAYOUT_H

#include <hdf5.h>

#include "asl/status.h"
#include "cube/schema.h"

// format_version = CUBE_FORMAT_VERSION, then every root string attribute
// whose text[id] is not NULL, in table order.
asl_status cube_write_root(hid_t file, const char *const text[CUBE_ATTR_COUNT]);

// Creates table dataset d in loc (its group, or an experiment group) with
// `dims`; writes `buf` whole when given and `writer` is set (native values;
// strings as rows of the table's length). *keep receives the open dataset
// when keep is not NULL.
asl_status cube_ds_write(hid_t loc, cube_ds d, int rank, const hsize_t *dims, const void *buf,
                         int writer, hid_t *keep);

// n strings from get(ctx, i) as rows of `len` bytes (NUL-padded, truncated);
// malloc'd, the caller frees; NULL when out of memory.
char *cube_string_rows(int n, size_t len, const char *(*get)(const void *, int), const void *ctx);

// Axis `name` of an experiment group: int32 values when `ints`, else
// strings as rows of CUBE_LABEL_LEN bytes; made a dimension scale named
// after the axis. *out receives the open dataset.
asl_status cube_axis_create(hid_t g, const char *name, int n, const char *rows, const int *ints,
                            int writer, hid_t *out);
// Attaches axis[d] to dimension d of ds (d < rank) and labels each
// dimension with its axis name.
asl_status cube_axes_attach(hid_t ds, const hid_t *axis, int rank);
// The experiment group's `axes` (its own axes, then subject, stage,
// metric) and `description` attributes.
asl_status cube_exp_attributes(hid_t g, int n_own, const char *const *own,
                               const char *description);

#endif
