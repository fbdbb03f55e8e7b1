// Checks the CUDA tests (gpu_unet, gpu_vit, gpu_ddpm) and test_device share:
// temporary checkpoint paths, byte comparison of checkpoint files, bitwise
// reruns on the device, the weights after one Adam step against the CPU's,
// a checkpoint saved on CUDA and loaded on the CPU. Each fails through
// HARNESS_FAIL (tests/harness.h), so it is used inside a TEST.
#ifndef ENGINE_GPU_CHECK_H
#define ENGINE_GPU_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "nn/device.h"
#include "nn/model.h"

// Makes `path` (a mkstemp template) an empty file of its own.
static inline void tmp_path(char *path) {
  int fd = mkstemp(path);
  ASSERT(fd >= 0);
  close(fd);
}

// The whole file, for byte comparisons (NULL on failure; *n its size).
static inline unsigned char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = len > 0 ? malloc((size_t)len) : NULL;
  if (b && fread(b, 1, (size_t)len, f) != (size_t)len) free(b), b = NULL;
  fclose(f);
  *n = b ? (size_t)len : 0;
  return b;
}

// Fails naming the first byte where two checkpoint files differ; returns
// their size.
static inline size_t same_file(const char *a, const char *b, const char *what) {
  size_t na, nb;
  unsigned char *fa = slurp(a, &na), *fb = slurp(b, &nb);
  if (!fa || !fb) HARNESS_FAIL("%s: cannot read the checkpoints", what);
  if (na != nb) HARNESS_FAIL("%s: %zu bytes against %zu", what, na, nb);
  for (size_t i = 0; i < na; i++)
    if (fa[i] != fb[i]) HARNESS_FAIL("%s: first difference at byte %zu of %zu", what, i, na);
  free(fa);
  free(fb);
  return na;
}

// The BN statistics buffer of a U-Net (unet3d, ddpm3d's body) ends with the
// last BN's running variance.
static inline size_t n_buffers(const nn_model *m) {
  size_t off = 0, n = 0;
  if (nn_model_param_find(m, "dec0.c.bn.running_var", &off, &n)) return 0;
  return off + n;
}

// Moves m to CUDA and trains it `steps` steps on the batch.
static inline void train_on_cuda(nn_model *m, int steps, const float *x, const float *y,
                                 const float *w, int batch) {
  float l;
  ASSERT_OK(nn_model_set_device(m, NN_DEVICE_CUDA));
  for (int s = 0; s < steps; s++) ASSERT_OK(nn_train_step(m, x, y, w, batch, &l));
}

// Deterministic mode: two models built alike, both moved to CUDA, give the
// same loss bytes at each of `steps` training steps and the same weights.
static inline void reruns_bitwise(nn_model *a, nn_model *b, int steps, const float *x,
                                  const float *y, const float *w, int batch) {
  ASSERT_OK(nn_model_set_device(a, NN_DEVICE_CUDA));
  ASSERT_OK(nn_model_set_device(b, NN_DEVICE_CUDA));
  float la, lb;
  for (int s = 0; s < steps; s++) {
    ASSERT_OK(nn_train_step(a, x, y, w, batch, &la));
    ASSERT_OK(nn_train_step(b, x, y, w, batch, &lb));
    if (memcmp(&la, &lb, sizeof la)) HARNESS_FAIL("step %d: loss %.9g against %.9g", s, la, lb);
  }
  const size_t P = nn_model_param_count(a);
  const float *pa = nn_model_params(a), *pb = nn_model_params(b);
  for (size_t i = 0; i < P; i++)
    if (memcmp(pa + i, pb + i, sizeof *pa)) HARNESS_FAIL("weight %zu: %.9g against %.9g", i, pa[i], pb[i]);
}

// One Adam step moves each weight by about +-lr (1e-3) in the direction of
// its gradient's sign; where the two gradients' signs differ (a gradient
// within float noise of 0) the steps may go opposite ways.
static inline void adam_step_agrees(nn_model *gpu, nn_model *cpu) {
  const size_t P = nn_model_param_count(cpu);
  const float *pc = nn_model_params(cpu), *pg = nn_model_params(gpu);
  const float *gc = nn_model_grads(cpu), *gg = nn_model_grads(gpu);
  for (size_t i = 0; i < P; i++) {
    double tol = fabs(gc[i]) < 1e-6 || (gc[i] > 0) != (gg[i] > 0) ? 2.5e-3 : 2e-5;
    if (fabs((double)pc[i] - pg[i]) > tol)
      HARNESS_FAIL("weight %zu after the step: cpu %.9g, cuda %.9g (gradient %g)", i, pc[i], pg[i],
                   gc[i]);
  }
}

// The evaluation loss of `cpu` and `gpu` on the same batch within 1e-4
// relative; fails with "<what> cpu <loss>, cuda <loss>".
static inline void eval_losses_agree(nn_model *cpu, nn_model *gpu, const float *x, const float *y,
                                     const float *w, int batch, const char *what) {
  float lc, lg;
  ASSERT_OK(nn_eval_loss(cpu, x, y, w, batch, &lc));
  ASSERT_OK(nn_eval_loss(gpu, x, y, w, batch, &lg));
  if (fabs(lc - lg) > 1e-4 * fabs(lc)) HARNESS_FAIL("%s cpu %.9g, cuda %.9g", what, lc, lg);
}

// A CUDA model `g` saved to `path` and loaded back: a CPU model with the
// same weights (the caller frees it).
static inline nn_model *load_on_cpu(nn_model *g, const char *path, int epoch) {
  nn_model *c = NULL;
  int got;
  ASSERT_OK(nn_checkpoint_save(g, path, epoch, NULL, 0));
  ASSERT_OK(nn_checkpoint_load(&c, path, &got, NULL, 0));
  ASSERT_EQ(epoch, got);
  ASSERT_EQ(NN_DEVICE_CPU, nn_model_device(c));
  const size_t P = nn_model_param_count(g);
  ASSERT(memcmp(nn_model_params(c), nn_model_params(g), P * sizeof(float)) == 0);
  return c;
}

// The largest |a - b| over n values, printed as "<what>: largest |cuda -
// cpu| <d>" (the figures docs/gpu.md quotes).
static inline void print_largest_difference(const char *what, const float *g, const float *c,
                                            size_t n) {
  double dmax = 0;
  for (size_t i = 0; i < n; i++) dmax = fmax(dmax, fabs((double)g[i] - c[i]));
  printf("%s: largest |cuda - cpu| %.3g\n", what, dmax);
}

#endif
