// Damages a results cube on purpose, for the integrity tests (serial HDF5):
//   cube_flip FILE DATASET INDEX BIT   flips bit BIT of element INDEX (flat)
//   cube_flip FILE DATASET drop        unlinks the dataset (an older cube)
// The element is changed in the file's own bytes, as a disk error would.
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int flip(hid_t f, const char *name, size_t index, int bit) {
  hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
  if (ds < 0) return fprintf(stderr, "cube_flip: no dataset %s\n", name), 1;
  hid_t type = H5Dget_type(ds), space = H5Dget_space(ds);
  size_t n = (size_t)H5Sget_simple_extent_npoints(space), size = H5Tget_size(type);
  unsigned char *buf = malloc(n * size + 1);
  int rc = !buf || index >= n || bit < 0 || (size_t)bit >= 8 * size;
  if (rc) fprintf(stderr, "cube_flip: %s has %zu elements of %zu bytes\n", name, n, size);
  if (!rc) rc = H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0;
  if (!rc) {
    buf[index * size + (size_t)bit / 8] ^= (unsigned char)(1u << (bit % 8));
    rc = H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0;
  }
  free(buf);
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(ds);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: cube_flip FILE DATASET INDEX BIT | cube_flip FILE DATASET drop\n");
    return 2;
  }
  hid_t f = H5Fopen(argv[1], H5F_ACC_RDWR, H5P_DEFAULT);
  if (f < 0) return fprintf(stderr, "cube_flip: cannot open %s\n", argv[1]), 1;
  int rc;
  if (argc == 4 && strcmp(argv[3], "drop") == 0) rc = H5Ldelete(f, argv[2], H5P_DEFAULT) < 0;
  else if (argc == 5) rc = flip(f, argv[2], strtoull(argv[3], NULL, 10), atoi(argv[4]));
  else rc = 2;
  H5Fclose(f);
  return rc;
}
