// sub-XX_aslcontext.tsv: one volume type per row of the ASL series.
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "asl/bids.h"
#include "asl/subject.h"
#include "subject_internal.h"

#define MAX_TSV_BYTES (1u << 20)
#define MAX_CELL 64

static const struct {
  const char *name;
  int type;
} kinds[] = {{"control", ASL_VOL_CONTROL}, {"label", ASL_VOL_LABEL}, {"deltam", ASL_VOL_DELTAM},
             {"m0scan", ASL_VOL_M0},       {"cbf", ASL_VOL_OTHER},   {"norf", ASL_VOL_OTHER}};

// One line [start, end) without its line break; returns the next start.
static size_t next_line(const char *t, size_t len, size_t start, size_t *end) {
  size_t i = start;
  while (i < len && t[i] != '\n') i++;
  *end = (i > start && t[i - 1] == '\r') ? i - 1 : i;
  return i < len ? i + 1 : len;
}

// Copies tab-separated cell `col` of the line into buf; -1 when missing or
// too long.
static int cell(const char *t, size_t start, size_t end, int col, char *buf) {
  size_t i = start;
  for (int c = 0; c < col; c++) {
    while (i < end && t[i] != '\t') i++;
    if (i >= end) return -1;
    i++;
  }
  size_t j = i;
  while (j < end && t[j] != '\t') j++;
  if (j - i >= MAX_CELL) return -1;
  memcpy(buf, t + i, j - i);
  buf[j - i] = '\0';
  // Trailing spaces are a common editor slip; tolerate them.
  for (size_t k = j - i; k > 0 && buf[k - 1] == ' '; k--) buf[k - 1] = '\0';
  return 0;
}

static int header_column(const char *t, size_t start, size_t end) {
  char buf[MAX_CELL];
  for (int col = 0; col < 256 && cell(t, start, end, col, buf) == 0; col++)
    if (strcmp(buf, "volume_type") == 0) return col;
  return -1;
}

static int type_of(const char *s) {
  for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
    if (strcasecmp(s, kinds[k].name) == 0) return kinds[k].type;
  return -1;
}

static asl_status parse_rows(const char *text, size_t len, size_t pos, int col, const char *name,
                             int *types, int *n) {
  int line = 2, count = 0, blank_seen = 0;
  char buf[MAX_CELL];
  while (pos < len) {
    size_t end, start = pos;
    pos = next_line(text, len, start, &end);
    if (end == start) {
      blank_seen = line++;
      continue;
    }
    if (blank_seen)
      return asl_fail(ASL_EFORMAT, "%s:%d: blank row inside the table; remove it", name,
                      blank_seen);
    if (cell(text, start, end, col, buf) != 0)
      return asl_fail(ASL_EFORMAT, "%s:%d: row has no volume_type cell (columns are tab-separated)",
                      name, line);
    int t = type_of(buf);
    if (t < 0)
      return asl_fail(ASL_EFORMAT,
                      "%s:%d: unknown volume_type \"%s\"; use control, label, deltam, m0scan, cbf "
                      "or noRF",
                      name, line, buf);
    types[count++] = t;
    line++;
  }
  *n = count;
  return ASL_OK;
}

asl_status asl_bids_parse_aslcontext(const char *text, size_t len, const char *name, int **types,
                                     int *n) {
  *types = NULL, *n = 0;
  if (len > MAX_TSV_BYTES)
    return asl_fail(ASL_EFORMAT, "%s: %zu bytes is too large for an aslcontext table", name, len);
  if (memchr(text, '\0', len))
    return asl_fail(ASL_EFORMAT, "%s: binary data in a text table", name);
  size_t start = (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) ? 3 : 0; // editors' BOM
  size_t end, pos = next_line(text, len, start, &end);
  int col = header_column(text, start, end);
  if (col < 0)
    return asl_fail(ASL_EFORMAT,
                    "%s:1: the header row has no \"volume_type\" column; the first line must be "
                    "volume_type",
                    name);
  // Every row is at least one character plus a newline: len/2 + 1 bounds them.
  int *out = malloc((len / 2 + 1) * sizeof *out);
  if (!out) return asl_fail(ASL_ENOMEM, "%s: out of memory", name);
  asl_status s = parse_rows(text, len, pos, col, name, out, n);
  if (s == ASL_OK && *n == 0)
    s = asl_fail(ASL_EFORMAT, "%s: the table lists no volumes", name);
  if (s != ASL_OK) {
    free(out);
    *n = 0;
    return s;
  }
  *types = out;
  return ASL_OK;
}

asl_status asl_bids_read_aslcontext(const char *path, int **types, int *n) {
  *types = NULL, *n = 0;
  FILE *f = fopen(path, "rb");
  if (!f)
    return asl_fail(ASL_ENOTFOUND,
                    "%s cannot be opened (%s); every ASL series needs its aslcontext.tsv", path,
                    strerror(errno));
  char *buf = malloc(MAX_TSV_BYTES + 1);
  size_t len = buf ? fread(buf, 1, MAX_TSV_BYTES + 1, f) : 0;
  fclose(f);
  if (!buf) return asl_fail(ASL_ENOMEM, "%s: out of memory", path);
  asl_status s = asl_bids_parse_aslcontext(buf, len, path, types, n);
  free(buf);
  return s;
}

asl_status asl_bids_count_deltam(const char *path, int *nt) {
  int *types, n;
  *nt = 0;
  asl_status s = asl_bids_read_aslcontext(path, &types, &n);
  if (s == ASL_OK) s = asl_context_check(types, n, path, nt);
  free(types);
  return s;
}
