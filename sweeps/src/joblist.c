// Growing job lists with a key index, so identical train jobs are found
// (and shared) in constant time however large the study.
#include <stdlib.h>
#include <string.h>

#include "asl/rng.h"
#include "joblist.h"

void sw_jobs_free(sw_jobs *l) {
  for (int i = 0; i < l->n; i++) {
    free(l->v[i].key);
    free(l->v[i].coords);
  }
  free(l->v);
  free(l->slots);
  memset(l, 0, sizeof *l);
}

static int rehash(sw_jobs *l, size_t cap) {
  int *slots = malloc(cap * sizeof *slots);
  if (!slots) return -1;
  for (size_t i = 0; i < cap; i++) slots[i] = -1;
  for (int j = 0; j < l->n; j++) {
    size_t h = (size_t)asl_hash64(l->v[j].key) & (cap - 1);
    while (slots[h] >= 0) h = (h + 1) & (cap - 1);
    slots[h] = j;
  }
  free(l->slots);
  l->slots = slots;
  l->n_slots = cap;
  return 0;
}

int sw_jobs_find(const sw_jobs *l, const char *key) {
  if (!l->n_slots) return -1;
  size_t h = (size_t)asl_hash64(key) & (l->n_slots - 1);
  for (; l->slots[h] >= 0; h = (h + 1) & (l->n_slots - 1))
    if (strcmp(l->v[l->slots[h]].key, key) == 0) return l->slots[h];
  return -1;
}

int sw_jobs_add(sw_jobs *l, const sweep_job *j) {
  if (l->n == l->cap) {
    int cap = l->cap ? l->cap * 2 : 64;
    sweep_job *v = realloc(l->v, (size_t)cap * sizeof *v);
    if (!v) return -1;
    l->v = v;
    l->cap = cap;
  }
  // Keep the table at most half full.
  if ((size_t)(l->n + 1) * 2 > l->n_slots && rehash(l, l->n_slots ? l->n_slots * 2 : 128))
    return -1;
  l->v[l->n] = *j;
  size_t h = (size_t)asl_hash64(j->key) & (l->n_slots - 1);
  while (l->slots[h] >= 0) h = (h + 1) & (l->n_slots - 1);
  l->slots[h] = l->n;
  return l->n++;
}
