#include "asl/status.h"

#include <stdarg.h>
#include <string.h>

static _Thread_local char last_message[2048];
static _Thread_local asl_status last_status;

const char *asl_strerror(asl_status s) {
  switch (s) {
#define ASL_STATUS_CASE(name, value, text) \
  case name:                               \
    return text;
    ASL_STATUS_MAP(ASL_STATUS_CASE)
#undef ASL_STATUS_CASE
  }
  return "unknown error";
}

asl_status asl_fail(asl_status s, const char *fmt, ...) {
  // Format into a scratch buffer first: callers often wrap the previous
  // message (asl_fail(s, "%s: %s", path, asl_error_message())), and
  // formatting straight into last_message would read what it overwrites.
  char text[sizeof last_message];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  memcpy(last_message, text, sizeof text);
  last_status = s;
  return s;
}

const char *asl_error_message(void) {
  if (last_message[0] != '\0') return last_message;
  return asl_strerror(last_status);
}

void asl_error_clear(void) {
  last_message[0] = '\0';
  last_status = ASL_OK;
}
