// Agreement between ranks: checked status reduction, fault injection for
// tests, and the comparison of every rank's spec and data with rank 0's.
#include "agree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

uint64_t run_fnv(uint64_t h, const void *data, size_t n) {
  const unsigned char *b = data;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
  return h;
}

// Only the first rank's prefix is kept when a message is agreed twice.
static void prefix_rank(char *msg, size_t n, int rank, int size) {
  char host[64] = "?", tmp[2200];
  if (size < 2 || strncmp(msg, "rank ", 5) == 0) return;
  gethostname(host, sizeof host - 1);
  host[sizeof host - 1] = '\0';
  snprintf(tmp, sizeof tmp, "rank %d (host %s): %.1900s", rank, host, msg);
  size_t len = strlen(tmp) < n ? strlen(tmp) : n - 1;
  memcpy(msg, tmp, len);
  msg[len] = '\0';
}

asl_status run_agree(asl_status st, MPI_Comm comm) {
  int rank = 0, size = 1, first[2], code = (int)st;
  char msg[2048];
  asl_status mine = st;
  snprintf(msg, sizeof msg, "%s", st ? asl_error_message() : "");
  MPICHECK(MPI_Comm_rank(comm, &rank), "agreeing on a status");
  MPICHECK(MPI_Comm_size(comm, &size), "agreeing on a status");
  int in[2] = {mine != ASL_OK ? rank : size, (int)mine};
  MPICHECK(MPI_Allreduce(in, first, 1, MPI_2INT, MPI_MINLOC, comm), "agreeing on a status");
  if (first[0] == size) return ASL_OK;
  if (rank == first[0]) prefix_rank(msg, sizeof msg, rank, size);
  MPICHECK(MPI_Bcast(msg, sizeof msg, MPI_CHAR, first[0], comm), "sharing rank %d's error", first[0]);
  MPICHECK(MPI_Bcast(&code, 1, MPI_INT, first[0], comm), "sharing rank %d's error", first[0]);
  return asl_fail((asl_status)code, "%s", msg);
fail:
  return st;
}

asl_status run_fault(const char *step, int rank, const char *path) {
  const char *env = getenv("ASLSWEEP_FAULT");
  if (!env) return ASL_OK;
  const char *colon = strrchr(env, ':');
  if (!colon || (size_t)(colon - env) != strlen(step) || strncmp(env, step, strlen(step)) != 0)
    return ASL_OK;
  char *end;
  long r = strtol(colon + 1, &end, 10);
  if (*end || r != rank) return ASL_OK;
  return asl_fail(ASL_EIO, "%s: %s failed (fault injected by ASLSWEEP_FAULT=%s)", path, step, env);
}

// The line `n` (1-based) of `s` into out, shortened for a message.
static void line_of(const char *s, int n, char *out, size_t cap) {
  for (int i = 1; i < n && s; i++) {
    s = strchr(s, '\n');
    if (s) s++;
  }
  if (!s) s = "";
  size_t len = strcspn(s, "\n");
  if (len > 120) len = 120;
  snprintf(out, cap, "%.*s", (int)len, s);
}

static int first_diff_line(const char *a, const char *b) {
  int line = 1;
  for (; *a && *a == *b; a++, b++)
    if (*a == '\n') line++;
  return line;
}

// Rank 0 sends its text of `what`; a rank holding another text fails with
// the first line that differs.
static asl_status compare_text(const char *what, const char *mine, const char *hint, MPI_Comm comm) {
  asl_status st = ASL_OK;
  int rank = 0;
  long long len = (long long)strlen(mine);
  char *theirs = NULL;
  MPICHECK(MPI_Comm_rank(comm, &rank), "comparing the %s", what);
  MPICHECK(MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, comm), "comparing the %s", what);
  theirs = malloc((size_t)len + 1);
  if (!theirs) return asl_fail(ASL_ENOMEM, "rank 0's %s (%lld bytes)", what, len);
  if (rank == 0) memcpy(theirs, mine, (size_t)len);
  theirs[len] = '\0';
  MPICHECK(MPI_Bcast(theirs, (int)len, MPI_CHAR, 0, comm), "comparing the %s", what);
  if (rank != 0 && strcmp(theirs, mine) != 0) {
    char a[128], b[128];
    int line = first_diff_line(theirs, mine);
    line_of(theirs, line, a, sizeof a);
    line_of(mine, line, b, sizeof b);
    st = asl_fail(ASL_EINVAL, "its %s differs from rank 0's at line %d (rank 0: '%s', rank %d: "
                  "'%s'); %s", what, line, a, rank, b, hint);
  }
fail:
  free(theirs);
  return st;
}

static asl_status compare_agreed(const char *what, const char *mine, const char *hint,
                                 MPI_Comm comm) {
  asl_status st = compare_text(what, mine, hint, comm);
  return run_agree(st, comm);
}

asl_status run_agree_plan(const sweep_plan *p, const run_options *o, MPI_Comm comm) {
  static const char hint[] = "start every rank with the same SPEC, key=value overrides, options "
                             "and working directory (mpirun -wdir / srun --chdir)";
  // A relative --out from different working folders names different
  // directories: compare it made absolute.
  char opts[8800], cwd[4096] = "";
  const char *out = o->out_dir ? o->out_dir : "";
  if (out[0] != '/' && !getcwd(cwd, sizeof cwd)) cwd[0] = '\0';
  snprintf(opts, sizeof opts, "--out %s%s%s\n--force-new %d\n--slice %d/%d\n--max-failures %d\n",
           cwd, cwd[0] ? "/" : "", out, o->force_new, o->slice_index, o->slice_count,
           o->max_failures);
  asl_status st = compare_agreed("spec (after overrides)", p->text ? p->text : "", hint, comm);
  if (!st) st = compare_agreed("option list", opts, hint, comm);
  // Whole labels (up to SWEEP_SUBJECT_ID_MAX characters): scans that
  // differ only at the end of a long label must not agree.
  size_t cap = 64 + (size_t)p->n_subjects * (SWEEP_SUBJECT_ID_MAX + 20);
  char *subj = NULL;
  if (!st) {
    subj = malloc(cap);
    st = run_agree(subj ? ASL_OK : asl_fail(ASL_ENOMEM, "subject list"), comm);
  }
  if (st) goto done;
  size_t at = (size_t)snprintf(subj, cap, "data %s\n", p->bids_root ? "bids" : "phantom");
  for (int i = 0; i < p->n_subjects && p->subject_ids; i++)
    at += (size_t)snprintf(subj + at, cap - at, "%.*s nt=%d\n", SWEEP_SUBJECT_ID_MAX,
                           p->subject_ids[i], p->subject_nt ? p->subject_nt[i] : 0);
  st = compare_agreed("subject list", subj, hint, comm);
done:
  free(subj);
  return st;
}

asl_status run_agree_subjects(const run_subjects *s, MPI_Comm comm) {
  // A line: the id, three numbers, the group and 16 hex digits.
  size_t cap = 16 + (size_t)s->n * (RUN_ID_LEN + RUN_GROUP_LEN + 80);
  char *text = malloc(cap);
  asl_status st = text ? ASL_OK : asl_fail(ASL_ENOMEM, "subject list");
  size_t at = 0;
  if (text) text[0] = '\0';
  for (int i = 0; !st && i < s->n; i++) {
    const run_subject *u = &s->s[i];
    at += (size_t)snprintf(text + at, cap - at, "%s nt=%d fold=%d group=%s input=%016llx\n", u->id,
                           u->nt, u->fold, u->snr_group, (unsigned long long)u->fingerprint);
  }
  st = run_agree(st, comm);
  if (!st) st = compare_agreed("data (subjects, time points, input fingerprints)", text,
                               "give every rank the same data (a shared file system, the same "
                               "data.bids and working directory)", comm);
  free(text);
  return st;
}
