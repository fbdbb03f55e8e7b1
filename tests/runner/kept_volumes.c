// Test helper for the runner's packed volumes (DIR/volumes/*.h5):
//   kept_volumes list DIR                        one line per kept image:
//                                                KEY SUBJECT KIND FILE
//   kept_volumes get DIR KEY SUBJECT KIND OUT.nii.gz   one image as NIfTI
// Exit 0 on success, 1 with a message otherwise.
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asl/nifti.h"
#include "cube/volumes.h"

// Undoes the %XX escapes of a dataset name's key part, in place.
static void unescape(char *s) {
  char *o = s;
  for (; *s; s++) {
    unsigned v;
    if (*s == '%' && sscanf(s + 1, "%2x", &v) == 1) *o++ = (char)v, s += 2;
    else *o++ = *s;
  }
  *o = '\0';
}

// Prints one dataset name as KEY SUBJECT KIND FILE. (By index rather than
// H5Literate, whose callback type differs between HDF5 1.10 and 1.12+.)
static void print_one(const char *name, const char *file) {
  char buf[CUBE_VOLUME_NAME_LEN];
  snprintf(buf, sizeof buf, "%s", name);
  char *kind = strrchr(buf, '|');
  if (!kind) return;
  *kind++ = '\0';
  char *subject = strrchr(buf, '|');
  if (!subject) return;
  *subject++ = '\0';
  unescape(buf);
  printf("%s %s %s %s\n", buf, subject, kind, file);
}

static void print_file(hid_t f, const char *file) {
  H5G_info_t gi;
  if (H5Gget_info(f, &gi) < 0) return;
  char name[CUBE_VOLUME_NAME_LEN];
  for (hsize_t i = 0; i < gi.nlinks; i++)
    if (H5Lget_name_by_idx(f, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT) > 0)
      print_one(name, file);
}

static int list(const char *dir) {
  char vdir[4200], path[8400];
  snprintf(vdir, sizeof vdir, "%s/volumes", dir);
  DIR *d = opendir(vdir);
  if (!d) return fprintf(stderr, "kept_volumes: %s: no such folder\n", vdir), 1;
  struct dirent *e;
  int bad = 0;
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n < 4 || strcmp(e->d_name + n - 3, ".h5") != 0) continue;
    snprintf(path, sizeof path, "%s/%s", vdir, e->d_name);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
      fprintf(stderr, "kept_volumes: %s: not an HDF5 file\n", path);
      bad = 1;
      continue;
    }
    print_file(f, e->d_name);
    H5Fclose(f);
  }
  closedir(d);
  return bad;
}

static int get(const char *dir, const char *key, const char *subject, const char *kind,
               const char *out) {
  char vdir[4200], path[8400], name[CUBE_VOLUME_NAME_LEN];
  snprintf(vdir, sizeof vdir, "%s/volumes", dir);
  cube_volume_geom g;
  asl_vol v = {0};
  asl_status st = cube_volumes_name(name, sizeof name, key, subject, kind);
  if (!st) st = cube_volumes_find(vdir, name, path, sizeof path);
  if (!st) st = cube_volumes_read(path, name, &g, &v.data);
  if (!st) {
    v.nx = g.nx, v.ny = g.ny, v.nz = g.nz, v.nt = 1;
    v.dx = g.voxel[0], v.dy = g.voxel[1], v.dz = g.voxel[2];
    memcpy(v.affine, g.affine, sizeof v.affine);
    st = asl_nifti_write(&v, out);
  }
  free(v.data);
  if (st) fprintf(stderr, "kept_volumes: %s\n", asl_error_message());
  return st ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "list")) return list(argv[2]);
  if (argc == 7 && !strcmp(argv[1], "get")) return get(argv[2], argv[3], argv[4], argv[5], argv[6]);
  fprintf(stderr, "usage: kept_volumes list DIR | get DIR KEY SUBJECT KIND OUT.nii.gz\n");
  return 1;
}
