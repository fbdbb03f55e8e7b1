// The netCDF conventions the cube follows so that xarray (h5netcdf engine)
// reads it with names: UTF-8 strings, the /jobs dimension scales and the
// metrics' long_name and units (docs/cube.md, "Reading the cube in xarray").
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5_hl.h>

#include "cube/h5.h"
#include "cube/layout.h"

// Strings stay fixed-length ASCII-typed in the file (parallel HDF5 writes
// no variable-length strings, and HDF5 converts no ASCII type into a UTF-8
// one, which would break every existing reader); the netCDF `_Encoding`
// attribute tells netCDF readers to decode the bytes to text.
asl_status cube_attr_utf8(hid_t ds) { return cube_attr_str(ds, CUBE_ENCODING_ATTR, "utf-8"); }

static const struct {
  const char *name, *units, *long_name;
} metric_info[] = {
    {"ssim", "1", "structural similarity index (3D)"},
    {"psnr", "dB", "peak signal-to-noise ratio"},
    {"nmae", "1", "normalized mean absolute error"},
};

const char *cube_metric_units(const char *metric) {
  for (size_t i = 0; i < sizeof metric_info / sizeof metric_info[0]; i++)
    if (strcmp(metric, metric_info[i].name) == 0) return metric_info[i].units;
  return "1";
}

static const char *metric_long_name(const char *metric) {
  for (size_t i = 0; i < sizeof metric_info / sizeof metric_info[0]; i++)
    if (strcmp(metric, metric_info[i].name) == 0) return metric_info[i].long_name;
  return metric;
}

// "ssim: 1, psnr: dB, nmae: 1" (with_units) or "ssim: structural ...; ...".
static char *per_label(int n, const char *const *metrics, int with_units) {
  size_t len = 1;
  for (int m = 0; m < n; m++)
    len += strlen(metrics[m]) + strlen(with_units ? cube_metric_units(metrics[m])
                                                  : metric_long_name(metrics[m])) + 4;
  char *s = calloc(len, 1);
  if (!s) return NULL;
  for (int m = 0; m < n; m++)
    snprintf(s + strlen(s), len - strlen(s), "%s%s: %s", m ? (with_units ? ", " : "; ") : "",
             metrics[m], with_units ? cube_metric_units(metrics[m]) : metric_long_name(metrics[m]));
  return s;
}

asl_status cube_metric_attributes(hid_t ds, hid_t metric_axis, int n, const char *const *metrics,
                                  const char *long_name) {
  char *units = per_label(n, metrics, 1), *names = per_label(n, metrics, 0);
  asl_status st = units && names ? ASL_OK : asl_fail(ASL_ENOMEM, "metric attributes");
  // CF has one unit per variable; the metric axis mixes them, so `units`
  // lists one per label, in axis order.
  if (!st) st = cube_attr_str(ds, "long_name", long_name);
  if (!st) st = cube_attr_str(ds, "units", units);
  if (!st && metric_axis >= 0) st = cube_attr_str(metric_axis, "long_name", names);
  free(units);
  free(names);
  return st;
}

static asl_status index_scale(hid_t g, const char *name, int n, int writer, hid_t *out) {
  int *idx = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
  if (!idx) return asl_fail(ASL_ENOMEM, "scale %s", name);
  for (int i = 0; i < n; i++) idx[i] = i;
  asl_status st = cube_axis_create(g, name, n, NULL, 0, idx, writer, out);
  free(idx);
  return st;
}

// Attaches (or detaches) the scale to dimension `dim` of the dataset.
static asl_status link_scale(hid_t ds, hid_t scale, unsigned dim, const char *label, int attach) {
  asl_status st = ASL_OK;
  if (attach) {
    CUBE_CHECK(H5DSattach_scale(ds, scale, dim), "attach the %s scale", label);
    CUBE_CHECK(H5DSset_label(ds, dim, label), "label dimension %u %s", dim, label);
  } else {
    CUBE_CHECK(H5DSdetach_scale(ds, scale, dim), "detach the %s scale", label);
  }
fail:
  return st;
}

asl_status cube_jobs_link(hid_t jobs, hid_t ds, int rank, int attach) {
  asl_status st = ASL_OK;
  hid_t job = H5I_INVALID_HID, epoch = H5I_INVALID_HID;
  htri_t has = H5Lexists(jobs, CUBE_AXIS_JOB, H5P_DEFAULT);
  CUBE_CHECK(has, "look for /%s/%s", CUBE_GROUP_JOBS, CUBE_AXIS_JOB);
  if (!has) return ASL_OK;  // a cube from before the /jobs scales
  CUBE_CHECK(job = H5Dopen2(jobs, CUBE_AXIS_JOB, H5P_DEFAULT), "open the %s scale", CUBE_AXIS_JOB);
  if ((st = link_scale(ds, job, 0, CUBE_AXIS_JOB, attach))) goto fail;
  if (rank > 1) {
    CUBE_CHECK(epoch = H5Dopen2(jobs, CUBE_AXIS_EPOCH, H5P_DEFAULT), "open the %s scale",
               CUBE_AXIS_EPOCH);
    st = link_scale(ds, epoch, 1, CUBE_AXIS_EPOCH, attach);
  }
fail:
  cube_h5_close(&epoch);
  cube_h5_close(&job);
  return st;
}

// Attaches a version-2 scale by name to dimension `dim` of ds.
static asl_status link_named(hid_t jobs, hid_t ds, const char *scale, unsigned dim) {
  asl_status st = ASL_OK;
  hid_t sc = H5I_INVALID_HID;
  CUBE_CHECK(sc = H5Dopen2(jobs, scale, H5P_DEFAULT), "open the %s scale", scale);
  st = link_scale(ds, sc, dim, scale, 1);
fail:
  cube_h5_close(&sc);
  return st;
}

static asl_status link_table(hid_t jobs, const cube_dataset_def *x) {
  asl_status st = ASL_OK;
  hid_t ds = H5I_INVALID_HID;
  htri_t has = H5Lexists(jobs, x->name, H5P_DEFAULT);
  CUBE_CHECK(has, "look for %s", x->path);
  if (!has) return ASL_OK;
  CUBE_CHECK(ds = H5Dopen2(jobs, x->name, H5P_DEFAULT), "open %s", x->path);
  if (x->shape == CUBE_SHAPE_RE) {
    // Version 2's loss rows: (loss_index, epoch).
    if (!(st = link_named(jobs, ds, CUBE_AXIS_LOSS_ROW, 0)))
      st = link_named(jobs, ds, CUBE_AXIS_EPOCH, 1);
  } else if (x->shape == CUBE_SHAPE_H) {
    st = link_named(jobs, ds, CUBE_AXIS_HEAP, 0);
  } else {
    st = cube_jobs_link(jobs, ds, x->shape == CUBE_SHAPE_JE ? 2 : 1, 1);
  }
fail:
  cube_h5_close(&ds);
  if (st) return cube_fail_wrap(st, "%s", x->path);
  return st;
}

// A netCDF dimension without values (the error heap's byte axis): a
// dimension scale that netCDF readers take as a bare dimension; never
// written, so it takes no room in the file.
static asl_status bare_dimension(hid_t g, const char *name, hsize_t n) {
  asl_status st = ASL_OK;
  hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, ds = H5I_INVALID_HID;
  hsize_t dims[1] = {n}, chunk[1] = {n < 65536 ? (n ? n : 1) : 65536};
  CUBE_CHECK(space = H5Screate_simple(1, dims, NULL), "dataspace of %s", name);
  CUBE_CHECK(dcpl = H5Pcreate(H5P_DATASET_CREATE), "creation properties of %s", name);
  if (n > 0) {
    CUBE_CHECK(H5Pset_chunk(dcpl, 1, chunk), "chunks of %s", name);
    CUBE_CHECK(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_INCR), "allocation of %s", name);
  }
  CUBE_CHECK(H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER), "fill time of %s", name);
  CUBE_CHECK(ds = H5Dcreate2(g, name, H5T_STD_I8LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
             "create %s", name);
  CUBE_CHECK(H5DSset_scale(ds, "This is a netCDF dimension but not a netCDF variable."),
             "make %s a dimension", name);
fail:
  cube_h5_close(&ds);
  cube_h5_close(&dcpl);
  cube_h5_close(&space);
  return st;
}

// Rows of a 1- or 2-D dataset of the group (0 when absent).
static hsize_t rows_of_ds(hid_t g, const char *name) {
  hsize_t dims[2] = {0, 0};
  if (H5Lexists(g, name, H5P_DEFAULT) <= 0) return 0;
  hid_t ds = H5Dopen2(g, name, H5P_DEFAULT), sp = ds < 0 ? -1 : H5Dget_space(ds);
  if (sp >= 0) H5Sget_simple_extent_dims(sp, dims, NULL);
  if (sp >= 0) H5Sclose(sp);
  if (ds >= 0) H5Dclose(ds);
  return dims[0];
}

asl_status cube_jobs_scales(hid_t jobs, int n_jobs, int epochs, int writer) {
  hid_t job = H5I_INVALID_HID, epoch = H5I_INVALID_HID, loss = H5I_INVALID_HID;
  asl_status st = index_scale(jobs, CUBE_AXIS_JOB, n_jobs, writer, &job);
  if (!st) st = index_scale(jobs, CUBE_AXIS_EPOCH, epochs, writer, &epoch);
  // Version 2 (a cube with an error heap): the loss rows' and heap's axes.
  if (!st && H5Lexists(jobs, cube_ds_name(CUBE_DS_JOB_ERROR_TEXT), H5P_DEFAULT) > 0) {
    hsize_t rows = rows_of_ds(jobs, cube_ds_name(CUBE_DS_JOB_TRAIN_LOSS));
    st = index_scale(jobs, CUBE_AXIS_LOSS_ROW, (int)rows, writer, &loss);
    if (!st) st = bare_dimension(jobs, CUBE_AXIS_HEAP,
                                 rows_of_ds(jobs, cube_ds_name(CUBE_DS_JOB_ERROR_TEXT)));
  }
  cube_h5_close(&job);
  cube_h5_close(&epoch);
  cube_h5_close(&loss);
  for (int d = 0; d < CUBE_DS_COUNT && !st; d++) {
    const cube_dataset_def *x = &cube_datasets[d];
    if (x->group && strcmp(x->group, CUBE_GROUP_JOBS) == 0) st = link_table(jobs, x);
  }
  return st;
}

asl_status cube_subjects_scale(hid_t subjects, int n, const char *rows, int writer) {
  hid_t subject = H5I_INVALID_HID, ds = H5I_INVALID_HID;
  asl_status st = cube_axis_create(subjects, CUBE_AXIS_SUBJECT, n, rows, CUBE_SUBJECT_LEN, NULL,
                                   writer, &subject);
  for (int d = 0; d < CUBE_DS_COUNT && !st; d++) {
    const cube_dataset_def *x = &cube_datasets[d];
    if (!x->group || strcmp(x->group, CUBE_GROUP_SUBJECTS) != 0) continue;
    CUBE_CHECK(ds = H5Dopen2(subjects, x->name, H5P_DEFAULT), "open %s", x->path);
    st = link_scale(ds, subject, 0, CUBE_AXIS_SUBJECT, 1);
    cube_h5_close(&ds);
  }
fail:
  cube_h5_close(&ds);
  cube_h5_close(&subject);
  return st;
}
