// Parses spec text with libyaml's document API into the positioned tree.
// Aliases are expanded into copies, bounded by SW_MAX_NODES and SW_MAX_DEPTH
// so that alias bombs and self-referencing anchors end in an error.
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "spec.h"

typedef struct {
  sw_ctx *c;
  yaml_document_t *doc;
  const char *src;
  int failed;              // a limit was hit; reported once
} conv;

static sw_node *convert(conv *v, yaml_node_t *y, int depth);

static void limit_hit(conv *v, const yaml_node_t *y, const char *what) {
  if (!v->failed)
    sw_error_at(v->c, v->src, (int)y->start_mark.line + 1, (int)y->start_mark.column + 1,
                "%s; a sweep spec is small (check anchors and aliases)", what);
  v->failed = 1;
}

static sw_node *convert_scalar(conv *v, yaml_node_t *y, sw_node *n) {
  size_t len = y->data.scalar.length;
  n->str = malloc(len + 1);
  if (!n->str) return NULL;
  memcpy(n->str, y->data.scalar.value, len);
  n->str[len] = '\0';
  // A quoted or block scalar is text: never a number. (The document API
  // gives every untagged scalar the !!str tag, so tags cannot tell.)
  n->quoted = y->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
  return n;
}

static sw_node *convert(conv *v, yaml_node_t *y, int depth) {
  if (!y) return NULL;
  if (depth > SW_MAX_DEPTH) {
    limit_hit(v, y, "nesting deeper than 64 levels");
    return NULL;
  }
  sw_kind kind = y->type == YAML_MAPPING_NODE    ? SW_MAP
                 : y->type == YAML_SEQUENCE_NODE ? SW_SEQ
                                                 : SW_SCALAR;
  sw_node *n = sw_node_new(v->c, kind, v->src, (int)y->start_mark.line + 1,
                           (int)y->start_mark.column + 1);
  if (!n) {
    limit_hit(v, y, "more than 200000 nodes");
    return NULL;
  }
  if (kind == SW_SCALAR) {
    if (!convert_scalar(v, y, n)) goto fail;
    return n;
  }
  if (kind == SW_SEQ) {
    for (yaml_node_item_t *it = y->data.sequence.items.start; it < y->data.sequence.items.top;
         it++) {
      sw_node *item = convert(v, yaml_document_get_node(v->doc, *it), depth + 1);
      if (!item || sw_node_push(n, item)) {
        sw_node_free(item);
        goto fail;
      }
    }
    return n;
  }
  for (yaml_node_pair_t *pr = y->data.mapping.pairs.start; pr < y->data.mapping.pairs.top; pr++) {
    yaml_node_t *yk = yaml_document_get_node(v->doc, pr->key);
    if (yk && yk->type != YAML_SCALAR_NODE) {
      sw_error_at(v->c, v->src, (int)yk->start_mark.line + 1, (int)yk->start_mark.column + 1,
                  "a mapping key must be a plain name, not a %s",
                  yk->type == YAML_MAPPING_NODE ? "mapping" : "sequence");
      continue;
    }
    sw_node *k = convert(v, yk, depth + 1);
    sw_node *val = k ? convert(v, yaml_document_get_node(v->doc, pr->value), depth + 1) : NULL;
    if (!val || sw_map_push(n, k, val)) {
      sw_node_free(k);
      sw_node_free(val);
      goto fail;
    }
  }
  return n;
fail:
  sw_node_free(n);
  return NULL;
}

// libyaml's reader errors carry a byte offset instead of a mark.
static void offset_to_pos(const char *text, size_t len, size_t off, int *line, int *col) {
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < off && i < len; i++) {
    if (text[i] == '\n') {
      (*line)++;
      *col = 1;
    } else {
      (*col)++;
    }
  }
}

static void report_parser(sw_ctx *c, const char *src, yaml_parser_t *ps, const char *text,
                          size_t len) {
  int line = (int)ps->problem_mark.line + 1, col = (int)ps->problem_mark.column + 1;
  if (ps->error == YAML_READER_ERROR) offset_to_pos(text, len, ps->problem_offset, &line, &col);
  // At the end of input libyaml points past the last line; name the end of
  // the text instead (a truncated override is then reported on its line 1).
  int end_line, end_col;
  offset_to_pos(text, len, len, &end_line, &end_col);
  if (line > end_line || (line == end_line && col > end_col)) {
    line = end_line;
    col = end_col;
  }
  const char *problem = ps->problem ? ps->problem : "malformed YAML";
  if (ps->context)
    sw_error_at(c, src, line, col, "malformed YAML: %s %s", problem, ps->context);
  else
    sw_error_at(c, src, line, col, "malformed YAML: %s", problem);
}

// libyaml's document loader is quadratic in bracket depth (200k `[` take
// minutes), so the depth limit is enforced on the event stream first: the
// scan stops at the first node nested deeper than SW_MAX_DEPTH, having read
// only that far. Returns 1 when it reported a refusal. Parse errors are left
// to the loader, which reports them with their position.
static int depth_prescan(sw_ctx *c, const char *src, const char *text, size_t len) {
  yaml_parser_t ps;
  yaml_event_t ev;
  int level = 0, refused = 0;
  if (!yaml_parser_initialize(&ps)) return 0;
  yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
  while (!refused && yaml_parser_parse(&ps, &ev)) {
    yaml_event_type_t t = ev.type;
    int node = t == YAML_SCALAR_EVENT || t == YAML_ALIAS_EVENT ||
               t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT;
    if (node && level > SW_MAX_DEPTH) {
      sw_error_at(c, src, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
                  "nesting deeper than 64 levels; a sweep spec is small (check anchors and "
                  "aliases)");
      refused = 1;
    }
    if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) level++;
    else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT) level--;
    int end = t == YAML_STREAM_END_EVENT;
    yaml_event_delete(&ev);
    if (end) break;
  }
  yaml_parser_delete(&ps);
  return refused;
}

sw_node *sw_yaml_parse(sw_ctx *c, const char *src, const char *text, size_t len) {
  yaml_parser_t ps;
  yaml_document_t doc;
  sw_node *root = NULL;
  if (depth_prescan(c, src, text, len)) return NULL;
  if (!yaml_parser_initialize(&ps)) {
    sw_error_at(c, src, 1, 1, "out of memory starting the YAML parser");
    return NULL;
  }
  yaml_parser_set_input_string(&ps, (const unsigned char *)text, len);
  if (!yaml_parser_load(&ps, &doc)) {
    report_parser(c, src, &ps, text, len);
    yaml_parser_delete(&ps);
    return NULL;
  }
  yaml_node_t *top = yaml_document_get_root_node(&doc);
  if (!top) {
    sw_error_at(c, src, 1, 1, "the spec is empty; it needs at least `data:`");
  } else {
    conv v = {c, &doc, src, 0};
    root = convert(&v, top, 0);
    if (!root && !v.failed) sw_error_at(c, src, 1, 1, "out of memory reading the spec");
  }
  yaml_document_delete(&doc);
  if (root) {
    // A second document would be silently ignored: refuse it.
    yaml_document_t next;
    if (!yaml_parser_load(&ps, &next)) {
      report_parser(c, src, &ps, text, len);
      sw_node_free(root);
      root = NULL;
    } else {
      yaml_node_t *extra = yaml_document_get_root_node(&next);
      if (extra) {
        sw_error_at(c, src, (int)extra->start_mark.line + 1, (int)extra->start_mark.column + 1,
                    "a second YAML document; a spec is one document (remove the `---`)");
        sw_node_free(root);
        root = NULL;
      }
      yaml_document_delete(&next);
    }
  }
  yaml_parser_delete(&ps);
  return root;
}
