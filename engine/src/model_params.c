// Reading a model's text parameters through its descriptor's table: one
// parser for the planner's checks and for model creation.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/desc.h"

const char *nn_param_get(const nn_param *p, int n, const char *key) {
  const char *v = NULL;
  for (int i = 0; i < n; i++)
    if (strcmp(p[i].key, key) == 0) v = p[i].value; // the last one wins
  return v;
}

asl_status nn_desc_size3(const nn_model_desc *d, const char *key, const char *s, int out[3]) {
  const nn_param_desc *pd = nn_param_desc_find(d, key);
  const char *c = s;
  int n = 0, p[3];
  while (n < 3) {
    char *end;
    errno = 0;
    long v = strtol(c, &end, 10);
    if (end == c || errno || v < pd->lo || v > pd->hi) {
      n = 0; // a missing or bad number anywhere
      break;
    }
    p[n++] = (int)v;
    c = end;
    if (n == 3 || *c != ',') break;
    c++;
  }
  if (n == 1 && *c == '\0') p[1] = p[2] = p[0];
  else if (n != 3 || *c != '\0')
    return asl_fail(ASL_EINVAL,
                    "%s.%s must be one size or \"x,y,z\" sizes, each %g..%g "
                    "(e.g. \"8\" or \"8,8,4\"), got '%s'",
                    d->kind, key, pd->lo, pd->hi, s);
  memcpy(out, p, sizeof p);
  return ASL_OK;
}

static int parse_long(const char *v, long *x) {
  char *end;
  errno = 0;
  *x = strtol(v, &end, 10);
  return !errno && end != v && !*end;
}

static int parse_double(const char *v, double *x) {
  char *end;
  errno = 0;
  *x = strtod(v, &end);
  return !errno && end != v && !*end;
}

static asl_status check_enum(const nn_model_desc *d, const nn_param_desc *pd, const char *v) {
  char allowed[128] = "";
  for (const char *const *c = pd->choices; *c; c++) {
    if (strcmp(v, *c) == 0) return ASL_OK;
    if (c != pd->choices) strncat(allowed, ", ", sizeof allowed - strlen(allowed) - 1);
    strncat(allowed, *c, sizeof allowed - strlen(allowed) - 1);
  }
  return asl_fail(ASL_EINVAL, "%s.%s = '%s' is not known (allowed: %s)", d->kind, pd->name, v,
                  allowed);
}

asl_status nn_param_desc_check(const nn_model_desc *d, const nn_param_desc *pd,
                               const char *v) {
  long i;
  double x;
  int size[3];
  switch (pd->type) {
  case NN_PT_INT:
  case NN_PT_ODD:
    if (!parse_long(v, &i) || i < pd->lo || i > pd->hi)
      return asl_fail(ASL_EINVAL, "%s.%s = '%s': need an integer in [%g, %g]", d->kind,
                      pd->name, v, pd->lo, pd->hi);
    if (pd->type == NN_PT_ODD && i % 2 == 0)
      return asl_fail(ASL_EINVAL, "%s.%s must be odd (a cube of side 2r+1), got %ld", d->kind,
                      pd->name, i);
    return ASL_OK;
  case NN_PT_REAL:
    if (!parse_double(v, &x) || !(x >= pd->lo && x <= pd->hi))
      return asl_fail(ASL_EINVAL, "%s.%s = '%s': need a number in [%g, %g]", d->kind, pd->name,
                      v, pd->lo, pd->hi);
    return ASL_OK;
  case NN_PT_SIZE3:
    return nn_desc_size3(d, pd->name, v, size);
  case NN_PT_ENUM:
    return check_enum(d, pd, v);
  }
  return asl_fail(ASL_EINVAL, "%s.%s: unknown parameter type", d->kind, pd->name);
}

// The given value (last wins), else the table's default.
const char *nn_desc_text(const nn_model_desc *d, const nn_param *p, int n, const char *key) {
  const char *v = nn_param_get(p, n, key);
  if (v) return v;
  const nn_param_desc *pd = nn_param_desc_find(d, key);
  ASL_ASSERT(pd != NULL);
  return pd->dflt;
}

int nn_desc_int(const nn_model_desc *d, const nn_param *p, int n, const char *key) {
  return (int)strtol(nn_desc_text(d, p, n, key), NULL, 10);
}

float nn_desc_float(const nn_model_desc *d, const nn_param *p, int n, const char *key) {
  return (float)strtod(nn_desc_text(d, p, n, key), NULL);
}

double nn_desc_number(const nn_model_desc *d, const nn_param *p, int n, const char *key) {
  const char *v = NULL;
  for (int i = 0; i < n; i++)
    if (strcmp(p[i].key, key) == 0 && strcmp(p[i].value, "auto") != 0) v = p[i].value;
  if (!v) v = nn_param_desc_find(d, key)->dflt;
  return strtod(v, NULL);
}
