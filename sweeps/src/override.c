// Command-line overrides "key.path=value" (Hydra style): the value is parsed
// as YAML flow text (a scalar, [a, b] or {k: v}) and replaces or adds the
// node at the dotted path. Positions read "<override N>:1:COL" where COL is
// the column inside the override string.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

// Parses the value as if it started at column `col` of its line, so that
// libyaml's own positions are already the override's columns.
static sw_node *parse_value(sw_ctx *c, const char *src, const char *value, int col) {
  size_t vlen = strlen(value), pad = (size_t)col - 1;
  char *text = malloc(pad + vlen + 1);
  if (!text) return NULL;
  memset(text, ' ', pad);
  memcpy(text + pad, value, vlen + 1);
  sw_node *n;
  if (vlen == 0) {
    // "key=" sets the empty string.
    n = sw_node_new(c, SW_SCALAR, src, 1, col);
    if (n && !(n->str = sw_strdup(""))) {
      sw_node_free(n);
      n = NULL;
    }
    if (n) n->quoted = 1;
  } else {
    n = sw_yaml_parse(c, src, text, pad + vlen);
  }
  free(text);
  return n;
}

// The child of `parent` named by segment [seg, seg+len), created as an empty
// mapping when absent and `create` is set.
static sw_node **child_slot(sw_ctx *c, sw_node *parent, const char *seg, size_t len,
                            const char *src, int col) {
  char name[256];
  if (len >= sizeof name) len = sizeof name - 1;
  memcpy(name, seg, len);
  name[len] = '\0';
  if (parent->kind == SW_SEQ) {
    char *end;
    long i = strtol(name, &end, 10);
    if (*name && !*end && i >= 0 && i < parent->n) return &parent->items[i];
    sw_error_at(c, src, 1, col, "'%s' is not an index of this list (0..%d)", name, parent->n - 1);
    return NULL;
  }
  if (parent->kind == SW_SCALAR && !parent->quoted &&
      (!*parent->str || strcmp(parent->str, "~") == 0 || strcmp(parent->str, "null") == 0)) {
    // `main: ~` (a null) becomes the mapping the override fills.
    free(parent->str);
    parent->str = NULL;
    parent->kind = SW_MAP;
  }
  if (parent->kind != SW_MAP) {
    sw_error_at(c, src, 1, col, "cannot set '%s' inside the scalar '%s'", name, parent->str);
    return NULL;
  }
  for (int i = parent->n - 1; i >= 0; i--)
    if (strcmp(parent->keys[i]->str, name) == 0) return &parent->items[i];
  sw_node *key = sw_node_new(c, SW_SCALAR, src, 1, col);
  sw_node *val = sw_node_new(c, SW_MAP, src, 1, col);
  if (!key || !val || !(key->str = sw_strdup(name)) || sw_map_push(parent, key, val)) {
    sw_node_free(key);
    sw_node_free(val);
    sw_error_at(c, src, 1, col, "out of memory applying the override");
    return NULL;
  }
  return &parent->items[parent->n - 1];
}

void sw_apply_override(sw_ctx *c, sw_node *root, int index, const char *text) {
  char name[32];
  snprintf(name, sizeof name, "<override %d>", index);
  const char *src = sw_ctx_source(c, name);
  const char *eq = strchr(text, '=');
  if (!eq || eq == text) {
    sw_error_at(c, src, 1, 1, "expected key.path=value, got '%s'", text);
    return;
  }
  // Check every segment before touching the tree.
  for (const char *p = text; p < eq; p++) {
    int bad = (*p == '.' && (p == text || p[1] == '.' || p + 1 == eq));
    if (bad) {
      sw_error_at(c, src, 1, (int)(p - text) + 1, "empty key in '%.*s'", (int)(eq - text), text);
      return;
    }
  }
  int vcol = (int)(eq - text) + 2;
  sw_node *value = parse_value(c, src, eq + 1, vcol);
  if (!value) return;
  sw_node *cur = root;
  sw_node **slot = NULL;
  for (const char *seg = text; seg < eq;) {
    const char *dot = memchr(seg, '.', (size_t)(eq - seg));
    const char *end = dot ? dot : eq;
    slot = child_slot(c, cur, seg, (size_t)(end - seg), src, (int)(seg - text) + 1);
    if (!slot) {
      sw_node_free(value);
      return;
    }
    cur = *slot;
    seg = dot ? dot + 1 : eq;
  }
  sw_node_free(*slot);
  *slot = value;
}
