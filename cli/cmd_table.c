#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ana/table.h"
#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep table DIR/results.h5 [--experiment E] [--rows AXIS[,AXIS]]\n"
    "         [--cols AXIS[,AXIS]] [--metric M|all] [--format md|latex|csv]\n"
    "         [--where AXIS=LABEL ...] [--baseline AXIS=LABEL] [--test wilcoxon|ttest]\n"
    "         [--alpha A] [--pvalues] [--show-params] [--stage input|denoised]\n"
    "         [--line-ending lf|crlf]\n"
    "\n"
    "Ablation tables: one per experiment and metric (defaults: every experiment,\n"
    "every metric). Cells are mean ± SD (sample SD) over test subjects, folds\n"
    "pooled, with n where subjects are missing; the best cell of each row is\n"
    "bold. Default layouts: main = nav x (strategy, m0); snr_matching =\n"
    "train_snr_group x test_snr_group; generalization = train_target x\n"
    "test_input; the un-denoised input is added as reference column(s) or row.\n"
    "Axes with several labels must be on rows/cols or fixed with --where.\n"
    "\n"
    "  --baseline AXIS=LABEL  mark (†) cells whose paired difference to the cell\n"
    "                         with AXIS=LABEL is significant (Holm across the\n"
    "                         table); stage=input compares with each cell's input\n"
    "  --test T               wilcoxon (default) or ttest\n"
    "  --alpha A              significance level (default 0.05)\n"
    "  --pvalues              print the Holm-adjusted p-values\n"
    "  --show-params          add to each cell the values its model's auto parameter\n"
    "                         took, one per fold (\"(tuned 1.25/1.5)\"; csv: a column)\n"
    "  --stage S              show one stage only (no reference)\n"
    "  --line-ending E        csv record ends: lf (default) or crlf (RFC 4180)\n"
    "Missing cells print as — (md), -- (latex), empty (csv). See docs/analysis.md.\n"
    "A cube with job rows that fail their checksums is refused (exit 1, the rows\n"
    "named; `aslsweep verify DIR` lists them, rerunning the sweep redoes them).\n";

static int usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "aslsweep table: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n(run 'aslsweep table --help')\n");
  return CLI_USAGE;
}

static int split_axes(const char *text, char (*out)[ANA_LABEL_LEN], int *n) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", text);
  *n = 0;
  char *save = NULL;
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (*n == ANA_TABLE_MAX_AXES || strlen(t) >= ANA_LABEL_LEN) return -1;
    snprintf(out[(*n)++], ANA_LABEL_LEN, "%s", t);
  }
  return *n > 0 ? 0 : -1;
}

// Parses one option at argv[*i] (value inline after '=' or in the next word).
static int parse_option(int argc, char **argv, int *i, ana_table_opts *o, const char **path) {
  const char *arg = argv[*i], *val = NULL;
  char name[32];
  const char *eq = strchr(arg, '=');
  size_t n = eq && strncmp(arg, "--", 2) == 0 ? (size_t)(eq - arg) : strlen(arg);
  snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), arg);
  if (strncmp(arg, "--", 2) != 0) {
    if (*path) return usage_error("unexpected argument '%s'", arg);
    *path = arg;
    return CLI_OK;
  }
  if (strcmp(name, "--pvalues") == 0) return o->show_pvalues = 1, CLI_OK;
  if (strcmp(name, "--show-params") == 0) return o->show_params = 1, CLI_OK;
  if (eq) val = eq + 1;
  else if (*i + 1 < argc) val = argv[++*i];
  else return usage_error("%s needs a value", arg);
  if (strcmp(name, "--experiment") == 0) o->experiment = val;
  else if (strcmp(name, "--metric") == 0) o->metric = val;
  else if (strcmp(name, "--rows") == 0) {
    if (split_axes(val, o->rows, &o->n_rows)) return usage_error("bad --rows '%s'", val);
  } else if (strcmp(name, "--cols") == 0) {
    if (split_axes(val, o->cols, &o->n_cols)) return usage_error("bad --cols '%s'", val);
  } else if (strcmp(name, "--format") == 0) {
    if (strcmp(val, "md") == 0) o->format = ANA_FMT_MD;
    else if (strcmp(val, "latex") == 0) o->format = ANA_FMT_LATEX;
    else if (strcmp(val, "csv") == 0) o->format = ANA_FMT_CSV;
    else return usage_error("--format must be md, latex or csv (got '%s')", val);
  } else if (strcmp(name, "--where") == 0) {
    // --where takes one or more AXIS=LABEL words.
    for (;;) {
      if (o->n_where == ANA_TABLE_MAX_WHERE) return usage_error("too many --where values%s", "");
      if (ana_axis_value_parse(&o->where[o->n_where++], val))
        return usage_error("--where %s", asl_error_message());
      if (*i + 1 >= argc || strncmp(argv[*i + 1], "--", 2) == 0 || !strchr(argv[*i + 1], '=')) break;
      val = argv[++*i];
    }
  } else if (strcmp(name, "--baseline") == 0) {
    if (ana_axis_value_parse(&o->baseline, val))
      return usage_error("--baseline %s", asl_error_message());
    o->has_baseline = 1;
  } else if (strcmp(name, "--test") == 0) {
    if (strcmp(val, "wilcoxon") == 0) o->test = ANA_TEST_WILCOXON;
    else if (strcmp(val, "ttest") == 0) o->test = ANA_TEST_TTEST;
    else return usage_error("--test must be wilcoxon or ttest (got '%s')", val);
  } else if (strcmp(name, "--alpha") == 0) {
    char *end;
    o->alpha = strtod(val, &end);
    if (*end || !(o->alpha > 0 && o->alpha < 1)) return usage_error("--alpha must be in (0, 1), got '%s'", val);
  } else if (strcmp(name, "--line-ending") == 0) {
    if (ana_line_ending_parse(&o->eol, val)) return usage_error("%s", asl_error_message());
  } else if (strcmp(name, "--stage") == 0) {
    if (strcmp(val, "input") == 0) o->stage = ANA_STAGE_INPUT;
    else if (strcmp(val, "denoised") == 0) o->stage = ANA_STAGE_DENOISED;
    else return usage_error("--stage must be input or denoised (got '%s')", val);
  } else {
    return usage_error("unknown option '%s'", arg);
  }
  return CLI_OK;
}

int cmd_table(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    fputs(usage_text, stdout);
    return CLI_OK;
  }
  ana_table_opts o;
  ana_table_opts_init(&o);
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    int rc = parse_option(argc, argv, &i, &o, &path);
    if (rc != CLI_OK) return rc;
  }
  if (!path) return usage_error("missing DIR/results.h5%s", "");
  ana_cube c;
  asl_status st = ana_cube_open_lazy(&c, path);
  if (st == ASL_OK && ana_cube_warning(&c))
    fprintf(stderr, "aslsweep table: warning: %s\n", ana_cube_warning(&c));
  if (st == ASL_OK && ana_cube_report_rows(&c, "aslsweep table", stderr)) {
    ana_cube_free(&c);
    return CLI_FAILURE;
  }
  if (st == ASL_OK) {
    st = ana_table_run(stdout, &c, &o);
    ana_cube_free(&c);
  }
  if (st == ASL_OK) return CLI_OK;
  fprintf(stderr, "aslsweep table: %s\n", asl_error_message());
  return asl_exit_code(st);
}
