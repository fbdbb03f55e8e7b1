// Replays every file of the corpus folders given on the command line through
// LLVMFuzzerTestOneInput. Built without libFuzzer so the fuzz corpora run as
// ordinary ctest tests (label `fuzz`) in every build, sanitized or not; the
// libFuzzer builds (ASLSWEEP_FUZZ=ON) explore beyond the corpus.
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "%s: cannot open\n", path);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
  size_t got = buf ? fread(buf, 1, (size_t)n, f) : 0;
  fclose(f);
  if (!buf || got != (size_t)n) {
    free(buf);
    fprintf(stderr, "%s: cannot read\n", path);
    return 1;
  }
  LLVMFuzzerTestOneInput(buf, got);
  free(buf);
  return 0;
}

int main(int argc, char **argv) {
  int files = 0, errors = 0;
  for (int a = 1; a < argc; a++) {
    DIR *d = opendir(argv[a]);
    if (!d) {
      fprintf(stderr, "%s: not a folder\n", argv[a]);
      return 1;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
      if (e->d_name[0] == '.') continue;
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", argv[a], e->d_name);
      struct stat st;
      if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
      errors += replay_file(path);
      files++;
    }
    closedir(d);
  }
  printf("replayed %d corpus files\n", files);
  // An empty corpus proves nothing: count it as a failure.
  if (files == 0) return 1;
  printf("%d passed, %d failed\n", files - errors, errors);
  return errors != 0;
}
