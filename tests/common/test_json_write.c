// The one JSON string escaper: quotes, backslashes and control characters
// escaped, UTF-8 copied, NULL as an empty string.
#include <stdlib.h>
#include <string.h>

#include "asl/json_write.h"
#include "harness.h"

static char *written(const char *s) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ASSERT(f != NULL);
  asl_json_write_string(f, s);
  fclose(f);
  return buf;
}

static void expect(const char *in, const char *want) {
  char *got = written(in);
  if (strcmp(got, want) != 0) HARNESS_FAIL("'%s' became %s, not %s", in ? in : "(null)", got, want);
  free(got);
}

TEST(json_string_escapes_what_json_requires) {
  expect("plain", "\"plain\"");
  expect("a\"b\\c", "\"a\\\"b\\\\c\"");
  expect("l1\nl2\r\tx", "\"l1\\nl2\\r\\tx\"");
  expect("\x01\x1f", "\"\\u0001\\u001f\"");
  expect("sub-\xc3\xa9", "\"sub-\xc3\xa9\""); // UTF-8 passes through
  expect("", "\"\"");
  expect(NULL, "\"\"");
}

int main(void) {
  RUN(json_string_escapes_what_json_requires);
  return DONE();
}
