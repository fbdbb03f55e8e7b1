// Checks on a results cube, read serially (no MPI), for the end-to-end tests:
//   cube_check FILE scales EXP       every dimension of metrics,
//                                    metrics_per_image and job has the axis
//                                    named in the `axes` attribute attached as
//                                    its dimension scale
//   cube_check FILE losses           every train job has finite losses
//   cube_check FILE gap EXP MODEL    largest |denoised - input| over the cells
//                                    of model label MODEL, relative to |input|
// Prints what it found; exit 0 when the check could be made, 1 otherwise.
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cube/schema.h"

static int read_axes(hid_t g, char names[][64], int max) {
  char buf[2048] = "";
  hid_t a = H5Aopen(g, cube_attr_name(CUBE_ATTR_EXP_AXES), H5P_DEFAULT), t = H5Aget_type(a);
  hid_t m = H5Tcopy(H5T_C_S1);
  H5Tset_size(m, sizeof buf);
  if (a < 0 || H5Aread(a, m, buf) < 0) return -1;
  H5Tclose(m), H5Tclose(t), H5Aclose(a);
  int n = 0;
  for (char *s = strtok(buf, ","); s && n < max; s = strtok(NULL, ",")) snprintf(names[n++], 64, "%s", s);
  return n;
}

static int check_scales(hid_t g, const char *ds_name, char names[][64], int n_axes, int extra) {
  hid_t ds = H5Dopen2(g, ds_name, H5P_DEFAULT);
  if (ds < 0) return 1;
  hid_t space = H5Dget_space(ds);
  int rank = H5Sget_simple_extent_ndims(space), bad = 0;
  int want = n_axes + extra;
  if (strcmp(ds_name, "job") == 0) want = n_axes - 2;
  if (rank != want) {
    printf("%s: rank %d, expected %d\n", ds_name, rank, want);
    bad = 1;
  }
  for (int d = 0; d < rank && !bad; d++) {
    const char *axis = d < n_axes ? names[d] : "image";
    hid_t sc = H5Dopen2(g, axis, H5P_DEFAULT);
    if (sc < 0 || H5DSis_attached(ds, sc, (unsigned)d) <= 0) {
      printf("%s: dimension %d: axis %s not attached\n", ds_name, d, axis);
      bad = 1;
    }
    if (sc >= 0) H5Dclose(sc);
  }
  if (!bad) printf("%s: %d dimensions, each with its scale\n", ds_name, rank);
  H5Sclose(space), H5Dclose(ds);
  return bad;
}

static int gap(hid_t g, char names[][64], int n_axes, const char *model) {
  int ax = -1;
  for (int a = 0; a < n_axes; a++)
    if (strcmp(names[a], "model") == 0) ax = a;
  hid_t lab = H5Dopen2(g, "model", H5P_DEFAULT), ds = H5Dopen2(g, cube_ds_name(CUBE_DS_EXP_METRICS), H5P_DEFAULT);
  if (ax < 0 || lab < 0 || ds < 0) return 1;
  hsize_t dims[32];
  hid_t space = H5Dget_space(ds);
  int rank = H5Sget_simple_extent_dims(space, dims, NULL);
  char (*labels)[32] = calloc(dims[ax], 32);
  hid_t st = H5Tcopy(H5T_C_S1);
  H5Tset_size(st, 32);
  H5Dread(lab, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, labels);
  int want = -1;
  for (hsize_t i = 0; i < dims[ax]; i++)
    if (strcmp(labels[i], model) == 0) want = (int)i;
  size_t n = 1;
  for (int d = 0; d < rank; d++) n *= dims[d];
  float *v = malloc(n * sizeof *v);
  H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
  size_t inner = dims[rank - 1] * dims[rank - 2], per_model = 1, cells = 0;
  for (int d = ax + 1; d < rank; d++) per_model *= dims[d];
  double worst = 0;
  for (size_t i = 0; want >= 0 && i < n; i += inner) {
    if ((int)((i / per_model) % dims[ax]) != want) continue;
    for (size_t m = 0; m < dims[rank - 1]; m++) {
      float in = v[i + m], de = v[i + dims[rank - 1] + m];
      if (isnan(in) || isnan(de)) continue;
      double r = fabs(de - in) / (fabs(in) > 1e-6 ? fabs(in) : 1e-6);
      worst = r > worst ? r : worst;
      cells++;
    }
  }
  printf("model %s: %zu values, largest relative |denoised - input| = %.6g\n", model, cells, worst);
  free(v), free(labels);
  H5Tclose(st), H5Sclose(space), H5Dclose(ds), H5Dclose(lab);
  return want < 0 || cells == 0;
}

// Every train job has a finite train and validation loss in every epoch.
static int losses(hid_t f) {
  hid_t kd = H5Dopen2(f, cube_ds_path(CUBE_DS_JOB_KIND), H5P_DEFAULT);
  const char *names[2] = {cube_ds_path(CUBE_DS_JOB_TRAIN_LOSS), cube_ds_path(CUBE_DS_JOB_VAL_LOSS)};
  hsize_t dims[2];
  if (kd < 0) return 1;
  hid_t sp = H5Dget_space(kd);
  size_t J = (size_t)H5Sget_simple_extent_npoints(sp);
  signed char *kind = malloc(J);
  H5Dread(kd, H5T_NATIVE_SCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, kind);
  int bad = 0, trains = 0;
  for (int k = 0; k < 2; k++) {
    hid_t ds = H5Dopen2(f, names[k], H5P_DEFAULT), s2 = H5Dget_space(ds);
    H5Sget_simple_extent_dims(s2, dims, NULL);
    float *v = malloc(sizeof(float) * dims[0] * dims[1]);
    H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    trains = 0;
    for (size_t j = 0; j < J; j++) {
      if (kind[j] != 0) continue;
      trains++;
      for (hsize_t e = 0; e < dims[1]; e++)
        if (!isfinite(v[j * dims[1] + e])) {
          printf("%s: job %zu epoch %llu is not finite\n", names[k], j, (unsigned long long)e);
          bad = 1;
        }
    }
    free(v);
    H5Sclose(s2), H5Dclose(ds);
  }
  if (!bad) printf("%d train jobs: finite train and validation loss in every epoch\n", trains);
  free(kind);
  H5Sclose(sp), H5Dclose(kd);
  return bad || trains == 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[2], "losses") == 0) {
    hid_t f = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
    int rc = f < 0 || losses(f);
    if (f >= 0) H5Fclose(f);
    return rc;
  }
  if (argc < 4) {
    fprintf(stderr, "usage: cube_check FILE scales EXP | FILE gap EXP MODEL\n");
    return 2;
  }
  hid_t f = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
  hid_t g = f < 0 ? -1 : H5Gopen2(f, argv[3], H5P_DEFAULT);
  char names[32][64];
  int n = g < 0 ? -1 : read_axes(g, names, 32);
  if (n < 3) return 1;
  int rc = 1;
  if (strcmp(argv[2], "scales") == 0)
    rc = check_scales(g, cube_ds_name(CUBE_DS_EXP_METRICS), names, n, 0) |
         check_scales(g, cube_ds_name(CUBE_DS_EXP_PER_IMAGE), names, n, 1) |
         check_scales(g, cube_ds_name(CUBE_DS_EXP_JOB), names, n, 0);
  else if (strcmp(argv[2], "gap") == 0 && argc > 4)
    rc = gap(g, names, n, argv[4]);
  H5Gclose(g), H5Fclose(f);
  return rc;
}
