// Model descriptors: what each kind of model accepts and what it costs,
// readable without building a model. This part of the engine links neither
// OpenBLAS nor OpenMP (library aslsweep_engine_desc), so the sweep planner
// runs exactly the parameter checks that nn_model_create runs.
//
// A kind's descriptor holds its parameter table (name, type, range,
// default, whether `auto` may stand for it), a check across parameters, the
// grid multiple per axis, the planner's cost per voxel and its capabilities.
// Errors come back as asl_status with the message in asl_error_message().
#ifndef NN_DESC_H
#define NN_DESC_H

#include "asl/status.h"
#include "nn/model.h"

typedef enum {
  NN_PT_INT,   // integer in [lo, hi]
  NN_PT_REAL,  // number in [lo, hi]
  NN_PT_ODD,   // odd integer in [lo, hi] (a cube of side 2r+1)
  NN_PT_SIZE3, // "8" or "8,8,4": one size or x,y,z sizes, each in [lo, hi]
  NN_PT_ENUM,  // one of choices
} nn_param_type;

typedef struct {
  const char *name;
  nn_param_type type;
  double lo, hi;
  const char *dflt;               // the value used when the key is absent
  const char *const *choices;     // NN_PT_ENUM: NULL-terminated
  // `auto` may stand for the value: the runner picks one of these
  // (NULL-terminated) per fold by validation error (docs/denoise.md).
  const char *const *candidates;
} nn_param_desc;

typedef struct nn_model_desc {
  const char *kind;
  const nn_param_desc *params;
  int n_params;
  int trainable;        // 0: a baseline with no train job
  int fixed_loss;       // -1, or the nn_loss_kind it always trains on
  int uncertainty;      // 1: inference can give a per-voxel uncertainty
  int tiled;            // 1: fixed grid; other volumes run by tiles
  int cuda;             // 1: has a CUDA implementation (nn_model_set_device)
  // Checks across parameters (each value already passed its own check);
  // the message names the values without a "model KIND:" prefix.
  asl_status (*check)(const nn_param *p, int n);
  // Each training-grid size must be a multiple of mult[axis] (x, y, z);
  // `rule` says why in error messages ("2^depth", "the patch").
  void (*grid_multiple)(const nn_param *p, int n, int mult[3]);
  const char *rule;
  // Limits that depend on the grid once its multiples hold (NULL: none);
  // no prefix in the message.
  asl_status (*check_grid)(const nn_param *p, int n, const int grid[3]);
  // The planner's cost: FLOPs per voxel of one network evaluation, and the
  // evaluations one inference takes (NULL: 1). Values that are absent or
  // `auto` count at their default.
  double (*cost_per_voxel)(const nn_param *p, int n);
  double (*infer_evaluations)(const nn_param *p, int n);
} nn_model_desc;

// The registry, in the order the factory lists kinds.
int nn_model_desc_count(void);
const nn_model_desc *nn_model_desc_at(int i);
const nn_model_desc *nn_model_desc_find(const char *kind); // NULL if unknown
const nn_param_desc *nn_param_desc_find(const nn_model_desc *d, const char *key);

// One value against its table row: "KIND.KEY must be ..." on failure.
asl_status nn_param_desc_check(const nn_model_desc *d, const nn_param_desc *pd,
                               const char *value);

// Every key known and every value valid, then the cross-parameter check:
// what nn_model_create refuses before building anything. Cross-check
// messages carry no prefix (the caller names the model).
asl_status nn_model_desc_check(const nn_model_desc *d, const nn_param *p, int n);

// nn_model_desc_check, then the grid against the kind's multiples (and
// 1..4096 per axis), then the kind's limits for that grid.
asl_status nn_model_desc_check_grid(const nn_model_desc *d, const nn_param *p,
                                    int n, const int grid[3]);

// Typed values (the given one, else the default); the value must have
// passed nn_param_desc_check. nn_desc_number treats `auto` as absent.
int nn_desc_int(const nn_model_desc *d, const nn_param *p, int n, const char *key);
float nn_desc_float(const nn_model_desc *d, const nn_param *p, int n, const char *key);
double nn_desc_number(const nn_model_desc *d, const nn_param *p, int n, const char *key);
const char *nn_desc_text(const nn_model_desc *d, const nn_param *p, int n, const char *key);
// "8" or "8,8,4" to {x, y, z}; ASL_EINVAL with "KIND.KEY must be ..." text.
asl_status nn_desc_size3(const nn_model_desc *d, const char *key, const char *s, int out[3]);

// The planner's cost per voxel and evaluations per inference.
double nn_model_desc_cost(const nn_model_desc *d, const nn_param *p, int n);
double nn_model_desc_evaluations(const nn_model_desc *d, const nn_param *p, int n);

#endif
