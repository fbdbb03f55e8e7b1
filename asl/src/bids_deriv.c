// BIDS-Derivatives folders (asl/bids_deriv.h).
#define _XOPEN_SOURCE 700 // realpath
#include "asl/bids_deriv.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "asl/fs.h"
#include "asl/json_write.h"

// realpath() of a path that may not exist yet: the nearest existing
// ancestor resolved, the missing tail appended as written.
static asl_status resolve(const char *path, char *out) {
  char head[PATH_MAX], tail[PATH_MAX] = "";
  if (strlen(path) >= sizeof head) return asl_fail(ASL_EINVAL, "%s: path too long", path);
  snprintf(head, sizeof head, "%s", path[0] ? path : ".");
  for (;;) {
    if (realpath(head, out)) break;
    char *slash = strrchr(head, '/');
    char rest[PATH_MAX];
    const char *last = slash ? slash + 1 : head;
    if (strlen(last) + 1 + strlen(tail) >= sizeof rest)
      return asl_fail(ASL_EINVAL, "%s: path too long", path);
    memcpy(rest, last, strlen(last) + 1);
    if (tail[0]) strcat(strcat(rest, "/"), tail);
    memcpy(tail, rest, strlen(rest) + 1);
    if (!slash) snprintf(head, sizeof head, ".");
    else if (slash == head) snprintf(head, sizeof head, "/");
    else *slash = '\0';
  }
  // The missing part cannot hold links: "." and ".." are resolved by name.
  for (char *save = NULL, *c = strtok_r(tail, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
    size_t n = strlen(out);
    if (strcmp(c, ".") == 0) continue;
    if (strcmp(c, "..") == 0) {
      char *slash = strrchr(out, '/');
      if (slash) slash[slash == out] = '\0'; // "/a" -> "/", "/a/b" -> "/a"
      continue;
    }
    if (n + 1 + strlen(c) >= PATH_MAX) return asl_fail(ASL_EINVAL, "%s: path too long", path);
    snprintf(out + n, PATH_MAX - n, "%s%s", out[n - 1] == '/' ? "" : "/", c);
  }
  return ASL_OK;
}

asl_status asl_bids_check_out_dir(const char *bids_root, const char *out) {
  char root[PATH_MAX], dest[PATH_MAX];
  if (!realpath(bids_root, root))
    return asl_fail(ASL_ENOTFOUND, "%s: cannot open the BIDS dataset (%s)", bids_root,
                    strerror(errno));
  asl_status st = resolve(out, dest);
  if (st) return st;
  size_t n = strlen(root);
  if (strncmp(dest, root, n) == 0 && (dest[n] == '\0' || dest[n] == '/' || root[n - 1] == '/'))
    return asl_fail(ASL_EINVAL,
                    "%s: the output folder (%s) is %s the BIDS dataset %s; BIDS-Apps write "
                    "derivatives outside the raw dataset: give another OUT_DIR (e.g. next to it)",
                    out, dest, dest[n] == '\0' ? "the same folder as" : "inside", root);
  return ASL_OK;
}

void asl_bids_uri(const char *root, const char *path, char *out, size_t n) {
  char r[PATH_MAX], p[PATH_MAX];
  if (!realpath(root, r) || !realpath(path, p)) {
    snprintf(out, n, "%s", path);
    return;
  }
  size_t k = strlen(r);
  if (strncmp(p, r, k) == 0 && p[k] == '/') snprintf(out, n, "bids:raw:%s", p + k + 1);
  else snprintf(out, n, "file://%s", p);
}

static void put_key(FILE *f, const char *indent, const char *key, const char *value, int last) {
  fprintf(f, "%s\"%s\": ", indent, key);
  asl_json_write_string(f, value);
  fputs(last ? "\n" : ",\n", f);
}

static asl_status write_readme(const char *out, const char *text) {
  char path[PATH_MAX + 16];
  struct stat st;
  snprintf(path, sizeof path, "%s/README", out);
  if (!text || stat(path, &st) == 0) return ASL_OK;
  FILE *f = fopen(path, "w");
  if (!f) return asl_fail(ASL_EIO, "%s: cannot write (%s)", path, strerror(errno));
  fputs(text, f);
  return fclose(f) ? asl_fail(ASL_EIO, "%s: write failed (disk full?)", path) : ASL_OK;
}

asl_status asl_bids_write_deriv_description(const char *out, const asl_bids_deriv_desc *d,
                                            const char *readme) {
  char path[PATH_MAX + 32], src[PATH_MAX + 8], abs[PATH_MAX];
  snprintf(path, sizeof path, "%s/dataset_description.json", out);
  snprintf(src, sizeof src, "file://%s", realpath(d->source, abs) ? abs : d->source);
  FILE *f = fopen(path, "w");
  if (!f) return asl_fail(ASL_EIO, "%s: cannot write (%s)", path, strerror(errno));
  fputs("{\n", f);
  put_key(f, "  ", "Name", d->name, 0);
  put_key(f, "  ", "BIDSVersion", ASL_BIDS_VERSION, 0);
  put_key(f, "  ", "DatasetType", "derivative", 0);
  fputs("  \"GeneratedBy\": [{\n", f);
  put_key(f, "    ", "Name", d->generator, 0);
  put_key(f, "    ", "Version", d->version, 0);
  if (d->code_url) put_key(f, "    ", "CodeURL", d->code_url, 0);
  put_key(f, "    ", "CommandLine", d->command_line, 1);
  fputs("  }],\n  \"SourceDatasets\": [{\"URL\": ", f);
  asl_json_write_string(f, src);
  fputs("}],\n  \"DatasetLinks\": {\"raw\": ", f);
  asl_json_write_string(f, src);
  fputs("}\n}\n", f);
  if (fclose(f) != 0) return asl_fail(ASL_EIO, "%s: write failed (disk full?)", path);
  return write_readme(out, readme);
}

asl_status asl_bids_deriv_path(const char *out, const asl_bids_scan *scan, const char *desc,
                               const char *suffix, char *path, size_t n) {
  char dir[PATH_MAX];
  int k = snprintf(dir, sizeof dir, "%s/%s%s%s/perf", out, scan->subject,
                   scan->session[0] ? "/" : "", scan->session);
  if (k < 0 || (size_t)k >= sizeof dir) return asl_fail(ASL_EINVAL, "%s: path too long", out);
  k = snprintf(path, n, "%s/%s_desc-%s_%s", dir, scan->stem, desc, suffix);
  if (k < 0 || (size_t)k >= n) return asl_fail(ASL_EINVAL, "%s: path too long", dir);
  return asl_make_dirs(dir);
}
