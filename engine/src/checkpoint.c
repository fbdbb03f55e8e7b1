// Checkpoint files (docs/engine.md, "Checkpoint format"). Layout, every
// number little-endian as in memory on the supported (x86-64, arm64) hosts:
//
//   "ASLNNCKP"  u32 version  u32 header_len  header text (key=value lines)
//   u64 n_params  u64 n_buffers  i64 step  i32 epoch  u32 reserved
//   u32 optimizer  u32 loss  f32 lr beta1 beta2 eps weight_decay  u32 0
//   u64 rng[4]  u64 user_size
//   f32 params[n]  f32 adam_m[n]  f32 adam_v[n]  f32 buffers[n_buffers]
//   u8 user[user_size]  u64 checksum (FNV-1a of everything before it)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint_format.h"
#include "model_internal.h"


uint64_t nn_checksum64(const void *data, size_t size) {
  const unsigned char *p = data;
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < size; i++) h = (h ^ p[i]) * 1099511628211ULL;
  return h;
}

// ---- writing ---------------------------------------------------------------
typedef struct {
  FILE *f;
  uint64_t hash;
  int failed;
} writer;

static void put(writer *w, const void *p, size_t n) {
  if (w->failed || n == 0) return;
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) w->hash = (w->hash ^ b[i]) * 1099511628211ULL;
  if (fwrite(p, 1, n, w->f) != n) w->failed = 1;
}

static void write_body(writer *w, const nn_model *m, int epoch,
                       const void *user, size_t user_size) {
  char header[CKPT_HEADER_MAX];
  int hl = snprintf(header, sizeof header,
                    "kind=%s\nin_channels=%d\ngrid=%d,%d,%d\nseed=%llu\n%s",
                    m->ops->desc->kind, m->in_channels, m->grid[0], m->grid[1],
                    m->grid[2], (unsigned long long)m->seed, m->param_text);
  if (hl < 0 || hl >= CKPT_HEADER_MAX) {
    w->failed = 2;
    return;
  }
  uint32_t version = CKPT_VERSION, len = (uint32_t)hl;
  ckpt_fixed fx = {.n_params = m->n_params, .n_buffers = m->n_buffers,
                   .step = m->step, .epoch = epoch,
                   .opt_kind = (uint32_t)m->opt.kind, .loss = (uint32_t)m->opt.loss,
                   .lr = m->opt.lr, .beta1 = m->opt.beta1, .beta2 = m->opt.beta2,
                   .eps = m->opt.eps, .weight_decay = m->opt.weight_decay,
                   .user_size = user_size};
  memcpy(fx.rng, m->rng.s, sizeof fx.rng);
  put(w, CKPT_MAGIC, sizeof CKPT_MAGIC);
  put(w, &version, 4);
  put(w, &len, 4);
  put(w, header, len);
  put(w, &fx, sizeof fx);
  put(w, m->params, m->n_params * sizeof(float));
  put(w, m->adam_m, m->n_params * sizeof(float));
  put(w, m->adam_v, m->n_params * sizeof(float));
  put(w, m->buffers, m->n_buffers * sizeof(float));
  put(w, user, user_size);
  uint64_t h = w->hash;
  put(w, &h, 8);
}

asl_status nn_checkpoint_save(const nn_model *m, const char *path, int epoch,
                              const void *user_state, size_t user_size) {
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
    return asl_fail(ASL_EINVAL, "checkpoint path too long: %s", path);
  if (user_size && !user_state)
    return asl_fail(ASL_EINVAL, "%s: user_size %zu without user_state", path, user_size);
  writer w = {.f = fopen(tmp, "wb"), .hash = 1469598103934665603ULL};
  if (!w.f)
    return asl_fail(ASL_EIO, "%s: cannot create (%s)", tmp, strerror(errno));
  // A CUDA model's weights and moments are newer on the device.
  nn_device_pull(m, NN_SYNC_PARAMS | NN_SYNC_BUFFERS | NN_SYNC_ADAM);
  write_body(&w, m, epoch, user_state, user_size);
  // The data must be on disk before the rename makes it the checkpoint.
  if (fflush(w.f) != 0 || fsync(fileno(w.f)) != 0) w.failed = w.failed ? w.failed : 1;
  if (fclose(w.f) != 0) w.failed = w.failed ? w.failed : 1;
  if (w.failed) {
    int e = errno;
    unlink(tmp);
    return w.failed == 2
               ? asl_fail(ASL_EINVAL, "%s: model parameters too long for the header", path)
               : asl_fail(ASL_EIO, "%s: write failed (%s)", tmp, strerror(e));
  }
  if (rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    return asl_fail(ASL_EIO, "%s: cannot rename %s over it (%s)", path, tmp, strerror(e));
  }
  // Make the rename itself durable: fsync the folder holding the file.
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash) *(slash == dir ? slash + 1 : slash) = '\0';
  else snprintf(dir, sizeof dir, ".");
  int fd = open(dir, O_RDONLY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  return ASL_OK;
}
