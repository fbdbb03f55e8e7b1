// Packed side volumes: the 3D images a run keeps for montages, many per
// HDF5 file (DIR/volumes/rank-R.h5, one file per rank, serial HDF5) instead
// of one NIfTI file per image. Each image is one dataset at the file's root,
// float32 shaped (nz, ny, nx) (x fastest, as NIfTI), named
//   <job key, '%' '/' '|' written %25 %2F %7C>|<subject>|<kind>
// with attributes `shape` (int32 [nx, ny, nz]), `voxel_size` (float32
// [dx, dy, dz], mm) and `affine` (float32 4x4, voxel -> scanner mm).
// docs/cube.md describes the layout for readers outside aslsweep.
#ifndef CUBE_VOLUMES_H
#define CUBE_VOLUMES_H

#include <hdf5.h>
#include <stddef.h>

#include "asl/status.h"

#define CUBE_VOLUME_NAME_LEN 1024

typedef struct {
  int nx, ny, nz;
  float voxel[3];
  float affine[4][4];
} cube_volume_geom;

// A packed file open for appending.
typedef struct {
  hid_t file;
  char path[4200];
  int written; // volumes put since open
} cube_volumes;

// The dataset name of one kept image; ASL_EINVAL when it does not fit.
asl_status cube_volumes_name(char *out, size_t n, const char *job_key, const char *subject,
                             const char *kind);

// Opens `path` for appending, creating it when absent. A file HDF5 cannot
// open (a kill during a flush) is renamed to `path`.damaged (the message
// on stderr names it) and a new one started.
asl_status cube_volumes_open(cube_volumes *w, const char *path);
// Stores one image (nx*ny*nz floats), replacing a dataset of that name.
asl_status cube_volumes_put(cube_volumes *w, const char *name, const cube_volume_geom *g,
                            const float *data);
// Everything put so far reaches the file: a kill after this loses nothing.
asl_status cube_volumes_flush(cube_volumes *w);
void cube_volumes_close(cube_volumes *w);

// Looks for dataset `name` in the packed files (*.h5) of folder `dir`;
// ASL_ENOTFOUND (message naming the folder) when none holds it. `path`
// receives the file that does.
asl_status cube_volumes_find(const char *dir, const char *name, char *path, size_t n);
// 1 when the packed file at `path` opens and holds dataset `name`.
int cube_volumes_holds(const char *path, const char *name);
// Splits a dataset name into its job key (escapes undone), subject and
// kind; ASL_EFORMAT for a name not made by cube_volumes_name.
asl_status cube_volumes_split(const char *name, char *key, size_t key_n, char *subject,
                              size_t subject_n, char *kind, size_t kind_n);
// Copies into w every image of the packed file src_path whose job key
// `want` accepts (returns 1), with its attributes; *copied counts them.
asl_status cube_volumes_copy(cube_volumes *w, const char *src_path,
                             int (*want)(const char *key, void *arg), void *arg, int *copied);
// Reads one image; *data is malloc'ed (nx*ny*nz floats), the caller frees it.
asl_status cube_volumes_read(const char *path, const char *name, cube_volume_geom *g,
                             float **data);

#endif
