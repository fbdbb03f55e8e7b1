#include "dl_load.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int nn_dl_open(nn_dl_lib *l, const char *const *names, size_t n) {
  l->handle = NULL;
  l->ok = 1;
  for (size_t i = 0; i < n && !l->handle; i++) l->handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
  return l->handle != NULL;
}

// dlsym's void * into a function pointer without the cast ISO C leaves
// undefined.
void nn_dl_resolve(nn_dl_lib *l, const char *name, void *fp, size_t size) {
  if (!l->ok) return;
  void *sym = dlsym(l->handle, name);
  if (!sym) {
    snprintf(l->why, l->why_size, "%s has no %s (%s is needed)", l->lib, name, l->need);
    l->ok = 0;
    return;
  }
  memcpy(fp, &sym, size);
}
