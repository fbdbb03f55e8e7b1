// Train jobs: patches of the pre-averaged training images (and M0) against
// their normalized ground truth, augmented, batched into nn_train_step; a
// held-out fraction of the images scores the validation loss. The model and
// the job's RNG state are checkpointed after every epoch, so a rerun resumes
// mid-training with the same random stream as an uninterrupted run.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asl/augment.h"
#include "asl/patch.h"
#include "exec_asl_sample.h"
#include "exec_asl_train.h"
#include "check.h"
#include "denoise_sidecar.h"
#include "nn/desc.h"
#include "nn/device.h"
#include "nn/model.h"
#include "nn/optim.h"

asl_status exa_model_params(const sweep_model *m, nn_param **out) {
  *out = calloc((size_t)(m->n_params > 0 ? m->n_params : 1), sizeof **out);
  if (!*out) return asl_fail(ASL_ENOMEM, "model %s parameters", m->name);
  for (int i = 0; i < m->n_params; i++) (*out)[i] = (nn_param){m->params[i].key, m->params[i].value};
  return ASL_OK;
}

// The node-local rank as Open MPI, Slurm or MPICH/Hydra announce it.
static int local_rank(void) {
  static const char *const vars[] = {"OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID",
                                     "MPI_LOCALRANKID"};
  for (int i = 0; i < 3; i++) {
    const char *v = getenv(vars[i]);
    char *end;
    long r = v && *v ? strtol(v, &end, 10) : -1;
    if (v && *v && !*end && r >= 0 && r < 1 << 20) return (int)r;
  }
  return 0;
}

asl_status exa_model_to_device(nn_model *m, const sweep_plan *p) {
  const char *prec = p->train.precision[0] ? p->train.precision : "fp32";
  nn_precision np;
  asl_status st = nn_precision_parse(prec, &np);
  if (!st) st = nn_model_set_precision(m, np);
  if (st) return st;
  if (strcmp(p->device, "cuda") != 0) {
    // validate refuses this; a hand-built plan gets the same answer here.
    if (np != NN_PRECISION_FP32)
      return asl_fail(ASL_EINVAL, "train.precision %s needs engine.device: cuda (the CPU "
                      "engine computes in fp32)", prec);
    return ASL_OK;
  }
  const nn_model_desc *d = nn_model_describe(m);
  if (!d->cuda)
    return asl_fail(ASL_EUNSUPPORTED,
                    "model %s has no CUDA implementation (engine.device: cuda covers "
                    "unet3d, vit3d and ddpm3d); run it with engine.device: cpu or --device cpu", d->kind);
  st = nn_cuda_select(local_rank());
  if (!st) st = nn_model_set_device(m, NN_DEVICE_CUDA);
  if (st) {
    char why[512]; // asl_fail writes where asl_error_message points
    snprintf(why, sizeof why, "%s", asl_error_message());
    return asl_fail(st, "%s (engine.device: cuda; run on a GPU node or with --device cpu)", why);
  }
  return ASL_OK;
}

static asl_status new_model(nn_model **m, const sweep_plan *p, const sweep_job *jb) {
  const sweep_model *sm = &p->models[jb->cond.model];
  nn_param *par = NULL;
  asl_status st = exa_model_params(sm, &par);
  if (!st) st = nn_model_create(m, sm->kind, 1 + (jb->cond.m0 != 0), p->grid, par, sm->n_params, jb->seed);
  if (!st) st = exa_model_to_device(*m, p);
  free(par);
  return st;
}

// The optimizer for epoch `ep`: the spec's settings at that epoch's learning
// rate (train.lr_schedule, train.warmup_epochs).
static asl_status set_optimizer(nn_model *m, const sweep_plan *p, int ep) {
  nn_optim_config c;
  nn_optim_config_default(&c);
  asl_status st = nn_optim_kind_parse(p->train.optimizer[0] ? p->train.optimizer : "adam", &c.kind);
  if (!st) st = nn_loss_kind_parse(p->train.loss[0] ? p->train.loss : "l1", &c.loss);
  // A kind with a fixed objective (ddpm3d: the noise-prediction MSE) keeps
  // it whatever loss the spec's other models train with (docs/ddpm3d.md).
  if (nn_model_describe(m)->fixed_loss >= 0) c.loss = (nn_loss_kind)nn_model_describe(m)->fixed_loss;
  if (p->train.lr > 0) c.lr = (float)p->train.lr;
  nn_lr_schedule kind = strcmp(p->train.lr_schedule, "cosine") == 0 ? NN_LR_COSINE : NN_LR_CONSTANT;
  c.lr = (float)nn_lr_at(c.lr, kind, p->train.warmup_epochs, p->train.epochs, ep);
  c.weight_decay = (float)p->train.weight_decay;
  if (!st) st = nn_model_set_optimizer(m, &c);
  return st;
}

// Training set: every (subject, image) pair, split once (from the job seed)
// into training and validation images.
static asl_status load_data(exa_data *t, exa_state *x, const sweep_plan *p, const sweep_job *jb,
                            const run_subjects *subj) {
  int *chosen = malloc(sizeof(int) * (size_t)x->n);
  if (!chosen) return asl_fail(ASL_ENOMEM, "training subjects");
  asl_status st = exa_select(x, subj, jb, 1, chosen, &t->n_subj);
  t->samples = st ? NULL : calloc((size_t)t->n_subj, sizeof *t->samples);
  if (!st && !t->samples) st = asl_fail(ASL_ENOMEM, "training samples");
  for (int i = 0; !st && i < t->n_subj; i++) {
    st = exa_sample_make(&t->samples[i], p, jb, &x->s[chosen[i]], "pre", jb->cond.train_target);
    if (st) st = run_fail_wrap(st, "training subject %s", x->s[chosen[i]].id);
    if (!st) t->n_items += t->samples[i].images.nt;
  }
  free(chosen);
  if (st) return st;
  t->items = malloc(sizeof *t->items * (size_t)t->n_items);
  if (!t->items) return asl_fail(ASL_ENOMEM, "training items");
  int k = 0;
  for (int i = 0; i < t->n_subj; i++)
    for (int im = 0; im < t->samples[i].images.nt; im++) t->items[k++] = (exa_item){i, im};
  asl_rng split;
  asl_rng_seed_key(&split, jb->seed, "validation split");
  for (int i = t->n_items - 1; i > 0; i--) {
    int r = (int)asl_rng_below(&split, (uint64_t)i + 1);
    exa_item tmp = t->items[i];
    t->items[i] = t->items[r], t->items[r] = tmp;
  }
  t->n_val = (int)floor(p->train.val_fraction * t->n_items + 0.5);
  if (t->n_val >= t->n_items) t->n_val = t->n_items - 1;
  if (t->n_val < 0) t->n_val = 0;
  return ASL_OK;
}

void exa_train_free(exa_data *t) {
  for (int i = 0; t->samples && i < t->n_subj; i++) exa_sample_free(&t->samples[i]);
  free(t->samples);
  free(t->items);
  free(t->x), free(t->y), free(t->w), free(t->tmp);
  memset(t, 0, sizeof *t);
}

// One batch element: a patch of item `it` at the model grid, with the same
// augmentation on every channel and on the loss weight.
static asl_status fill_element(exa_data *t, const sweep_plan *p, const exa_item *it, asl_rng *r,
                               int augment, int b) {
  const exa_sample *s = &t->samples[it->subject];
  int gx = p->grid[0], gy = p->grid[1], gz = p->grid[2], C = t->channels;
  size_t n = (size_t)gx * gy * gz;
  asl_patch pa;
  asl_aug aug;
  asl_status st = asl_patch_draw(&pa, r, &s->images, gx, gy, gz);
  if (st) return st;
  asl_aug_identity(&aug);
  if (augment) asl_aug_draw(&aug, r, p->train.augment, gx / 8, gx, gy);
  float *out[4] = {t->x + (size_t)b * C * n, t->x + ((size_t)b * C + 1) * n, t->y + (size_t)b * n,
                   t->w + (size_t)b * n};
  for (int ch = 0; ch < 4 && !st; ch++) {
    if (ch == 1 && C < 2) continue;
    if (ch == 0) {
      asl_patch_extract(t->tmp, &s->images, it->image, &pa);
      for (size_t i = 0; i < n; i++) t->tmp[i] = (float)(t->tmp[i] / s->scale[it->image]);
    } else if (ch == 1) asl_patch_extract(t->tmp, &s->m0, 0, &pa);
    else if (ch == 2) asl_patch_extract(t->tmp, &s->target, it->image, &pa);
    else st = asl_patch_weight(t->tmp, &s->images, s->mask, &pa);
    if (!st) st = asl_aug_apply(out[ch], t->tmp, gx, gy, gz, &aug);
  }
  return st;
}

asl_status exa_train_buffers(exa_data *t, const sweep_plan *p, int m0) {
  size_t n = (size_t)p->grid[0] * p->grid[1] * p->grid[2];
  int B = p->train.batch > 0 ? p->train.batch : 1;
  t->channels = 1 + (m0 != 0);
  t->x = malloc(sizeof(float) * n * (size_t)(B * t->channels));
  t->y = malloc(sizeof(float) * n * (size_t)B);
  t->w = malloc(sizeof(float) * n * (size_t)B);
  t->tmp = malloc(sizeof(float) * n);
  if (!t->x || !t->y || !t->w || !t->tmp)
    return asl_fail(ASL_ENOMEM, "training batch of %d at grid %dx%dx%d", B, p->grid[0], p->grid[1],
                    p->grid[2]);
  return ASL_OK;
}

// One epoch over the training items (patches_per_volume each, shuffled).
static asl_status epoch(exa_data *t, nn_model *m, const sweep_plan *p, exa_blob *bl, float *loss) {
  int per = p->train.patches_per_volume > 0 ? p->train.patches_per_volume : 1;
  int n_train = t->n_items - t->n_val, total = n_train * per, B = p->train.batch > 0 ? p->train.batch : 1;
  int *order = malloc(sizeof(int) * (size_t)(total > 0 ? total : 1));
  if (!order) return asl_fail(ASL_ENOMEM, "epoch order");
  for (int i = 0; i < total; i++) order[i] = t->n_val + i / per;
  for (int i = total - 1; i > 0; i--) {
    int r = (int)asl_rng_below(&bl->rng, (uint64_t)i + 1), tmp = order[i];
    order[i] = order[r], order[r] = tmp;
  }
  double sum = 0;
  int batches = 0;
  asl_status st = ASL_OK;
  for (int i = 0; i < total && !st; i += B) {
    int nb = total - i < B ? total - i : B;
    for (int b = 0; b < nb && !st; b++) st = fill_element(t, p, &t->items[order[i + b]], &bl->rng, 1, b);
    float l = 0;
    if (!st) st = nn_train_step(m, t->x, t->y, t->w, nb, &l);
    sum += l, batches++;
  }
  free(order);
  *loss = batches ? (float)(sum / batches) : NAN;
  return st;
}

// Validation: the held-out images at patches fixed by the job seed, so the
// numbers are comparable across epochs.
static asl_status validate(exa_data *t, nn_model *m, const sweep_plan *p, uint64_t seed, float *loss) {
  if (t->n_val == 0) {
    *loss = NAN;
    return ASL_OK;
  }
  asl_rng r;
  asl_rng_seed_key(&r, seed, "validation patches");
  double sum = 0;
  asl_status st = ASL_OK;
  for (int i = 0; i < t->n_val && !st; i++) {
    float l = 0;
    st = fill_element(t, p, &t->items[i], &r, 0, 0);
    if (!st) st = nn_eval_loss(m, t->x, t->y, t->w, 1, &l);
    sum += l;
  }
  *loss = (float)(sum / t->n_val);
  return st;
}

static asl_status start_or_resume(nn_model **m, exa_blob *bl, int *ep, const sweep_plan *p,
                                  const sweep_job *jb, const char *ckpt) {
  FILE *f = fopen(ckpt, "rb");
  if (f) {
    fclose(f);
    asl_status st = nn_checkpoint_load(m, ckpt, ep, bl, sizeof *bl);
    if (!st && bl->magic != EXA_MAGIC) st = asl_fail(ASL_EFORMAT, "%s: not this job's checkpoint", ckpt);
    if (!st) st = exa_model_to_device(*m, p);
    if (!st) return set_optimizer(*m, p, *ep);
    // A damaged checkpoint only costs the work it held: start over.
    fprintf(stderr, "aslsweep run: warning: %s: %s; training %s from the start\n", ckpt,
            asl_error_message(), jb->key);
    if (*m) nn_model_free(*m), *m = NULL;
  }
  memset(bl, 0, sizeof *bl);
  bl->magic = EXA_MAGIC;
  bl->best_val = INFINITY;
  for (int e = 0; e < EXA_MAX_EPOCHS; e++) bl->train_loss[e] = bl->val_loss[e] = NAN;
  asl_rng_seed_key(&bl->rng, jb->seed, "training");
  *ep = 0;
  asl_status st = new_model(m, p, jb);
  if (!st) st = set_optimizer(*m, p, 0);
  return st;
}

static asl_status train_loop(exa_data *t, nn_model *m, exa_blob *bl, int ep, const sweep_plan *p,
                             const sweep_job *jb, run_job_io *io) {
  asl_status st = ASL_OK;
  for (; ep < p->train.epochs && !bl->finished && !st; ep++) {
    if (io->yield(io)) return asl_fail(ASL_EINTERRUPTED, "%s: stopped before epoch %d", jb->key, ep);
    st = set_optimizer(m, p, ep);
    if (!st) st = epoch(t, m, p, bl, &bl->train_loss[ep]);
    if (!st) st = validate(t, m, p, jb->seed, &bl->val_loss[ep]);
    if (st) break;
    if (bl->val_loss[ep] < bl->best_val) bl->best_val = bl->val_loss[ep], bl->since_best = 0;
    else bl->since_best++;
    if (p->train.early_stop > 0 && bl->since_best >= p->train.early_stop) bl->finished = 1;
    if (ep + 1 == p->train.epochs) bl->finished = 1;
    st = nn_checkpoint_save(m, io->checkpoint, ep + 1, bl, sizeof *bl);
  }
  return st;
}

asl_status exa_train(exa_state *x, const sweep_plan *p, int j, run_job_io *io, run_result *r) {
  const sweep_job *jb = &p->jobs[j];
  if (p->train.epochs > EXA_MAX_EPOCHS)
    return asl_fail(ASL_EINVAL, "%s: %d epochs, at most %d", jb->key, p->train.epochs, EXA_MAX_EPOCHS);
  exa_data t = {0};
  exa_blob bl;
  nn_model *m = NULL;
  int ep = 0;
  asl_status st = load_data(&t, x, p, jb, io->subjects);
  if (!st) st = exa_train_buffers(&t, p, jb->cond.m0);
  if (!st) st = start_or_resume(&m, &bl, &ep, p, jb, io->checkpoint);
  // Before the first checkpoint exists, so a checkpoint never lacks it.
  if (!st) st = run_sidecar_write(p, j, io->checkpoint);
  if (!st) st = train_loop(&t, m, &bl, ep, p, jb, io);
  if (!st)
    for (int e = 0; e < r->epochs && e < EXA_MAX_EPOCHS; e++)
      r->train_loss[e] = bl.train_loss[e], r->val_loss[e] = bl.val_loss[e];
  if (m) nn_model_free(m);
  exa_train_free(&t);
  return st;
}
