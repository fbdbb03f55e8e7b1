// A sweep spec, validated and expanded into its job DAG.
//
// This is the contract between sweeps/ (which fills it from YAML) and its
// users: the runner (which schedules and executes the jobs and lays out the
// results cube from the experiments' axes), slurm/ (costs) and the CLI.
// Fields may be added; renaming one means updating every user.
#ifndef SWEEP_PLAN_H
#define SWEEP_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "asl/bids.h"

// Longest subject (scan) label a sweep takes: asl/'s ASL_BIDS_LABEL_MAX,
// which the results cube's /subjects/id and subject axis (CUBE_SUBJECT_LEN
// bytes, cube/schema.h) and the runner's per-subject records hold. asl/
// refuses a longer label at read; the check in data.c names the spec line,
// the scan and this limit should the two ever part.
#define SWEEP_SUBJECT_ID_MAX 127
#include <stdio.h>

#include "asl/status.h"

typedef enum { SWEEP_JOB_TRAIN = 0, SWEEP_JOB_INFER = 1 } sweep_job_kind;

// A job's content key: 32 lower-case hex digits (docs/runner.md).
#define SWEEP_CONTENT_KEY_HEX 32

// One named axis of an experiment's results cube, with its labels in order
// ("nav": "2", "4", "8", "16"). Numeric axes keep decimal labels.
typedef struct {
  char *name;
  int n;
  char **labels;
} sweep_axis;

typedef struct {
  char *name;       // "main", "snr_matching", "generalization", "post_averaging"
  char *description; // the experiment's `description:` or its name
  int n_axes;
  sweep_axis *axes; // cube axes in order, before subject × stage × metric
} sweep_experiment;

// A key/value hyper-parameter of a model, as written in the spec.
typedef struct {
  char *key;
  char *value;
} sweep_param;

typedef struct {
  char *name;  // the key under `models:` and the label on the model axis
  char *kind;  // "unet3d", "vit3d", "identity", "gaussian", "nlm", ...
  int trainable; // 0 for baselines: their infer jobs have no train job
  int n_params;
  sweep_param *params;
} sweep_model;

// Everything that decides what one job computes, resolved from the spec.
typedef struct {
  char strategy[16];     // "windowed" | "interleaved"
  int nav;               // time points per pre-averaged image
  int nav_post;          // pre-averaged images per final image (1 = none)
  int m0;                // 1: the M0 image is an extra input channel
  char train_group[16];  // subjects trained on: "all" or an SNR group name
  char test_group[16];   // subjects scored: "all" or an SNR group name
  char train_target[8];  // "GT100" | "GT50" | "GT25"
  char test_input[8];    // "pre" (pre-averaged images) | "GT50" | "GT25"
  int model;             // index into sweep_plan.models
  int fold;              // 0 .. folds-1: the fold tested (and held out of training)
} sweep_condition;

typedef struct {
  // infer: "main/strategy=windowed/nav=4/m0=on/snr_group=all/model=unet3d/fold=2";
  // train: "train/strategy=windowed/nav=4/m0=on/train_group=all/train_target=GT100/model=unet3d/fold=2"
  // (no experiment name: experiments reaching one training condition share it)
  char *key;
  sweep_job_kind kind;
  sweep_condition cond;
  uint64_t seed;         // from the spec seed and the key: independent of scheduling
  double cost;           // estimated FLOPs (docs/spec.md, "Cost estimate")
  int train_job;         // infer: index of the train job it needs; -1 when none
  int experiment;        // infer: index into sweep_plan.experiments; -1 for train
  int *coords;           // infer: label index per axis of that experiment
  // The hash of everything that decides the job's result; "" until
  // sweep_plan_content_keys fills it.
  char content_key[SWEEP_CONTENT_KEY_HEX + 1];
} sweep_job;

typedef struct {
  int epochs, batch;
  char optimizer[16];    // "adam" | "adamw"
  double lr, weight_decay;
  char loss[16];         // "l1" | "mse" | "ssim"
  unsigned augment;      // bit set of SWEEP_AUG_*
  double val_fraction;
  int patches_per_volume;
  int early_stop;        // patience in epochs, 0 = off
  char lr_schedule[16];  // "constant" | "cosine"
  int warmup_epochs;     // linear warm-up of the learning rate, 0 = none
  char precision[8];     // "fp32" (default) | "tf32" | "bf16": CUDA arithmetic
} sweep_train;

enum {
  SWEEP_AUG_FLIP_X = 1u << 0,
  SWEEP_AUG_FLIP_Y = 1u << 1,
  SWEEP_AUG_TRANSPOSE = 1u << 2,
  SWEEP_AUG_SHIFT = 1u << 3,
  SWEEP_AUG_ROTATE = 1u << 4,
};

// `keep_volumes:` which images infer jobs keep in DIR/volumes/ (docs/spec.md).
enum { SWEEP_KEEP_NONE = 0, SWEEP_KEEP_SAMPLE = 1, SWEEP_KEEP_ALL = 2 };

typedef struct {
  char *name;
  uint64_t seed;
  char *spec_path;
  char *text;            // the spec as loaded (after overrides), for the cube's attributes
  // data: a BIDS-ASL root, or the built-in phantom when bids_root is NULL
  char *bids_root;
  // data.participants / data.sessions filters (labels as written, NULL when
  // absent), data.pld (pld_all 1 for `all`, else pld > 0 seconds or 0) and
  // data.masks (a derivatives folder, resolved like bids_root, or NULL)
  int n_participants, n_sessions;
  char **participants, **sessions;
  int pld_all;
  double pld;
  char *masks_root;
  struct {
    int subjects, shape[3], timepoints;
    uint64_t seed;
  } phantom;
  // subjects: BIDS ids (sorted, as listed) or the phantom's sub-01 ...;
  // subject_nt[i] is subject i's Nt (difference images). At most
  // SWEEP_SUBJECT_ID_MAX characters each.
  int n_subjects;
  char **subject_ids;
  int *subject_nt;
  int remainder_error;   // 1: `remainder: error`, 0: drop (default)
  int keep_volumes;      // SWEEP_KEEP_*: which montage volumes infer jobs keep
  double gt_fraction[3]; // time-point fractions for GT100, GT50, GT25 (1, .5, .25)
  int grid[3];           // model input x, y, z
  int folds;
  int snr_k;
  sweep_train train;
  char device[8];        // engine.device: "cpu" (default) | "cuda"
  int n_models;
  sweep_model *models;
  int n_metrics;
  char **metrics;        // "ssim", "psnr", "nmae"
  int n_experiments;
  sweep_experiment *experiments;
  int n_jobs;
  sweep_job *jobs;       // train jobs come before the infer jobs that need them
  int n_train, n_infer;  // n_train + n_infer == n_jobs; jobs[0 .. n_train-1] train
  // Size and content hash of every input file (or the phantom's options);
  // "" until sweep_plan_content_keys fills it.
  char data_fingerprint[SWEEP_CONTENT_KEY_HEX + 1];
} sweep_plan;

// Diagnostics gathered during loading: every problem, not only the first.
// Each line reads "FILE:LINE:COL: error: message".
typedef struct {
  int n;
  char **lines;
} sweep_diags;

// Loads, validates and expands a spec. `overrides` are "key.path=value"
// strings applied before validation. On failure returns ASL_ESPEC (bad spec,
// details in diags) or another code (I/O), and `p` holds nothing.
asl_status sweep_plan_load(sweep_plan *p, sweep_diags *diags, const char *path,
                           int n_overrides, char **overrides);
// Like sweep_plan_load, but no job is made: experiments (with their axes,
// include: labels too), models, data and subjects are filled and checked,
// p->jobs is NULL and n_jobs 0. For MPI ranks that take each job from the
// rank that holds the plan: their memory does not grow with the study.
asl_status sweep_plan_load_no_jobs(sweep_plan *p, sweep_diags *diags, const char *path,
                                   int n_overrides, char **overrides);
// The same from spec text in memory; `name` stands for the file in
// diagnostics and relative data paths resolve against the current folder.
asl_status sweep_plan_load_text(sweep_plan *p, sweep_diags *diags, const char *name,
                                const char *text, size_t len, int n_overrides,
                                char **overrides);
void sweep_plan_free(sweep_plan *p);
void sweep_diags_free(sweep_diags *d);

// The fold (0 .. folds-1) of subject `index` among `n_subjects`: a
// deterministic permutation from the spec seed, balanced across folds. The
// permutation is over participants: every scan of one participant (its
// sessions and runs, labels sharing the sub-<label> prefix) gets one fold.
int sweep_subject_fold(const sweep_plan *p, int n_subjects, int index);
// Distinct participants among the plan's subjects (scan labels sharing
// their sub-<label> prefix count once).
int sweep_n_participants(const sweep_plan *p);
// The BIDS query (asl/bids.h) of the plan's data section; its pointers
// borrow from `p`.
void sweep_bids_query(const sweep_plan *p, asl_bids_query *q);

// The label of SNR group g (0 .. snr_k-1): "low"/"high" for k = 2, else "g0"...
// Group 0 has the lowest mean single-time-point SSIM.
const char *sweep_snr_group_name(const sweep_plan *p, int g, char *buf, int size);

// Estimated forward-pass FLOPs per voxel of a model (docs/spec.md, cost table).
double sweep_model_flops_per_voxel(const sweep_model *m);
// Network evaluations per inferred image: 1, or for ddpm3d sample_steps x
// samples (x 2 with guidance).
double sweep_model_infer_evaluations(const sweep_model *m);

// Fills p->data_fingerprint (reading every input file once) and every
// job's content_key. Fails (ASL_EIO, naming the file) when an input cannot
// be read.
asl_status sweep_plan_content_keys(sweep_plan *p);
// The same, with a cache of the BIDS files' hashes in the file `cache`
// (NULL: none; docs/runner.md): a file whose inode, size, mtime and ctime
// are unchanged is not read again. With `save` the cache is rewritten
// (atomically); a cache that cannot be read or written only costs time.
asl_status sweep_plan_content_keys_cached(sweep_plan *p, const char *cache, int save);
// The content keys alone, from p->data_fingerprint as it stands (which
// another plan's fingerprint may be copied into, to compare the two).
asl_status sweep_plan_hash_jobs(sweep_plan *p);
// The canonical text job j's content key hashes: "part=value" lines in the
// order of docs/runner.md ("Content keys"). Needs the keys of its train job
// (sweep_plan_content_keys). malloc'd; NULL when out of memory.
char *sweep_job_content_text(const sweep_plan *p, int j);
// The key of a canonical text: two 64-bit FNV-1a hashes (different offset
// bases) as 32 hex digits.
void sweep_content_hash(const char *text, size_t len, char out[SWEEP_CONTENT_KEY_HEX + 1]);

// One line per axis of every experiment: "main: strategy=2 nav=4 m0=2 ...".
void sweep_plan_write_axes(const sweep_plan *p, FILE *f);
// Every job: index, key, kind, dependency, seed and cost; JSON (one object
// with "jobs": [...]) when `json` is set, aligned text otherwise.
void sweep_plan_write_jobs(const sweep_plan *p, FILE *f, int json);

#endif
