// Matching a plan against the run already in DIR: the old cube's job keys,
// content keys and statuses, and what each new job does with them.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cube/checksum.h"
#include "cube/h5.h"
#include "cube/schema.h"
#include "run/evolve.h"

enum { MAX_SPEC_TEXT = (1 << 20) + 1 };

// A whole (J) fixed-length string dataset as J malloc'd strings.
static asl_status read_strings(hid_t file, cube_ds d, const char *path, int n, char ***out) {
  asl_status st = ASL_OK;
  size_t len = cube_datasets[d].str_len;
  hid_t ds = H5I_INVALID_HID, t = H5I_INVALID_HID;
  char *rows = malloc((size_t)n * len + 1);
  *out = calloc((size_t)n + 1, sizeof **out);
  if (!rows || !*out) {
    st = asl_fail(ASL_ENOMEM, "%s: reading %s", path, cube_ds_path(d));
    goto fail;
  }
  HCHECK(ds = H5Dopen2(file, cube_ds_path(d), H5P_DEFAULT), "%s: open %s", path, cube_ds_path(d));
  HCHECK(t = cube_str_type(len), "string type");
  if (n > 0) HCHECK(H5Dread(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows), "%s: read %s", path,
                    cube_ds_path(d));
  for (int i = 0; i < n; i++) {
    char *r = rows + (size_t)i * len;
    r[len - 1] = '\0';
    if (!((*out)[i] = strdup(r))) {
      st = asl_fail(ASL_ENOMEM, "%s: reading %s", path, cube_ds_path(d));
      goto fail;
    }
  }
fail:
  run_h5_close(&t);
  run_h5_close(&ds);
  free(rows);
  return st;
}

static asl_status read_table(run_evolution *ev, hid_t file, const char *path) {
  asl_status st = ASL_OK;
  hid_t ds = H5I_INVALID_HID, space = H5I_INVALID_HID;
  hsize_t n = 0;
  HCHECK(ds = H5Dopen2(file, cube_ds_path(CUBE_DS_JOB_STATUS), H5P_DEFAULT), "%s: open %s", path,
         cube_ds_path(CUBE_DS_JOB_STATUS));
  HCHECK(space = H5Dget_space(ds), "%s: extent of %s", path, cube_ds_path(CUBE_DS_JOB_STATUS));
  HCHECK(H5Sget_simple_extent_dims(space, &n, NULL), "%s: extent", path);
  ev->n_old = (int)n;
  if (!(ev->old_status = malloc(n + 1))) {
    st = asl_fail(ASL_ENOMEM, "%s: job table", path);
    goto fail;
  }
  if (n > 0) HCHECK(H5Dread(ds, H5T_NATIVE_SCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, ev->old_status),
                    "%s: read %s", path, cube_ds_path(CUBE_DS_JOB_STATUS));
  if (H5Lexists(file, cube_ds_path(CUBE_DS_JOB_CONTENT_KEY), H5P_DEFAULT) <= 0) {
    st = asl_fail(ASL_ESPEC,
                  "%s was written before jobs had content keys, so its results cannot be matched "
                  "to a changed spec: use a new --out directory, or --force-new to discard that run",
                  path);
    goto fail;
  }
  if ((st = read_strings(file, CUBE_DS_JOB_KEY, path, ev->n_old, &ev->old_key)) ||
      (st = read_strings(file, CUBE_DS_JOB_CONTENT_KEY, path, ev->n_old, &ev->old_content)))
    goto fail;
fail:
  run_h5_close(&space);
  run_h5_close(&ds);
  return st;
}

// A done row whose checksum fails is not carried into a grown cube: it is
// treated as not done, so its job runs again (as resume does).
static asl_status drop_unverified(run_evolution *ev, hid_t file, const char *path) {
  cube_verify_result r;
  memset(&r, 0, sizeof r);
  asl_status st = cube_verify_file(file, path, &r);
  if (st) return st;
  int dropped = 0;
  for (int o = 0; o < ev->n_old && o < r.n_jobs; o++)
    if (r.bad_job && r.bad_job[o] && ev->old_status[o] == CUBE_JOB_DONE)
      ev->old_status[o] = CUBE_JOB_PENDING, dropped++;
  if (dropped)
    fprintf(stderr, "aslsweep: warning: %s: %d done rows fail their checksum and run again "
            "(aslsweep verify lists them)\n", path, dropped);
  cube_verify_free(&r);
  return ASL_OK;
}

static asl_status read_old(run_evolution *ev, const char *path) {
  asl_status st = ASL_OK;
  hid_t file = H5I_INVALID_HID;
  // Not an HDF5 file at all is bad input, like a cube of another version.
  if ((file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0)
    return asl_fail(ASL_EFORMAT, "%s: cannot open as an HDF5 file; is it an aslsweep results cube, "
                    "and readable?", path);
  if (cube_check_version(file, path, NULL)) {
    st = ASL_ESPEC;
    goto fail;
  }
  if (!(ev->old_spec = malloc(MAX_SPEC_TEXT))) {
    st = asl_fail(ASL_ENOMEM, "%s: spec attribute", path);
    goto fail;
  }
  if ((st = cube_attr_read_str(file, cube_attr_name(CUBE_ATTR_SPEC), ev->old_spec, MAX_SPEC_TEXT)))
    goto fail;
  st = read_table(ev, file, path);
  if (!st) st = drop_unverified(ev, file, path);
fail:
  run_h5_close(&file);
  return st;
}

typedef struct {
  const char *key;
  int index;
} key_index;

static int by_key(const void *a, const void *b) {
  return strcmp(((const key_index *)a)->key, ((const key_index *)b)->key);
}

static int find(const key_index *v, int n, const char *key) {
  key_index k = {.key = key};
  const key_index *hit = bsearch(&k, v, (size_t)n, sizeof *v, by_key);
  return hit ? hit->index : -1;
}

static void match(run_evolution *ev, const sweep_plan *p, key_index *old) {
  for (int o = 0; o < ev->n_old; o++) {
    old[o] = (key_index){.key = ev->old_key[o], .index = o};
    ev->old_new[o] = -1;
  }
  qsort(old, (size_t)ev->n_old, sizeof *old, by_key);
  for (int j = 0; j < p->n_jobs; j++) {
    int o = find(old, ev->n_old, p->jobs[j].key);
    ev->old_of[j] = o;
    ev->from[j] = -1;
    if (o >= 0) ev->old_new[o] = j;
    if (o >= 0 && strcmp(ev->old_content[o], p->jobs[j].content_key) == 0 &&
        ev->old_status[o] == CUBE_JOB_DONE) {
      ev->from[j] = o;
      ev->action[j] = RUN_EVOLVE_REUSE;
      ev->n_reuse++;
    } else if (o >= 0 && strcmp(ev->old_content[o], p->jobs[j].content_key) != 0) {
      ev->action[j] = RUN_EVOLVE_RERUN;
      ev->n_rerun++;
    } else {
      ev->action[j] = RUN_EVOLVE_RUN;
      ev->n_run++;
    }
  }
  for (int o = 0; o < ev->n_old; o++) ev->n_retire += ev->old_new[o] < 0;
}

asl_status run_evolve_read(run_evolution *ev, const sweep_plan *p, const char *cube_path) {
  memset(ev, 0, sizeof *ev);
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  asl_status st = read_old(ev, cube_path);
  cube_h5_quiet_end(&q);
  if (st) goto fail;
  size_t J = (size_t)p->n_jobs + 1, O = (size_t)ev->n_old + 1;
  key_index *old = malloc(O * sizeof *old);
  ev->old_new = malloc(O * sizeof(int));
  ev->from = malloc(J * sizeof(int));
  ev->old_of = malloc(J * sizeof(int));
  ev->action = malloc(J);
  if (old && ev->old_new && ev->from && ev->old_of && ev->action) match(ev, p, old);
  else st = asl_fail(ASL_ENOMEM, "%s: matching jobs", cube_path);
  free(old);
fail:
  if (st) run_evolve_free(ev);
  return st;
}

void run_evolve_free(run_evolution *ev) {
  for (int o = 0; o < ev->n_old; o++) {
    if (ev->old_key) free(ev->old_key[o]);
    if (ev->old_content) free(ev->old_content[o]);
  }
  free(ev->old_key);
  free(ev->old_content);
  free(ev->old_status);
  free(ev->old_new);
  free(ev->from);
  free(ev->old_of);
  free(ev->action);
  free(ev->old_spec);
  memset(ev, 0, sizeof *ev);
}
