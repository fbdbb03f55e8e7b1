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
// strings as rows of `len` bytes (CUBE_LABEL_LEN, or CUBE_SUBJECT_LEN for
// the subject axis); made a dimension scale named after the axis. *out
// receives the open dataset.
asl_status cube_axis_create(hid_t g, const char *name, int n, const char *rows, size_t len,
                            const int *ints, int writer, hid_t *out);
// Attaches axis[d] to dimension d of ds (d < rank) and labels each
// dimension with its axis name.
asl_status cube_axes_attach(hid_t ds, const hid_t *axis, int rank);
// The experiment group's `axes` (its own axes, then subject, stage,
// metric) and `description` attributes.
asl_status cube_exp_attributes(hid_t g, int n_own, const char *const *own,
                               const char *description);

// netCDF conventions (docs/cube.md, "Reading the cube in xarray").
#define CUBE_ENCODING_ATTR "_Encoding"
// `_Encoding = "utf-8"` on a string dataset: netCDF readers (xarray)
// decode its fixed-length bytes to text.
asl_status cube_attr_utf8(hid_t ds);
// The unit of a metric ("1", "dB"); "1" for a name not in the list.
const char *cube_metric_units(const char *metric);
// `long_name` and `units` ("ssim: 1, psnr: dB, nmae: 1", one per label of
// the metric axis in its order) on a metrics dataset; the metric axis (when
// not negative) gets a `long_name` naming each metric.
#define CUBE_METRICS_LONG_NAME "metric value per subject: mean over the subject's final images"
#define CUBE_PER_IMAGE_LONG_NAME "metric value per final image"
asl_status cube_metric_attributes(hid_t ds, hid_t metric_axis, int n, const char *const *metrics,
                                  const char *long_name);
// Creates the /jobs scales `job` (0..n_jobs-1) and `epoch` (0..epochs-1)
// in the /jobs group and attaches them to every table dataset of /jobs
// present: `job` to the first dimension, `epoch` to the second of the
// (J, E) loss rows. Collective under parallel HDF5; `writer` writes values.
asl_status cube_jobs_scales(hid_t jobs, int n_jobs, int epochs, int writer);
// Attaches (attach 1) or detaches (0) the /jobs scales to/from ds of rank 1
// or 2, for a dataset added later (/jobs/slice) or before one is removed.
// Nothing when the cube has no /jobs/job scale (made before them).
asl_status cube_jobs_link(hid_t jobs, hid_t ds, int rank, int attach);
// Creates the /subjects scale `subject` (the ids, `n` rows of
// CUBE_SUBJECT_LEN bytes) and attaches it to every /subjects table dataset.
asl_status cube_subjects_scale(hid_t subjects, int n, const char *rows, int writer);

#endif
