// Every spec in tests/sweeps/bad/ is refused with a FILE:LINE:COL message at
// the position its "# expect: LINE:COL" first line names; every spec in
// tests/sweeps/good/ and examples/ loads.
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sweep/plan.h"

static char dir_path[4096];

static const char *source_dir(void) {
  const char *s = getenv("ASLSWEEP_SOURCE_DIR");
  return s ? s : ".";
}

static int list_yaml(const char *sub, char names[][128], int max) {
  snprintf(dir_path, sizeof dir_path, "%s/%s", source_dir(), sub);
  DIR *d = opendir(dir_path);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < max) {
    size_t len = strlen(e->d_name);
    if (len > 5 && len < 128 && strcmp(e->d_name + len - 5, ".yaml") == 0)
      strcpy(names[n++], e->d_name);
  }
  closedir(d);
  return n;
}

// A diagnostic line reads PATH:LINE:COL: error: TEXT with positive numbers.
static int well_formed(const char *line, const char *path) {
  size_t n = strlen(path);
  if (strncmp(line, path, n) != 0 || line[n] != ':') return 0;
  char *end;
  long l = strtol(line + n + 1, &end, 10);
  if (l < 1 || *end != ':') return 0;
  long c = strtol(end + 1, &end, 10);
  return c >= 1 && strncmp(end, ": error: ", 9) == 0 && strlen(end) > 9;
}

TEST(every_bad_spec_is_refused_at_its_expected_position) {
  static char names[200][128];
  int n = list_yaml("tests/sweeps/bad", names, 200);
  ASSERT(n >= 40);
  for (int i = 0; i < n; i++) {
    char path[4352], want[64] = "";
    snprintf(path, sizeof path, "%s/%.127s", dir_path, names[i]);
    FILE *f = fopen(path, "r");
    ASSERT(f != NULL);
    char first[128] = "";
    if (!fgets(first, sizeof first, f)) first[0] = '\0';
    fclose(f);
    int el = 0, ec = 0;
    if (sscanf(first, "# expect: %d:%d", &el, &ec) != 2) HARNESS_FAIL("%s: no '# expect: L:C' line", path);
    snprintf(want, sizeof want, ":%d:%d: error: ", el, ec);
    sweep_plan p;
    sweep_diags d;
    asl_status st = sweep_plan_load(&p, &d, path, 0, NULL);
    if (st != ASL_ESPEC) HARNESS_FAIL("%s: loaded with status %d", path, st);
    ASSERT(d.n >= 1);
    int found = 0;
    for (int k = 0; k < d.n; k++) {
      if (!well_formed(d.lines[k], path)) HARNESS_FAIL("%s: malformed line '%s'", path, d.lines[k]);
      found |= strncmp(d.lines[k] + strlen(path), want, strlen(want)) == 0;
    }
    if (!found) HARNESS_FAIL("%s: no error at %d:%d; first is '%s'", path, el, ec, d.lines[0]);
    ASSERT_EQ(0, p.n_jobs); // a refused plan holds nothing
    sweep_diags_free(&d);
  }
}

TEST(every_good_spec_and_example_loads) {
  static char names[100][128];
  const char *dirs[] = {"tests/sweeps/good", "examples"};
  int total = 0;
  for (int k = 0; k < 2; k++) {
    int n = list_yaml(dirs[k], names, 100);
    ASSERT(n >= 1);
    for (int i = 0; i < n; i++) {
      char path[4352];
      snprintf(path, sizeof path, "%s/%.127s", dir_path, names[i]);
      sweep_plan p;
      sweep_diags d;
      asl_status st = sweep_plan_load(&p, &d, path, 0, NULL);
      if (st != ASL_OK)
        HARNESS_FAIL("%s: %s", path, d.n ? d.lines[0] : asl_error_message());
      ASSERT(p.n_jobs > 0);
      ASSERT_EQ(p.n_jobs, p.n_train + p.n_infer);
      sweep_plan_free(&p);
      sweep_diags_free(&d);
      total++;
    }
  }
  ASSERT(total >= 3);
}

int main(void) {
  RUN(every_bad_spec_is_refused_at_its_expected_position);
  RUN(every_good_spec_and_example_loads);
  return DONE();
}
