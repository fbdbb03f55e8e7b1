// Packed side volumes: names split back into key, subject and kind, and
// images copied between packed files (the merge of a job-array run).
#include <stdio.h>
#include <string.h>

#include "cube/h5.h"
#include "cube/volumes.h"

static asl_status unescape(const char *s, size_t len, char *out, size_t n) {
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned v = (unsigned char)s[i];
    if (s[i] == '%') {
      if (i + 2 >= len || sscanf(s + i + 1, "%2x", &v) != 1) return ASL_EFORMAT;
      i += 2;
    }
    if (o + 1 >= n) return ASL_EFORMAT;
    out[o++] = (char)v;
  }
  out[o] = '\0';
  return ASL_OK;
}

asl_status cube_volumes_split(const char *name, char *key, size_t key_n, char *subject,
                              size_t subject_n, char *kind, size_t kind_n) {
  const char *k = strrchr(name, '|');
  const char *s = k ? k - 1 : NULL;
  while (s && s >= name && *s != '|') s--;
  if (!k || !s || s < name || (size_t)(k - s - 1) >= subject_n || strlen(k + 1) >= kind_n ||
      unescape(name, (size_t)(s - name), key, key_n))
    return asl_fail(ASL_EFORMAT, "'%s' is not a kept-volume name (KEY|SUBJECT|KIND)", name);
  snprintf(subject, subject_n, "%.*s", (int)(k - s - 1), s + 1);
  snprintf(kind, kind_n, "%s", k + 1);
  return ASL_OK;
}

static asl_status copy_one(cube_volumes *w, hid_t src, const char *name, const char *path) {
  asl_status st = ASL_OK;
  if (H5Lexists(w->file, name, H5P_DEFAULT) > 0)
    CUBE_CHECK(H5Ldelete(w->file, name, H5P_DEFAULT), "%s: replacing %s", w->path, name);
  CUBE_CHECK(H5Ocopy(src, name, w->file, name, H5P_DEFAULT, H5P_DEFAULT), "copying %s from %s to %s",
             name, path, w->path);
fail:
  return st;
}

asl_status cube_volumes_copy(cube_volumes *w, const char *src_path,
                             int (*want)(const char *key, void *arg), void *arg, int *copied) {
  asl_status st = ASL_OK;
  hid_t src = H5I_INVALID_HID;
  H5G_info_t gi;
  char name[CUBE_VOLUME_NAME_LEN], key[CUBE_VOLUME_NAME_LEN], subject[256], kind[64];
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  CUBE_CHECK(src = H5Fopen(src_path, H5F_ACC_RDONLY, H5P_DEFAULT), "opening %s", src_path);
  CUBE_CHECK(H5Gget_info(src, &gi), "listing %s", src_path);
  for (hsize_t i = 0; i < gi.nlinks && !st; i++) {
    CUBE_CHECK(H5Lget_name_by_idx(src, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                                  H5P_DEFAULT), "listing %s", src_path);
    if (cube_volumes_split(name, key, sizeof key, subject, sizeof subject, kind, sizeof kind)) {
      asl_error_clear(); // not one of ours: left behind
      continue;
    }
    if (!want(key, arg)) continue;
    st = copy_one(w, src, name, src_path);
    if (!st) (*copied)++, w->written++;
  }
fail:
  cube_h5_close(&src);
  cube_h5_quiet_end(&q);
  return st;
}
