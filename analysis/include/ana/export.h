// Tidy exports of a results cube: CSV (RFC 4180 quoting, a header, LF line
// ends unless CRLF is asked for) or JSON lines.
//
// Row export: one row per finite stored value, i.e. per (experiment, design
// axis labels, subject, stage, metric), with the subject's fold and the
// metadata of the job that wrote it (key, status, seconds, rank, host,
// seed). Columns are the union of every experiment's design axes (empty /
// absent where an experiment lacks one). Values of jobs that are not `done`
// are exported too, with their status, so they can be filtered; tables never
// use them.
//
// Summary export: one row per (experiment, design cell, stage, metric) with
// n, mean, sd, median, q1, q3 over the subjects of done jobs (empty when
// n = 0), the numbers the tables show, and ci95_lo / ci95_hi: the 95%
// percentile bootstrap CI of the mean (ANA_EXPORT_BOOTSTRAP resamples,
// seeded from the cell, so reproducible; empty when n < 2).
#ifndef ANA_EXPORT_H
#define ANA_EXPORT_H

#include <stdio.h>

#include "ana/cube.h"

#define ANA_EXPORT_BOOTSTRAP 2000

typedef enum { ANA_EXPORT_CSV = 0, ANA_EXPORT_JSON = 1 } ana_export_format;
// Record terminator of CSV output (tables and exports). LF by default so
// cut/awk/pandas see clean last fields; CRLF is RFC 4180's own choice, for
// tools that insist on it. JSON lines always end in LF.
typedef enum { ANA_EOL_LF = 0, ANA_EOL_CRLF = 1 } ana_line_ending;

typedef struct {
  ana_export_format format;
  int summary;            // one row per table cell instead of per value
  const char *experiment; // NULL: every experiment
  ana_line_ending eol;
} ana_export_opts;

void ana_export_opts_init(ana_export_opts *o);
// Parses "lf" | "crlf" (ASL_EINVAL otherwise).
asl_status ana_line_ending_parse(ana_line_ending *eol, const char *text);
static inline const char *ana_eol_text(ana_line_ending eol) {
  return eol == ANA_EOL_CRLF ? "\r\n" : "\n";
}
// Writes every experiment of `c` (or only o->experiment).
asl_status ana_export(FILE *out, const ana_cube *c, const ana_export_opts *o);

#endif
