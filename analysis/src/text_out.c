#include "text_out.h"

#include <stdlib.h>
#include <string.h>

void ana_csv_field(FILE *out, const char *s) {
  size_t n = strlen(s);
  int quote = strpbrk(s, ",\"\r\n") != NULL || (n > 0 && (s[0] == ' ' || s[n - 1] == ' '));
  if (!quote) {
    fputs(s, out);
    return;
  }
  fputc('"', out);
  for (const char *p = s; *p; p++) {
    if (*p == '"') fputc('"', out);
    fputc(*p, out);
  }
  fputc('"', out);
}

void ana_latex_escape(char *out, size_t len, const char *s) {
  size_t k = 0;
  for (; *s && k + 3 < len; s++) {
    if (strchr("_&%#{}$", *s)) out[k++] = '\\';
    out[k++] = *s;
  }
  out[k] = '\0';
}

void ana_format_float(char *out, size_t len, float v) {
  // 9 significant digits always round-trip a float32; try fewer first so the
  // common values stay short (0.75, not 0.750000000).
  for (int digits = 6; digits <= 9; digits++) {
    snprintf(out, len, "%.*g", digits, (double)v);
    if (strtof(out, NULL) == v) return;
  }
}
