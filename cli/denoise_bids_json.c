// The JSON of the BIDS-App form of denoise: the checkpoint sidecar read
// (what the model expects), and each output's sidecar written.
#define _XOPEN_SOURCE 700 // realpath
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asl/json.h"
#include "asl/json_write.h"
#include "asl/sha256.h"
#include "denoise_bids.h"
#include "denoise_bids_out.h"

static asl_status get_int(const asl_json *d, const char *key, int *out, const char *name) {
  double v;
  asl_status st = asl_json_get_number(d, key, &v, name);
  if (!st && (v != (int)v || v < 1))
    st = asl_fail(ASL_EFORMAT, "%s: \"%s\" = %g, expected a positive integer", name, key, v);
  if (!st) *out = (int)v;
  return st;
}

static asl_status get_model(const asl_json *d, dbids_ckpt *ck, const char *name) {
  int m = asl_json_find(d, 0, "model");
  int k = m >= 0 ? asl_json_find(d, m, "kind") : -1, nm = m >= 0 ? asl_json_find(d, m, "name") : -1;
  const char *ks = k >= 0 ? asl_json_string(d, k) : NULL;
  const char *ns = nm >= 0 ? asl_json_string(d, nm) : NULL;
  if (!ks) return asl_fail(ASL_EFORMAT, "%s: \"model\" must be an object with a string \"kind\"", name);
  snprintf(ck->kind, sizeof ck->kind, "%s", ks);
  snprintf(ck->name, sizeof ck->name, "%s", ns ? ns : ks);
  return ASL_OK;
}

// Only what the outputs record and the checks before loading need; the
// denoising itself reads the sidecar again with every check (run/denoise.h).
asl_status dbids_read_ckpt(const char *checkpoint, dbids_ckpt *ck) {
  char path[4200], rem[16] = "drop";
  memset(ck, 0, sizeof *ck);
  asl_status st = asl_sha256_file(checkpoint, ck->sha256);
  if (st == ASL_ENOTFOUND)
    return asl_fail(ASL_ENOTFOUND, "%s: cannot read the checkpoint (missing)", checkpoint);
  if (st) return st;
  if (!realpath(checkpoint, ck->path)) snprintf(ck->path, sizeof ck->path, "%s", checkpoint);
  snprintf(path, sizeof path, "%s.json", checkpoint);
  asl_json d;
  st = asl_json_read_file(&d, path);
  if (st == ASL_ENOTFOUND)
    return asl_fail(ASL_ENOTFOUND,
                    "%s: missing; the checkpoint's preprocessing is recorded there (copy it "
                    "together with the checkpoint)",
                    path);
  if (st) return st;
  if (d.nodes[0].type != ASL_JSON_OBJECT) st = asl_fail(ASL_EFORMAT, "%s: not a JSON object", path);
  if (!st) st = asl_json_get_string(&d, "strategy", ck->strategy, sizeof ck->strategy, path);
  if (!st) st = get_int(&d, "nav", &ck->nav, path);
  if (!st) st = get_int(&d, "nav_post", &ck->nav_post, path);
  if (!st) st = asl_json_get_bool(&d, "m0", &ck->m0, path);
  if (!st && asl_json_find(&d, 0, "remainder") >= 0)
    st = asl_json_get_string(&d, "remainder", rem, sizeof rem, path);
  if (!st) ck->remainder_error = strcmp(rem, "error") == 0;
  if (!st) st = get_model(&d, ck, path);
  asl_json_free(&d);
  return st;
}

static void key_str(FILE *f, const char *key, const char *v) {
  fprintf(f, "  \"%s\": ", key);
  asl_json_write_string(f, v);
  fputs(",\n", f);
}

static void put_sources(FILE *f, const dbids_out *o) {
  fputs("  \"Sources\": [", f);
  for (int i = 0; i < o->n_sources; i++) {
    fputs(i ? ", " : "", f);
    asl_json_write_string(f, o->sources[i]);
  }
  fputs("],\n", f);
}

static void put_scales(FILE *f, const dbids_out *o) {
  fputs("  \"NormalizationScale\": [", f);
  for (int i = 0; i < o->n_scales; i++) fprintf(f, "%s%.9g", i ? ", " : "", o->scales[i]);
  fputs("],\n", f);
  if (o->m0_scale > 0.0) fprintf(f, "  \"M0NormalizationScale\": %.9g,\n", o->m0_scale);
}

static void put_body(FILE *f, const dbids_ckpt *ck, const dbids_out *o) {
  fputs("{\n  \"Description\": \"ASL difference (deltaM) images denoised by aslsweep: the scan's "
        "control/label pairs subtracted, pre-averaged, normalized by each image's masked mean, "
        "through the network, scale restored, post-averaged; one volume per final image\",\n",
        f);
  put_sources(f, o);
  fputs("  \"SkullStripped\": false,\n", f);
  if (o->tr > 0.0) fprintf(f, "  \"RepetitionTime\": %.9g,\n", o->tr);
  key_str(f, "ArterialSpinLabelingType", o->labeling_type);
  key_str(f, "M0Type", o->m0_type);
  if (o->pld > 0.0) fprintf(f, "  \"PostLabelingDelay\": %.9g,\n", o->pld);
  key_str(f, "M0", o->m0);
  key_str(f, "BrainMask", o->mask);
  key_str(f, "Checkpoint", ck->path);
  key_str(f, "CheckpointSHA256", ck->sha256);
  key_str(f, "ModelKind", ck->kind);
  key_str(f, "ModelName", ck->name);
  key_str(f, "Strategy", ck->strategy);
  fprintf(f, "  \"Nav\": %d,\n  \"NavPost\": %d,\n  \"M0Channel\": %s,\n", ck->nav, o->nav_post,
          ck->m0 ? "true" : "false");
  fprintf(f, "  \"DifferenceImages\": %d,\n  \"PreAveragedImages\": %d,\n  \"Volumes\": %d,\n",
          o->n_deltam, o->n_images, o->n_final);
  key_str(f, "Normalization", "masked-mean");
  put_scales(f, o);
  fprintf(f, "  \"AslsweepVersion\": \"%s\"\n}\n", ASLSWEEP_VERSION);
}

asl_status dbids_write_sidecar(const char *path, const dbids_ckpt *ck, const dbids_out *o) {
  FILE *f = fopen(path, "w");
  if (!f) return asl_fail(ASL_EIO, "%s: cannot write (%s)", path, strerror(errno));
  put_body(f, ck, o);
  return fclose(f) ? asl_fail(ASL_EIO, "%s: write failed (disk full?)", path) : ASL_OK;
}
