// `run` on a DIR made for another spec: rank 0 builds the new cube by the
// normal creation path, carries the reused jobs into it, sorts the job
// files, keeps the old cube in the attic and swaps the new one in with one
// rename. The other ranks wait at the agreement that follows.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cube_internal.h"
#include "run/evolve.h"
#include "run/slice.h"
#include "sched.h"

// Whether the cube at path was written for this spec, and whether it has
// content keys.
static asl_status same_spec(const char *path, const sweep_plan *p, int *same, int *keyed) {
  asl_status st = ASL_OK;
  char have[64] = "", want[17];
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) st = asl_fail(ASL_ESPEC, "open %s for resuming (is it an aslsweep cube, and readable?)", path);
  if (!st && cube_check_version(f, path, NULL)) st = ASL_ESPEC;
  if (!st) st = cube_attr_read_str(f, cube_attr_name(CUBE_ATTR_SPEC_HASH), have, sizeof have);
  *keyed = !st && H5Lexists(f, cube_ds_path(CUBE_DS_JOB_CONTENT_KEY), H5P_DEFAULT) > 0;
  if (f >= 0) H5Fclose(f);
  cube_h5_quiet_end(&q);
  run_spec_hash(p, want);
  *same = strcmp(have, want) == 0;
  return st;
}

// The old cube gets a second name in the attic before any job file moves
// (a file system without hard links stops the growth with nothing changed);
// the new cube then replaces results.h5 with one rename, so results.h5 is
// a whole cube at every instant.
static asl_status keep_old(const char *path, const char *attic) {
  char kept[4400];
  snprintf(kept, sizeof kept, "%s/results.h5", attic);
  if (link(path, kept) != 0)
    return asl_fail(ASL_EIO, "cannot keep %s as %s (%s)", path, kept, strerror(errno));
  return ASL_OK;
}

asl_status run_sched_attic(run_sched *sc) {
  return sc->attic[0] ? ASL_OK : run_attic_make(sc->dir, sc->attic, sizeof sc->attic);
}

static asl_status grow(run_sched *sc, const run_evolution *ev, const char *path, const char *tmp,
                       int same) {
  const char *attic = sc->attic;
  asl_status st = run_sched_write_cube(sc, tmp);
  if (!st) st = run_evolve_adopt(ev, sc->p, path, tmp);
  // A grown part is marked before it replaces the old one, so a kill right
  // after the rename still leaves the kept split on disk.
  if (!st && sc->o->slice_count > 0)
    st = run_slice_mark_file(tmp, sc->p->n_jobs, sc->slice_of, sc->o->slice_index,
                             sc->o->slice_count);
  if (!st) st = run_fault("grow", sc->rank, tmp);
  if (!st) st = run_sched_attic(sc);
  if (!st) st = keep_old(path, attic);
  if (!st) st = run_evolve_files(ev, sc->p, sc->dir, attic);
  if (!st && rename(tmp, path) != 0)
    st = asl_fail(ASL_EIO, "%s: cannot rename to %s (%s)", tmp, path, strerror(errno));
  if (st) {
    unlink(tmp);
    return st;
  }
  snprintf(sc->grown, sizeof sc->grown,
           "grow: %s was written for %s: %d jobs reused, %d new, %d changed, %d retired; "
           "the old cube and the files of jobs not reused are in %s",
           path, same ? "this spec, but the inputs changed" : "another spec", ev->n_reuse,
           ev->n_run, ev->n_rerun, ev->n_retire, attic);
  return ASL_OK;
}

// A part of a job array grows only from a part of the same slice i/K: the
// new split keeps every old job in the slice it had (run_slice_assign_prior),
// so this part keeps, and reuses, exactly the jobs it ran, and every array
// task computes the same split from its own old part. *ok = 0 leaves the
// cube alone (opening it then refuses it, as for any other mismatch).
static asl_status part_split(run_sched *sc, const run_evolution *ev, const char *path, int *ok) {
  char have[64], want[32];
  int found = 0, *old = malloc(sizeof(int) * (size_t)(ev->n_old + 1));
  int *prior = malloc(sizeof(int) * (size_t)(sc->p->n_jobs + 1));
  asl_status st = old && prior ? ASL_OK : asl_fail(ASL_ENOMEM, "%s: slices of %d jobs", path, ev->n_old);
  snprintf(want, sizeof want, "%d/%d", sc->o->slice_index, sc->o->slice_count);
  if (!st) st = run_slice_read(path, ev->n_old, old, &found, have, sizeof have);
  *ok = !st && found && strcmp(have, want) == 0;
  for (int j = 0; *ok && j < sc->p->n_jobs; j++)
    prior[j] = ev->old_of[j] >= 0 ? old[ev->old_of[j]] : -1;
  if (*ok) st = run_slice_assign_prior(sc->p, sc->o->slice_count, prior, sc->slice_of, NULL);
  free(old);
  free(prior);
  return st;
}

asl_status run_sched_evolve(run_sched *sc, const char *path, const char *tmp) {
  int same = 0, keyed = 0, ok = 1;
  asl_status st = same_spec(path, sc->p, &same, &keyed);
  // A cube of this spec without content keys resumes as it always did.
  if (st || (same && !keyed)) return st;
  run_evolution ev;
  if ((st = run_evolve_read(&ev, sc->p, path))) return st;
  // The same spec with every key unchanged is a plain resume; with changed
  // keys (an edited input file, another engine version) the study grows.
  if ((!same || ev.n_rerun > 0) && sc->o->slice_count > 0) st = part_split(sc, &ev, path, &ok);
  if (!st && ok && (!same || ev.n_rerun > 0)) st = grow(sc, &ev, path, tmp, same);
  run_evolve_free(&ev);
  return st;
}

asl_status run_sched_part_slices(run_sched *sc, const char *path, int exists) {
  asl_status st = ASL_OK;
  if (sc->o->slice_count <= 0) return ASL_OK;
  // A part that grew was split by part_split; one resumed keeps the split
  // recorded in it (after growth that is not the plain split of its plan).
  if (sc->rank == 0 && exists && !sc->grown[0]) {
    char text[64];
    int found = 0, *have = malloc(sizeof(int) * (size_t)(sc->p->n_jobs + 1));
    st = have ? run_slice_read(path, sc->p->n_jobs, have, &found, text, sizeof text)
              : asl_fail(ASL_ENOMEM, "%s: slices of %d jobs", path, sc->p->n_jobs);
    if (!st && found)
      memcpy(sc->slice_of, have, sizeof(int) * (size_t)sc->p->n_jobs);
    free(have);
  }
  if ((st = run_agree(st, sc->comm))) return st;
  MPICHECK(MPI_Bcast(sc->slice_of, sc->p->n_jobs, MPI_INT, 0, sc->comm), "sharing the slices of %s",
           path);
fail:
  return run_agree(st, sc->comm);
}
