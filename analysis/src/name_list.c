#include "name_list.h"

#include <stdio.h>
#include <string.h>

void ana_name_list(char *out, size_t len, int n, const char *(*name)(const void *, int),
                   const void *ctx) {
  char tail[64];
  if (len == 0) return;
  out[0] = '\0';
  for (int i = 0; i < n; i++) {
    const char *s = name(ctx, i);
    size_t used = strlen(out), need = strlen(s) + (i ? 2 : 0);
    // Room for this name and, if more follow, for the tail that counts them.
    snprintf(tail, sizeof tail, " ... and %d more (%d in all)", n - i - 1, n);
    size_t reserve = i + 1 < n ? strlen(tail) : 0;
    if (used + need + reserve + 1 > len) {
      snprintf(tail, sizeof tail, "%s... and %d more (%d in all)", i ? " " : "", n - i, n);
      snprintf(out + used, len - used, "%s", tail);
      return;
    }
    snprintf(out + used, len - used, "%s%s", i ? ", " : "", s);
  }
}
