// Strict, bounded recursive-descent JSON parser (see asl/json.h).
#include "asl/json.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *text;
  size_t len, pos;
  const char *name;
  asl_json *doc;
} parser;

static asl_status fail_at(const parser *p, const char *what) {
  int line = 1, col = 1;
  for (size_t i = 0; i < p->pos && i < p->len; i++) {
    if (p->text[i] == '\n') line++, col = 1;
    else col++;
  }
  return asl_fail(ASL_EFORMAT, "%s:%d:%d: invalid JSON: %s; fix the file (strict JSON, UTF-8)",
                  p->name, line, col, what);
}

static int peek(const parser *p) { return p->pos < p->len ? (unsigned char)p->text[p->pos] : -1; }

static void skip_ws(parser *p) {
  while (p->pos < p->len) {
    char c = p->text[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    p->pos++;
  }
}

static int new_node(parser *p, asl_json_type type) {
  asl_json *d = p->doc;
  if (d->n_nodes >= ASL_JSON_MAX_NODES) return -1;
  if (d->n_nodes == d->cap_nodes) {
    int cap = d->cap_nodes ? d->cap_nodes * 2 : 64;
    asl_json_node *n = realloc(d->nodes, (size_t)cap * sizeof *n);
    if (!n) return -1;
    d->nodes = n, d->cap_nodes = cap;
  }
  asl_json_node *n = &d->nodes[d->n_nodes];
  *n = (asl_json_node){.type = type, .key = -1, .str = -1, .first = -1, .next = -1};
  return d->n_nodes++;
}

static int push_byte(asl_json *d, char c) {
  if (d->n_strings == d->cap_strings) {
    size_t cap = d->cap_strings ? d->cap_strings * 2 : 256;
    char *s = realloc(d->strings, cap);
    if (!s) return -1;
    d->strings = s, d->cap_strings = cap;
  }
  d->strings[d->n_strings++] = c;
  return 0;
}

static int push_utf8(asl_json *d, uint32_t cp) {
  char b[4];
  int n;
  if (cp < 0x80) b[0] = (char)cp, n = 1;
  else if (cp < 0x800) b[0] = (char)(0xC0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
  else if (cp < 0x10000)
    b[0] = (char)(0xE0 | cp >> 12), b[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
    b[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
  else
    b[0] = (char)(0xF0 | cp >> 18), b[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), b[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
  for (int i = 0; i < n; i++)
    if (push_byte(d, b[i]) != 0) return -1;
  return 0;
}

// Length of the valid UTF-8 sequence at s (max bytes available), 0 if invalid.
static int utf8_len(const unsigned char *s, size_t max) {
  int n = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
        : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || (size_t)n > max) return 0;
  for (int i = 1; i < n; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  if (n == 2 && s[0] < 0xC2) return 0; // overlong
  if (n == 3 && s[0] == 0xE0 && s[1] < 0xA0) return 0;
  if (n == 3 && s[0] == 0xED && s[1] >= 0xA0) return 0; // surrogates
  if (n == 4 && (s[0] > 0xF4 || (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90)))
    return 0;
  return n;
}

static int hex4(parser *p, uint32_t *out) {
  if (p->len - p->pos < 4) return -1;
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p->text[p->pos++];
    int h = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
          : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (h < 0) return -1;
    v = v * 16 + (uint32_t)h;
  }
  *out = v;
  return 0;
}

static asl_status parse_escape(parser *p) {
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  if (p->pos >= p->len) return fail_at(p, "unterminated string");
  char c = p->text[p->pos++];
  const char *hit = c ? strchr(from, c) : NULL;
  if (hit) return push_byte(p->doc, to[hit - from]) ? asl_fail(ASL_ENOMEM, "JSON: out of memory") : ASL_OK;
  if (c != 'u') return fail_at(p, "bad escape in string");
  uint32_t cp, lo;
  if (hex4(p, &cp) != 0) return fail_at(p, "bad \\u escape");
  if (cp >= 0xDC00 && cp <= 0xDFFF) return fail_at(p, "lone low surrogate");
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    if (p->len - p->pos < 2 || p->text[p->pos] != '\\' || p->text[p->pos + 1] != 'u')
      return fail_at(p, "lone high surrogate");
    p->pos += 2;
    if (hex4(p, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF) return fail_at(p, "bad surrogate pair");
    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
  }
  if (cp == 0) return fail_at(p, "\\u0000 is not allowed");
  return push_utf8(p->doc, cp) ? asl_fail(ASL_ENOMEM, "JSON: out of memory") : ASL_OK;
}

// Parses a string at p->pos (which holds '"'); *offset gets its arena offset.
static asl_status parse_string(parser *p, int *offset) {
  p->pos++;
  if (p->doc->n_strings > (size_t)ASL_JSON_MAX_BYTES * 2) return fail_at(p, "too much text");
  *offset = (int)p->doc->n_strings;
  for (;;) {
    if (p->pos >= p->len) return fail_at(p, "unterminated string");
    unsigned char c = (unsigned char)p->text[p->pos];
    if (c == '"') break;
    if (c < 0x20) return fail_at(p, "control character in string");
    if (c == '\\') {
      p->pos++;
      asl_status s = parse_escape(p);
      if (s != ASL_OK) return s;
      continue;
    }
    int n = utf8_len((const unsigned char *)p->text + p->pos, p->len - p->pos);
    if (n == 0) return fail_at(p, "invalid UTF-8");
    for (int i = 0; i < n; i++)
      if (push_byte(p->doc, p->text[p->pos++])) return asl_fail(ASL_ENOMEM, "JSON: out of memory");
  }
  p->pos++;
  return push_byte(p->doc, '\0') ? asl_fail(ASL_ENOMEM, "JSON: out of memory") : ASL_OK;
}

static asl_status parse_number(parser *p, int node) {
  size_t start = p->pos;
  if (peek(p) == '-') p->pos++;
  if (peek(p) == '0') p->pos++;
  else if (peek(p) >= '1' && peek(p) <= '9')
    while (peek(p) >= '0' && peek(p) <= '9') p->pos++;
  else return fail_at(p, "bad number");
  if (peek(p) == '.') {
    p->pos++;
    if (!(peek(p) >= '0' && peek(p) <= '9')) return fail_at(p, "digit expected after '.'");
    while (peek(p) >= '0' && peek(p) <= '9') p->pos++;
  }
  if (peek(p) == 'e' || peek(p) == 'E') {
    p->pos++;
    if (peek(p) == '+' || peek(p) == '-') p->pos++;
    if (!(peek(p) >= '0' && peek(p) <= '9')) return fail_at(p, "digit expected in exponent");
    while (peek(p) >= '0' && peek(p) <= '9') p->pos++;
  }
  char buf[64];
  size_t n = p->pos - start;
  if (n >= sizeof buf) return fail_at(p, "number too long");
  memcpy(buf, p->text + start, n);
  buf[n] = '\0';
  double v = strtod(buf, NULL);
  if (!isfinite(v)) return fail_at(p, "number out of range");
  p->doc->nodes[node].number = v;
  return ASL_OK;
}

static asl_status parse_value(parser *p, int depth, int *out);

static int has_key(const parser *p, int obj, const char *key) {
  for (int c = p->doc->nodes[obj].first; c >= 0; c = p->doc->nodes[c].next)
    if (strcmp(p->doc->strings + p->doc->nodes[c].key, key) == 0) return 1;
  return 0;
}

// Array or object at p->pos ('[' or '{'); children are linked in order.
static asl_status parse_container(parser *p, int depth, int node, int object) {
  char close = object ? '}' : ']';
  p->pos++;
  skip_ws(p);
  if (peek(p) == close) return p->pos++, ASL_OK;
  int last = -1;
  for (;;) {
    int key = -1, child;
    skip_ws(p);
    if (object) {
      if (peek(p) != '"') return fail_at(p, "object key (a string) expected");
      asl_status s = parse_string(p, &key);
      if (s != ASL_OK) return s;
      if (has_key(p, node, p->doc->strings + key)) return fail_at(p, "duplicate key");
      skip_ws(p);
      if (peek(p) != ':') return fail_at(p, "':' expected");
      p->pos++;
    }
    asl_status s = parse_value(p, depth + 1, &child);
    if (s != ASL_OK) return s;
    p->doc->nodes[child].key = key;
    if (last < 0) p->doc->nodes[node].first = child;
    else p->doc->nodes[last].next = child;
    last = child;
    p->doc->nodes[node].count++;
    skip_ws(p);
    if (peek(p) == ',') {
      p->pos++;
      continue;
    }
    if (peek(p) == close) return p->pos++, ASL_OK;
    return fail_at(p, object ? "',' or '}' expected" : "',' or ']' expected");
  }
}

static asl_status parse_literal(parser *p, const char *word) {
  size_t n = strlen(word);
  if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0)
    return fail_at(p, "unexpected character");
  p->pos += n;
  return ASL_OK;
}

static asl_status parse_value(parser *p, int depth, int *out) {
  if (depth > ASL_JSON_MAX_DEPTH) return fail_at(p, "nesting too deep");
  skip_ws(p);
  int c = peek(p);
  if (c < 0) return fail_at(p, "unexpected end of text");
  asl_json_type t = c == '{' ? ASL_JSON_OBJECT : c == '[' ? ASL_JSON_ARRAY : c == '"' ? ASL_JSON_STRING
                  : c == 't' ? ASL_JSON_TRUE : c == 'f' ? ASL_JSON_FALSE : c == 'n' ? ASL_JSON_NULL
                  : ASL_JSON_NUMBER;
  int node = new_node(p, t);
  if (node < 0) return fail_at(p, "too many values (or out of memory)");
  *out = node;
  switch (t) {
    case ASL_JSON_OBJECT: return parse_container(p, depth, node, 1);
    case ASL_JSON_ARRAY: return parse_container(p, depth, node, 0);
    case ASL_JSON_STRING: {
      int off = -1;
      asl_status s = parse_string(p, &off);
      p->doc->nodes[node].str = off;
      return s;
    }
    case ASL_JSON_TRUE: return parse_literal(p, "true");
    case ASL_JSON_FALSE: return parse_literal(p, "false");
    case ASL_JSON_NULL: return parse_literal(p, "null");
    default: return parse_number(p, node);
  }
}

asl_status asl_json_parse(asl_json *doc, const char *text, size_t len, const char *name) {
  memset(doc, 0, sizeof *doc);
  parser p = {.text = text, .len = len, .name = name ? name : "JSON", .doc = doc};
  if (len > ASL_JSON_MAX_BYTES) {
    return asl_fail(ASL_EFORMAT, "%s: JSON text of %zu bytes exceeds the %u-byte limit", p.name,
                    len, ASL_JSON_MAX_BYTES);
  }
  // A UTF-8 byte order mark is tolerated: some editors write one.
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) p.pos = 3;
  int root;
  asl_status s = parse_value(&p, 0, &root);
  if (s == ASL_OK) {
    skip_ws(&p);
    if (p.pos != len) s = fail_at(&p, "text after the JSON value");
  }
  if (s != ASL_OK) asl_json_free(doc);
  return s;
}

asl_status asl_json_read_file(asl_json *doc, const char *path) {
  memset(doc, 0, sizeof *doc);
  FILE *f = fopen(path, "rb");
  if (!f) return asl_fail(ASL_ENOTFOUND, "%s: cannot open (%s)", path, strerror(errno));
  char *buf = malloc(ASL_JSON_MAX_BYTES + 1);
  size_t n = buf ? fread(buf, 1, ASL_JSON_MAX_BYTES + 1, f) : 0;
  int err = ferror(f);
  fclose(f);
  asl_status s;
  if (!buf) s = asl_fail(ASL_ENOMEM, "%s: out of memory", path);
  else if (err) s = asl_fail(ASL_EIO, "%s: read error", path);
  else s = asl_json_parse(doc, buf, n, path);
  free(buf);
  return s;
}

void asl_json_free(asl_json *doc) {
  if (!doc) return;
  free(doc->nodes);
  free(doc->strings);
  memset(doc, 0, sizeof *doc);
}

int asl_json_find(const asl_json *doc, int obj, const char *key) {
  if (obj < 0 || obj >= doc->n_nodes || doc->nodes[obj].type != ASL_JSON_OBJECT) return -1;
  for (int c = doc->nodes[obj].first; c >= 0; c = doc->nodes[c].next)
    if (strcmp(doc->strings + doc->nodes[c].key, key) == 0) return c;
  return -1;
}

const char *asl_json_string(const asl_json *doc, int node) {
  if (node < 0 || node >= doc->n_nodes || doc->nodes[node].str < 0) return NULL;
  return doc->strings + doc->nodes[node].str;
}

const char *asl_json_key(const asl_json *doc, int node) {
  if (node < 0 || node >= doc->n_nodes || doc->nodes[node].key < 0) return NULL;
  return doc->strings + doc->nodes[node].key;
}

static asl_status member(const asl_json *doc, const char *key, asl_json_type want, const char *what,
                         const char *name, int *node) {
  *node = asl_json_find(doc, 0, key);
  if (*node < 0) return asl_fail(ASL_ENOTFOUND, "%s: missing field \"%s\"", name, key);
  asl_json_type t = doc->nodes[*node].type;
  if (t == want || (want == ASL_JSON_TRUE && t == ASL_JSON_FALSE)) return ASL_OK;
  return asl_fail(ASL_EFORMAT, "%s: field \"%s\" must be %s", name, key, what);
}

asl_status asl_json_get_number(const asl_json *doc, const char *key, double *out,
                               const char *name) {
  int n;
  asl_status s = member(doc, key, ASL_JSON_NUMBER, "a number", name, &n);
  if (s == ASL_OK) *out = doc->nodes[n].number;
  return s;
}

asl_status asl_json_get_bool(const asl_json *doc, const char *key, int *out, const char *name) {
  int n;
  asl_status s = member(doc, key, ASL_JSON_TRUE, "true or false", name, &n);
  if (s == ASL_OK) *out = doc->nodes[n].type == ASL_JSON_TRUE;
  return s;
}

asl_status asl_json_get_string(const asl_json *doc, const char *key, char *buf, size_t n,
                               const char *name) {
  int node;
  asl_status s = member(doc, key, ASL_JSON_STRING, "a string", name, &node);
  if (s != ASL_OK) return s;
  const char *t = asl_json_string(doc, node);
  if (strlen(t) >= n)
    return asl_fail(ASL_EFORMAT, "%s: field \"%s\" is too long (%zu characters, at most %zu)",
                    name, key, strlen(t), n - 1);
  memcpy(buf, t, strlen(t) + 1);
  return ASL_OK;
}
