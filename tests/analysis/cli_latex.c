// `aslsweep table --format latex` output compiled with pdflatex: every table
// of a fixture cube (underscores, ±, bold, daggers, p-values) must build a
// PDF whose text holds the table's numbers, including its last column (a
// wide table shrinks to the page instead of running off it). Registered only
// when pdflatex and pdftotext are installed (scripts/setup installs them).
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cube_fixture.h"
#include "harness.h"

static char bin[1024], dir[1024], cube[1100];

static int sh(const char *cmd) {
  int status = system(cmd);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) HARNESS_FAIL("cannot read %s", path);
  static char buf[1 << 18];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return buf;
}

// The first "A $\pm$ B" cell of the last column of the first table.
static void last_column_cell(const char *tex, char *out, size_t len) {
  const char *row = strstr(tex, "\\midrule\n");
  ASSERT(row != NULL);
  row += 9;
  const char *end = strstr(row, " \\\\\n"), *amp = NULL;
  ASSERT(end != NULL);
  for (const char *p = row; p < end; p++)
    if (*p == '&') amp = p;
  ASSERT(amp != NULL);
  char a[32], b[32];
  ASSERT(sscanf(amp + 1, " %31[0-9.] $\\pm$ %31[0-9.]", a, b) == 2);
  snprintf(out, len, "%s ± %s", a, b); // pdftotext writes the glyph as UTF-8
}

TEST(latex_tables_compile_and_show_every_column) {
  char cmd[8192], tex[1200], cell[80];
  snprintf(cmd, sizeof cmd, "%s table %s --format latex --baseline nav=1 --pvalues > %s/tables.tex",
           bin, cube, dir);
  ASSERT_EQ(0, sh(cmd));
  snprintf(tex, sizeof tex, "%s/tables.tex", dir);
  const char *t = slurp(tex);
  ASSERT(strstr(t, "\\toprule") && strstr(t, "\\textbf{") && strstr(t, "snr\\_matching"));
  last_column_cell(t, cell, sizeof cell);
  snprintf(tex, sizeof tex, "%s/paper.tex", dir);
  FILE *f = fopen(tex, "w");
  ASSERT(f != NULL);
  fputs("\\documentclass{article}\n\\usepackage{booktabs,graphicx}\n\\begin{document}\n"
        "\\input{tables.tex}\n\\end{document}\n", f);
  fclose(f);
  snprintf(cmd, sizeof cmd, "cd %s && %s -interaction=nonstopmode -halt-on-error paper.tex "
           "> pdflatex.out 2>&1", dir, PDFLATEX);
  if (sh(cmd) != 0) {
    snprintf(tex, sizeof tex, "%s/pdflatex.out", dir);
    HARNESS_FAIL("pdflatex failed:\n%s", slurp(tex));
  }
  snprintf(tex, sizeof tex, "%s/paper.log", dir);
  ASSERT(strstr(slurp(tex), "Overfull \\hbox") == NULL); // nothing runs off the page
  snprintf(cmd, sizeof cmd, "%s %s/paper.pdf %s/paper.txt", PDFTOTEXT, dir, dir);
  ASSERT_EQ(0, sh(cmd));
  snprintf(tex, sizeof tex, "%s/paper.txt", dir);
  const char *text = slurp(tex);
  ASSERT(strstr(text, "Table 1") != NULL);
  if (!strstr(text, cell)) HARNESS_FAIL("'%s' (last column) not in the PDF text", cell);
  // "snr\_matching": OT1 fonts draw \_ as a rule that pdftotext skips.
  ASSERT(strstr(text, "matching: ssim") != NULL);
  ASSERT(strstr(text, "input (interleaved)") != NULL);
}

int main(void) {
  const char *b = getenv("ASLSWEEP_BINARY_DIR");
  snprintf(bin, sizeof bin, "%s/cli/aslsweep", b ? b : ".");
  cf_scratch_path(dir, sizeof dir, "ana_latex");
  mkdir(dir, 0755);
  snprintf(cube, sizeof cube, "%s/results.h5", dir);
  cf_cube fx;
  cf_cube_default(&fx);
  ASSERT_EQ(0, cf_cube_write(&fx, cube));
  cf_cube_free(&fx);
  RUN(latex_tables_compile_and_show_every_column);
  return DONE();
}
