// Prints a digest of a results cube's numbers (serial HDF5, no MPI), so two
// runs can be compared bitwise: one line per dataset, "name n_values
// fnv64-of-bytes", for every experiment's metrics, metrics_per_image and
// job (of the experiments named after FILE, or of every experiment), and
// /jobs status, seed, train_loss, val_loss, checksum and chosen_param (the
// last two where the cube has them).
#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cube/schema.h"

static uint64_t fnv(const unsigned char *b, size_t n) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ULL;
  return h;
}

static int digest(hid_t file, const char *name) {
  hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
  if (ds < 0) {
    fprintf(stderr, "cube_digest: no dataset %s\n", name);
    return 1;
  }
  hid_t type = H5Dget_type(ds), space = H5Dget_space(ds);
  size_t n = (size_t)H5Sget_simple_extent_npoints(space), sz = H5Tget_size(type);
  unsigned char *buf = malloc(n * sz + 1);
  int rc = H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0;
  if (!rc) printf("%s %zu %016llx\n", name, n, (unsigned long long)fnv(buf, n * sz));
  free(buf);
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(ds);
  return rc;
}

// "jobs J done D": how far a run got.
static int count_done(hid_t file) {
  hid_t ds = H5Dopen2(file, cube_ds_path(CUBE_DS_JOB_STATUS), H5P_DEFAULT);
  if (ds < 0) return 1;
  hid_t space = H5Dget_space(ds);
  size_t n = (size_t)H5Sget_simple_extent_npoints(space), done = 0;
  signed char *st = malloc(n + 1);
  int rc = H5Dread(ds, H5T_NATIVE_SCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, st) < 0;
  for (size_t i = 0; !rc && i < n; i++) done += st[i] == 2;
  if (!rc) printf("jobs %zu done %zu\n", n, done);
  free(st);
  H5Sclose(space);
  H5Dclose(ds);
  return rc;
}

typedef struct {
  int n;
  char **name;
} exp_list;

// H5Literate callback: a root group holding a metrics dataset is an experiment.
static herr_t add_experiment(hid_t root, const char *name, const H5L_info_t *info, void *arg) {
  (void)info;
  exp_list *l = arg;
  char path[512];
  snprintf(path, sizeof path, "%s/%s", name, cube_ds_name(CUBE_DS_EXP_METRICS));
  if (H5Lexists(root, name, H5P_DEFAULT) <= 0 || H5Lexists(root, path, H5P_DEFAULT) <= 0) return 0;
  char **v = realloc(l->name, sizeof(char *) * (size_t)(l->n + 1));
  if (!v) return -1;
  l->name = v;
  l->name[l->n++] = strdup(name);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: cube_digest FILE.h5 [EXPERIMENT...]\n");
    return 2;
  }
  hid_t f = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return 1;
  int rc = count_done(f) | digest(f, cube_ds_path(CUBE_DS_JOB_STATUS)) |
           digest(f, cube_ds_path(CUBE_DS_JOB_SEED)) |
           digest(f, cube_ds_path(CUBE_DS_JOB_TRAIN_LOSS)) |
           digest(f, cube_ds_path(CUBE_DS_JOB_VAL_LOSS));
  // Row checksums depend on the numbers only: equal runs have equal ones.
  if (H5Lexists(f, cube_ds_path(CUBE_DS_JOB_CHECKSUM), H5P_DEFAULT) > 0)
    rc |= digest(f, cube_ds_path(CUBE_DS_JOB_CHECKSUM));
  if (H5Lexists(f, cube_ds_path(CUBE_DS_JOB_CHOSEN_PARAM), H5P_DEFAULT) > 0)
    rc |= digest(f, cube_ds_path(CUBE_DS_JOB_CHOSEN_PARAM));
  // The experiments named, or every one the cube has: a comparison never
  // leaves the cells out by accident.
  char **names = argv + 2;
  int n = argc - 2;
  exp_list all = {0};
  if (n == 0) {
    hsize_t at = 0;
    H5Literate(f, H5_INDEX_NAME, H5_ITER_INC, &at, add_experiment, &all);
    names = all.name;
    n = all.n;
  }
  for (int i = 0; i < n; i++) {
    char name[512];
    const cube_ds parts[] = {CUBE_DS_EXP_METRICS, CUBE_DS_EXP_PER_IMAGE, CUBE_DS_EXP_JOB};
    for (int k = 0; k < 3; k++) {
      snprintf(name, sizeof name, "/%s/%s", names[i], cube_ds_name(parts[k]));
      rc |= digest(f, name);
    }
  }
  for (int i = 0; i < all.n; i++) free(all.name[i]);
  free(all.name);
  H5Fclose(f);
  return rc;
}
