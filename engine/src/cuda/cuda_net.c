// The network a CUDA model holds, as the step, the evaluation and the
// host forward see it: the ViT (cuda_vit.c) when the build has cuBLAS and
// the model is one, the U-Net (cuda_unet.c) otherwise.
#include "cuda_ctx.h"

#ifdef NN_HAVE_CUBLAS
#define IF_VIT(c, vit_call) \
  if ((c)->vit) return vit_call
#else
#define IF_VIT(c, vit_call) (void)(c)
#endif

asl_status nn_cuda_net_plan(nn_model *m, int N, int D, int H, int W, int train) {
  nn_cuda *c = m->cuda;
#ifdef NN_HAVE_CUBLAS
  if (c->vit && (D != m->grid[2] || H != m->grid[1] || W != m->grid[0]))
    return asl_fail(ASL_EINVAL, "model vit3d: the device runs the grid %dx%dx%d, not %dx%dx%d",
                    m->grid[0], m->grid[1], m->grid[2], W, H, D);
#endif
  IF_VIT(c, nn_cuda_vit_plan(m, N, train));
  return nn_cuda_unet_plan(m, N, D, H, W, train);
}

float *nn_cuda_net_input(nn_model *m) {
  nn_cuda *c = m->cuda;
  IF_VIT(c, nn_cuda_vit_input(m));
  return nn_cuda_input(m);
}

asl_status nn_cuda_net_forward(nn_model *m, int train, const float **out) {
  nn_cuda *c = m->cuda;
  IF_VIT(c, nn_cuda_vit_forward(m, train, out));
  return nn_cuda_unet_forward(m, train, out);
}

asl_status nn_cuda_net_backward(nn_model *m) {
  nn_cuda *c = m->cuda;
  IF_VIT(c, nn_cuda_vit_backward(m));
  return nn_cuda_unet_backward(m);
}

float *nn_cuda_net_output_grad(nn_model *m) {
  nn_cuda *c = m->cuda;
  IF_VIT(c, nn_cuda_vit_output_grad(m));
  return nn_cuda_output_grad(m);
}

asl_status nn_cuda_net_zero_grads(nn_model *m) {
  nn_cuda *c = m->cuda;
  IF_VIT(c, nn_cuda_vit_zero_grads(m));
  return nn_cuda_zero_grads(m);
}
