// Defaults and validation of the sbatch options. Every value ends up in a
// `#SBATCH` line or a bash word, so besides range checks the strings are kept
// free of whitespace and shell/Slurm metacharacters that would change the
// script's meaning.
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "slurm/sbatch.h"

void slurm_options_init(slurm_options *o) {
  memset(o, 0, sizeof *o);
  o->aslsweep = "aslsweep";
  o->grace = -1;
}

// Reads 1..max_digits decimal digits at *p into *v; advances *p.
static int read_number(const char **p, int max_digits, long *v) {
  int n = 0;
  *v = 0;
  while (isdigit((unsigned char)**p) && n < max_digits) {
    *v = *v * 10 + (**p - '0');
    (*p)++;
    n++;
  }
  return n > 0 && !isdigit((unsigned char)**p);
}

static asl_status bad_time(const char *text) {
  return asl_fail(ASL_EINVAL,
                  "--time '%s': expected HH:MM:SS or D-HH:MM:SS (e.g. 12:00:00 or 2-00:00:00), "
                  "minutes and seconds below 60, longer than zero",
                  text);
}

asl_status slurm_parse_time(const char *text, long *seconds) {
  if (text == NULL || *text == '\0') return bad_time(text ? text : "");
  const char *p = text;
  long days = 0, h, m, s;
  const char *dash = strchr(text, '-');
  if (dash != NULL) {
    if (!read_number(&p, 5, &days) || *p != '-') return bad_time(text);
    p++;
  }
  if (!read_number(&p, dash ? 2 : 5, &h) || *p++ != ':') return bad_time(text);
  if (!read_number(&p, 2, &m) || *p++ != ':') return bad_time(text);
  if (!read_number(&p, 2, &s) || *p != '\0') return bad_time(text);
  if (m >= 60 || s >= 60 || (dash != NULL && h >= 24)) return bad_time(text);
  long total = ((days * 24 + h) * 60 + m) * 60 + s;
  if (total <= 0) return bad_time(text);
  *seconds = total;
  return ASL_OK;
}

// Slurm names (partition, account, QOS, job name): letters, digits and . _ -
static int is_name(const char *s) {
  if (s == NULL || *s == '\0') return 0;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.') return 0;
  return 1;
}

// A path that can stand in a #SBATCH line and a bash word unquoted-safe:
// no whitespace, quotes, `%` (Slurm file patterns) or shell specials.
static int is_plain_path(const char *s) {
  if (s == NULL || *s == '\0') return 0;
  for (; *s; s++)
    if (isspace((unsigned char)*s) || strchr("'\"`$\\%;&|<>*?!(){}[]#~", *s) != NULL) return 0;
  return 1;
}

// --mem: a positive integer (up to 9 digits) with an optional K, M, G or T.
static int is_mem(const char *s) {
  long v = 0;
  const char *p = s;
  int digits = 0;
  while (isdigit((unsigned char)*p) && digits < 10) v = v * 10 + (*p++ - '0'), digits++;
  if (digits == 0 || digits > 9 || v <= 0) return 0;
  if (*p != '\0' && strchr("KMGTkmgt", *p) != NULL) p++;
  return *p == '\0';
}

static asl_status check_counts(const slurm_options *o) {
  if (o->nodes < 0 || o->nodes > 100000)
    return asl_fail(ASL_EINVAL, "--nodes %d: expected a node count from 1 to 100000", o->nodes);
  if (o->ntasks_per_node < 0 || o->ntasks_per_node > 4096)
    return asl_fail(ASL_EINVAL, "--ntasks-per-node %d: expected 1 to 4096", o->ntasks_per_node);
  if (o->cpus_per_task < 0 || o->cpus_per_task > 4096)
    return asl_fail(ASL_EINVAL, "--cpus-per-task %d: expected 1 to 4096", o->cpus_per_task);
  if (o->array_chunks < 0 || o->array_chunks > 10000)
    return asl_fail(ASL_EINVAL, "--array-chunks %d: expected 1 to 10000 array tasks",
                    o->array_chunks);
  if (o->grace < -1 || o->grace > 65535)
    return asl_fail(ASL_EINVAL, "--grace %d: expected 0 to 65535 seconds (Slurm's --signal limit)",
                    o->grace);
  return ASL_OK;
}

static asl_status check_time(const slurm_options *o) {
  if (o->time == NULL) return ASL_OK;
  long limit = 0;
  asl_status st = slurm_parse_time(o->time, &limit);
  if (st != ASL_OK) return st;
  if (o->grace >= limit)
    return asl_fail(ASL_EINVAL,
                    "--grace %d s is not shorter than --time %s (%ld s): the runner would be "
                    "told to stop before it starts; give a shorter --grace or a longer --time",
                    o->grace, o->time, limit);
  return ASL_OK;
}

static asl_status check_names(const slurm_options *o) {
  const struct {
    const char *opt, *value;
  } names[] = {{"--partition", o->partition}, {"--account", o->account}, {"--qos", o->qos},
               {"--job-name", o->job_name}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (names[i].value != NULL && !is_name(names[i].value))
      return asl_fail(ASL_EINVAL, "%s '%s': expected letters, digits, '.', '_' or '-' only",
                      names[i].opt, names[i].value);
  if (o->mem != NULL && !is_mem(o->mem))
    return asl_fail(ASL_EINVAL, "--mem '%s': expected a positive size such as 4000, 16G or 512M",
                    o->mem);
  return ASL_OK;
}

static asl_status check_paths(const slurm_options *o) {
  if (o->spec_path == NULL || o->out_dir == NULL)
    return asl_fail(ASL_EINVAL, "a sweep spec and --out DIR are both required");
  const struct {
    const char *what, *value;
  } paths[] = {{"spec path", o->spec_path}, {"--out", o->out_dir}, {"aslsweep path", o->aslsweep}};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
    if (!is_plain_path(paths[i].value))
      return asl_fail(ASL_EINVAL,
                      "%s '%s': Slurm script paths may not hold spaces, quotes, '%%' or shell "
                      "characters; use a plainer path (a symbolic link will do)",
                      paths[i].what, paths[i].value ? paths[i].value : "");
  return ASL_OK;
}

static asl_status check_lines(const slurm_options *o) {
  for (int i = 0; i < o->n_extra; i++) {
    const char *e = o->extra[i];
    if (strncmp(e, "#SBATCH ", 8) != 0 || e[8] == '\0' || strpbrk(e, "\n\r") != NULL)
      return asl_fail(ASL_EINVAL,
                      "--extra '%s': expected one whole line starting with '#SBATCH ', "
                      "e.g. --extra \"#SBATCH --constraint=skylake\"",
                      e);
  }
  for (int i = 0; i < o->n_overrides; i++) {
    const char *v = o->overrides[i], *eq = strchr(v, '=');
    if (eq == NULL || eq == v || strpbrk(v, "\n\r") != NULL)
      return asl_fail(ASL_EINVAL, "override '%s': expected key.path=value on one line", v);
  }
  return ASL_OK;
}

asl_status slurm_options_check(const slurm_options *o) {
  asl_status st = check_paths(o);
  if (st == ASL_OK) st = check_counts(o);
  if (st == ASL_OK) st = check_time(o);
  if (st == ASL_OK) st = check_names(o);
  if (st == ASL_OK) st = check_lines(o);
  return st;
}

asl_status slurm_check_array_size(const slurm_options *o) {
  int max = o->max_array_size;
  if (o->array_chunks <= 0 || max <= 0 || o->array_chunks <= max) return ASL_OK;
  return asl_fail(ASL_EINVAL,
                  "--array-chunks %d: this cluster's MaxArraySize is %d (array indices 0..%d); "
                  "use --array-chunks %d or fewer (each chunk then holds more jobs), or ask the "
                  "administrators to raise MaxArraySize in slurm.conf",
                  o->array_chunks, max, max - 1, max);
}
