// A small, strict, bounded JSON reader for BIDS sidecars.
//
// Strict: RFC 8259 grammar only (no comments, no trailing commas, no NaN or
// Infinity, no duplicate keys in one object, valid UTF-8 escapes). Bounded:
// nesting depth, node count and text size have fixed limits, so a hostile
// file costs little and never crashes the reader. Errors carry the source
// name and line:column.
//
// The document is a flat array of nodes; node 0 is the root. Children of an
// array or object are linked by `next` (-1 ends the list).
#ifndef ASL_JSON_H
#define ASL_JSON_H

#include <stddef.h>

#include "asl/status.h"

#define ASL_JSON_MAX_DEPTH 64
#define ASL_JSON_MAX_NODES 20000
#define ASL_JSON_MAX_BYTES (1u << 20)

typedef enum {
  ASL_JSON_NULL,
  ASL_JSON_FALSE,
  ASL_JSON_TRUE,
  ASL_JSON_NUMBER,
  ASL_JSON_STRING,
  ASL_JSON_ARRAY,
  ASL_JSON_OBJECT
} asl_json_type;

typedef struct {
  asl_json_type type;
  int key;        // object member: offset of its key in `strings`, else -1
  int str;        // string: offset of its text in `strings`, else -1
  int first;      // array/object: first child, -1 when empty
  int next;       // next sibling, -1 at the end
  int count;      // array/object: number of children
  double number;  // number value
} asl_json_node;

typedef struct {
  asl_json_node *nodes;
  int n_nodes, cap_nodes;
  char *strings; // NUL-terminated UTF-8 texts, one after the other
  size_t n_strings, cap_strings;
} asl_json;

// Parses `len` bytes of `text` (need not be NUL-terminated); `name` (a file
// path) prefixes error messages. On failure `doc` holds nothing.
asl_status asl_json_parse(asl_json *doc, const char *text, size_t len, const char *name);
// Reads and parses a file.
asl_status asl_json_read_file(asl_json *doc, const char *path);
void asl_json_free(asl_json *doc);

// The member `key` of object node `obj`, or -1 (also when obj is no object).
int asl_json_find(const asl_json *doc, int obj, const char *key);
// Text of a string node, key of a member node (NULL when it has none).
const char *asl_json_string(const asl_json *doc, int node);
const char *asl_json_key(const asl_json *doc, int node);

// Typed lookups of root-object members, with messages naming `name` and the
// key. ASL_ENOTFOUND when absent, ASL_EFORMAT when of the wrong type.
asl_status asl_json_get_number(const asl_json *doc, const char *key, double *out,
                               const char *name);
asl_status asl_json_get_bool(const asl_json *doc, const char *key, int *out, const char *name);
// Copies the string into buf (size n); too long is ASL_EFORMAT.
asl_status asl_json_get_string(const asl_json *doc, const char *key, char *buf, size_t n,
                               const char *name);

#endif
