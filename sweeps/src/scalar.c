// Typed reads of spec nodes. Each reports a wrong type or value at the node
// and returns nonzero, so callers keep going and every problem is listed.
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

static const char *kind_name(const sw_node *n) {
  return n->kind == SW_MAP ? "a mapping" : n->kind == SW_SEQ ? "a list" : "a scalar";
}

int sw_get_str(sw_ctx *c, const sw_node *n, const char **out) {
  if (n->state == 3) return -1; // its interpolation failed and was reported
  if (n->kind != SW_SCALAR) {
    sw_error(c, n, "expected a scalar, got %s", kind_name(n));
    return -1;
  }
  *out = n->str;
  return 0;
}

int sw_get_int(sw_ctx *c, const sw_node *n, long min, long max, long *out) {
  if (n->state == 3) return -1; // its interpolation failed and was reported
  if (n->kind != SW_SCALAR) {
    sw_error(c, n, "expected an integer, got %s", kind_name(n));
    return -1;
  }
  char *end;
  errno = 0;
  long v = strtol(n->str, &end, 10);
  if (n->quoted || !*n->str || *end || errno) {
    sw_error(c, n, "expected an integer, got %s'%s'", n->quoted ? "the string " : "", n->str);
    return -1;
  }
  if (v < min || v > max) {
    sw_error(c, n, "%ld is out of range: expected %ld..%ld", v, min, max);
    return -1;
  }
  *out = v;
  return 0;
}

int sw_get_double(sw_ctx *c, const sw_node *n, double min, double max, double *out) {
  if (n->state == 3) return -1; // its interpolation failed and was reported
  if (n->kind != SW_SCALAR) {
    sw_error(c, n, "expected a number, got %s", kind_name(n));
    return -1;
  }
  char *end;
  errno = 0;
  double v = strtod(n->str, &end);
  if (n->quoted || !*n->str || *end || errno || !isfinite(v)) {
    sw_error(c, n, "expected a number, got %s'%s'", n->quoted ? "the string " : "", n->str);
    return -1;
  }
  if (v < min || v > max) {
    sw_error(c, n, "%g is out of range: expected %g..%g", v, min, max);
    return -1;
  }
  *out = v;
  return 0;
}

int sw_get_enum(sw_ctx *c, const sw_node *n, const char *const *names, int count, int *out) {
  const char *s;
  if (sw_get_str(c, n, &s)) return -1;
  for (int i = 0; i < count; i++)
    if (strcmp(s, names[i]) == 0) {
      *out = i;
      return 0;
    }
  // Long lists (hundreds of models) end with a count, never mid-name.
  char allowed[256] = "", hint[96], more[48];
  for (int i = 0; i < count; i++) {
    snprintf(more, sizeof more, " ... and %d more (%d in all)", count - i, count);
    size_t used = strlen(allowed), need = strlen(names[i]) + (i ? 2 : 0);
    if (used + need + (i + 1 < count ? strlen(more) : 0) + 1 > sizeof allowed) {
      snprintf(allowed + used, sizeof allowed - used, "%s", more + (i ? 0 : 1));
      break;
    }
    snprintf(allowed + used, sizeof allowed - used, "%s%s", i ? ", " : "", names[i]);
  }
  sw_error(c, n, "unknown value '%s'%s; expected one of: %s", s,
           sw_suggest(s, names, count, hint, sizeof hint), allowed);
  return -1;
}

int sw_is_map(sw_ctx *c, const sw_node *n, const char *what) {
  if (n->kind == SW_MAP) return 1;
  sw_error(c, n, "%s must be a mapping (key: value lines), got %s", what, kind_name(n));
  return 0;
}

void sw_check_keys(sw_ctx *c, const sw_node *map, const char *what, const char *const *allowed,
                   int n_allowed) {
  for (int i = 0; i < map->n; i++) {
    const sw_node *k = map->keys[i];
    for (int j = 0; j < i; j++)
      if (strcmp(map->keys[j]->str, k->str) == 0) {
        sw_error(c, k, "duplicate key '%s' in %s (first at line %d)", k->str, what,
                 map->keys[j]->line);
        break;
      }
    if (!allowed) continue;
    int known = 0;
    for (int j = 0; j < n_allowed && !known; j++) known = strcmp(k->str, allowed[j]) == 0;
    if (known) continue;
    char hint[96];
    sw_error(c, k, "unknown key '%s' in %s%s", k->str, what,
             sw_suggest(k->str, allowed, n_allowed, hint, sizeof hint));
  }
}
