#include "asl/fs.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static int make_one(const char *path) {
  return mkdir(path, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

asl_status asl_make_dirs(const char *path) {
  char buf[4096];
  if (strlen(path) >= sizeof buf)
    return asl_fail(ASL_EINVAL, "%.64s...: path longer than %zu bytes", path, sizeof buf - 1);
  strcpy(buf, path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (make_one(buf) != 0)
      return asl_fail(ASL_EIO, "%s: cannot create (%s)", buf, strerror(errno));
    *p = '/';
  }
  if (make_one(buf) != 0) return asl_fail(ASL_EIO, "%s: cannot create (%s)", buf, strerror(errno));
  struct stat st;
  if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
    return asl_fail(ASL_EIO, "%s: exists and is not a folder", buf);
  return ASL_OK;
}
