// Private to sweeps/: the spec as a tree of positioned nodes, the loading
// context that gathers diagnostics, and the steps of sweep_plan_load
// (parse -> overrides -> interpolation -> schema -> data -> expansion).
#ifndef SWEEP_SPEC_H
#define SWEEP_SPEC_H

#include <stddef.h>

#include "sweep/plan.h"

typedef enum { SW_SCALAR, SW_SEQ, SW_MAP } sw_kind;

// One YAML node. A mapping keeps its keys as scalar nodes so an unknown key
// can be reported at its own line and column.
typedef struct sw_node {
  sw_kind kind;
  char *str;               // scalar text
  int quoted;              // scalar was quoted: always a string, never a number
  int n;                   // items (sequence) or pairs (mapping)
  struct sw_node **items;  // sequence items, or mapping values
  struct sw_node **keys;   // mapping keys (scalars)
  const char *src;         // file name or "<override N>", owned by the context
  int line, col;           // 1-based
  int state;               // interpolation: 0 pending, 1 resolving, 2 done, 3 failed
} sw_node;

// Limits that keep hostile specs (alias bombs, deep nesting, huge grids)
// from exhausting memory or stack.
enum {
  SW_MAX_NODES = 200000,
  SW_MAX_DEPTH = 64,
  SW_MAX_DIAGS = 500,
  SW_MAX_JOBS = 1000000,
};

typedef struct {
  sweep_diags *diags;
  int n_src;
  char *src[64];           // source names, freed with the context
  int n_nodes;             // nodes created, against SW_MAX_NODES
  int errors;              // diagnostics reported by this load
  int no_jobs;             // sweep_plan_load_no_jobs: experiments only
} sw_ctx;

// --- node.c: tree helpers
sw_node *sw_node_new(sw_ctx *c, sw_kind kind, const char *src, int line, int col);
sw_node *sw_scalar_new(sw_ctx *c, const char *text, const sw_node *at);
int sw_node_push(sw_node *seq, sw_node *item);
int sw_map_push(sw_node *map, sw_node *key, sw_node *value);
sw_node *sw_node_copy(sw_ctx *c, const sw_node *n, int depth);
void sw_node_free(sw_node *n);
// The value under `key`, or NULL (and the key node in *key_out when asked).
sw_node *sw_map_get(const sw_node *map, const char *key);
const sw_node *sw_map_key(const sw_node *map, const char *key);
const char *sw_ctx_source(sw_ctx *c, const char *name);
void sw_ctx_free(sw_ctx *c);

// --- diag.c: "SRC:LINE:COL: error: message", duplicates dropped
void sw_error(sw_ctx *c, const sw_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sw_error_at(sw_ctx *c, const char *src, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
// "did you mean 'x'?" when a candidate is close enough, else "".
const char *sw_suggest(const char *word, const char *const *candidates, int n,
                       char *buf, size_t size);

// --- yaml_load.c: libyaml document -> tree; NULL after reporting errors
sw_node *sw_yaml_parse(sw_ctx *c, const char *src, const char *text, size_t len);
// --- yaml_emit.c: the tree back to block YAML text (malloc'ed)
char *sw_yaml_emit(const sw_node *root);

// --- override.c: "key.path=value" applied to the tree
void sw_apply_override(sw_ctx *c, sw_node *root, int index, const char *text);
// --- interp.c: ${path} and ${env:NAME} resolved in place
void sw_interpolate(sw_ctx *c, sw_node *root);

// --- scalar.c: typed reads of scalars, reporting wrong types
int sw_get_int(sw_ctx *c, const sw_node *n, long min, long max, long *out);
int sw_get_double(sw_ctx *c, const sw_node *n, double min, double max, double *out);
int sw_get_str(sw_ctx *c, const sw_node *n, const char **out);
int sw_get_enum(sw_ctx *c, const sw_node *n, const char *const *names, int count,
                int *out);
int sw_is_map(sw_ctx *c, const sw_node *n, const char *what);
// Reports unknown keys (with a suggestion) and duplicate keys of a mapping.
void sw_check_keys(sw_ctx *c, const sw_node *map, const char *what,
                   const char *const *allowed, int n_allowed);

// --- axes.c: the sweep axes of every experiment
typedef enum {
  AX_STRATEGY, AX_NAV, AX_M0, AX_SNR, AX_MODEL,
  AX_NAV_POST, AX_TRAIN_TARGET, AX_TEST_INPUT, AX_TRAIN_SNR, AX_TEST_SNR,
  AX_COUNT
} sw_axis_id;
extern const char *const sw_axis_names[AX_COUNT];

enum { SW_LABEL = 32 };

typedef struct {
  int present;
  int n;                   // labels, including those added by include:
  int n_base;              // labels of the axis itself (the full product)
  char (*labels)[SW_LABEL];
  const sw_node **at;      // where each label was written (for errors)
  const sw_node *node;     // the axis as written
} sw_axis;

// A partial assignment from exclude:/include: ("nav: 2, m0: on").
typedef struct {
  int set[AX_COUNT];       // 1 where the entry names the axis
  char label[AX_COUNT][SW_LABEL];
  const sw_node *at[AX_COUNT];
  const sw_node *node;
  int inherited;           // from the top level: skipped where it does not fit
} sw_assign;

typedef struct {
  char *name;
  char *description;
  sw_axis ax[AX_COUNT];
  long product;            // Nav x Nav_post held at this value; 0 = not held
  const sw_node *product_at;
  int n_exclude, n_include;
  sw_assign *exclude, *include;
  const sw_node *at;
} sw_exp;

typedef struct {
  int n_exps;
  sw_exp *exps;
} sw_study;

void sw_study_read(sw_ctx *c, const sw_node *root, const sweep_plan *p, sw_study *s);
// The canonical label of one axis value ("04" -> "4", "true" -> "on"), or
// nonzero after reporting a value the axis does not take.
int sw_axis_label(sw_ctx *c, const sweep_plan *p, int axis, const sw_node *v, char *out);
void sw_study_free(sw_study *s);

// --- schema.c: the scalar sections into the plan
void sw_schema_read(sw_ctx *c, const sw_node *root, const char *spec_dir, sweep_plan *p);
// --- models.c: models:, checked and costed by the engine descriptors
void sw_models_read(sw_ctx *c, const sw_node *models, sweep_plan *p);
void sw_models_check_grid(sw_ctx *c, const sw_node *root, const sweep_plan *p);
// --- data.c: subjects and their Nt (BIDS aslcontext.tsv or the phantom)
void sw_data_read(sw_ctx *c, const sw_node *data, const char *spec_dir, sweep_plan *p);
// --- expand.c: experiments and jobs into the plan
void sw_expand(sw_ctx *c, const sw_study *s, sweep_plan *p);

// --- fingerprint.c: the inputs' part of every content key
asl_status sw_data_fingerprint(const sweep_plan *p, char out[SWEEP_CONTENT_KEY_HEX + 1],
                               const char *cache, int save);

// --- strbuf.c: a growing string
typedef struct {
  char *s;
  size_t len, cap;
  int oom;
} sw_buf;
void sw_buf_add(sw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *sw_strdup(const char *s);

#endif
