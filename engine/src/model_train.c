// Training step, evaluation loss and whole-volume inference: the generic
// loop around a kind's forward and backward.
#include <math.h>
#include <string.h>

#include "model_internal.h"
#include "nn/loss.h"
#include "nn/optim.h"

static asl_status check_batch(const nn_model *m, const float *x,
                              const float *y, int batch) {
  if (!x || !y || batch < 1)
    return asl_fail(ASL_EINVAL, "model %s: need x, y and batch >= 1 (got %d)",
                    m->ops->desc->kind, batch);
  return ASL_OK;
}

static asl_status loss_forward(nn_model *m, const float *pred, const float *y,
                               const float *w, int N, int D, int H, int W,
                               double *loss) {
  const size_t n = (size_t)N * D * H * W;
  switch (m->opt.loss) {
  case NN_LOSS_L1: *loss = nn_l1_loss_forward(pred, y, w, n); break;
  case NN_LOSS_MSE: *loss = nn_mse_loss_forward(pred, y, w, n); break;
  case NN_LOSS_SSIM: {
    asl_status s = nn_scratch_reserve(&m->loss_ws, &m->loss_ws_n,
                                      nn_ssim_loss_workspace_floats(D, H, W));
    if (s) return s;
    *loss = nn_ssim_loss_forward(pred, y, w, N, D, H, W, m->loss_ws);
    break;
  }
  }
  return ASL_OK;
}

static void loss_backward(nn_model *m, float *dpred, const float *pred,
                          const float *y, const float *w, int N, int D, int H,
                          int W) {
  const size_t n = (size_t)N * D * H * W;
  memset(dpred, 0, n * sizeof(float));
  switch (m->opt.loss) {
  case NN_LOSS_L1: nn_l1_loss_backward(dpred, pred, y, w, n, 1.0f); break;
  case NN_LOSS_MSE: nn_mse_loss_backward(dpred, pred, y, w, n, 1.0f); break;
  case NN_LOSS_SSIM:
    nn_ssim_loss_backward(dpred, pred, y, w, N, D, H, W, 1.0f, m->loss_ws);
    break;
  }
}

asl_status nn_check_loss(const nn_model *m, double l) {
  if (isfinite(l)) return ASL_OK;
  return asl_fail(ASL_ENUMERIC,
                  "model %s: training loss is %g at step %ld (lower the learning rate or "
                  "check the inputs)",
                  m->ops->desc->kind, l, m->step + 1);
}

asl_status nn_model_compute_gradients(nn_model *m, const float *x,
                                      const float *y, const float *w,
                                      int batch, float *loss) {
  if (!m->ops->desc->trainable)
    return asl_fail(ASL_EUNSUPPORTED, "model %s does not train", m->ops->desc->kind);
  asl_status s = check_batch(m, x, y, batch);
  if (s) return s;
  // A whole model on the device steps there; a kind with a device body
  // (ddpm3d) runs this host loop, its body's calls going to the device.
  if (m->cuda) return nn_device_step(m, x, y, w, batch, loss, 0);
  const int D = m->grid[2], H = m->grid[1], W = m->grid[0];
  const float *pred;
  double l;
  m->target = y;
  s = m->ops->forward(m, x, batch, D, H, W, 1, &pred);
  m->target = NULL;
  if (!s) s = loss_forward(m, pred, y, w, batch, D, H, W, &l);
  if (!s) s = nn_scratch_reserve(&m->dout, &m->dout_n, (size_t)batch * D * H * W);
  if (s) return s;
  m->last_out = pred;
  if (loss) *loss = (float)l;
  if ((s = nn_check_loss(m, l))) return s;
  loss_backward(m, m->dout, pred, y, w, batch, D, H, W);
  memset(m->grads, 0, m->n_params * sizeof(float));
  m->backward_status = ASL_OK;
  m->ops->backward(m, m->dout);
  s = m->backward_status;
  m->backward_status = ASL_OK;
  return s;
}

asl_status nn_train_step(nn_model *m, const float *x, const float *y,
                         const float *w, int batch, float *loss) {
  if (m->cuda && m->ops->desc->trainable && !check_batch(m, x, y, batch))
    return nn_device_step(m, x, y, w, batch, loss, 1);
  asl_status s = nn_model_compute_gradients(m, x, y, w, batch, loss);
  if (s) return s;
  m->step++;
  nn_adam_update(m->params, m->grads, m->adam_m, m->adam_v, m->n_params,
                 &m->opt, m->step);
  nn_device_pushed(m, NN_SYNC_PARAMS); // a device body's weights go up again
  return ASL_OK;
}

asl_status nn_eval_loss(nn_model *m, const float *x, const float *y,
                        const float *w, int batch, float *loss) {
  asl_status s = check_batch(m, x, y, batch);
  if (s) return s;
  const int D = m->grid[2], H = m->grid[1], W = m->grid[0];
  const float *pred;
  double l = 0;
  if (!nn_device_eval_loss(m, x, y, w, batch, &l, &s)) {
    m->target = y;
    s = nn_device_forward(m, x, batch, D, H, W, 0, &pred);
    m->target = NULL;
    if (!s) m->last_out = pred;
    if (!s) s = loss_forward(m, pred, y, w, batch, D, H, W, &l);
  }
  if (s) return s;
  if (loss) *loss = (float)l;
  if (!isfinite(l))
    return asl_fail(ASL_ENUMERIC, "model %s: evaluation loss is %g",
                    m->ops->desc->kind, l);
  return ASL_OK;
}

static int round_up(int n, int k) { return (n + k - 1) / k * k; }

// x: (C, nz, ny, nx) -> out: (nz, ny, nx), zero-padded at the high end of
// each axis to the size multiple and cropped back.
asl_status nn_infer_volume(nn_model *m, const float *x, int nx, int ny, int nz,
                           float *out) {
  if (!x || !out || nx < 1 || ny < 1 || nz < 1)
    return asl_fail(ASL_EINVAL, "model %s: bad volume %dx%dx%d for inference",
                    m->ops->desc->kind, nx, ny, nz);
  const int k = m->ops->size_multiple(m), C = m->in_channels;
  const int W = round_up(nx, k), H = round_up(ny, k), D = round_up(nz, k);
  const size_t V = (size_t)D * H * W;
  float *pad = NULL;
  size_t cap = 0;
  asl_status s = nn_scratch_reserve(&pad, &cap, (size_t)C * V);
  if (s) return s;
  memset(pad, 0, (size_t)C * V * sizeof(float));
  for (int c = 0; c < C; c++)
    for (int z = 0; z < nz; z++)
      for (int y = 0; y < ny; y++)
        memcpy(pad + (((size_t)c * D + z) * H + y) * W,
               x + (((size_t)c * nz + z) * ny + y) * nx, nx * sizeof(float));
  const float *pred;
  s = nn_device_forward(m, pad, 1, D, H, W, 0, &pred);
  m->last_out = NULL; // padded: not at the model grid
  if (!s)
    for (int z = 0; z < nz; z++)
      for (int y = 0; y < ny; y++)
        memcpy(out + ((size_t)z * ny + y) * nx,
               pred + ((size_t)z * H + y) * W, nx * sizeof(float));
  free(pad);
  return s;
}
