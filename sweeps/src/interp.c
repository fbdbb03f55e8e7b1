// ${path.to.key} and ${env:NAME} interpolation, as OmegaConf/Hydra do it.
// A scalar that is exactly one ${path} takes a copy of the node it names (a
// list or a mapping too); inside longer text the referenced node must be a
// scalar. References resolve first (so chains work); a reference back into a
// node being resolved is a cycle and is reported, not followed.
#include <stdlib.h>
#include <string.h>

#include "spec.h"

enum { MAX_CHAIN = 64 };

typedef struct {
  sw_ctx *c;
  sw_node *root;
} interp;

static int resolve(interp *in, sw_node **slot, int depth);

// The slot of the node at dotted `path` (map keys, list indices), or NULL.
static sw_node **lookup(sw_node **root, const char *path) {
  sw_node **cur = root;
  const char *seg = path;
  while (*seg) {
    const char *dot = strchr(seg, '.');
    size_t len = dot ? (size_t)(dot - seg) : strlen(seg);
    sw_node *n = *cur, **next = NULL;
    if (n->kind == SW_MAP) {
      for (int i = n->n - 1; i >= 0 && !next; i--)
        if (strlen(n->keys[i]->str) == len && strncmp(n->keys[i]->str, seg, len) == 0)
          next = &n->items[i];
    } else if (n->kind == SW_SEQ) {
      char *end;
      long i = strtol(seg, &end, 10);
      if (end == seg + len && len > 0 && i >= 0 && i < n->n) next = &n->items[i];
    }
    if (!next) return NULL;
    cur = next;
    seg = dot ? dot + 1 : seg + len;
  }
  return cur;
}

static void mark_done(sw_node *n) {
  if (n->state != 3) n->state = 2;
  for (int i = 0; i < n->n; i++) mark_done(n->items[i]);
}

// Resolves one reference (the text between ${ and }) to its node.
static sw_node *reference(interp *in, sw_node *at, const char *ref, int depth, char *env_out,
                          const char **env_val) {
  *env_val = NULL;
  if (strncmp(ref, "env:", 4) == 0) {
    const char *v = getenv(ref + 4);
    if (!v) sw_error(in->c, at, "environment variable '%s' is not set (export it or override the key)",
                     ref + 4);
    *env_val = v;
    (void)env_out;
    return NULL;
  }
  if (!*ref) {
    sw_error(in->c, at, "empty interpolation '${}'");
    return NULL;
  }
  sw_node **slot = lookup(&in->root, ref);
  if (!slot) {
    sw_error(in->c, at, "interpolation '${%s}' names no key of the spec", ref);
    return NULL;
  }
  if ((*slot)->state == 1) {
    sw_error(in->c, at, "interpolation cycle: '${%s}' refers back to itself", ref);
    return NULL;
  }
  if (resolve(in, slot, depth + 1)) return NULL;
  return *slot;
}

// Rewrites a scalar holding ${...}; returns nonzero after reporting.
static int resolve_scalar(interp *in, sw_node **slot, int depth) {
  sw_node *n = *slot;
  const char *s = n->str;
  size_t len = strlen(s);
  // Whole-node reference: copy the target (list, mapping or scalar).
  if (len > 3 && strncmp(s, "${", 2) == 0 && s[len - 1] == '}' && !strchr(s + 2, '$') &&
      strchr(s, '}') == s + len - 1 && strncmp(s + 2, "env:", 4) != 0) {
    char *ref = sw_strdup(s + 2);
    if (!ref) return -1;
    ref[len - 3] = '\0';
    const char *env;
    sw_node *target = reference(in, n, ref, depth, NULL, &env);
    free(ref);
    if (!target) return -1;
    sw_node *copy = sw_node_copy(in->c, target, 0);
    if (!copy) {
      sw_error(in->c, n, "interpolation expands beyond the size of a sweep spec");
      return -1;
    }
    // The copy keeps the position of the reference: errors in its values
    // point at the line that brought them in.
    mark_done(copy);
    *slot = copy;
    sw_node_free(n);
    return 0;
  }
  int whole = strchr(s, '}') == s + len - 1 && strncmp(s, "${", 2) == 0;
  sw_buf out = {0};
  int bad = 0;
  for (const char *p = s; *p;) {
    const char *open = strstr(p, "${");
    if (!open) {
      sw_buf_add(&out, "%s", p);
      break;
    }
    sw_buf_add(&out, "%.*s", (int)(open - p), p);
    const char *close = strchr(open + 2, '}');
    if (!close) {
      sw_error(in->c, n, "unterminated interpolation '%s' (missing '}')", open);
      bad = 1;
      break;
    }
    char ref[256];
    size_t rl = (size_t)(close - open - 2);
    if (rl >= sizeof ref) rl = sizeof ref - 1;
    memcpy(ref, open + 2, rl);
    ref[rl] = '\0';
    const char *env;
    sw_node *t = reference(in, n, ref, depth, NULL, &env);
    if (env) {
      sw_buf_add(&out, "%s", env);
    } else if (t && t->kind == SW_SCALAR) {
      sw_buf_add(&out, "%s", t->str);
    } else {
      if (t) sw_error(in->c, n, "'${%s}' is a %s; inside text only scalars can be interpolated", ref,
                      t->kind == SW_MAP ? "mapping" : "list");
      bad = 1;
    }
    p = close + 1;
  }
  if (bad || out.oom) {
    free(out.s);
    return -1;
  }
  free(n->str);
  n->str = out.s ? out.s : sw_strdup("");
  // A value that is exactly one ${env:...} takes the type of its text, so
  // "${env:EPOCHS}" may stand for an integer even when quoted (flow style
  // needs the quotes).
  if (whole) n->quoted = 0;
  return n->str ? 0 : -1;
}

static int resolve(interp *in, sw_node **slot, int depth) {
  sw_node *n = *slot;
  if (n->state >= 2) return 0;
  if (depth > MAX_CHAIN) {
    sw_error(in->c, n, "interpolation chain longer than %d references", MAX_CHAIN);
    return -1;
  }
  n->state = 1;
  int bad = 0;
  if (n->kind == SW_SCALAR) {
    if (strstr(n->str, "${")) bad = resolve_scalar(in, slot, depth);
  } else {
    for (int i = 0; i < n->n; i++) bad |= resolve(in, &n->items[i], depth) != 0;
  }
  // On a whole-node reference *slot is now the (done) copy; n is freed.
  // A scalar that failed keeps its ${...} text; state 3 tells the typed
  // reads not to report it a second time.
  if (*slot == n) n->state = bad && n->kind == SW_SCALAR ? 3 : 2;
  return bad ? -1 : 0;
}

void sw_interpolate(sw_ctx *c, sw_node *root) {
  interp in = {c, root};
  sw_node *r = root;
  resolve(&in, &r, 0);
}
