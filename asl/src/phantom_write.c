// Writing the phantom as a BIDS-ASL dataset (layout in asl/phantom.h).
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asl/nifti.h"
#include "phantom_internal.h"

#define PATH_MAX_LEN 4096

// mkdir -p
static asl_status make_dirs(const char *path) {
  char buf[PATH_MAX_LEN];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
    return asl_fail(ASL_EINVAL, "%s: path too long", path);
  for (char *p = buf + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char keep = *p;
    *p = '\0';
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
      return asl_fail(ASL_EIO, "%s: cannot create folder (%s)", buf, strerror(errno));
    *p = keep;
    if (!keep) break;
  }
  return ASL_OK;
}

static asl_status write_text(const char *path, const char *fmt, ...) {
  FILE *f = fopen(path, "w");
  if (!f) return asl_fail(ASL_EIO, "%s: cannot write (%s)", path, strerror(errno));
  va_list ap;
  va_start(ap, fmt);
  vfprintf(f, fmt, ap);
  va_end(ap);
  if (fclose(f) != 0) return asl_fail(ASL_EIO, "%s: write failed (disk full?)", path);
  return ASL_OK;
}

// Recommended acquisition fields shared by the ASL and M0 sidecars.
#define SCANNER_FIELDS                                                                             \
  "  \"Manufacturer\": \"aslsweep phantom\",\n  \"ManufacturersModelName\": \"simulation\",\n"      \
  "  \"MagneticFieldStrength\": 3,\n  \"MRAcquisitionType\": \"3D\",\n"                            \
  "  \"PulseSequenceType\": \"3D GRASE\",\n  \"FlipAngle\": 90,\n"

static asl_status write_sidecar(const char *path, const asl_phantom_opts *o, const asl_vol *v) {
  char labeling[256];
  if (o->pasl)
    snprintf(labeling, sizeof labeling,
             "  \"ArterialSpinLabelingType\": \"PASL\",\n  \"PASLType\": \"FAIR\",\n"
             "  \"PostLabelingDelay\": %g,\n  \"BolusCutOffFlag\": true,\n"
             "  \"BolusCutOffTechnique\": \"Q2TIPS\",\n  \"BolusCutOffDelayTime\": [%g, %g],\n"
             "  \"LabelingEfficiency\": %g,\n",
             PH_TI, PH_TI1, PH_TI1 + 0.8, PH_ALPHA_PASL);
  else
    snprintf(labeling, sizeof labeling,
             "  \"ArterialSpinLabelingType\": \"PCASL\",\n  \"PCASLType\": \"balanced\",\n"
             "  \"PostLabelingDelay\": %g,\n  \"LabelingDuration\": %g,\n"
             "  \"LabelingEfficiency\": %g,\n",
             PH_PLD, PH_TAU, PH_ALPHA_PCASL);
  return write_text(path,
                    "{\n%s  \"EchoTime\": 0.0105,\n"
                    "%s  \"M0Type\": \"Separate\",\n  \"BackgroundSuppression\": true,\n"
                    "  \"BackgroundSuppressionNumberPulses\": 2,\n"
                    "  \"BackgroundSuppressionPulseTime\": [1.9, 0.6],\n  \"VascularCrushing\": false,\n"
                    "  \"LabelingLocationDescription\": \"simulated: no labeling plane\",\n"
                    "  \"TotalAcquiredPairs\": %d,\n  \"RepetitionTimePreparation\": 4.0,\n"
                    "  \"AcquisitionVoxelSize\": [%.4g, %.4g, %.4g]\n}\n",
                    SCANNER_FIELDS, labeling, o->timepoints, v->dx, v->dy, v->dz);
}

static asl_status write_context(const char *path, const asl_phantom_subject *s) {
  FILE *f = fopen(path, "w");
  if (!f) return asl_fail(ASL_EIO, "%s: cannot write (%s)", path, strerror(errno));
  fputs("volume_type\n", f);
  for (int t = 0; t < s->asl.nt; t++) fputs(s->vol_type[t] == 0 ? "control\n" : "label\n", f);
  if (fclose(f) != 0) return asl_fail(ASL_EIO, "%s: write failed (disk full?)", path);
  return ASL_OK;
}

// Path "<dir>/<id>_<suffix>" into buf (PATH_MAX_LEN bytes).
static const char *join(char *buf, const char *dir, const char *id, const char *suffix) {
  int n = snprintf(buf, PATH_MAX_LEN, "%s/%s_%s", dir, id, suffix);
  if (n < 0 || n >= PATH_MAX_LEN) buf[0] = '\0'; // outdir length is checked up front
  return buf;
}

static asl_status write_raw(const char *root, const asl_phantom_opts *o, const asl_phantom_subject *s) {
  char dir[PATH_MAX_LEN], p[PATH_MAX_LEN];
  snprintf(dir, sizeof dir, "%s/%s/perf", root, s->id);
  asl_status st = make_dirs(dir);
  if (st == ASL_OK) st = asl_nifti_write_i16(&s->asl, join(p, dir, s->id, "asl.nii.gz"));
  if (st == ASL_OK) st = write_context(join(p, dir, s->id, "aslcontext.tsv"), s);
  if (st == ASL_OK) st = write_sidecar(join(p, dir, s->id, "asl.json"), o, &s->asl);
  if (st == ASL_OK) st = asl_nifti_write_i16(&s->m0, join(p, dir, s->id, "m0scan.nii.gz"));
  if (st == ASL_OK)
    st = write_text(join(p, dir, s->id, "m0scan.json"),
                    "{\n%s  \"RepetitionTimePreparation\": 6.0,\n  \"EchoTime\": 0.0105,\n"
                    "  \"AcquisitionVoxelSize\": [%.4g, %.4g, %.4g],\n"
                    "  \"IntendedFor\": \"bids::%s/perf/%s_asl.nii.gz\"\n}\n",
                    SCANNER_FIELDS, s->m0.dx, s->m0.dy, s->m0.dz, s->id, s->id);
  return st;
}

static asl_status write_truth(const char *root, const asl_phantom_subject *s) {
  char dir[PATH_MAX_LEN], p[PATH_MAX_LEN];
  snprintf(dir, sizeof dir, "%s/derivatives/phantom/%s/perf", root, s->id);
  asl_status st = make_dirs(dir);
  if (st == ASL_OK) st = asl_nifti_write(&s->cbf, join(p, dir, s->id, "desc-noisefree_cbf.nii.gz"));
  if (st == ASL_OK) st = asl_nifti_write(&s->deltam, join(p, dir, s->id, "desc-noisefree_deltam.nii.gz"));
  if (st == ASL_OK) st = asl_nifti_write(&s->gm, join(p, dir, s->id, "label-GM_probseg.nii.gz"));
  if (st == ASL_OK) st = asl_nifti_write(&s->wm, join(p, dir, s->id, "label-WM_probseg.nii.gz"));
  // Masks are derivatives: BIDS has no place for them in the raw tree.
  if (st == ASL_OK) st = asl_nifti_write_u8(&s->mask, join(p, dir, s->id, "desc-brain_mask.nii.gz"));
  return st;
}

static asl_status write_descriptions(const char *root) {
  char p[PATH_MAX_LEN];
  snprintf(p, sizeof p, "%s/dataset_description.json", root);
  asl_status st = write_text(p,
                             "{\n  \"Name\": \"aslsweep ASL phantom\",\n  \"BIDSVersion\": \"1.8.0\",\n"
                             "  \"DatasetType\": \"raw\",\n  \"License\": \"CC0\",\n"
                             "  \"Authors\": [\"aslsweep phantom generator\"],\n"
                             "  \"GeneratedBy\": [{\"Name\": \"aslsweep phantom\", \"Version\": \"%s\"}]\n}\n",
                             ASLSWEEP_VERSION);
  snprintf(p, sizeof p, "%s/README", root);
  if (st == ASL_OK)
    st = write_text(p, "Synthetic ASL dataset written by `aslsweep phantom`.\n"
                       "Noise-free CBF, deltam, tissue fractions and brain masks: derivatives/phantom/.\n"
                       "Model and constants: docs/data.md of aslsweep.\n");
  snprintf(p, sizeof p, "%s/participants.json", root);
  if (st == ASL_OK)
    st = write_text(p, "{\n  \"participant_id\": {\"Description\": \"simulated subject\"}\n}\n");
  snprintf(p, sizeof p, "%s/derivatives/phantom", root);
  if (st == ASL_OK) st = make_dirs(p);
  snprintf(p, sizeof p, "%s/derivatives/phantom/dataset_description.json", root);
  if (st == ASL_OK)
    st = write_text(p,
                    "{\n  \"Name\": \"aslsweep phantom ground truth\",\n  \"BIDSVersion\": \"1.8.0\",\n"
                    "  \"DatasetType\": \"derivative\",\n"
                    "  \"Authors\": [\"aslsweep phantom generator\"],\n"
                    "  \"GeneratedBy\": [{\"Name\": \"aslsweep phantom\", \"Version\": \"%s\"}],\n"
                    "  \"SourceDatasets\": [{\"URL\": \"bids::\"}]\n}\n",
                    ASLSWEEP_VERSION);
  snprintf(p, sizeof p, "%s/derivatives/phantom/README", root);
  if (st == ASL_OK)
    st = write_text(p, "Ground truth of the aslsweep phantom: noise-free CBF (ml/100g/min) and\n"
                       "deltam, grey/white-matter fractions and the brain mask, on each subject's\n"
                       "ASL grid. participants.tsv gives each subject's SNR tier and noise.\n");
  snprintf(p, sizeof p, "%s/derivatives/phantom/participants.json", root);
  if (st == ASL_OK)
    st = write_text(p, "{\n  \"participant_id\": {\"Description\": \"simulated subject\"},\n"
                       "  \"snr_tier\": {\"Description\": \"noise tier\", \"Levels\": "
                       "{\"low\": \"noise SD 1.8-2.7 x mean GM deltam\", \"high\": \"0.6-1.0 x\"}},\n"
                       "  \"noise_sd\": {\"Description\": \"thermal noise standard deviation\"},\n"
                       "  \"hypoperfused\": {\"Description\": \"1 when the subject has a hypoperfused region\"}\n}\n");
  return st;
}

static asl_status check_opts(const asl_phantom_opts *o) {
  if (o->subjects < 1 || o->subjects > 10000)
    return asl_fail(ASL_EINVAL, "phantom: --subjects %d must be 1..10000", o->subjects);
  if (o->timepoints < 1 || o->timepoints > 100000)
    return asl_fail(ASL_EINVAL, "phantom: --timepoints %d must be 1..100000 control/label pairs", o->timepoints);
  if (!(o->noise >= 0.0) || o->noise > 100.0)
    return asl_fail(ASL_EINVAL, "phantom: noise scale %g must be 0..100", o->noise);
  return ASL_OK;
}

// Subjects are independent (each draws from its own (seed, id) stream), so
// they are made and written in parallel; the result does not depend on the
// thread count.
typedef struct {
  const char *outdir;
  const asl_phantom_opts *o;
  const asl_phantom_anatomy *a;
  pthread_mutex_t lock;
  int next;
  asl_status *status;
  char (*error)[512];
  asl_phantom_subject *info; // id, tier, noise and lesion flag of each subject
} job_queue;

static void make_one(job_queue *q, int i) {
  asl_phantom_subject s;
  asl_status st = asl_phantom_subject_make(&s, q->a, q->o, i);
  if (st == ASL_OK) st = write_raw(q->outdir, q->o, &s);
  if (st == ASL_OK) st = write_truth(q->outdir, &s);
  q->status[i] = st;
  if (st != ASL_OK) snprintf(q->error[i], sizeof q->error[i], "%s", asl_error_message());
  memcpy(q->info[i].id, s.id, sizeof s.id);
  q->info[i].low_snr = s.low_snr, q->info[i].noise_sd = s.noise_sd;
  q->info[i].hypoperfused = s.hypoperfused;
  asl_phantom_subject_free(&s);
}

static void *worker(void *arg) {
  job_queue *q = arg;
  for (;;) {
    pthread_mutex_lock(&q->lock);
    int i = q->next++;
    pthread_mutex_unlock(&q->lock);
    if (i >= q->o->subjects) return NULL;
    make_one(q, i);
  }
}

static int thread_count(const asl_phantom_opts *o) {
  long n = o->threads > 0 ? o->threads : sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) n = 1;
  if (n > 8) n = 8;
  return n > o->subjects ? o->subjects : (int)n;
}

static asl_status run_queue(job_queue *q) {
  pthread_t tid[8];
  int n = thread_count(q->o), started = 0;
  for (; started < n - 1; started++)
    if (pthread_create(&tid[started], NULL, worker, q) != 0) break;
  worker(q); // the calling thread works too
  for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
  for (int i = 0; i < q->o->subjects; i++)
    if (q->status[i] != ASL_OK) return asl_fail(q->status[i], "%s", q->error[i]);
  return ASL_OK;
}

static asl_status write_subjects(const char *outdir, const asl_phantom_opts *o, const asl_phantom_anatomy *a,
                                 FILE *participants, FILE *truth) {
  job_queue q = {.outdir = outdir, .o = o, .a = a, .next = 0};
  q.status = calloc((size_t)o->subjects, sizeof *q.status);
  q.error = calloc((size_t)o->subjects, sizeof *q.error);
  q.info = calloc((size_t)o->subjects, sizeof *q.info);
  asl_status st = ASL_OK;
  if (!q.status || !q.error || !q.info || pthread_mutex_init(&q.lock, NULL) != 0) {
    st = asl_fail(ASL_ENOMEM, "phantom: out of memory");
  } else {
    st = run_queue(&q);
    pthread_mutex_destroy(&q.lock);
  }
  for (int i = 0; st == ASL_OK && i < o->subjects; i++) {
    fprintf(participants, "%s\n", q.info[i].id);
    fprintf(truth, "%s\t%s\t%.6g\t%d\n", q.info[i].id, q.info[i].low_snr ? "low" : "high",
            q.info[i].noise_sd, q.info[i].hypoperfused);
  }
  free(q.status), free(q.error), free(q.info);
  return st;
}

asl_status asl_phantom_write(const asl_phantom_opts *o, const char *outdir) {
  if (strlen(outdir) > PATH_MAX_LEN - 200) return asl_fail(ASL_EINVAL, "%s: output path too long", outdir);
  asl_status st = check_opts(o);
  if (st == ASL_OK) st = make_dirs(outdir);
  if (st == ASL_OK) st = write_descriptions(outdir);
  if (st != ASL_OK) return st;
  asl_phantom_anatomy a;
  st = asl_phantom_anatomy_load(&a, o); // once per call, shared by every subject
  if (st != ASL_OK) return st;
  char p1[PATH_MAX_LEN], p2[PATH_MAX_LEN];
  snprintf(p1, sizeof p1, "%s/participants.tsv", outdir);
  snprintf(p2, sizeof p2, "%s/derivatives/phantom/participants.tsv", outdir);
  FILE *participants = fopen(p1, "w"), *truth = fopen(p2, "w");
  if (!participants || !truth) {
    st = asl_fail(ASL_EIO, "%s: cannot write participants.tsv (%s)", outdir, strerror(errno));
  } else {
    fputs("participant_id\n", participants);
    fputs("participant_id\tsnr_tier\tnoise_sd\thypoperfused\n", truth);
    st = write_subjects(outdir, o, &a, participants, truth);
  }
  if (participants && fclose(participants) != 0 && st == ASL_OK) st = asl_fail(ASL_EIO, "%s: write failed", p1);
  if (truth && fclose(truth) != 0 && st == ASL_OK) st = asl_fail(ASL_EIO, "%s: write failed", p2);
  asl_phantom_anatomy_free(&a);
  return st;
}
