// Text output helpers shared by tables and exports: RFC 4180 CSV fields,
// JSON strings, LaTeX escaping.
#ifndef ANA_TEXT_OUT_H
#define ANA_TEXT_OUT_H

#include <stdio.h>

// Writes `s` as one CSV field: quoted (with doubled quotes) when it holds a
// comma, a quote, CR or LF, or starts or ends with a space.
void ana_csv_field(FILE *out, const char *s);
// Copies `s` into out (len bytes) with LaTeX's special characters escaped.
void ana_latex_escape(char *out, size_t len, const char *s);
// The shortest text (6 to 9 significant digits) that reads back as the same
// float32, so a parsed export equals the stored value exactly.
void ana_format_float(char *out, size_t len, float v);

#endif
