// Reading checkpoints (format in checkpoint.c): every length and count is
// checked against the bytes present before it is used, the checksum before
// anything is parsed, and the architecture is rebuilt through the model
// factory, so a corrupt, truncated or foreign file is an error, never a crash.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint_format.h"
#include "model_internal.h"


typedef struct {
  char kind[32];
  int in_channels, grid[3], n;
  unsigned long long seed;
  nn_param params[CKPT_MAX_PARAMS];
  char text[CKPT_HEADER_MAX + 1];
} ckpt_header;

static int parse_int(const char *s, int *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < -1000000 || v > 1000000) return -1;
  *out = (int)v;
  return 0;
}

// Splits the header text into the fixed keys and the model's parameters.
static asl_status parse_header(ckpt_header *h, const char *what) {
  int have = 0;
  char *line = h->text;
  while (*line) {
    char *nl = strchr(line, '\n');
    if (!nl) return asl_fail(ASL_EFORMAT, "%s: header line without newline", what);
    *nl = '\0';
    char *eq = strchr(line, '=');
    if (!eq) return asl_fail(ASL_EFORMAT, "%s: header line '%.40s' lacks '='", what, line);
    *eq = '\0';
    const char *k = line, *v = eq + 1;
    int bad = 0;
    if (!strcmp(k, "kind")) {
      bad = strlen(v) >= sizeof h->kind;
      if (!bad) strcpy(h->kind, v), have |= 1;
    } else if (!strcmp(k, "in_channels")) {
      bad = parse_int(v, &h->in_channels), have |= 2;
    } else if (!strcmp(k, "grid")) {
      char extra;
      bad = sscanf(v, "%d,%d,%d%c", &h->grid[0], &h->grid[1], &h->grid[2], &extra) != 3;
      have |= 4;
    } else if (!strcmp(k, "seed")) {
      char *end;
      errno = 0;
      h->seed = strtoull(v, &end, 10);
      bad = errno || end == v || *end, have |= 8;
    } else if (h->n < CKPT_MAX_PARAMS) {
      h->params[h->n++] = (nn_param){.key = k, .value = v};
    } else {
      bad = 1;
    }
    if (bad) return asl_fail(ASL_EFORMAT, "%s: bad header entry '%s'", what, k);
    line = nl + 1;
  }
  if (have != 15)
    return asl_fail(ASL_EFORMAT, "%s: header lacks kind, in_channels, grid or seed", what);
  return ASL_OK;
}

static asl_status restore_state(nn_model *m, const ckpt_fixed *fx,
                                const unsigned char *p, const char *what) {
  if (fx->n_buffers != m->n_buffers)
    return asl_fail(ASL_EFORMAT, "%s: %llu state values, the architecture has %zu",
                    what, (unsigned long long)fx->n_buffers, m->n_buffers);
  nn_optim_config c = {.kind = (nn_optim_kind)fx->opt_kind, .loss = (nn_loss_kind)fx->loss,
                       .lr = fx->lr, .beta1 = fx->beta1, .beta2 = fx->beta2,
                       .eps = fx->eps, .weight_decay = fx->weight_decay};
  if (fx->opt_kind > NN_OPT_ADAMW || fx->loss > NN_LOSS_SSIM || fx->step < 0 ||
      nn_model_set_optimizer(m, &c) != ASL_OK)
    return asl_fail(ASL_EFORMAT, "%s: bad optimizer settings", what);
  const size_t n = m->n_params * sizeof(float);
  memcpy(m->params, p, n);
  memcpy(m->adam_m, p + n, n);
  memcpy(m->adam_v, p + 2 * n, n);
  memcpy(m->buffers, p + 3 * n, m->n_buffers * sizeof(float));
  m->step = (long)fx->step;
  memcpy(m->rng.s, fx->rng, sizeof fx->rng);
  return ASL_OK;
}

static asl_status check_frame(const unsigned char *d, size_t size,
                              const char *what, uint32_t *hl) {
  const size_t min = 16 + sizeof(ckpt_fixed) + 8;
  if (size < 16 || memcmp(d, CKPT_MAGIC, 8) != 0)
    return asl_fail(ASL_EFORMAT, "%s: not an aslsweep checkpoint (bad magic)", what);
  uint32_t version;
  memcpy(&version, d + 8, 4);
  if (version != CKPT_VERSION)
    return asl_fail(ASL_EFORMAT, "%s: checkpoint version %u, this build reads %d",
                    what, version, CKPT_VERSION);
  memcpy(hl, d + 12, 4);
  if (size < min || *hl > CKPT_HEADER_MAX || size - min < *hl)
    return asl_fail(ASL_EFORMAT, "%s: truncated checkpoint (%zu bytes)", what, size);
  uint64_t stored;
  memcpy(&stored, d + size - 8, 8);
  if (stored != nn_checksum64(d, size - 8))
    return asl_fail(ASL_ECHECKSUM, "%s: checksum mismatch (corrupt or truncated file)", what);
  return ASL_OK;
}

asl_status nn_checkpoint_load_mem(nn_model **out, const void *data, size_t size,
                                  const char *what, int *epoch,
                                  void *user_state, size_t user_size) {
  *out = NULL;
  const unsigned char *d = data;
  uint32_t hl = 0;
  asl_status s = check_frame(d, size, what, &hl);
  if (s) return s;
  ckpt_header *h = calloc(1, sizeof *h);
  if (!h) return asl_fail(ASL_ENOMEM, "%s: out of memory", what);
  memcpy(h->text, d + 16, hl);
  ckpt_fixed fx;
  memcpy(&fx, d + 16 + hl, sizeof fx);
  const size_t body = size - 16 - hl - sizeof fx - 8; // weights + blob
  const unsigned char *p = d + 16 + hl + sizeof fx;
  if (memchr(h->text, '\0', hl)) s = asl_fail(ASL_EFORMAT, "%s: NUL byte in header", what);
  if (!s) s = parse_header(h, what);
  if (!s && (fx.n_params > body / 12 || fx.n_buffers > body / 4 ||
             fx.user_size > body ||
             fx.n_params * 12 + fx.n_buffers * 4 + fx.user_size != body))
    s = asl_fail(ASL_EFORMAT, "%s: sizes in the header do not match the file", what);
  if (!s && fx.user_size != user_size)
    s = asl_fail(ASL_EFORMAT, "%s: caller state is %llu bytes, expected %zu "
                 "(written by another program version?)",
                 what, (unsigned long long)fx.user_size, user_size);
  nn_model *m = NULL;
  if (!s) {
    s = nn_model_create_expect(&m, h->kind, h->in_channels, h->grid,
                               h->params, h->n, h->seed, fx.n_params);
    if (s && s != ASL_ENOMEM) {
      char why[512]; // asl_fail overwrites the message it would read
      snprintf(why, sizeof why, "%s", asl_error_message());
      s = asl_fail(ASL_EFORMAT, "%s: %s", what, why);
    }
  }
  if (!s) s = restore_state(m, &fx, p, what);
  if (!s) {
    if (user_size) memcpy(user_state, p + fx.n_params * 12 + fx.n_buffers * 4, user_size);
    if (epoch) *epoch = fx.epoch;
    *out = m;
  } else {
    nn_model_free(m);
  }
  free(h);
  return s;
}

asl_status nn_checkpoint_load(nn_model **m, const char *path, int *epoch,
                              void *user_state, size_t user_size) {
  *m = NULL;
  FILE *f = fopen(path, "rb");
  if (!f) return asl_fail(ASL_EIO, "%s: cannot open checkpoint (%s)", path, strerror(errno));
  unsigned char *buf = NULL;
  long n = -1;
  if (fseek(f, 0, SEEK_END) == 0) n = ftell(f);
  if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) buf = malloc(n > 0 ? (size_t)n : 1);
  size_t got = buf ? fread(buf, 1, (size_t)n, f) : 0;
  fclose(f);
  asl_status s;
  if (!buf || got != (size_t)n)
    s = asl_fail(buf ? ASL_EIO : ASL_ENOMEM, "%s: cannot read checkpoint", path);
  else
    s = nn_checkpoint_load_mem(m, buf, (size_t)n, path, epoch, user_state, user_size);
  free(buf);
  if (!s && (s = nn_device_apply_default(*m))) {
    nn_model_free(*m);
    *m = NULL;
  }
  return s;
}
