// The loaded tree back to block YAML: the spec text stored with a run, after
// overrides and interpolation, that loads again into the same plan.
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "spec.h"

static int write_buf(void *data, unsigned char *bytes, size_t size) {
  sw_buf *b = data;
  sw_buf_add(b, "%.*s", (int)size, (const char *)bytes);
  return !b->oom;
}

static int emit_node(yaml_emitter_t *e, const sw_node *n) {
  yaml_event_t ev;
  if (n->kind == SW_SCALAR) {
    // Plain text stays plain (numbers remain numbers); quoted text is
    // re-quoted so it stays a string.
    yaml_scalar_style_t style = n->quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_ANY_SCALAR_STYLE;
    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)n->str, (int)strlen(n->str),
                                      !n->quoted, n->quoted, style))
      return 0;
    return yaml_emitter_emit(e, &ev);
  }
  int seq = n->kind == SW_SEQ;
  // Short lists of scalars read best in flow style: nav: [2, 4, 8].
  int flow = seq;
  for (int i = 0; i < n->n && flow; i++) flow = n->items[i]->kind == SW_SCALAR;
  int ok = seq ? yaml_sequence_start_event_initialize(
                     &ev, NULL, NULL, 1, flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE)
               : yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
  if (!ok || !yaml_emitter_emit(e, &ev)) return 0;
  for (int i = 0; i < n->n; i++) {
    if (!seq && !emit_node(e, n->keys[i])) return 0;
    if (!emit_node(e, n->items[i])) return 0;
  }
  ok = seq ? yaml_sequence_end_event_initialize(&ev) : yaml_mapping_end_event_initialize(&ev);
  return ok && yaml_emitter_emit(e, &ev);
}

char *sw_yaml_emit(const sw_node *root) {
  yaml_emitter_t e;
  yaml_event_t ev;
  sw_buf b = {0};
  if (!yaml_emitter_initialize(&e)) return NULL;
  yaml_emitter_set_output(&e, write_buf, &b);
  yaml_emitter_set_unicode(&e, 1);
  yaml_emitter_set_width(&e, 100);
  int ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) && yaml_emitter_emit(&e, &ev) &&
           yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
           yaml_emitter_emit(&e, &ev) && emit_node(&e, root) &&
           yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&e, &ev) &&
           yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&e, &ev) &&
           yaml_emitter_flush(&e);
  yaml_emitter_delete(&e);
  if (!ok || b.oom) {
    free(b.s);
    return NULL;
  }
  return b.s;
}
