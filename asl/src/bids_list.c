// Subjects of a BIDS dataset: every sub-*/ folder holding a perf/ folder
// (directly or in a ses-*/ folder).
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "asl/bids.h"

static int is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

// sub-XX/perf/, or sub-XX/ses-*/perf/ for a subject scanned in sessions.
static int has_perf(const char *root, const char *name) {
  char path[4096];
  int n = snprintf(path, sizeof path, "%s/%s/perf", root, name);
  if (n > 0 && (size_t)n < sizeof path && is_dir(path)) return 1;
  snprintf(path, sizeof path, "%s/%s", root, name);
  DIR *d = opendir(path);
  int found = 0;
  struct dirent *e;
  while (d && !found && (e = readdir(d))) {
    if (strncmp(e->d_name, "ses-", 4) != 0) continue;
    n = snprintf(path, sizeof path, "%s/%s/%s/perf", root, name, e->d_name);
    found = n > 0 && (size_t)n < sizeof path && is_dir(path);
  }
  if (d) closedir(d);
  return found;
}

asl_status asl_bids_list_subjects(const char *root, char ***ids, int *n) {
  *ids = NULL, *n = 0;
  DIR *d = opendir(root);
  if (!d)
    return asl_fail(errno == ENOENT ? ASL_ENOTFOUND : ASL_EIO,
                    "%s: cannot open the BIDS folder (%s); give the dataset's root folder", root,
                    strerror(errno));
  char **list = NULL;
  int count = 0, cap = 0;
  asl_status s = ASL_OK;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strncmp(e->d_name, "sub-", 4) != 0 || strlen(e->d_name) < 5) continue;
    if (!has_perf(root, e->d_name)) continue;
    // Subject ids are stored in fixed 32-byte fields (asl_subject.id, the
    // cube's /subjects/id); a longer one must not vanish from the study.
    if (strlen(e->d_name) > ASL_BIDS_ID_MAX) {
      s = asl_fail(ASL_EFORMAT, "%s/%s: subject id of %zu characters; aslsweep takes at most %d "
                   "(rename the folder and its files to a shorter sub-<label>)", root, e->d_name,
                   strlen(e->d_name), ASL_BIDS_ID_MAX);
      break;
    }
    if (count == cap) {
      cap = cap ? 2 * cap : 16;
      char **grown = realloc(list, (size_t)cap * sizeof *list);
      if (!grown) {
        s = asl_fail(ASL_ENOMEM, "%s: out of memory listing subjects", root);
        break;
      }
      list = grown;
    }
    list[count] = strdup(e->d_name);
    if (!list[count]) {
      s = asl_fail(ASL_ENOMEM, "%s: out of memory listing subjects", root);
      break;
    }
    count++;
  }
  closedir(d);
  if (s != ASL_OK) {
    asl_bids_free_list(list, count);
    return s;
  }
  if (count > 1) qsort(list, (size_t)count, sizeof *list, cmp_str);
  *ids = list, *n = count;
  return ASL_OK;
}

void asl_bids_free_list(char **ids, int n) {
  if (!ids) return;
  for (int i = 0; i < n; i++) free(ids[i]);
  free(ids);
}
