// The job message: what a worker needs of one job, sent with its
// assignment, and the worker's table of the jobs it holds now.
//
// Workers hold no job list of their own: the cube writer and the executors
// read a job as p->jobs[j], so a worker's plan points at a table of
// n_jobs slots reserved as address space only (untouched pages cost no
// memory) in which the job it runs, and its train job's key, are filled
// from the message and dropped again after the report.
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sched.h"

// Fixed part of a message; coordinates, key and train key follow. Ranks run
// the same binary, so the condition travels as its bytes.
typedef struct {
  int job, kind, train_job, experiment, n_coords, key_len, train_key_len, pad;
  uint64_t seed;
  sweep_condition cond;
  char content_key[SWEEP_CONTENT_KEY_HEX + 1];
} jobmsg_head;

static int job_coords(const sweep_plan *p, const sweep_job *jb) {
  if (!jb->coords || jb->experiment < 0 || jb->experiment >= p->n_experiments) return 0;
  return p->experiments[jb->experiment].n_axes;
}

asl_status run_jobmsg_pack(run_jobmsg *m, const sweep_plan *p, int job) {
  const sweep_job *jb = &p->jobs[job];
  const char *tkey = jb->train_job >= 0 ? p->jobs[jb->train_job].key : "";
  jobmsg_head h = {.job = job, .kind = jb->kind, .train_job = jb->train_job,
                   .experiment = jb->experiment, .n_coords = job_coords(p, jb),
                   .key_len = (int)strlen(jb->key), .train_key_len = (int)strlen(tkey),
                   .seed = jb->seed, .cond = jb->cond};
  memcpy(h.content_key, jb->content_key, sizeof h.content_key);
  size_t n = sizeof h + sizeof(int) * (size_t)h.n_coords + (size_t)h.key_len +
             (size_t)h.train_key_len;
  if (n > m->cap) {
    char *b = realloc(m->buf, n);
    if (!b) return asl_fail(ASL_ENOMEM, "message of job %s (%zu bytes)", jb->key, n);
    m->buf = b, m->cap = n;
  }
  char *at = m->buf;
  memcpy(at, &h, sizeof h), at += sizeof h;
  if (h.n_coords) memcpy(at, jb->coords, sizeof(int) * (size_t)h.n_coords);
  at += sizeof(int) * (size_t)h.n_coords;
  memcpy(at, jb->key, (size_t)h.key_len), at += h.key_len;
  memcpy(at, tkey, (size_t)h.train_key_len);
  m->len = n;
  return ASL_OK;
}

static char *copy_text(const char *s, int n) {
  char *d = malloc((size_t)n + 1);
  if (d) memcpy(d, s, (size_t)n), d[n] = '\0';
  return d;
}

asl_status run_job_table_init(run_job_table *t, const sweep_plan *p, int n_jobs) {
  memset(t, 0, sizeof *t);
  t->held[0] = t->held[1] = -1;
  t->plan = *p;
  t->given_jobs = p->jobs ? p->n_jobs : 0;
  t->plan.n_jobs = n_jobs;
  t->plan.jobs = NULL;
  if (n_jobs < 1) return ASL_OK;
  t->bytes = sizeof(sweep_job) * (size_t)n_jobs;
  void *v = mmap(NULL, t->bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (v == MAP_FAILED) {
    t->bytes = 0;
    return asl_fail(ASL_ENOMEM, "address space for the job table of %d jobs", n_jobs);
  }
  t->plan.jobs = v;
  return ASL_OK;
}

static void free_slot(run_job_table *t, int j) {
  sweep_job *jb = &t->plan.jobs[j];
  free(jb->key);
  free(jb->coords);
  memset(jb, 0, sizeof *jb);
}

// Gives the slot's pages back. Whole pages go, so every held slot must be
// freed first (two slots can share a page).
static void release_slot(run_job_table *t, int j) {
  const sweep_job *jb = &t->plan.jobs[j];
  long page = sysconf(_SC_PAGESIZE);
  uintptr_t lo = (uintptr_t)jb & ~(uintptr_t)(page - 1);
  uintptr_t hi = ((uintptr_t)(jb + 1) + (uintptr_t)page - 1) & ~(uintptr_t)(page - 1);
  madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

void run_job_table_clear(run_job_table *t) {
  run_job_table_drop(t);
  if (t->bytes) madvise(t->plan.jobs, t->bytes, MADV_DONTNEED);
}

void run_job_table_drop(run_job_table *t) {
  int a = t->held[0], b = t->held[1];
  t->held[0] = t->held[1] = -1;
  if (b == a) b = -1;
  if (a >= 0) free_slot(t, a);
  if (b >= 0) free_slot(t, b);
  if (a >= 0) release_slot(t, a);
  if (b >= 0) release_slot(t, b);
}

static asl_status bad_message(size_t len) {
  return asl_fail(ASL_EMPI, "a job message of %zu bytes does not describe a job of this plan "
                  "(are all ranks the same aslsweep build?)", len);
}

asl_status run_job_table_take(run_job_table *t, const char *buf, size_t len, int *job) {
  jobmsg_head h;
  if (len < sizeof h) return bad_message(len);
  memcpy(&h, buf, sizeof h);
  size_t need = sizeof h + sizeof(int) * (size_t)(h.n_coords > 0 ? h.n_coords : 0) +
                (size_t)(h.key_len > 0 ? h.key_len : 0) +
                (size_t)(h.train_key_len > 0 ? h.train_key_len : 0);
  if (h.job < 0 || h.job >= t->plan.n_jobs || h.train_job >= t->plan.n_jobs || h.n_coords < 0 ||
      h.key_len < 0 || h.train_key_len < 0 || need != len)
    return bad_message(len);
  run_job_table_drop(t);
  const char *at = buf + sizeof h;
  sweep_job *jb = &t->plan.jobs[h.job];
  t->held[0] = h.job;
  jb->kind = (sweep_job_kind)h.kind;
  jb->cond = h.cond;
  jb->seed = h.seed;
  jb->train_job = h.train_job;
  jb->experiment = h.experiment;
  memcpy(jb->content_key, h.content_key, sizeof jb->content_key);
  if (h.n_coords && !(jb->coords = malloc(sizeof(int) * (size_t)h.n_coords)))
    return asl_fail(ASL_ENOMEM, "coordinates of job %d", h.job);
  if (h.n_coords) memcpy(jb->coords, at, sizeof(int) * (size_t)h.n_coords);
  at += sizeof(int) * (size_t)h.n_coords;
  if (!(jb->key = copy_text(at, h.key_len))) return asl_fail(ASL_ENOMEM, "key of job %d", h.job);
  at += h.key_len;
  if (h.train_job >= 0 && h.train_job != h.job) {
    // Only the train job's key is read here (checkpoint names in messages).
    sweep_job *tj = &t->plan.jobs[h.train_job];
    t->held[1] = h.train_job;
    tj->kind = SWEEP_JOB_TRAIN;
    tj->train_job = -1;
    tj->experiment = -1;
    if (!(tj->key = copy_text(at, h.train_key_len)))
      return asl_fail(ASL_ENOMEM, "key of job %d", h.train_job);
  }
  t->n_taken++;
  *job = h.job;
  return ASL_OK;
}

long run_job_table_resident(const run_job_table *t) {
  long page = sysconf(_SC_PAGESIZE);
  size_t n = (t->bytes + (size_t)page - 1) / (size_t)page;
  unsigned char *v = n ? malloc(n) : NULL;
  if (!v || mincore(t->plan.jobs, t->bytes, v) != 0) {
    free(v);
    return -1;
  }
  long k = 0;
  for (size_t i = 0; i < n; i++) k += v[i] & 1;
  free(v);
  return k;
}

void run_job_table_free(run_job_table *t) {
  run_job_table_drop(t);
  if (t->bytes) munmap(t->plan.jobs, t->bytes);
  t->bytes = 0;
  t->plan.jobs = NULL;
}
