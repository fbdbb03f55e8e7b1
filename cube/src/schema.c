// The schema tables, expanded from the X-macros in cube/schema.h.
#include <string.h>

#include "cube/schema.h"

#define CUBE_DS_ROW_G(id, grp, nm, ty, len, shp, hf, fv)                                \
  [CUBE_DS_##id] = {.group = grp, .name = nm, .path = "/" grp "/" nm, .type = ty,         \
                    .str_len = len, .shape = shp, .has_fill = hf, .fill = fv},
#define CUBE_DS_ROW_E(id, nm, ty, len, shp, hf, fv)                                       \
  [CUBE_DS_##id] = {.group = NULL, .name = nm, .path = NULL, .type = ty, .str_len = len, \
                    .shape = shp, .has_fill = hf, .fill = fv},
const cube_dataset_def cube_datasets[CUBE_DS_COUNT] = {
    CUBE_DATASETS(CUBE_DS_ROW_G, CUBE_DS_ROW_E)};
#undef CUBE_DS_ROW_G
#undef CUBE_DS_ROW_E

#define CUBE_ATTR_ROW(id, w, nm, ty) [CUBE_ATTR_##id] = {.where = w, .name = nm, .type = ty},
const cube_attribute_def cube_attributes[CUBE_ATTR_COUNT] = {CUBE_ATTRIBUTES(CUBE_ATTR_ROW)};
#undef CUBE_ATTR_ROW

const char *const cube_stage_names[CUBE_N_STAGES] = {"input", "denoised"};

const char *cube_job_status_name(int status) {
  switch (status) {
#define CUBE_JOB_CASE(name, value, label) \
  case value:                             \
    return label;
    CUBE_JOB_STATUSES(CUBE_JOB_CASE)
#undef CUBE_JOB_CASE
  }
  return "unknown";
}

const char *cube_job_status_labels(void) {
#define CUBE_JOB_LABEL(name, value, label) "," label
  // Skip the leading comma of the joined list.
  return &(CUBE_JOB_STATUSES(CUBE_JOB_LABEL))[1];
#undef CUBE_JOB_LABEL
}

const cube_dataset_def *cube_dataset_find(const char *group, const char *name) {
  for (int d = 0; d < CUBE_DS_COUNT; d++) {
    const cube_dataset_def *x = &cube_datasets[d];
    int same_group = group ? x->group && strcmp(group, x->group) == 0 : x->group == NULL;
    if (same_group && strcmp(x->name, name) == 0) return x;
  }
  return NULL;
}
