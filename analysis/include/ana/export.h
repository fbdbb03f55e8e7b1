// Tidy exports of a results cube: CSV (RFC 4180, header, CRLF line ends) or
// JSON lines.
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

// Writes every experiment of `c` (or only `experiment` when not NULL).
asl_status ana_export(FILE *out, const ana_cube *c, ana_export_format fmt, int summary,
                      const char *experiment);

#endif
