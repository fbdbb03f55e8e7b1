// The table / export / plot subcommands end to end through the aslsweep
// binary: argument parsing, exit codes (0 ok, 2 bad usage or input) and
// error messages on stderr.
#include <stdlib.h>
#include <sys/stat.h>

#include "cube_fixture.h"
#include "cli_harness.h"
#include "harness.h"

static char bin[1024], cube[1024], out[1100], err_path[1100];
static char captured[1 << 16];

// Runs `aslsweep ARGS`, captures stdout into `captured`, returns the exit code.
static int run(const char *args) {
  return cli_run(bin, args, err_path, captured, sizeof captured);
}

static int stderr_has(const char *s) { return cli_file_has(err_path, s); }

// The PNG's IHDR width (offset 16) or height (offset 20).
static int png_dim(const char *path, int offset) {
  unsigned char b[24];
  FILE *f = fopen(path, "rb");
  ASSERT(f != NULL);
  ASSERT_EQ(24, fread(b, 1, 24, f));
  fclose(f);
  return b[offset] << 24 | b[offset + 1] << 16 | b[offset + 2] << 8 | b[offset + 3];
}

static void setup(void) {
  const char *b = getenv("ASLSWEEP_BINARY_DIR");
  snprintf(bin, sizeof bin, "%s/cli/aslsweep", b ? b : ".");
  cf_scratch_path(cube, sizeof cube, "ana_cli.h5");
  cf_scratch_path(err_path, sizeof err_path, "ana_cli.err");
  cf_cube fx;
  cf_cube_default(&fx);
  ASSERT_EQ(0, cf_cube_write(&fx, cube));
  cf_cube_free(&fx);
}

TEST(table_command_layouts_and_refusals) {
  char a[4096];
  snprintf(a, sizeof a, "table %s --experiment main --metric ssim", cube);
  ASSERT_EQ(0, run(a));
  ASSERT(strstr(captured, "| nav \\ strategy, m0 |") != NULL);
  ASSERT(strstr(captured, "input (windowed)") != NULL);
  snprintf(a, sizeof a, "table %s --experiment main --rows strategy --cols nav --where m0=on "
           "--metric=nmae --format csv --baseline nav=1 --test ttest", cube);
  ASSERT_EQ(0, run(a));
  ASSERT(strncmp(captured, "experiment,metric,stage,strategy,1 mean", 39) == 0);
  snprintf(a, sizeof a, "table %s --experiment main --rows strategy --cols m0", cube);
  ASSERT_EQ(2, run(a));
  ASSERT(stderr_has("axes not placed: nav (1, 2, 4, 8)"));
  snprintf(a, sizeof a, "table %s --format html", cube);
  ASSERT_EQ(2, run(a));
  ASSERT(stderr_has("--format must be md, latex or csv"));
  ASSERT_EQ(2, run("table /nonexistent/results.h5"));
  ASSERT(stderr_has("/nonexistent/results.h5"));
  ASSERT_EQ(0, run("table --help"));
  ASSERT(strstr(captured, "--baseline") != NULL);
}

TEST(newer_format_version_exits_2_and_test_double_warns) {
  char path[1024], a[1200];
  cf_scratch_path(path, sizeof path, "ana_cli_v9.h5");
  cf_cube fx;
  cf_cube_default(&fx);
  fx.format_version = 9;
  ASSERT_EQ(0, cf_cube_write(&fx, path));
  cf_cube_free(&fx);
  snprintf(a, sizeof a, "table %s", path);
  ASSERT_EQ(2, run(a));
  ASSERT(stderr_has("cube format version 9, this aslsweep reads versions 1 to 3"));
  // A cube from the runner's test double still gives tables, with a warning.
  cf_cube_default(&fx);
  snprintf(fx.executor, sizeof fx.executor, "test-double");
  ASSERT_EQ(0, cf_cube_write(&fx, path));
  cf_cube_free(&fx);
  ASSERT_EQ(0, run(a));
  ASSERT(stderr_has("warning:") && stderr_has("test double"));
}

TEST(export_and_plot_commands_write_files) {
  char a[4096];
  cf_scratch_path(out, sizeof out, "ana_cli_rows.csv");
  snprintf(a, sizeof a, "export %s --format csv -o %s", cube, out);
  ASSERT_EQ(0, run(a));
  FILE *f = fopen(out, "r");
  ASSERT(f != NULL);
  char line[512];
  ASSERT(fgets(line, sizeof line, f) != NULL);
  fclose(f);
  ASSERT(strncmp(line, "experiment,strategy,nav,", 24) == 0);
  snprintf(a, sizeof a, "export %s --format json --summary --experiment snr_matching", cube);
  ASSERT_EQ(0, run(a));
  ASSERT(strncmp(captured, "{\"experiment\":\"snr_matching\"", 28) == 0);
  snprintf(a, sizeof a, "export %s --format xml", cube);
  ASSERT_EQ(2, run(a));
  cf_scratch_path(out, sizeof out, "ana_cli_plot.png");
  remove(out);
  snprintf(a, sizeof a, "plot %s --x nav --hue strategy --facet m0 --size 640x480 -o %s", cube, out);
  ASSERT_EQ(0, run(a));
  struct stat st;
  ASSERT(stat(out, &st) == 0 && st.st_size > 1000);
  ASSERT_EQ(640, png_dim(out, 16)); // --size WxH stays in pixels
  ASSERT_EQ(480, png_dim(out, 20));
  snprintf(a, sizeof a, "plot %s --x nav --hue strategy --facet m0 --size 7x4in --dpi 300 -o %s",
           cube, out);
  ASSERT_EQ(0, run(a));
  ASSERT_EQ(2100, png_dim(out, 16));
  ASSERT_EQ(1200, png_dim(out, 20));
  snprintf(a, sizeof a, "plot %s --x nav --hue strategy --facet m0 --dpi 300 --size 1800x1200 -o %s",
           cube, out);
  ASSERT_EQ(0, run(a)); // 6x4 in at 300 dpi, whatever the option order
  ASSERT_EQ(1800, png_dim(out, 16));
  snprintf(a, sizeof a, "plot %s --x nav --dpi 5 -o %s", cube, out);
  ASSERT_EQ(2, run(a));
  ASSERT(stderr_has("--dpi must be a number in 10..2400"));
  snprintf(a, sizeof a, "plot %s --x nav --size 7x4cm -o %s", cube, out);
  ASSERT_EQ(2, run(a));
  ASSERT(stderr_has("WxHin (inches"));
  snprintf(a, sizeof a, "plot %s --x nav --hue strategy --facet m0 -o plot.jpg", cube);
  ASSERT_EQ(2, run(a));
  ASSERT(stderr_has(".png, .svg or .pdf"));
  snprintf(a, sizeof a, "plot %s --montage --job 1 -o %s", cube, out);
  ASSERT_EQ(2, run(a)); // no volumes next to this cube
  ASSERT(stderr_has("volumes"));
  ASSERT_EQ(0, run("plot --help"));
}

// Every column a CSV export writes is named in `export --help` (design axes
// are listed there as <axis>); the file uses LF unless CRLF is asked for.
static void header_columns_documented(const char *args, const char *help) {
  char a[4096];
  cf_scratch_path(out, sizeof out, "ana_cli_header.csv");
  snprintf(a, sizeof a, "%s -o %s", args, out);
  ASSERT_EQ(0, run(a));
  FILE *f = fopen(out, "rb");
  ASSERT(f != NULL);
  int ch;
  while ((ch = fgetc(f)) != EOF) ASSERT(ch != '\r');
  rewind(f);
  ASSERT(fgets(captured, sizeof captured, f) != NULL);
  fclose(f);
  char *nl = strchr(captured, '\n');
  ASSERT(nl != NULL);
  *nl = '\0';
  static const char *axes[] = {"strategy", "nav", "m0", "snr_group", "model", "train_snr_group",
                               "test_snr_group", "train_target", "test_input", "nav_post"};
  int checked = 0;
  for (char *save = NULL, *c = strtok_r(captured, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
    int axis = 0;
    for (size_t i = 0; i < sizeof axes / sizeof axes[0]; i++) axis |= strcmp(c, axes[i]) == 0;
    char word[64];
    snprintf(word, sizeof word, "%s", c);
    if (!axis && !strstr(help, word)) HARNESS_FAIL("export column '%s' is not in --help", c);
    checked += !axis;
  }
  ASSERT(checked >= 6);
}

TEST(export_help_names_every_column_and_line_endings) {
  char a[4096];
  static char help[sizeof captured];
  ASSERT_EQ(0, run("export --help"));
  snprintf(help, sizeof help, "%s", captured);
  ASSERT(strstr(help, "ci95_lo") && strstr(help, "--line-ending lf|crlf"));
  snprintf(a, sizeof a, "export %s --format csv", cube);
  header_columns_documented(a, help);
  snprintf(a, sizeof a, "export %s --format csv --summary", cube);
  header_columns_documented(a, help);
  snprintf(a, sizeof a, "export %s --format csv --summary --line-ending crlf", cube);
  ASSERT_EQ(0, run(a));
  ASSERT(strstr(captured, ",ci95_hi\r\n") != NULL);
  snprintf(a, sizeof a, "export %s --format csv --line-ending cr", cube);
  ASSERT_EQ(2, run(a));
  ASSERT(stderr_has("expected lf or crlf"));
  snprintf(a, sizeof a, "table %s --experiment main --metric ssim --format csv --line-ending crlf",
           cube);
  ASSERT_EQ(0, run(a));
  ASSERT(strstr(captured, "\r\nmain,ssim,") != NULL);
  snprintf(a, sizeof a, "table %s --experiment main --metric ssim --format csv", cube);
  ASSERT_EQ(0, run(a));
  ASSERT(strchr(captured, '\r') == NULL);
}

int main(void) {
  setup();
  RUN(table_command_layouts_and_refusals);
  RUN(newer_format_version_exits_2_and_test_double_warns);
  RUN(export_and_plot_commands_write_files);
  RUN(export_help_names_every_column_and_line_endings);
  return DONE();
}
