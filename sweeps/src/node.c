// The positioned YAML tree used while loading a spec.
#include <stdlib.h>
#include <string.h>

#include "spec.h"

sw_node *sw_node_new(sw_ctx *c, sw_kind kind, const char *src, int line, int col) {
  if (c->n_nodes >= SW_MAX_NODES) return NULL;
  sw_node *n = calloc(1, sizeof *n);
  if (!n) return NULL;
  c->n_nodes++;
  n->kind = kind;
  n->src = src;
  n->line = line;
  n->col = col;
  return n;
}

sw_node *sw_scalar_new(sw_ctx *c, const char *text, const sw_node *at) {
  sw_node *n = sw_node_new(c, SW_SCALAR, at->src, at->line, at->col);
  if (!n) return NULL;
  n->str = sw_strdup(text);
  if (!n->str) {
    free(n);
    return NULL;
  }
  return n;
}

static int grow(sw_node *n) {
  // Capacity doubles at powers of two; n->n is the count before the push.
  if (n->n & (n->n - 1)) return 0;
  size_t cap = n->n ? (size_t)n->n * 2 : 1;
  sw_node **items = realloc(n->items, cap * sizeof *items);
  if (!items) return -1;
  n->items = items;
  if (n->kind == SW_MAP) {
    sw_node **keys = realloc(n->keys, cap * sizeof *keys);
    if (!keys) return -1;
    n->keys = keys;
  }
  return 0;
}

int sw_node_push(sw_node *seq, sw_node *item) {
  if (grow(seq)) return -1;
  seq->items[seq->n++] = item;
  return 0;
}

int sw_map_push(sw_node *map, sw_node *key, sw_node *value) {
  if (grow(map)) return -1;
  map->keys[map->n] = key;
  map->items[map->n++] = value;
  return 0;
}

sw_node *sw_node_copy(sw_ctx *c, const sw_node *n, int depth) {
  if (depth > SW_MAX_DEPTH) return NULL;
  sw_node *m = sw_node_new(c, n->kind, n->src, n->line, n->col);
  if (!m) return NULL;
  m->quoted = n->quoted;
  m->state = n->state;
  if (n->str && !(m->str = sw_strdup(n->str))) goto fail;
  for (int i = 0; i < n->n; i++) {
    sw_node *v = sw_node_copy(c, n->items[i], depth + 1);
    if (!v) goto fail;
    sw_node *k = n->kind == SW_MAP ? sw_node_copy(c, n->keys[i], depth + 1) : NULL;
    if (n->kind == SW_MAP && !k) {
      sw_node_free(v);
      goto fail;
    }
    if ((n->kind == SW_MAP ? sw_map_push(m, k, v) : sw_node_push(m, v)) != 0) {
      sw_node_free(v);
      sw_node_free(k);
      goto fail;
    }
  }
  return m;
fail:
  sw_node_free(m);
  return NULL;
}

void sw_node_free(sw_node *n) {
  if (!n) return;
  for (int i = 0; i < n->n; i++) {
    sw_node_free(n->items[i]);
    if (n->kind == SW_MAP) sw_node_free(n->keys[i]);
  }
  free(n->items);
  free(n->keys);
  free(n->str);
  free(n);
}

sw_node *sw_map_get(const sw_node *map, const char *key) {
  if (!map || map->kind != SW_MAP) return NULL;
  // The last duplicate wins, as in most YAML loaders; duplicates are errors
  // anyway (sw_check_keys).
  for (int i = map->n - 1; i >= 0; i--)
    if (strcmp(map->keys[i]->str, key) == 0) return map->items[i];
  return NULL;
}

const sw_node *sw_map_key(const sw_node *map, const char *key) {
  if (!map || map->kind != SW_MAP) return NULL;
  for (int i = map->n - 1; i >= 0; i--)
    if (strcmp(map->keys[i]->str, key) == 0) return map->keys[i];
  return NULL;
}

const char *sw_ctx_source(sw_ctx *c, const char *name) {
  for (int i = 0; i < c->n_src; i++)
    if (strcmp(c->src[i], name) == 0) return c->src[i];
  if (c->n_src >= (int)(sizeof c->src / sizeof c->src[0])) return "<source>";
  char *s = sw_strdup(name);
  if (!s) return "<source>";
  c->src[c->n_src++] = s;
  return s;
}

void sw_ctx_free(sw_ctx *c) {
  for (int i = 0; i < c->n_src; i++) free(c->src[i]);
  c->n_src = 0;
}
