// The real executor's kept volumes: one packed HDF5 file per rank
// (DIR/volumes/rank-R.h5, cube/volumes.h) instead of one NIfTI file per
// image, so a study of 10^4 infer jobs leaves a handful of files, not tens
// of thousands. The file is flushed after each job's images: a kill loses at
// most the job in progress, which is rerun anyway.
#include <stdio.h>
#include <stdlib.h>

#include "cube/volumes.h"
#include "exec_asl.h"

struct exa_kept {
  cube_volumes w;
  int dirty; // images put since the last flush
};

static asl_status open_kept(exa_state *x, const run_job_io *io) {
  char path[4300];
  snprintf(path, sizeof path, "%s/rank-%d.h5", io->volumes_dir, io->rank);
  exa_kept *k = calloc(1, sizeof *k);
  if (!k) return asl_fail(ASL_ENOMEM, "kept volumes of rank %d", io->rank);
  asl_status st = cube_volumes_open(&k->w, path);
  if (st) {
    free(k);
    return st;
  }
  x->kept = k;
  return ASL_OK;
}

asl_status exa_keep_put(exa_state *x, const run_job_io *io, const char *job_key,
                        const char *subject, const char *kind, const asl_vol *v) {
  char name[CUBE_VOLUME_NAME_LEN];
  asl_status st = cube_volumes_name(name, sizeof name, job_key, subject, kind);
  if (!st && !x->kept) st = open_kept(x, io);
  if (st) return st;
  cube_volume_geom g = {.nx = v->nx, .ny = v->ny, .nz = v->nz, .voxel = {v->dx, v->dy, v->dz}};
  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 4; c++) g.affine[r][c] = v->affine[r][c];
  st = cube_volumes_put(&x->kept->w, name, &g, v->data);
  if (!st) x->kept->dirty++;
  return st;
}

asl_status exa_keep_flush(exa_state *x) {
  if (!x->kept || !x->kept->dirty) return ASL_OK;
  x->kept->dirty = 0;
  return cube_volumes_flush(&x->kept->w);
}

void exa_keep_close(exa_state *x) {
  if (!x->kept) return;
  cube_volumes_close(&x->kept->w);
  free(x->kept);
  x->kept = NULL;
}
