// The device seam: parses device names and routes a model's calls to the
// CUDA backend (engine/src/cuda/) when it lives there. Built without CUDA,
// every request for the device fails with a message saying how to build it.
#include <string.h>

#include "model_internal.h"
#include "nn/device.h"
#ifdef NN_HAVE_CUDA
#include "cuda/cuda_backend.h"
#endif

asl_status nn_device_parse(const char *name, nn_device *out) {
  if (name && strcmp(name, "cpu") == 0) *out = NN_DEVICE_CPU;
  else if (name && strcmp(name, "cuda") == 0) *out = NN_DEVICE_CUDA;
  else
    return asl_fail(ASL_EINVAL, "unknown device '%s' (allowed: cpu, cuda)",
                    name ? name : "(null)");
  return ASL_OK;
}

const char *nn_device_name(nn_device d) {
  return d == NN_DEVICE_CUDA ? "cuda" : "cpu";
}

asl_status nn_precision_parse(const char *name, nn_precision *out) {
  if (name && strcmp(name, "fp32") == 0) *out = NN_PRECISION_FP32;
  else if (name && strcmp(name, "tf32") == 0) *out = NN_PRECISION_TF32;
  else if (name && strcmp(name, "bf16") == 0) *out = NN_PRECISION_BF16;
  else
    return asl_fail(ASL_EINVAL, "unknown precision '%s' (allowed: fp32, tf32, bf16)",
                    name ? name : "(null)");
  return ASL_OK;
}

const char *nn_precision_name(nn_precision p) {
  return p == NN_PRECISION_TF32 ? "tf32" : p == NN_PRECISION_BF16 ? "bf16" : "fp32";
}

#ifdef NN_HAVE_CUDA

int nn_cuda_available(const char **why) { return nn_cuda_probe(why); }
asl_status nn_cuda_select(int index) { return nn_cuda_select_device(index); }
const char *nn_cuda_describe(void) { return nn_cuda_device_text(); }

// The model whose state lives on the device: m itself, or the body of a
// kind whose own logic stays on the host (nn_model_ops.device_body).
static nn_model *on_device(const nn_model *m) {
  if (m->cuda || !m->device || !m->ops->device_body) return (nn_model *)m;
  return m->ops->device_body((nn_model *)m);
}

asl_status nn_model_set_device(nn_model *m, nn_device d) {
  if (d == (nn_device)m->device) return ASL_OK;
  if (d == NN_DEVICE_CPU) {
    nn_device_release(m);
    return ASL_OK;
  }
  asl_status s;
  if (m->ops->device_body) {
    nn_model *b = m->ops->device_body(m);
    b->precision = m->precision, b->nondeterministic = m->nondeterministic;
    // The host keeps the body's optimizer state: its Adam runs there.
    s = nn_cuda_attach(b);
    if (!s) b->device = NN_DEVICE_CUDA;
  } else {
    s = nn_cuda_attach(m);
  }
  if (!s) m->device = NN_DEVICE_CUDA;
  return s;
}

void nn_device_pull(const nn_model *m, unsigned what) {
  const nn_model *b = on_device(m);
  if (b->cuda) nn_cuda_pull(b, what);
}

void nn_device_pushed(nn_model *m, unsigned what) {
  nn_model *b = on_device(m);
  if (b->cuda) nn_cuda_pushed(b, what);
}

void nn_device_release(nn_model *m) {
  nn_model *b = on_device(m);
  if (b->cuda) {
    nn_cuda_pull(b, NN_SYNC_ALL);
    nn_cuda_detach(b);
  }
  b->device = m->device = NN_DEVICE_CPU;
}

asl_status nn_device_backward(nn_model *m, const float *dout) {
  if (m->cuda) return nn_cuda_backward_host(m, dout);
  m->ops->backward(m, dout);
  return ASL_OK;
}

asl_status nn_device_forward(nn_model *m, const float *x, int N, int D, int H,
                             int W, int train, const float **out) {
  if (m->cuda) return nn_cuda_forward_host(m, x, N, D, H, W, train, out);
  return m->ops->forward(m, x, N, D, H, W, train, out);
}

asl_status nn_device_step(nn_model *m, const float *x, const float *y,
                          const float *w, int batch, float *loss, int update) {
  return nn_cuda_step(m, x, y, w, batch, loss, update);
}

int nn_device_eval_loss(nn_model *m, const float *x, const float *y,
                        const float *w, int batch, double *loss,
                        asl_status *s) {
  if (!m->cuda || m->opt.loss == NN_LOSS_SSIM) return 0;
  *s = nn_cuda_eval_loss(m, x, y, w, batch, loss);
  return 1;
}

size_t nn_model_device_bytes(const nn_model *m) {
  const nn_model *b = on_device(m);
  return b->cuda ? nn_cuda_bytes(b) : 0;
}

asl_status nn_model_time_eval_resident(nn_model *m, const float *x,
                                       const float *y, int batch, int reps,
                                       double *seconds) {
  if (!m->cuda || m->opt.loss == NN_LOSS_SSIM)
    return asl_fail(ASL_EUNSUPPORTED, "model %s: resident timing needs a CUDA "
                    "model with an L1 or MSE loss", m->ops->desc->kind);
  return nn_cuda_eval_resident(m, x, y, batch, reps, seconds);
}

#else

static const char no_cuda[] =
    "this build has no CUDA backend (configure with -DASLSWEEP_CUDA=ON on a "
    "machine with nvcc and cuDNN)";

int nn_cuda_available(const char **why) {
  if (why) *why = no_cuda;
  return 0;
}

const char *nn_cuda_describe(void) { return no_cuda; }

asl_status nn_cuda_select(int index) {
  return asl_fail(ASL_EUNSUPPORTED, "device cuda: %s", no_cuda);
}

asl_status nn_model_set_device(nn_model *m, nn_device d) {
  if (d == NN_DEVICE_CPU) return ASL_OK;
  return asl_fail(ASL_EUNSUPPORTED, "model %s: device cuda: %s", m->ops->desc->kind,
                  no_cuda);
}

void nn_device_pull(const nn_model *m, unsigned what) {}
void nn_device_pushed(nn_model *m, unsigned what) {}
void nn_device_release(nn_model *m) {}

asl_status nn_device_backward(nn_model *m, const float *dout) {
  m->ops->backward(m, dout);
  return ASL_OK;
}

asl_status nn_device_forward(nn_model *m, const float *x, int N, int D, int H,
                             int W, int train, const float **out) {
  return m->ops->forward(m, x, N, D, H, W, train, out);
}

asl_status nn_device_step(nn_model *m, const float *x, const float *y,
                          const float *w, int batch, float *loss, int update) {
  return asl_fail(ASL_EUNSUPPORTED, "model %s: device cuda: %s", m->ops->desc->kind,
                  no_cuda);
}

int nn_device_eval_loss(nn_model *m, const float *x, const float *y,
                        const float *w, int batch, double *loss,
                        asl_status *s) {
  return 0;
}

size_t nn_model_device_bytes(const nn_model *m) { return 0; }

asl_status nn_model_time_eval_resident(nn_model *m, const float *x,
                                       const float *y, int batch, int reps,
                                       double *seconds) {
  return asl_fail(ASL_EUNSUPPORTED, "model %s: device cuda: %s", m->ops->desc->kind,
                  no_cuda);
}

#endif

nn_device nn_model_device(const nn_model *m) { return (nn_device)m->device; }

static nn_device default_device = NN_DEVICE_CPU;
void nn_set_default_device(nn_device d) { default_device = d; }
nn_device nn_default_device(void) { return default_device; }

asl_status nn_device_apply_default(nn_model *m) {
  return default_device == NN_DEVICE_CPU ? ASL_OK
                                         : nn_model_set_device(m, default_device);
}

asl_status nn_model_set_precision(nn_model *m, nn_precision p) {
  if (p != NN_PRECISION_FP32 && p != NN_PRECISION_TF32 && p != NN_PRECISION_BF16)
    return asl_fail(ASL_EINVAL, "precision %d (allowed: fp32, tf32, bf16)", (int)p);
  m->precision = p;
#ifdef NN_HAVE_CUDA
  nn_model *b = on_device(m);
  b->precision = p;
  if (b->cuda) nn_cuda_options_changed(b);
#endif
  return ASL_OK;
}

nn_precision nn_model_precision(const nn_model *m) { return (nn_precision)m->precision; }

void nn_model_set_deterministic(nn_model *m, int on) {
  m->nondeterministic = !on;
#ifdef NN_HAVE_CUDA
  nn_model *b = on_device(m);
  b->nondeterministic = !on;
  if (b->cuda) nn_cuda_options_changed(b);
#endif
}
