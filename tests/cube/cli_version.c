// A cube of another format version is refused by every command that reads
// one (status, merge, table, export, plot): exit 2 and a message naming the
// file and both versions. Resume is the mpi test mpi_version.sh.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../analysis/cube_fixture.h"
#include "cube/schema.h"
#include "cli_harness.h"
#include "harness.h"

static char bin[1024], dir[1024], part[1100], cube[1200], out[1100], err_path[1100];

static char captured[1 << 16];

static int run(const char *args) { return cli_run(bin, args, err_path, captured, sizeof captured); }

static int stderr_has(const char *s) { return cli_file_has(err_path, s); }

static void setup(int version) {
  const char *b = getenv("ASLSWEEP_BINARY_DIR");
  snprintf(bin, sizeof bin, "%s/cli/aslsweep", b ? b : ".");
  cf_scratch_path(dir, sizeof dir, "cube_version");
  mkdir(dir, 0777);
  snprintf(part, sizeof part, "%s/part", dir);
  mkdir(part, 0777);
  snprintf(cube, sizeof cube, "%s/results.h5", part);
  snprintf(out, sizeof out, "%s/merged", dir);
  snprintf(err_path, sizeof err_path, "%s/err.txt", dir);
  cf_cube fx;
  cf_cube_default(&fx);
  fx.format_version = version;
  ASSERT_EQ(0, cf_cube_write(&fx, cube));
  cf_cube_free(&fx);
}

// The message every reader gives, for `version` against this build's.
static void expect_refusal(int version) {
  char want[1400];
  snprintf(want, sizeof want, "%s: cube format version %d, this aslsweep reads versions %d to %d;",
           cube, version, CUBE_FORMAT_VERSION_MIN, CUBE_FORMAT_VERSION);
  if (!stderr_has(want)) HARNESS_FAIL("stderr lacks \"%s\"", want);
}

static void all_readers_refuse(int version) {
  char a[4096];
  setup(version);
  for (int k = 0; k < 5; k++) {
    if (k == 0) snprintf(a, sizeof a, "status %s", part);
    if (k == 1) snprintf(a, sizeof a, "merge --out %s %s", out, part);
    if (k == 2) snprintf(a, sizeof a, "table %s", cube);
    if (k == 3) snprintf(a, sizeof a, "export %s --format csv", cube);
    if (k == 4) snprintf(a, sizeof a, "plot %s --x nav -o %s/p.svg", cube, dir);
    if (run(a) != 2) HARNESS_FAIL("aslsweep %s: exit status is not 2", a);
    expect_refusal(version);
  }
}

TEST(a_newer_cube_is_refused_by_status_merge_table_export_plot) {
  all_readers_refuse(CUBE_FORMAT_VERSION + 1);
  ASSERT(stderr_has("the cube is newer"));
}

TEST(an_older_cube_is_refused_by_status_merge_table_export_plot) {
  all_readers_refuse(CUBE_FORMAT_VERSION_MIN - 1);
  ASSERT(stderr_has("the cube is older"));
}

TEST(this_version_is_read_by_status_and_merge) {
  char a[4096];
  setup(CUBE_FORMAT_VERSION);
  snprintf(a, sizeof a, "status %s", part);
  ASSERT(run(a) != 2);
  snprintf(a, sizeof a, "merge --out %s %s", out, part);
  ASSERT(run(a) != 2);
}

int main(void) {
  RUN(a_newer_cube_is_refused_by_status_merge_table_export_plot);
  RUN(an_older_cube_is_refused_by_status_merge_table_export_plot);
  RUN(this_version_is_read_by_status_and_merge);
  return DONE();
}
