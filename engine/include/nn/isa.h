// Instruction-set variants of the engine's hand-vectorised kernels.
//
// One binary holds an AVX-512F, an AVX2+FMA and a generic C variant of the
// 3x3x3 convolution kernels (forward, input gradient, weight gradient); the
// best one this CPU supports is chosen once, at the first call, from CPUID.
// The environment variable ASLSWEEP_ISA=avx512|avx2|generic forces a
// variant no higher than the CPU supports. On other architectures (aarch64)
// only `generic` exists.
//
// avx512 and avx2 sum in the same order and give bitwise identical results;
// generic (no fused multiply-add) may differ from them in the last bits.
// The GEMMs of the transposed convolution and the linear layers go through
// OpenBLAS, which makes its own choice (OPENBLAS_CORETYPE forces it).
#ifndef NN_ISA_H
#define NN_ISA_H

#include "asl/status.h"

// Chooses the variant: ASLSWEEP_ISA when set (and non-empty), else the best
// this CPU supports. ASL_EINVAL with a message naming what this CPU
// supports when ASLSWEEP_ISA is unknown or beyond the CPU. Called by
// nn_model_create(); once a variant is chosen (here, by nn_isa_select() or
// by a first kernel call) later calls keep it and return ASL_OK.
asl_status nn_isa_init(void);

// Forces the variant `name` (NULL or "" = the best); same errors as
// nn_isa_init(). For tests and benchmarks that compare variants; not to be
// called while engine kernels run on other threads.
asl_status nn_isa_select(const char *name);

// Name of the chosen variant ("avx512", "avx2", "generic"); chooses it first
// when nothing has been chosen yet (a bad ASLSWEEP_ISA then aborts with the
// message of nn_isa_init(): call that first to get it as a status).
const char *nn_isa_name(void);

// Names this CPU supports, best first, separated by ", ".
const char *nn_isa_supported(void);

// 1 when this CPU (and this build) can run the variant `name`, else 0.
int nn_isa_available(const char *name);

#endif
