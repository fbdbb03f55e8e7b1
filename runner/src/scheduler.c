// run_sweep: directories, the executor's prepare step, the cube (create or
// resume), then the manager/worker loops, then the collective close.
// nftw is an X/Open interface.
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asl/fs.h"
#include "run/evolve.h"
#include "check.h"
#include "cube_internal.h"
#include "lock.h"
#include "sched.h"

void run_options_default(run_options *o) {
  memset(o, 0, sizeof *o);
  o->threads_per_rank = 1;
  o->max_failures = -1;
  o->grace_s = 60;
}

static asl_status make_dir(const char *path) {
  if (asl_make_dirs(path))
    return asl_fail(ASL_EIO, "%s; choose another --out", asl_error_message());
  if (access(path, W_OK) != 0)
    return asl_fail(ASL_EIO, "%s: output directory is not writable (%s); choose another --out",
                    path, strerror(errno));
  return ASL_OK;
}

// --out under a missing parent: make the parents as `mkdir -p` does.
static asl_status make_parents(const char *path) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *c = buf + 1; *c; c++) {
    if (*c != '/') continue;
    *c = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return asl_fail(ASL_EIO, "%s: cannot create the parent folder %s (%s); choose another --out",
                      path, buf, strerror(errno));
    *c = '/';
  }
  return ASL_OK;
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  return remove(path) != 0 && errno != ENOENT ? -1 : 0;
}

// --force-new: the old run's checkpoints must not seed the new one.
static asl_status remove_tree(const char *path) {
  if (access(path, F_OK) != 0) return ASL_OK;
  if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
    return asl_fail(ASL_EIO, "%s: cannot clear for --force-new (%s)", path, strerror(errno));
  return ASL_OK;
}

// A phantom written for other options (a grown study changed data.phantom)
// moves to the attic so that prepare writes the new one; DIR/data.key
// records the options the phantom in DIR/data was written with.
static asl_status phantom_key(run_sched *sc) {
  char key[4200], data[4200], have[SWEEP_CONTENT_KEY_HEX + 2] = "", dst[4400];
  snprintf(key, sizeof key, "%s/data.key", sc->dir);
  snprintf(data, sizeof data, "%s/data", sc->dir);
  FILE *f = fopen(key, "r");
  if (f) {
    if (!fgets(have, sizeof have, f)) have[0] = '\0';
    fclose(f);
    have[strcspn(have, "\n")] = '\0';
  }
  int has_data = access(data, F_OK) == 0;
  // Data without a key predates content keys: it stays, and only a cube
  // of the same spec (or --force-new) can use it.
  if (has_data && !f) return ASL_OK;
  if (has_data && strcmp(have, sc->p->data_fingerprint) != 0) {
    asl_status st = run_sched_attic(sc);
    if (st) return st;
    snprintf(dst, sizeof dst, "%s/data", sc->attic);
    if (rename(data, dst) != 0)
      return asl_fail(ASL_EIO, "cannot move %s to %s (%s)", data, dst, strerror(errno));
  }
  FILE *w = fopen(key, "w");
  int ok = w && fprintf(w, "%s\n", sc->p->data_fingerprint) > 0;
  if (w && fclose(w) != 0) ok = 0;
  if (!ok) return asl_fail(ASL_EIO, "%s: cannot write (%s); check --out", key, strerror(errno));
  return ASL_OK;
}

// Rank 0: DIR, DIR/checkpoints, DIR/volumes; --force-new clears an old run
// (its cube, checkpoints and phantom data).
static asl_status make_dirs(run_sched *sc) {
  char sub[4200];
  asl_status st = make_parents(sc->dir);
  if (!st) st = make_dir(sc->dir);
  // Before anything in DIR changes: one writer per study.
  if (!st) st = run_lock_take(sc->dir, &sc->lock_fd);
  if (!st && sc->o->force_new) {
    snprintf(sub, sizeof sub, "%s/results.h5", sc->dir);
    if (unlink(sub) != 0 && errno != ENOENT)
      return asl_fail(ASL_EIO, "%s: cannot remove for --force-new (%s)", sub, strerror(errno));
    snprintf(sub, sizeof sub, "%s/checkpoints", sc->dir);
    if ((st = remove_tree(sub))) return st;
    // A phantom written for the old spec may have another shape or seed.
    snprintf(sub, sizeof sub, "%s/data", sc->dir);
    if (!sc->p->bids_root && (st = remove_tree(sub))) return st;
  }
  if (!st && !sc->p->bids_root) st = phantom_key(sc);
  if (!st) {
    snprintf(sub, sizeof sub, "%s/checkpoints", sc->dir);
    st = make_dir(sub);
  }
  if (!st) {
    snprintf(sub, sizeof sub, "%s/volumes", sc->dir);
    st = make_dir(sub);
  }
  return st;
}

asl_status run_sched_prepare(run_sched *sc) {
  asl_status st = ASL_OK;
  if (sc->rank == 0) {
    st = make_dirs(sc);
    if (!st) st = sc->ex.prepare(&sc->ex, sc->p, sc->dir, sc->o->threads_per_rank, 1, &sc->subjects);
  }
  if ((st = run_agree(st, sc->comm))) return st;
  if (sc->rank != 0)
    st = sc->ex.prepare(&sc->ex, sc->p, sc->dir, sc->o->threads_per_rank, 0, &sc->subjects);
  if (!st) st = run_fault("prepare", sc->rank, sc->dir);
  if ((st = run_agree(st, sc->comm))) return st;
  return run_agree_subjects(&sc->subjects, sc->comm);
}

static asl_status write_all(const char *path, const void *buf, size_t n) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return asl_fail(ASL_EIO, "%s: cannot create (%s); check --out", path, strerror(errno));
  const char *at = buf;
  while (n > 0) {
    ssize_t w = write(fd, at, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    at += w, n -= (size_t)w;
  }
  int err = n > 0 ? (errno ? errno : EIO) : fsync(fd) != 0 ? errno : 0;
  if (close(fd) != 0 && !err) err = errno;
  if (!err) return ASL_OK;
  unlink(path);
  return asl_fail(ASL_EIO, "%s: cannot write the new cube (%s); free space (or raise the file-size "
                  "limit) and rerun", path, strerror(err));
}

asl_status run_sched_write_cube(run_sched *sc, const char *tmp) {
  void *image = NULL;
  size_t n = 0;
  asl_status st = run_cube_image(&image, &n, sc->p, &sc->subjects, sc->ex.name);
  if (!st) st = write_all(tmp, image, n);
  free(image);
  return st;
}

// A new cube is made under a temporary name and renamed once complete, so
// a crash during creation never leaves a half-made results.h5 behind.
asl_status run_sched_open_cube(run_sched *sc) {
  char path[4200], tmp[4300];
  snprintf(path, sizeof path, "%s/results.h5", sc->dir);
  snprintf(tmp, sizeof tmp, "%s/results.h5.creating", sc->dir);
  int exists = sc->rank == 0 ? access(path, F_OK) == 0 : 0;
  asl_status st = ASL_OK;
  MPICHECK(MPI_Bcast(&exists, 1, MPI_INT, 0, sc->comm), "sharing whether %s exists", path);
  // A cube of another spec grows into this one on rank 0 (docs/runner.md,
  // "Growing a study") before any rank opens it.
  if (exists && sc->rank == 0) st = run_sched_evolve(sc, path, tmp);
  if ((st = run_agree(st, sc->comm))) return st;
  if ((st = run_sched_part_slices(sc, path, exists))) return st;
  if (!exists) {
    // Rank 0 makes the cube alone, in memory, and writes its bytes: no
    // collective HDF5 call can be left waiting on a rank whose write failed
    // (HDF5 skips its internal barriers there), and a full disk or a
    // file-size limit is a plain write error naming the file.
    if (sc->rank == 0) st = run_sched_write_cube(sc, tmp);
    if (!st) st = run_fault("create", sc->rank, tmp);
    if ((st = run_agree(st, sc->comm))) return st;
    if (sc->rank == 0 && rename(tmp, path) != 0)
      st = asl_fail(ASL_EIO, "%s: cannot rename to %s (%s)", tmp, path, strerror(errno));
    if (!st) st = run_fault("rename", sc->rank, tmp);
    if ((st = run_agree(st, sc->comm))) return st;
  }
  st = run_cube_open(&sc->cube, path, sc->p, sc->comm);
  if (!st) st = run_fault("open", sc->rank, path);
  if (!st && sc->cube.n_subjects != sc->subjects.n)
    st = asl_fail(ASL_ESPEC, "%s holds %d subjects but the data now has %d: use --force-new",
                  path, sc->cube.n_subjects, sc->subjects.n);
fail:
  return run_agree(st, sc->comm);
}

asl_status run_sched_buffers(run_sched *sc) {
  int images = 0;
  for (int e = 0; e < sc->cube.n_exp; e++)
    if (sc->cube.exp[e].n_images > images) images = sc->cube.exp[e].n_images;
  asl_status st = run_result_init(&sc->result, sc->cube.epochs, sc->subjects.n,
                                  sc->p->n_metrics, images);
  if (!st) st = run_result_init(&sc->scratch, sc->cube.epochs, sc->subjects.n, sc->p->n_metrics, 0);
  return st;
}
