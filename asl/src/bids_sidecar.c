// sub-XX_asl.json: the acquisition fields aslsweep needs, checked.
#include <math.h>
#include <string.h>

#include "asl/bids.h"
#include "asl/json.h"

// Times beyond this many seconds are almost surely milliseconds.
#define MAX_SECONDS 10.0

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

// A number, or an array of numbers (one per volume) whose nonzero entries
// must all be equal: m0scan volumes carry 0 in BIDS, and multi-delay
// acquisitions are not supported. `first_only` takes an array's first entry.
static asl_status time_field(const asl_json *d, const char *key, const char *name, int first_only,
                             double *out) {
  int node = asl_json_find(d, 0, key);
  if (node < 0) return asl_fail(ASL_ENOTFOUND, "%s: missing field \"%s\"; add it to the sidecar", name, key);
  const asl_json_node *n = &d->nodes[node];
  if (n->type == ASL_JSON_NUMBER) {
    *out = n->number;
    return check_time(*out, key, name);
  }
  if (n->type != ASL_JSON_ARRAY || n->count == 0)
    return asl_fail(ASL_EFORMAT, "%s: field \"%s\" must be a number or an array of numbers", name, key);
  int have = 0;
  *out = 0.0;
  for (int c = n->first; c >= 0; c = d->nodes[c].next) {
    if (d->nodes[c].type != ASL_JSON_NUMBER)
      return asl_fail(ASL_EFORMAT, "%s: field \"%s\" must hold numbers only", name, key);
    double t = d->nodes[c].number;
    if (first_only) {
      *out = t;
      break;
    }
    if (t == 0.0) continue;
    if (!have) *out = t, have = 1;
    else if (fabs(t - *out) > 1e-6)
      return asl_fail(ASL_EUNSUPPORTED,
                      "%s: \"%s\" varies across volumes (multi-delay ASL); aslsweep needs a single "
                      "post-labeling delay",
                      name, key);
  }
  return check_time(*out, key, name);
}

static asl_status read_types(const asl_json *d, const char *name, asl_bids_sidecar *o) {
  static const char *const labeling[] = {"PCASL", "CASL", "PASL"};
  static const char *const m0[] = {"Separate", "Included", "Estimate", "Absent"};
  asl_status s =
      asl_json_get_string(d, "ArterialSpinLabelingType", o->labeling_type, sizeof o->labeling_type, name);
  if (s != ASL_OK) return s;
  if (!one_of(o->labeling_type, labeling, 3))
    return asl_fail(ASL_EFORMAT, "%s: ArterialSpinLabelingType \"%s\" must be PCASL, CASL or PASL",
                    name, o->labeling_type);
  s = asl_json_get_string(d, "M0Type", o->m0_type, sizeof o->m0_type, name);
  if (s != ASL_OK) return s;
  if (!one_of(o->m0_type, m0, 4))
    return asl_fail(ASL_EFORMAT, "%s: M0Type \"%s\" must be Separate, Included, Estimate or Absent",
                    name, o->m0_type);
  return ASL_OK;
}

static asl_status read_fields(const asl_json *d, const char *name, asl_bids_sidecar *o) {
  asl_status s = read_types(d, name, o);
  if (s == ASL_OK) s = time_field(d, "PostLabelingDelay", name, 0, &o->pld);
  if (s != ASL_OK) return s;
  if (strcmp(o->labeling_type, "PASL") != 0) {
    s = time_field(d, "LabelingDuration", name, 0, &o->labeling_duration);
  } else if (asl_json_find(d, 0, "BolusCutOffDelayTime") >= 0) {
    // QUIPSS II gives one time, Q2TIPS two: the first is the cut-off time TI1.
    s = time_field(d, "BolusCutOffDelayTime", name, 1, &o->labeling_duration);
  }
  if (s != ASL_OK) return s;
  if (strcmp(o->m0_type, "Estimate") == 0) {
    s = asl_json_get_number(d, "M0Estimate", &o->m0_estimate, name);
    if (s != ASL_OK) return s;
    if (!(o->m0_estimate > 0.0))
      return asl_fail(ASL_EFORMAT, "%s: M0Estimate = %g must be positive", name, o->m0_estimate);
  }
  int bs;
  s = asl_json_get_bool(d, "BackgroundSuppression", &bs, name);
  if (s == ASL_OK) o->background_suppression = bs;
  else if (s == ASL_ENOTFOUND) o->background_suppression = -1;
  else return s;
  return ASL_OK;
}

asl_status asl_bids_parse_sidecar(const char *text, size_t len, const char *name,
                                  asl_bids_sidecar *out) {
  memset(out, 0, sizeof *out);
  asl_json d;
  asl_status s = asl_json_parse(&d, text, len, name);
  if (s != ASL_OK) return s;
  if (d.nodes[0].type != ASL_JSON_OBJECT) s = asl_fail(ASL_EFORMAT, "%s: the sidecar must be a JSON object", name);
  else s = read_fields(&d, name, out);
  asl_json_free(&d);
  return s;
}

asl_status asl_bids_read_sidecar(const char *path, asl_bids_sidecar *out) {
  memset(out, 0, sizeof *out);
  asl_json d;
  asl_status s = asl_json_read_file(&d, path);
  if (s == ASL_ENOTFOUND)
    return asl_fail(ASL_ENOTFOUND,
                    "%s: missing sidecar; BIDS-ASL needs it (ArterialSpinLabelingType, M0Type, "
                    "PostLabelingDelay, LabelingDuration)",
                    path);
  if (s != ASL_OK) return s;
  if (d.nodes[0].type != ASL_JSON_OBJECT) s = asl_fail(ASL_EFORMAT, "%s: the sidecar must be a JSON object", path);
  else s = read_fields(&d, path, out);
  asl_json_free(&d);
  return s;
}
