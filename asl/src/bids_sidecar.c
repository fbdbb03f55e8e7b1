// sub-XX_asl.json: the acquisition fields aslsweep needs, checked. Sidecars
// are read as overlays (dataset level first, the scan's own file last) so
// that BIDS inheritance is one loop; the required fields are checked once
// all of them are read.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "asl/bids.h"
#include "asl/json.h"
#include "asl/subject.h"

// Times beyond this many seconds are almost surely milliseconds.
#define MAX_SECONDS 10.0

// Which fields some file has given so far.
enum { HAS_LABELING = 1, HAS_M0TYPE = 2, HAS_PLD = 4, HAS_DURATION = 8, HAS_ESTIMATE = 16 };

static int one_of(const char *s, const char *const *list, int n) {
  for (int i = 0; i < n; i++)
    if (strcmp(s, list[i]) == 0) return 1;
  return 0;
}

static asl_status check_time(double t, const char *key, const char *name) {
  if (!(t > 0.0) || t > MAX_SECONDS)
    return asl_fail(ASL_EFORMAT,
                    "%s: %s = %g is out of range; BIDS gives times in seconds (0 < t <= %g)", name,
                    key, t, MAX_SECONDS);
  return ASL_OK;
}

// A number, or an array of numbers (one per volume) of which the first
// nonzero one is taken (LabelingDuration; BolusCutOffDelayTime's first entry
// is the cut-off time TI1 with `first_only`).
static asl_status time_field(const asl_json *d, int node, const char *key, const char *name,
                             int first_only, double *out) {
  const asl_json_node *n = &d->nodes[node];
  if (n->type == ASL_JSON_NUMBER) {
    *out = n->number;
    return check_time(*out, key, name);
  }
  if (n->type != ASL_JSON_ARRAY || n->count == 0)
    return asl_fail(ASL_EFORMAT, "%s: field \"%s\" must be a number or an array of numbers", name, key);
  *out = 0.0;
  for (int c = n->first; c >= 0; c = d->nodes[c].next) {
    if (d->nodes[c].type != ASL_JSON_NUMBER)
      return asl_fail(ASL_EFORMAT, "%s: field \"%s\" must hold numbers only", name, key);
    if (*out == 0.0 && (first_only || d->nodes[c].number != 0.0)) *out = d->nodes[c].number;
  }
  return check_time(*out, key, name);
}

static void add_pld(asl_bids_sidecar *o, double t) {
  for (int i = 0; i < o->n_plds; i++)
    if (fabs(o->plds[i] - t) < 1e-3) return;
  if (o->n_plds == ASL_BIDS_MAX_PLD) return;
  int i = o->n_plds++;
  for (; i > 0 && o->plds[i - 1] > t; i--) o->plds[i] = o->plds[i - 1];
  o->plds[i] = t;
}

// PostLabelingDelay: one number, or one per volume (m0scan volumes carry 0).
// Several distinct nonzero values make a multi-delay series.
static asl_status pld_field(const asl_json *d, int node, const char *name, asl_bids_sidecar *o) {
  const asl_json_node *n = &d->nodes[node];
  free(o->vol_pld);
  o->vol_pld = NULL, o->n_vol_pld = 0, o->n_plds = 0, o->pld = 0.0;
  if (n->type == ASL_JSON_NUMBER) {
    asl_status s = check_time(n->number, "PostLabelingDelay", name);
    if (s == ASL_OK) add_pld(o, o->pld = n->number);
    return s;
  }
  asl_status s = time_field(d, node, "PostLabelingDelay", name, 0, &o->pld);
  if (s != ASL_OK) return s;
  if (!(o->vol_pld = malloc((size_t)n->count * sizeof *o->vol_pld)))
    return asl_fail(ASL_ENOMEM, "%s: out of memory", name);
  for (int c = n->first; c >= 0; c = d->nodes[c].next) {
    double t = d->nodes[c].number;
    o->vol_pld[o->n_vol_pld++] = t;
    if (t == 0.0) continue;
    if ((s = check_time(t, "PostLabelingDelay", name)) != ASL_OK) return s;
    if (o->n_plds == ASL_BIDS_MAX_PLD)
      return asl_fail(ASL_EUNSUPPORTED, "%s: more than %d distinct PostLabelingDelay values", name,
                      ASL_BIDS_MAX_PLD);
    add_pld(o, t);
  }
  if (o->n_plds > 1) o->pld = 0.0; // no single delay: the PLD choice picks one
  return ASL_OK;
}

// Fields only written into derivatives: a number, or an array's first
// number; anything else is left as 0 rather than refusing a scan for them.
static double lenient_time(const asl_json *d, const char *key, double old) {
  int node = asl_json_find(d, 0, key);
  if (node < 0) return old;
  const asl_json_node *n = &d->nodes[node];
  if (n->type == ASL_JSON_ARRAY && n->count > 0) n = &d->nodes[n->first];
  return n->type == ASL_JSON_NUMBER && n->number > 0.0 ? n->number : 0.0;
}

static asl_status enum_field(const asl_json *d, const char *key, char *buf, size_t size,
                             const char *const *allowed, int n, const char *name) {
  asl_status s = asl_json_get_string(d, key, buf, size, name);
  if (s != ASL_OK) return s;
  if (!one_of(buf, allowed, n))
    return asl_fail(ASL_EFORMAT, "%s: %s \"%s\" must be %s", name, key, buf,
                    n == 3 ? "PCASL, CASL or PASL" : "Separate, Included, Estimate or Absent");
  return ASL_OK;
}

// Every field this file has overrides what farther files gave.
static asl_status overlay(const asl_json *d, const char *name, asl_bids_sidecar *o, int *has) {
  static const char *const labeling[] = {"PCASL", "CASL", "PASL"};
  static const char *const m0[] = {"Separate", "Included", "Estimate", "Absent"};
  asl_status s = ASL_OK;
  int node, bs;
  if (asl_json_find(d, 0, "ArterialSpinLabelingType") >= 0 && (*has |= HAS_LABELING))
    s = enum_field(d, "ArterialSpinLabelingType", o->labeling_type, sizeof o->labeling_type,
                   labeling, 3, name);
  if (s == ASL_OK && asl_json_find(d, 0, "M0Type") >= 0 && (*has |= HAS_M0TYPE))
    s = enum_field(d, "M0Type", o->m0_type, sizeof o->m0_type, m0, 4, name);
  if (s == ASL_OK && (node = asl_json_find(d, 0, "PostLabelingDelay")) >= 0 && (*has |= HAS_PLD))
    s = pld_field(d, node, name, o);
  if (s == ASL_OK && (node = asl_json_find(d, 0, "LabelingDuration")) >= 0 && (*has |= HAS_DURATION))
    s = time_field(d, node, "LabelingDuration", name, 0, &o->labeling_duration);
  // QUIPSS II gives one time, Q2TIPS two: the first is the cut-off time TI1.
  if (s == ASL_OK && (node = asl_json_find(d, 0, "BolusCutOffDelayTime")) >= 0 && !(*has & HAS_DURATION))
    s = time_field(d, node, "BolusCutOffDelayTime", name, 1, &o->labeling_duration);
  if (s == ASL_OK && asl_json_find(d, 0, "M0Estimate") >= 0 && (*has |= HAS_ESTIMATE))
    s = asl_json_get_number(d, "M0Estimate", &o->m0_estimate, name);
  if (s == ASL_OK && asl_json_find(d, 0, "BackgroundSuppression") >= 0)
    if ((s = asl_json_get_bool(d, "BackgroundSuppression", &bs, name)) == ASL_OK)
      o->background_suppression = bs;
  o->repetition_time = lenient_time(d, "RepetitionTime", o->repetition_time);
  o->repetition_time_prep = lenient_time(d, "RepetitionTimePreparation", o->repetition_time_prep);
  return s;
}

static void warn(asl_bids_sidecar *o, const char *what) {
  size_t used = strlen(o->warnings);
  snprintf(o->warnings + used, sizeof o->warnings - used, "%s%s", used ? "; " : "", what);
}

// Fields denoising uses are required; the others only leave a warning.
static asl_status finish(asl_bids_sidecar *o, int has) {
  const char *name = o->source;
  if (!(has & HAS_LABELING))
    return asl_fail(ASL_ENOTFOUND, "%s: missing field \"ArterialSpinLabelingType\"; add it to the sidecar", name);
  if (!(has & HAS_M0TYPE))
    return asl_fail(ASL_ENOTFOUND, "%s: missing field \"M0Type\"; add it to the sidecar", name);
  if (strcmp(o->m0_type, "Estimate") == 0) {
    if (!(has & HAS_ESTIMATE))
      return asl_fail(ASL_ENOTFOUND, "%s: missing field \"M0Estimate\" (M0Type is Estimate); add it to the sidecar", name);
    if (!(o->m0_estimate > 0.0))
      return asl_fail(ASL_EFORMAT, "%s: M0Estimate = %g must be positive", name, o->m0_estimate);
  }
  if (!(has & HAS_PLD)) warn(o, "sidecar lacks PostLabelingDelay (not needed for denoising)");
  if (!(has & HAS_DURATION) && strcmp(o->labeling_type, "PASL") != 0)
    warn(o, "sidecar lacks LabelingDuration (not needed for denoising)");
  return ASL_OK;
}

static asl_status overlay_doc(asl_json *d, const char *name, asl_bids_sidecar *o, int *has) {
  asl_status s = d->nodes[0].type != ASL_JSON_OBJECT
                     ? asl_fail(ASL_EFORMAT, "%s: the sidecar must be a JSON object", name)
                     : overlay(d, name, o, has);
  asl_json_free(d);
  return s;
}

static void start(asl_bids_sidecar *o, const char *name) {
  memset(o, 0, sizeof *o);
  o->background_suppression = -1;
  snprintf(o->source, sizeof o->source, "%s", name);
}

asl_status asl_bids_parse_sidecar(const char *text, size_t len, const char *name,
                                  asl_bids_sidecar *out) {
  start(out, name);
  int has = 0;
  asl_json d;
  asl_status s = asl_json_parse(&d, text, len, name);
  if (s == ASL_OK) s = overlay_doc(&d, name, out, &has);
  if (s == ASL_OK) s = finish(out, has);
  if (s != ASL_OK) asl_bids_sidecar_free(out);
  return s;
}

asl_status asl_bids_read_sidecars(const char *const *paths, int n, asl_bids_sidecar *out) {
  start(out, n > 0 ? paths[n - 1] : "");
  int has = 0, found = 0;
  asl_status s = ASL_OK;
  for (int i = 0; s == ASL_OK && i < n; i++) {
    struct stat st;
    if (stat(paths[i], &st) != 0) continue;
    asl_json d;
    s = asl_json_read_file(&d, paths[i]);
    if (s == ASL_OK) s = overlay_doc(&d, paths[i], out, &has), found++;
  }
  if (s == ASL_OK && !found)
    s = asl_fail(ASL_ENOTFOUND,
                 "%s: missing sidecar; BIDS-ASL needs it (ArterialSpinLabelingType, M0Type, "
                 "PostLabelingDelay, LabelingDuration)",
                 out->source);
  if (s == ASL_OK) s = finish(out, has);
  if (s != ASL_OK) asl_bids_sidecar_free(out);
  return s;
}

asl_status asl_bids_read_sidecar(const char *path, asl_bids_sidecar *out) {
  return asl_bids_read_sidecars(&path, 1, out);
}

void asl_bids_sidecar_free(asl_bids_sidecar *c) {
  free(c->vol_pld);
  c->vol_pld = NULL, c->n_vol_pld = 0;
}

asl_status asl_bids_pld_select(const asl_bids_sidecar *c, const int *types, int n, double pld,
                               const char *tsv, int *keep) {
  int have = 0;
  for (int i = 0; i < c->n_plds; i++) have |= fabs(c->plds[i] - pld) < 1e-3;
  if (!have) {
    char list[256] = "";
    for (int i = 0; i < c->n_plds; i++)
      snprintf(list + strlen(list), sizeof list - strlen(list), "%s%g", i ? ", " : "", c->plds[i]);
    return asl_fail(ASL_EINVAL, "%s: no volume has PostLabelingDelay %g s (the series has %s); pick one of those in data.pld",
                    c->source, pld, c->n_plds ? list : "none");
  }
  if (c->n_vol_pld == 0) { // a single delay: every volume has it
    for (int t = 0; t < n; t++) keep[t] = 1;
    return ASL_OK;
  }
  if (c->n_vol_pld != n)
    return asl_fail(ASL_ESHAPE,
                    "%s: PostLabelingDelay lists %d values but %s has %d rows; give one per volume",
                    c->source, c->n_vol_pld, tsv, n);
  for (int t = 0; t < n; t++) keep[t] = types[t] == ASL_VOL_M0 || fabs(c->vol_pld[t] - pld) < 1e-3;
  return ASL_OK;
}
