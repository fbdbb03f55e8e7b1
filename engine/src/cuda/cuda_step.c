// One training step on the device: forward, loss, backward, Adam. L1 and
// MSE run on the device; the SSIM loss runs on the host on the downloaded
// prediction (its gradient goes back up), as the CPU engine computes it.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cuda_backend.h"
#include "cuda_ctx.h"
#include "cuda_layers.h"
#include "nn/loss.h"

// L1 / MSE sums of the last forward's output against y (and w) on the
// device; sums[0] the weight total, sums[1] the weighted error.
static asl_status loss_sums(nn_model *m, const float *y, const float *w,
                            size_t n, double sums[2]) {
  nn_cuda *c = m->cuda;
  asl_status s = nn_cuda_grow(c, (void **)&c->target, &c->target_cap, n * sizeof(float));
  if (!s && w) s = nn_cuda_grow(c, (void **)&c->weight, &c->weight_cap, n * sizeof(float));
  if (s) return s;
  CU(cudaMemcpyAsync(c->target, y, n * sizeof(float), cudaMemcpyHostToDevice, c->stream), "upload target");
  if (w) CU(cudaMemcpyAsync(c->weight, w, n * sizeof(float), cudaMemcpyHostToDevice, c->stream), "upload weights");
  nn_cu_loss_sums(sums, m->opt.loss, c->out_dev, c->target, w ? c->weight : NULL, n,
                  c->red, c->stream);
  CU(cudaGetLastError(), "loss");
  return ASL_OK;
}

// L1 / MSE: the loss, then dpred straight into the output's gradient.
static asl_status loss_on_device(nn_model *m, const float *y, const float *w,
                                 size_t n, double *loss) {
  nn_cuda *c = m->cuda;
  double sums[2];
  asl_status s = loss_sums(m, y, w, n, sums);
  if (s) return s;
  *loss = sums[0] <= 0.0 ? 0.0 : sums[1] / sums[0];
  if (!isfinite(*loss) || sums[0] <= 0.0) return ASL_OK; // no gradient
  const float *wd = w ? c->weight : NULL;
  const float k = (float)((m->opt.loss == NN_LOSS_MSE ? 2.0 : 1.0) / sums[0]);
  nn_cu_loss_backward(nn_cuda_net_output_grad(m), m->opt.loss, c->out_dev, c->target,
                      wd, n, k, c->stream);
  return ASL_OK;
}

static asl_status loss_on_host(nn_model *m, const float *y, const float *w,
                               int N, size_t n, double *loss) {
  nn_cuda *c = m->cuda;
  const int D = m->grid[2], H = m->grid[1], W = m->grid[0];
  asl_status s = nn_scratch_reserve(&m->loss_ws, &m->loss_ws_n,
                                    nn_ssim_loss_workspace_floats(D, H, W));
  if (!s) s = nn_scratch_reserve(&m->dout, &m->dout_n, n);
  if (s) return s;
  CU(cudaMemcpyAsync(c->host_out, c->out_dev, n * sizeof(float), cudaMemcpyDeviceToHost, c->stream),
     "download prediction");
  CU(cudaStreamSynchronize(c->stream), "forward");
  c->host_stale &= ~NN_SYNC_OUTPUT;
  *loss = nn_ssim_loss_forward(c->host_out, y, w, N, D, H, W, m->loss_ws);
  if (!isfinite(*loss)) return ASL_OK;
  memset(m->dout, 0, n * sizeof(float));
  nn_ssim_loss_backward(m->dout, c->host_out, y, w, N, D, H, W, 1.0f, m->loss_ws);
  CU(cudaMemcpyAsync(nn_cuda_net_output_grad(m), m->dout, n * sizeof(float),
                     cudaMemcpyHostToDevice, c->stream), "upload loss gradient");
  return ASL_OK;
}

// Sets up forward in training mode; the plan must exist before the
// gradients are cleared (the loss writes into the output's gradient).
static asl_status forward_train(nn_model *m, const float *x, int batch) {
  nn_cuda *c = m->cuda;
  const int D = m->grid[2], H = m->grid[1], W = m->grid[0];
  asl_status s = nn_cuda_net_plan(m, batch, D, H, W, 1);
  if (!s) s = nn_cuda_net_zero_grads(m);
  if (s) return s;
  const size_t nx = (size_t)batch * m->in_channels * D * H * W;
  CU(cudaMemcpyAsync(nn_cuda_net_input(m), x, nx * sizeof(float), cudaMemcpyHostToDevice, c->stream),
     "upload input");
  const float *out;
  s = nn_cuda_net_forward(m, 1, &out);
  if (!s) c->host_stale |= NN_SYNC_BUFFERS | NN_SYNC_OUTPUT;
  return s;
}

asl_status nn_cuda_backward_host(nn_model *m, const float *dout) {
  nn_cuda *c = m->cuda;
  if (!c->out_dev || !c->ptrain)
    return asl_fail(ASL_EINVAL, "cuda: a backward needs a training forward before it");
  asl_status s = nn_cuda_net_zero_grads(m);
  if (s) return s;
  CU(cudaMemcpyAsync(nn_cuda_net_output_grad(m), dout, c->out_n * sizeof(float),
                     cudaMemcpyHostToDevice, c->stream), "upload output gradient");
  if ((s = nn_cuda_net_backward(m))) return s;
  c->host_stale |= NN_SYNC_GRADS;
  CU(cudaStreamSynchronize(c->stream), "backward");
  CU(cudaGetLastError(), "backward");
  nn_cuda_pull(m, NN_SYNC_GRADS);
  return ASL_OK;
}

asl_status nn_cuda_step(nn_model *m, const float *x, const float *y,
                        const float *w, int batch, float *loss, int update) {
  nn_cuda *c = m->cuda;
  const size_t n = (size_t)batch * m->grid[0] * m->grid[1] * m->grid[2];
  double l = 0.0;
  asl_status s = nn_cuda_sync_up(m);
  if (!s) s = nn_cuda_host_out_reserve(m, n);
  if (!s) s = forward_train(m, x, batch);
  if (!s) s = m->opt.loss == NN_LOSS_SSIM ? loss_on_host(m, y, w, batch, n, &l)
                                          : loss_on_device(m, y, w, n, &l);
  if (s) return s;
  m->last_out = c->host_out;
  if (loss) *loss = (float)l;
  if ((s = nn_check_loss(m, l))) return s;
  s = nn_cuda_net_backward(m);
  if (s) return s;
  c->host_stale |= NN_SYNC_GRADS;
  if (update) {
    m->step++;
    nn_cu_adam(c->params, c->grads, c->adam_m, c->adam_v, m->n_params, &m->opt,
               m->step, c->stream);
    c->host_stale |= NN_SYNC_PARAMS | NN_SYNC_ADAM;
  }
  CU(cudaStreamSynchronize(c->stream), "training step");
  CU(cudaGetLastError(), "training step");
  return ASL_OK;
}

// nn_eval_loss with an L1 or MSE loss: the loss is summed where the
// prediction is, and the prediction comes down only when the caller asks
// for it (nn_model_last_output), so an evaluation moves x and y up and two
// sums down.
asl_status nn_cuda_eval_loss(nn_model *m, const float *x, const float *y,
                             const float *w, int batch, double *loss) {
  nn_cuda *c = m->cuda;
  const int D = m->grid[2], H = m->grid[1], W = m->grid[0];
  const size_t n = (size_t)batch * D * H * W;
  asl_status s = nn_cuda_sync_up(m);
  if (!s) s = nn_cuda_host_out_reserve(m, n);
  if (!s) s = nn_cuda_net_plan(m, batch, D, H, W, 0);
  if (s) return s;
  const size_t nx = (size_t)batch * m->in_channels * D * H * W;
  CU(cudaMemcpyAsync(nn_cuda_net_input(m), x, nx * sizeof(float), cudaMemcpyHostToDevice, c->stream),
     "upload input");
  const float *out;
  s = nn_cuda_net_forward(m, 0, &out);
  if (s) return s;
  c->host_stale |= NN_SYNC_OUTPUT;
  m->last_out = c->host_out;
  double sums[2];
  s = loss_sums(m, y, w, n, sums);
  if (s) return s;
  *loss = sums[0] <= 0.0 ? 0.0 : sums[1] / sums[0];
  return ASL_OK;
}

static double wall_now(void) {
  struct timespec t;
  timespec_get(&t, TIME_UTC);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

// The timed loop of nn_cuda_eval_resident: xd holds the batch on the device.
static asl_status resident_loop(nn_model *m, const float *xd, size_t nx,
                                size_t n, int reps, double *t) {
  nn_cuda *c = m->cuda;
  for (int r = 0; r < reps; r++) {
    const double t0 = wall_now();
    CU(cudaMemcpyAsync(nn_cuda_net_input(m), xd, nx * sizeof(float),
                       cudaMemcpyDeviceToDevice, c->stream), "copy input");
    const float *out;
    asl_status s = nn_cuda_net_forward(m, 0, &out);
    if (s) return s;
    double sums[2]; // reading them back waits for the stream
    nn_cu_loss_sums(sums, m->opt.loss, c->out_dev, c->target, NULL, n, c->red, c->stream);
    CU(cudaGetLastError(), "loss");
    t[r] = wall_now() - t0;
  }
  return ASL_OK;
}

asl_status nn_cuda_eval_resident(nn_model *m, const float *x, const float *y,
                                 int batch, int reps, double *seconds) {
  const int D = m->grid[2], H = m->grid[1], W = m->grid[0];
  const size_t n = (size_t)batch * D * H * W, nx = n * m->in_channels;
  double l, t[64];
  if (reps < 1 || reps > 64)
    return asl_fail(ASL_EINVAL, "cuda: %d repetitions (allowed: 1 to 64)", reps);
  // Plans, uploads the target and warms up.
  asl_status s = nn_cuda_eval_loss(m, x, y, NULL, batch, &l);
  if (s) return s;
  float *xd = NULL;
  CU(cudaMalloc((void **)&xd, nx * sizeof(float)), "allocate the resident input");
  s = nn_cuda_check(cudaMemcpy(xd, x, nx * sizeof(float), cudaMemcpyHostToDevice),
                    "upload input");
  if (!s) s = resident_loop(m, xd, nx, n, reps, t);
  cudaFree(xd);
  if (s) return s;
  qsort(t, (size_t)reps, sizeof *t, cmp_double);
  *seconds = t[reps / 2];
  return ASL_OK;
}
