// The CUDA backend's model-level entry points (called through device.c):
// attaching a model, keeping host and device copies coherent, and the
// training step, evaluation and inference forward on the device.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_backend.h"
#include "cuda_ctx.h"
#include "cuda_layers.h"
#include "nn/device.h"
#include "nn/loss.h"
#include "vit3d.h"

asl_status nn_cuda_check(cudaError_t e, const char *what) {
  if (e == cudaSuccess) return ASL_OK;
  return asl_fail(e == cudaErrorMemoryAllocation ? ASL_ENOMEM : ASL_EIO,
                  "cuda: %s: %s", what, cudaGetErrorString(e));
}

asl_status nn_cuda_grow(nn_cuda *c, void **buf, size_t *cap, size_t bytes) {
  if (*buf && bytes <= *cap) return ASL_OK;
  if (*buf) cudaFree(*buf), c->bytes -= *cap;
  *buf = NULL, *cap = 0;
  bytes = (bytes + 255) / 256 * 256;
  cudaError_t e = cudaMalloc(buf, bytes);
  if (e != cudaSuccess) {
    *buf = NULL;
    cudaGetLastError();
    return asl_fail(ASL_ENOMEM, "cuda: cannot allocate %zu MiB of device memory "
                    "(%s); lower the batch or the volume size", bytes >> 20,
                    cudaGetErrorString(e));
  }
  *cap = bytes, c->bytes += bytes;
  return ASL_OK;
}

int nn_cuda_probe(const char **why) {
  static _Thread_local char msg[256];
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess || n < 1) {
    snprintf(msg, sizeof msg, "no CUDA device (%s)",
             e != cudaSuccess ? cudaGetErrorString(e) : "none found");
    cudaGetLastError();
    if (why) *why = msg;
    return 0;
  }
  return nn_cudnn_load(why);
}

asl_status nn_cuda_select_device(int index) {
  const char *why;
  int n = 0;
  if (!nn_cuda_probe(&why)) return asl_fail(ASL_EUNSUPPORTED, "device cuda: %s", why);
  CU(cudaGetDeviceCount(&n), "count devices");
  if (index < 0) index = 0;
  CU(cudaSetDevice(index % n), "select device");
  return ASL_OK;
}

const char *nn_cuda_device_text(void) {
  static _Thread_local char text[256];
  const char *why;
  int dev = 0;
  struct cudaDeviceProp p;
  if (!nn_cuda_probe(&why)) return why;
  if (cudaGetDevice(&dev) != cudaSuccess || cudaGetDeviceProperties(&p, dev) != cudaSuccess)
    return "CUDA device properties unavailable";
  snprintf(text, sizeof text, "%.120s, %.1f GiB, sm_%d%d, cuDNN %zu", p.name,
           p.totalGlobalMem / 1073741824.0, p.major, p.minor, cudnnGetVersion());
  return text;
}

// Copies the host arrays named in `what` up to the device.
static asl_status push(nn_model *m, unsigned what) {
  nn_cuda *c = m->cuda;
  const size_t pb = m->n_params * sizeof(float), bb = m->n_buffers * sizeof(float);
  if (what & NN_SYNC_PARAMS) CU(cudaMemcpy(c->params, m->params, pb, cudaMemcpyHostToDevice), "upload weights");
  // A device body (ddpm3d's U-Net) has no optimizer state of its own.
  if ((what & NN_SYNC_GRADS) && m->grads) CU(cudaMemcpy(c->grads, m->grads, pb, cudaMemcpyHostToDevice), "upload gradients");
  // A kind without BN statistics (vit3d) has no host array to copy.
  if ((what & NN_SYNC_BUFFERS) && bb) CU(cudaMemcpy(c->buffers, m->buffers, bb, cudaMemcpyHostToDevice), "upload BN statistics");
  if ((what & NN_SYNC_ADAM) && m->adam_m && m->adam_v) {
    CU(cudaMemcpy(c->adam_m, m->adam_m, pb, cudaMemcpyHostToDevice), "upload Adam moments");
    CU(cudaMemcpy(c->adam_v, m->adam_v, pb, cudaMemcpyHostToDevice), "upload Adam moments");
  }
  return ASL_OK;
}

asl_status nn_cuda_sync_up(nn_model *m) {
  nn_cuda *c = m->cuda;
  asl_status s = push(m, c->dev_stale);
  if (!s) c->dev_stale = 0;
  return s;
}

void nn_cuda_pull(const nn_model *m, unsigned what) {
  nn_cuda *c = m->cuda;
  what &= c->host_stale;
  if (!what) return;
  const size_t pb = m->n_params * sizeof(float), bb = m->n_buffers * sizeof(float);
  cudaStreamSynchronize(c->stream);
  int bad = 0;
  if (what & NN_SYNC_PARAMS) bad |= cudaMemcpy(m->params, c->params, pb, cudaMemcpyDeviceToHost);
  if ((what & NN_SYNC_GRADS) && m->grads) bad |= cudaMemcpy(m->grads, c->grads, pb, cudaMemcpyDeviceToHost);
  if ((what & NN_SYNC_BUFFERS) && bb) bad |= cudaMemcpy(m->buffers, c->buffers, bb, cudaMemcpyDeviceToHost);
  if ((what & NN_SYNC_ADAM) && m->adam_m && m->adam_v) {
    bad |= cudaMemcpy(m->adam_m, c->adam_m, pb, cudaMemcpyDeviceToHost);
    bad |= cudaMemcpy(m->adam_v, c->adam_v, pb, cudaMemcpyDeviceToHost);
  }
  if ((what & NN_SYNC_OUTPUT) && c->out_dev && c->host_out)
    bad |= cudaMemcpy(c->host_out, c->out_dev, c->out_n * sizeof(float), cudaMemcpyDeviceToHost);
  // A failed copy leaves no way to report through a view; the device is
  // unusable then and the next device call reports the error.
  if (bad) fprintf(stderr, "cuda: copying the model to the host failed: %s\n",
                   cudaGetErrorString(cudaGetLastError()));
  c->host_stale &= ~what;
}

void nn_cuda_pushed(nn_model *m, unsigned what) {
  nn_cuda *c = m->cuda;
  c->dev_stale |= what & ~NN_SYNC_OUTPUT;
}

void nn_cuda_options_changed(nn_model *m) { ((nn_cuda *)m->cuda)->planned = 0; }
size_t nn_cuda_bytes(const nn_model *m) { return ((const nn_cuda *)m->cuda)->bytes; }

void nn_cuda_detach(nn_model *m) {
  nn_cuda *c = m->cuda;
  if (!c) return;
  nn_cuda_unet_free(c);
#ifdef NN_HAVE_CUBLAS
  nn_cuda_vit_free(c);
#endif
  cudaFree(c->params);
  cudaFree(c->grads);
  cudaFree(c->adam_m);
  cudaFree(c->adam_v);
  cudaFree(c->buffers);
  if (c->dnn) cudnnDestroy(c->dnn);
  if (c->stream) cudaStreamDestroy(c->stream);
  if (m->last_out == c->host_out) m->last_out = NULL; // freed below
  if (c->host_out) cudaFreeHost(c->host_out);
  free(c);
  m->cuda = NULL;
}

static asl_status attach(nn_model *m, nn_cuda *c) {
  const size_t pb = (m->n_params ? m->n_params : 1) * sizeof(float);
  const size_t bb = (m->n_buffers ? m->n_buffers : 1) * sizeof(float);
  size_t cap = 0;
  // A blocking stream: it waits for copies on the legacy default stream
  // (cudaMemcpy of the weights), so no kernel reads a half-copied buffer.
  CU(cudaStreamCreate(&c->stream), "create stream");
  cudnnStatus_t ds = cudnnCreate(&c->dnn);
  if (ds != CUDNN_STATUS_SUCCESS)
    return asl_fail(ASL_EUNSUPPORTED, "cuDNN: cannot start (%s); check that "
                    "libcudnn 9 is on the library path", cudnnGetErrorString(ds));
  if (cudnnSetStream(c->dnn, c->stream) != CUDNN_STATUS_SUCCESS)
    return asl_fail(ASL_EIO, "cuDNN: cannot set the stream");
  asl_status s = nn_cuda_grow(c, (void **)&c->params, &cap, pb);
  if (!s) s = nn_cuda_grow(c, (void **)&c->grads, &(size_t){0}, pb);
  if (!s) s = nn_cuda_grow(c, (void **)&c->adam_m, &(size_t){0}, pb);
  if (!s) s = nn_cuda_grow(c, (void **)&c->adam_v, &(size_t){0}, pb);
  if (!s) s = nn_cuda_grow(c, (void **)&c->buffers, &(size_t){0}, bb);
  if (!s) s = push(m, NN_SYNC_PARAMS | NN_SYNC_GRADS | NN_SYNC_BUFFERS | NN_SYNC_ADAM);
  return s;
}

asl_status nn_cuda_attach(nn_model *m) {
  const int unet = m->ops == &nn_unet3d_ops, vit = m->ops == &nn_vit3d_ops;
  if (!m->ops->desc->cuda || !(unet || vit))
    return asl_fail(ASL_EUNSUPPORTED, "model %s runs on the CPU only (the CUDA "
                    "backend covers unet3d, vit3d and ddpm3d); use device cpu", m->ops->desc->kind);
  const char *why;
  if (!nn_cuda_probe(&why))
    return asl_fail(ASL_EUNSUPPORTED, "model %s: device cuda: %s", m->ops->desc->kind, why);
  nn_cuda *c = calloc(1, sizeof *c);
  if (!c) return asl_fail(ASL_ENOMEM, "model %s: out of memory", m->ops->desc->kind);
  m->cuda = c;
  asl_status s = attach(m, c);
#ifdef NN_HAVE_CUBLAS
  if (!s && vit) s = nn_cuda_vit_attach(m);
#else
  if (!s && vit)
    s = asl_fail(ASL_EUNSUPPORTED, "model vit3d: this build's CUDA backend has no ViT "
                 "(cublas_v2.h was not found in the CUDA toolkit when it was configured)");
#endif
  if (s) nn_cuda_detach(m);
  return s;
}

asl_status nn_cuda_host_out_reserve(nn_model *m, size_t n) {
  nn_cuda *c = m->cuda;
  if (n > c->host_out_cap) {
    // Page-locked, so the prediction comes down at full bus speed.
    if (c->host_out) cudaFreeHost(c->host_out);
    if (m->last_out == c->host_out) m->last_out = NULL;
    c->host_out = NULL, c->host_out_cap = 0;
    if (cudaMallocHost((void **)&c->host_out, n * sizeof(float)) != cudaSuccess) {
      c->host_out = NULL;
      cudaGetLastError();
      return asl_fail(ASL_ENOMEM, "cuda: cannot allocate the output copy");
    }
    c->host_out_cap = n;
  }
  return ASL_OK;
}

// Plans, uploads x (N, C, D, H, W) and runs the forward pass.
static asl_status run_forward(nn_model *m, const float *x, int N, int D, int H,
                              int W, int train) {
  nn_cuda *c = m->cuda;
  asl_status s = nn_cuda_sync_up(m);
  if (!s) s = nn_cuda_net_plan(m, N, D, H, W, train);
  if (s) return s;
  const size_t nx = (size_t)N * m->in_channels * D * H * W;
  CU(cudaMemcpyAsync(nn_cuda_net_input(m), x, nx * sizeof(float), cudaMemcpyHostToDevice, c->stream),
     "upload input");
  const float *out;
  s = nn_cuda_net_forward(m, train, &out);
  if (!s && train) c->host_stale |= NN_SYNC_BUFFERS; // BN running statistics
  return s;
}

static asl_status vit_tile(nn_model *m, const float *tile, const float **pred) {
  return nn_cuda_forward_host(m, tile, 1, m->grid[2], m->grid[1], m->grid[0], 0, pred);
}

asl_status nn_cuda_forward_host(nn_model *m, const float *x, int N, int D,
                                int H, int W, int train, const float **out) {
  nn_cuda *c = m->cuda;
  // The ViT's position embeddings fix its grid: other sizes run by tiles.
  if (c->vit && (D != m->grid[2] || H != m->grid[1] || W != m->grid[0])) {
    if (train)
      return asl_fail(ASL_EINVAL, "model vit3d: training runs at the model grid %dx%dx%d, "
                      "not %dx%dx%d", m->grid[0], m->grid[1], m->grid[2], W, H, D);
    return vit3d_forward_tiles(m, x, N, D, H, W, vit_tile, out);
  }
  asl_status s = run_forward(m, x, N, D, H, W, train);
  if (!s) s = nn_cuda_host_out_reserve(m, c->out_n);
  if (s) return s;
  CU(cudaMemcpyAsync(c->host_out, c->out_dev, c->out_n * sizeof(float),
                     cudaMemcpyDeviceToHost, c->stream), "download output");
  CU(cudaStreamSynchronize(c->stream), "forward");
  c->host_stale &= ~NN_SYNC_OUTPUT;
  *out = c->host_out;
  return ASL_OK;
}
