// Names joined for a message ("a, b, c"), with no silent cut: when they do
// not all fit in `len` bytes the list ends "... and K more (N in all)".
#ifndef ANA_NAME_LIST_H
#define ANA_NAME_LIST_H

#include <stddef.h>

// name(ctx, i) for i < n.
void ana_name_list(char *out, size_t len, int n, const char *(*name)(const void *, int),
                   const void *ctx);

#endif
