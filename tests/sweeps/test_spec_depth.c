// The nesting limit (64) is enforced while parsing: a deeply nested spec is
// refused at its 65th level in time linear in the file, not after libyaml
// built the whole (quadratic) document.
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "spec_helpers.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// "name: " then `depth` '[' and as many ']'.
static char *nested(int depth) {
  char *t = malloc((size_t)depth * 2 + 16);
  ASSERT(t != NULL);
  size_t at = (size_t)sprintf(t, "name: ");
  memset(t + at, '[', (size_t)depth);
  memset(t + at + (size_t)depth, ']', (size_t)depth);
  t[at + 2 * (size_t)depth] = '\n';
  t[at + 2 * (size_t)depth + 1] = '\0';
  return t;
}

TEST(two_hundred_thousand_brackets_refused_in_well_under_a_second) {
  char *t = nested(200000);
  sweep_plan p;
  sweep_diags d;
  double t0 = now();
  asl_status st = load_spec(&p, &d, t, 0, NULL);
  double s = now() - t0;
  ASSERT_EQ(ASL_ESPEC, st);
  // The 65th "[" (column 7 + 64) is the first node deeper than 64.
  ASSERT(diag_at(&d, "t.yaml:1:71: error: nesting deeper than 64 levels"));
  // Before the pre-scan this took minutes; generous for a loaded machine
  // and the sanitizer build.
  ASSERT(s < 0.5);
  sweep_diags_free(&d);
  free(t);
}

TEST(depth_64_passes_the_scan_and_65_does_not) {
  sweep_plan p;
  sweep_diags d;
  // name's value at depth 1; 63 more '[' put the innermost list at depth 64.
  char *ok = nested(64);
  asl_status st = load_spec(&p, &d, ok, 0, NULL);
  ASSERT(st != ASL_OK); // `name` must be a string, but not for its depth
  ASSERT(!diag_has(&d, "nesting deeper"));
  sweep_diags_free(&d);
  free(ok);
  char *bad = nested(65);
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d, bad, 0, NULL));
  ASSERT(diag_has(&d, "nesting deeper than 64 levels"));
  sweep_diags_free(&d);
  free(bad);
}

int main(void) {
  RUN(two_hundred_thousand_brackets_refused_in_well_under_a_second);
  RUN(depth_64_passes_the_scan_and_65_does_not);
  return DONE();
}
