// What device.c calls in the CUDA backend (only built with NN_HAVE_CUDA).
#ifndef NN_CUDA_BACKEND_H
#define NN_CUDA_BACKEND_H

#include "model_internal.h"

int nn_cuda_probe(const char **why);
// Opens cuDNN 9 once (cudnn_load.c); 0 with the reason when it cannot.
int nn_cudnn_load(const char **why);
// Opens cuBLAS once (cublas_load.c), for the ViT; 0 with the reason.
int nn_cublas_load(const char **why);
const char *nn_cuda_device_text(void);
asl_status nn_cuda_select_device(int index);
// Allocates the device state for m and uploads every host array; refuses
// kinds without a CUDA implementation.
asl_status nn_cuda_attach(nn_model *m);
void nn_cuda_detach(nn_model *m);
void nn_cuda_pull(const nn_model *m, unsigned what);
void nn_cuda_pushed(nn_model *m, unsigned what);
void nn_cuda_options_changed(nn_model *m);
size_t nn_cuda_bytes(const nn_model *m);
// Host x in, host *out back (valid until the next call).
asl_status nn_cuda_forward_host(nn_model *m, const float *x, int N, int D,
                                int H, int W, int train, const float **out);
// nn_eval_loss on the device (L1 and MSE losses).
asl_status nn_cuda_eval_loss(nn_model *m, const float *x, const float *y,
                             const float *w, int batch, double *loss);
asl_status nn_cuda_eval_resident(nn_model *m, const float *x, const float *y,
                                 int batch, int reps, double *seconds);
// After a training forward: dout (host, the output's shape) up, backward,
// the parameter gradients (and channel-bias gradients) down.
asl_status nn_cuda_backward_host(nn_model *m, const float *dout);
asl_status nn_cuda_step(nn_model *m, const float *x, const float *y,
                        const float *w, int batch, float *loss, int update);

#endif
