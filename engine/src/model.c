// The model factory and the generic parts of the model API.
#include <cblas.h>
#include <errno.h>
#include <stdint.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "nn/isa.h"

// The factory: one entry per line of model_kinds.h.
#define NN_OPS_ENTRY(k) &nn_##k##_ops,
static const nn_model_ops *const kinds[] = {NN_MODEL_KINDS(NN_OPS_ENTRY)};
enum { N_KINDS = sizeof kinds / sizeof kinds[0] };

const nn_model_ops *nn_model_ops_find(const char *kind) {
  for (int i = 0; kind && i < N_KINDS; i++)
    if (strcmp(kinds[i]->desc->kind, kind) == 0) return kinds[i];
  return NULL;
}

// Rebuilt on each call into a per-thread buffer: no first-call race.
const char *nn_model_kinds(void) {
  static _Thread_local char list[256];
  list[0] = '\0';
  for (int i = 0; i < N_KINDS; i++) {
    if (i) strncat(list, ", ", sizeof list - strlen(list) - 1);
    strncat(list, kinds[i]->desc->kind, sizeof list - strlen(list) - 1);
  }
  return list;
}

void nn_set_threads(int t) {
  if (t > 0) omp_set_num_threads(t);
#ifdef ASLSWEEP_BLAS_OPENBLAS
  openblas_set_num_threads(1);
#endif
}

// Other vendors have no portable thread call; their own environment variable
// (MKL_NUM_THREADS, FLEXIBLAS_NUM_THREADS, ...) holds them at one thread.
const char *nn_blas_version(void) {
#ifdef ASLSWEEP_BLAS_OPENBLAS
  return openblas_get_config();
#else
  return "non-OpenBLAS vendor (see the build's BLA_VENDOR)";
#endif
}

void nn_optim_config_default(nn_optim_config *c) {
  *c = (nn_optim_config){.kind = NN_OPT_ADAM, .lr = 1e-3f, .beta1 = 0.9f,
                         .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0.0f,
                         .loss = NN_LOSS_L1};
}

asl_status nn_optim_kind_parse(const char *name, nn_optim_kind *out) {
  if (name && strcmp(name, "adam") == 0) *out = NN_OPT_ADAM;
  else if (name && strcmp(name, "adamw") == 0) *out = NN_OPT_ADAMW;
  else
    return asl_fail(ASL_EINVAL, "unknown optimizer '%s' (allowed: adam, adamw)",
                    name ? name : "(null)");
  return ASL_OK;
}

asl_status nn_loss_kind_parse(const char *name, nn_loss_kind *out) {
  static const char *const names[] = {"l1", "mse", "ssim"};
  for (int i = 0; name && i < 3; i++)
    if (strcmp(name, names[i]) == 0) {
      *out = (nn_loss_kind)i;
      return ASL_OK;
    }
  return asl_fail(ASL_EINVAL, "unknown loss '%s' (allowed: l1, mse, ssim)",
                  name ? name : "(null)");
}

asl_status nn_model_set_optimizer(nn_model *m, const nn_optim_config *c) {
  if (!(c->lr > 0.0f) || !(c->eps > 0.0f) || !(c->weight_decay >= 0.0f) ||
      !(c->beta1 >= 0.0f && c->beta1 < 1.0f) ||
      !(c->beta2 >= 0.0f && c->beta2 < 1.0f) || c->kind < NN_OPT_ADAM ||
      c->kind > NN_OPT_ADAMW || c->loss < NN_LOSS_L1 || c->loss > NN_LOSS_SSIM)
    return asl_fail(ASL_EINVAL,
                    "optimizer settings out of range: need lr > 0, eps > 0, "
                    "weight_decay >= 0, 0 <= beta1, beta2 < 1");
  m->opt = *c;
  return ASL_OK;
}

static char *params_to_text(const nn_param *p, int n) {
  size_t len = 1;
  for (int i = 0; i < n; i++) len += strlen(p[i].key) + strlen(p[i].value) + 2;
  char *t = malloc(len);
  if (!t) return NULL;
  t[0] = '\0';
  for (int i = 0; i < n; i++) {
    strcat(t, p[i].key);
    strcat(t, "=");
    strcat(t, p[i].value);
    strcat(t, "\n");
  }
  return t;
}

static asl_status alloc_state(nn_model *m) {
  size_t np = m->n_params ? m->n_params : 1, nb = m->n_buffers ? m->n_buffers : 1;
  m->params = calloc(np, sizeof(float));
  m->grads = calloc(np, sizeof(float));
  m->adam_m = calloc(np, sizeof(float));
  m->adam_v = calloc(np, sizeof(float));
  m->buffers = calloc(nb, sizeof(float));
  if (!m->params || !m->grads || !m->adam_m || !m->adam_v || !m->buffers)
    return asl_fail(ASL_ENOMEM, "model %s: cannot allocate %zu parameters",
                    m->ops->desc->kind, m->n_params);
  return ASL_OK;
}

asl_status nn_model_create(nn_model **out, const char *kind, int in_channels,
                           const int grid[3], const nn_param *params,
                           int n_params, uint64_t seed) {
  asl_status s = nn_model_create_expect(out, kind, in_channels, grid, params,
                                        n_params, seed, SIZE_MAX);
  if (!s && (s = nn_device_apply_default(*out))) {
    nn_model_free(*out);
    *out = NULL;
  }
  return s;
}

asl_status nn_model_create_expect(nn_model **out, const char *kind,
                                  int in_channels, const int grid[3],
                                  const nn_param *params, int n_params,
                                  uint64_t seed, size_t expect_params) {
  *out = NULL;
  // A bad ASLSWEEP_ISA is reported here, as a status, before any kernel runs.
  asl_status st = nn_isa_init();
  if (st) return st;
  const nn_model_ops *ops = nn_model_ops_find(kind);
  if (!ops)
    return asl_fail(ASL_EINVAL, "unknown model kind '%s' (allowed: %s)",
                    kind ? kind : "(null)", nn_model_kinds());
  if (in_channels < 1 || in_channels > 2)
    return asl_fail(ASL_EINVAL,
                    "model %s: in_channels %d (allowed: 1 = ASL, 2 = ASL + M0)",
                    kind, in_channels);
  // The checks the sweep planner runs too (nn/desc.h), before any memory.
  asl_status s = nn_model_desc_check_grid(ops->desc, params, n_params, grid);
  if (s) return s;
  nn_set_threads(0);
  nn_model *m = calloc(1, sizeof *m);
  if (!m) return asl_fail(ASL_ENOMEM, "model %s: out of memory", kind);
  m->ops = ops;
  m->in_channels = in_channels;
  memcpy(m->grid, grid, sizeof m->grid);
  m->seed = seed;
  nn_optim_config_default(&m->opt);
  m->param_text = params_to_text(params, n_params);
  if (!m->param_text) s = asl_fail(ASL_ENOMEM, "model %s: out of memory", kind);
  if (!s) s = ops->create(m, params, n_params);
  if (!s && expect_params != SIZE_MAX && m->n_params != expect_params)
    s = asl_fail(ASL_EFORMAT,
                 "model %s: the architecture has %zu parameters, the file %zu",
                 kind, m->n_params, expect_params);
  if (!s) s = alloc_state(m);
  if (s) {
    nn_model_free(m);
    return s;
  }
  asl_rng init;
  asl_rng_seed_key(&init, seed, "init");
  if (ops->init) ops->init(m, &init);
  asl_rng_seed_key(&m->rng, seed, "dropout");
  *out = m;
  return ASL_OK;
}

void nn_model_free(nn_model *m) {
  if (!m) return;
  nn_device_release(m);
  if (m->ops->destroy && m->impl) m->ops->destroy(m);
  free(m->params);
  free(m->grads);
  free(m->adam_m);
  free(m->adam_v);
  free(m->buffers);
  free(m->loss_ws);
  free(m->dout);
  free(m->param_text);
  free(m);
}

const char *nn_model_kind(const nn_model *m) { return m->ops->desc->kind; }
const nn_model_desc *nn_model_describe(const nn_model *m) { return m->ops->desc; }
int nn_model_in_channels(const nn_model *m) { return m->in_channels; }
void nn_model_grid(const nn_model *m, int grid[3]) {
  memcpy(grid, m->grid, sizeof m->grid);
}
int nn_model_trainable(const nn_model *m) { return m->ops->desc->trainable; }
int nn_model_size_multiple(const nn_model *m) {
  return m->ops->size_multiple(m);
}
size_t nn_model_param_count(const nn_model *m) { return m->n_params; }
double nn_model_flops(const nn_model *m, int nx, int ny, int nz) {
  return m->ops->flops(m, nx, ny, nz);
}

asl_status nn_scratch_reserve(float **buf, size_t *cap, size_t n) {
  if (n <= *cap && *buf) return ASL_OK;
  free(*buf);
  size_t bytes = ((n ? n : 1) * sizeof(float) + 63) / 64 * 64;
  *buf = aligned_alloc(64, bytes);
  *cap = *buf ? n : 0;
  if (!*buf) return asl_fail(ASL_ENOMEM, "cannot allocate %zu bytes of scratch", bytes);
  return ASL_OK;
}

// On a CUDA model these views copy the device's values down first.
float *nn_model_params(nn_model *m) {
  nn_device_pull(m, NN_SYNC_PARAMS);
  nn_device_pushed(m, NN_SYNC_PARAMS);
  return m->params;
}
const float *nn_model_grads(const nn_model *m) {
  nn_device_pull(m, NN_SYNC_GRADS);
  return m->grads;
}
float *nn_model_buffers(nn_model *m) {
  nn_device_pull(m, NN_SYNC_BUFFERS);
  nn_device_pushed(m, NN_SYNC_BUFFERS);
  return m->buffers;
}
const float *nn_model_last_output(const nn_model *m) {
  nn_device_pull(m, NN_SYNC_OUTPUT);
  return m->last_out;
}

asl_status nn_model_param_find(const nn_model *m, const char *name,
                               size_t *offset, size_t *count) {
  if (!m->ops->param_find)
    return asl_fail(ASL_ENOTFOUND, "model %s has no parameter '%s'",
                    m->ops->desc->kind, name);
  return m->ops->param_find(m, name, offset, count);
}
