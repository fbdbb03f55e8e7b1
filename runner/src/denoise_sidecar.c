// Writing and reading the checkpoint sidecar (denoise_sidecar.h). JSON so a
// person (or a script) can read what a checkpoint expects without aslsweep.
#include "denoise_sidecar.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "asl/json.h"
#include "asl/json_write.h"

void run_sidecar_path(const char *ckpt, char *out, size_t n) { snprintf(out, n, "%s.json", ckpt); }

static void put_body(FILE *f, const sweep_plan *p, const sweep_job *jb) {
  const sweep_model *m = &p->models[jb->cond.model];
  fprintf(f, "{\n  \"format\": \"%s\",\n  \"version\": %d,\n  \"spec\": ", RUN_SIDECAR_FORMAT,
          RUN_SIDECAR_VERSION);
  asl_json_write_string(f, p->name);
  fputs(",\n  \"job\": ", f);
  asl_json_write_string(f, jb->key);
  fputs(",\n  \"strategy\": ", f);
  asl_json_write_string(f, jb->cond.strategy);
  fprintf(f, ",\n  \"nav\": %d,\n  \"nav_post\": %d,\n  \"m0\": %s,\n", jb->cond.nav,
          jb->cond.nav_post > 0 ? jb->cond.nav_post : 1, jb->cond.m0 ? "true" : "false");
  fprintf(f,
          "  \"remainder\": \"%s\",\n  \"train_target\": ", p->remainder_error ? "error" : "drop");
  asl_json_write_string(f, jb->cond.train_target[0] ? jb->cond.train_target : "GT100");
  fprintf(f, ",\n  \"grid\": [%d, %d, %d],\n  \"model\": {\"name\": ", p->grid[0], p->grid[1],
          p->grid[2]);
  asl_json_write_string(f, m->name);
  fputs(", \"kind\": ", f);
  asl_json_write_string(f, m->kind);
  fputs(", \"params\": {", f);
  for (int i = 0; i < m->n_params; i++) {
    fputs(i ? ", " : "", f);
    asl_json_write_string(f, m->params[i].key);
    fputs(": ", f);
    asl_json_write_string(f, m->params[i].value);
  }
  fprintf(f, "}},\n  \"in_channels\": %d,\n", 1 + (jb->cond.m0 != 0));
  fputs("  \"normalization\": \"masked-mean\"\n}\n", f);
}

asl_status run_sidecar_write(const sweep_plan *p, int j, const char *ckpt) {
  char path[4300], tmp[4400];
  run_sidecar_path(ckpt, path, sizeof path);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (!f)
    return asl_fail(ASL_EIO, "%s: cannot write the checkpoint sidecar (%s)", tmp, strerror(errno));
  put_body(f, p, &p->jobs[j]);
  int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
  bad |= fclose(f) != 0;
  if (bad || rename(tmp, path) != 0) {
    asl_status st =
        asl_fail(ASL_EIO, "%s: cannot write the checkpoint sidecar (%s)", path, strerror(errno));
    unlink(tmp);
    return st;
  }
  return ASL_OK;
}

static asl_status get_int(const asl_json *d, const char *key, int lo, int hi, int *out,
                          const char *name) {
  double v;
  asl_status st = asl_json_get_number(d, key, &v, name);
  if (st) return st;
  if (v != (int)v || v < lo || v > hi)
    return asl_fail(ASL_EFORMAT, "%s: \"%s\" = %g, expected an integer in %d..%d", name, key, v, lo,
                    hi);
  *out = (int)v;
  return ASL_OK;
}

// The nested members: grid [x, y, z] and model.kind.
static asl_status get_nested(const asl_json *d, run_sidecar *o, const char *name) {
  int g = asl_json_find(d, 0, "grid"), m = asl_json_find(d, 0, "model");
  if (g < 0 || d->nodes[g].type != ASL_JSON_ARRAY || d->nodes[g].count != 3)
    return asl_fail(ASL_EFORMAT, "%s: \"grid\" must be an array of 3 sizes", name);
  int c = d->nodes[g].first;
  for (int a = 0; a < 3; a++, c = d->nodes[c].next) {
    if (d->nodes[c].type != ASL_JSON_NUMBER || d->nodes[c].number < 1)
      return asl_fail(ASL_EFORMAT, "%s: \"grid\" must hold positive sizes", name);
    o->grid[a] = (int)d->nodes[c].number;
  }
  int k = m >= 0 ? asl_json_find(d, m, "kind") : -1;
  const char *ks = k >= 0 ? asl_json_string(d, k) : NULL;
  if (!ks || strlen(ks) >= sizeof o->kind)
    return asl_fail(ASL_EFORMAT, "%s: \"model\" must be an object with a string \"kind\"", name);
  snprintf(o->kind, sizeof o->kind, "%s", ks);
  return ASL_OK;
}

static asl_status parse(const asl_json *d, run_sidecar *o, const char *name) {
  char fmt[64], rem[16];
  asl_status st = asl_json_get_string(d, "format", fmt, sizeof fmt, name);
  if (!st && strcmp(fmt, RUN_SIDECAR_FORMAT) != 0)
    st = asl_fail(ASL_EFORMAT, "%s: \"format\" is '%s', not '%s'", name, fmt, RUN_SIDECAR_FORMAT);
  if (!st) st = get_int(d, "version", 1, RUN_SIDECAR_VERSION, &o->version, name);
  if (!st) st = asl_json_get_string(d, "spec", o->spec, sizeof o->spec, name);
  if (!st) st = asl_json_get_string(d, "job", o->job, sizeof o->job, name);
  if (!st) st = asl_json_get_string(d, "strategy", o->strategy, sizeof o->strategy, name);
  if (!st) st = get_int(d, "nav", 1, 1 << 20, &o->nav, name);
  if (!st) st = get_int(d, "nav_post", 1, 1 << 20, &o->nav_post, name);
  if (!st) st = asl_json_get_bool(d, "m0", &o->m0, name);
  if (!st) st = asl_json_get_string(d, "remainder", rem, sizeof rem, name);
  if (!st) o->remainder_error = strcmp(rem, "error") == 0;
  if (!st)
    st = asl_json_get_string(d, "train_target", o->train_target, sizeof o->train_target, name);
  if (!st) st = get_int(d, "in_channels", 1, 2, &o->in_channels, name);
  if (!st)
    st = asl_json_get_string(d, "normalization", o->normalization, sizeof o->normalization, name);
  if (!st && strcmp(o->normalization, "masked-mean") != 0)
    st = asl_fail(ASL_EFORMAT, "%s: normalization '%s' is not known (expected masked-mean)", name,
                  o->normalization);
  if (!st) st = get_nested(d, o, name);
  return st;
}

asl_status run_sidecar_read(const char *ckpt, run_sidecar *out) {
  char path[4300];
  run_sidecar_path(ckpt, path, sizeof path);
  memset(out, 0, sizeof *out);
  if (access(path, R_OK) != 0)
    return asl_fail(ASL_ENOTFOUND,
                    "%s: missing; the checkpoint's preprocessing is recorded there (copy it "
                    "together with the checkpoint)",
                    path);
  asl_json d;
  asl_status st = asl_json_read_file(&d, path);
  if (st) return st;
  if (d.nodes[0].type != ASL_JSON_OBJECT) st = asl_fail(ASL_EFORMAT, "%s: not a JSON object", path);
  if (!st) st = parse(&d, out, path);
  asl_json_free(&d);
  return st;
}
