// The registry of model kinds, read by both halves of the engine: the
// descriptors (model_desc.c, nn_<kind>_desc) and the factory (model.c,
// nn_<kind>_ops). Adding a kind is one line here plus its descriptor and
// ops files (docs/engine.md).
#ifndef NN_MODEL_KINDS_H
#define NN_MODEL_KINDS_H

#define NN_MODEL_KINDS(X) X(unet3d) X(identity) X(gaussian) X(vit3d) X(nlm) X(ddpm3d)

#endif
