// Parsing a model's text parameters with range checks.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

const char *nn_param_get(const nn_param *p, int n, const char *key) {
  const char *v = NULL;
  for (int i = 0; i < n; i++)
    if (strcmp(p[i].key, key) == 0) v = p[i].value; // the last one wins
  return v;
}

asl_status nn_param_int(const nn_param *p, int n, const char *kind,
                        const char *key, int def, int lo, int hi, int *out) {
  const char *v = nn_param_get(p, n, key);
  if (!v) {
    *out = def;
    return ASL_OK;
  }
  char *end;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (errno || end == v || *end || x < lo || x > hi)
    return asl_fail(ASL_EINVAL,
                    "model %s: parameter %s = '%s': need an integer in [%d, %d]",
                    kind, key, v, lo, hi);
  *out = (int)x;
  return ASL_OK;
}

asl_status nn_param_float(const nn_param *p, int n, const char *kind,
                          const char *key, double def, double lo, double hi,
                          float *out) {
  const char *v = nn_param_get(p, n, key);
  if (!v) {
    *out = (float)def;
    return ASL_OK;
  }
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (errno || end == v || *end || !(x >= lo && x <= hi))
    return asl_fail(ASL_EINVAL,
                    "model %s: parameter %s = '%s': need a number in [%g, %g]",
                    kind, key, v, lo, hi);
  *out = (float)x;
  return ASL_OK;
}
