// The results cube's schema (DIR/results.h5, layout in docs/cube.md): every
// group, dataset and attribute name, its type, shape, fill value and string
// length, the format version and the job-status names. This is the only
// place that spells them; the runner's writer, `merge`, `status`, the
// analysis reader and the test fixtures all read them from here.
#ifndef CUBE_SCHEMA_H
#define CUBE_SCHEMA_H

#include <math.h>
#include <stddef.h>

// Bumped whenever a reader of the old layout would misread the new one.
// Version 2 (docs/cube.md, "Format versions"): error texts in a heap, loss
// rows for train jobs only, the static /jobs and /subjects datasets chunked
// and compressed. Version 3: subject ids and the subject axis labels are
// strings of CUBE_SUBJECT_LEN bytes (a version-2 reader would cut a long
// scan label at 31 characters without a word). Readers read every version
// from CUBE_FORMAT_VERSION_MIN on; writers write CUBE_FORMAT_VERSION only.
#define CUBE_FORMAT_VERSION 3
#define CUBE_FORMAT_VERSION_MIN 1

// Fixed string lengths (bytes, NUL included) of the string datasets.
#define CUBE_KEY_LEN 256
#define CUBE_HOST_LEN 64
#define CUBE_ERROR_LEN 512
// Design, stage and metric axis labels (names over 31 characters are
// refused at validate).
#define CUBE_LABEL_LEN 32
// Subject ids (/subjects/id) and the subject axis labels: a BIDS scan label
// of up to 127 characters (ASL_BIDS_LABEL_MAX). Cubes of versions 1 and 2
// hold them in 32 bytes; readers read any width into this many.
#define CUBE_SUBJECT_LEN 128
#define CUBE_ID_LEN CUBE_SUBJECT_LEN
#define CUBE_GROUP_LEN 16
#define CUBE_CONTENT_KEY_LEN 33 // 32 hex digits (docs/runner.md, "Content keys")

// /jobs/status values: (enum name, value, label).
#define CUBE_JOB_STATUSES(X) \
  X(PENDING, 0, "pending")   \
  X(RUNNING, 1, "running")   \
  X(DONE, 2, "done")         \
  X(FAILED, 3, "failed")

typedef enum {
#define CUBE_JOB_ENUM(name, value, label) CUBE_JOB_##name = value,
  CUBE_JOB_STATUSES(CUBE_JOB_ENUM)
#undef CUBE_JOB_ENUM
  CUBE_JOB_N_STATUSES
} cube_job_status;

// "pending", "running", ...; "unknown" for a value outside the table.
const char *cube_job_status_name(int status);
// The labels joined by commas, as the `labels` attribute of /jobs/status.
const char *cube_job_status_labels(void);

// Stored element types (little-endian in the file, native in memory).
typedef enum {
  CUBE_T_I8,
  CUBE_T_I32,
  CUBE_T_I64,
  CUBE_T_U64,
  CUBE_T_F32,
  CUBE_T_F64,
  CUBE_T_STR
} cube_type;

// Dataset shapes: S subjects, J jobs, E epochs, A the experiment's own axes,
// M metrics, I images, T stages, R train jobs (loss rows), H heap bytes.
typedef enum {
  CUBE_SHAPE_S,        // (S)
  CUBE_SHAPE_J,        // (J)
  CUBE_SHAPE_JE,       // (J, E): format version 1
  CUBE_SHAPE_RE,       // (R, E): format version 2
  CUBE_SHAPE_H,        // (H)
  CUBE_SHAPE_A_S_T_M,  // (A..., S, T, M)
  CUBE_SHAPE_A_STMI,   // (A..., S, T, M, I)
  CUBE_SHAPE_A_S,      // (A..., S)
} cube_shape;

enum { CUBE_NO_FILL = 0, CUBE_FILL = 1 };

// The groups at the root besides one per experiment.
#define CUBE_GROUP_SUBJECTS "subjects"
#define CUBE_GROUP_JOBS "jobs"

// Datasets. G(id, group, name, type, string length, shape, fill?, fill
// value) for the datasets of /subjects and /jobs; E(id, name, ...) for those
// of every experiment group. Datasets without a fill value are written whole
// at creation (and, from format version 2, stored chunked and compressed).
// /jobs/slice exists in job-array parts only; /jobs/checksum is absent from
// cubes written before row checksums (cube/checksum.h). /jobs/error and the
// (J, E) loss rows are version 1's; version 2 has error_at/error_text and
// (R, E) loss rows with loss_row (cube/jobs.h reads both).
#define CUBE_DATASETS(G, E)                                                                      \
  G(SUBJECT_ID, CUBE_GROUP_SUBJECTS, "id", CUBE_T_STR,                                           \
    CUBE_ID_LEN, CUBE_SHAPE_S, CUBE_NO_FILL, 0)                                                  \
  G(SUBJECT_FOLD, CUBE_GROUP_SUBJECTS, "fold", CUBE_T_I32, 0, CUBE_SHAPE_S, CUBE_NO_FILL, 0)     \
  G(SUBJECT_SNR_GROUP, CUBE_GROUP_SUBJECTS, "snr_group", CUBE_T_STR,                             \
    CUBE_GROUP_LEN, CUBE_SHAPE_S, CUBE_NO_FILL, 0)                                               \
  G(SUBJECT_SSIM_SINGLE, CUBE_GROUP_SUBJECTS, "ssim_single", CUBE_T_F32,                         \
    0, CUBE_SHAPE_S, CUBE_NO_FILL, 0)                                                            \
  G(SUBJECT_NMAE_SINGLE, CUBE_GROUP_SUBJECTS, "nmae_single", CUBE_T_F32,                         \
    0, CUBE_SHAPE_S, CUBE_NO_FILL, 0)                                                            \
  G(JOB_KEY, CUBE_GROUP_JOBS, "key", CUBE_T_STR, CUBE_KEY_LEN, CUBE_SHAPE_J, CUBE_NO_FILL, 0)    \
  G(JOB_KIND, CUBE_GROUP_JOBS, "kind", CUBE_T_I8, 0, CUBE_SHAPE_J, CUBE_NO_FILL, 0)              \
  G(JOB_TRAIN_JOB, CUBE_GROUP_JOBS, "train_job", CUBE_T_I32, 0, CUBE_SHAPE_J, CUBE_NO_FILL, 0)   \
  G(JOB_EXPERIMENT, CUBE_GROUP_JOBS, "experiment", CUBE_T_I32, 0, CUBE_SHAPE_J, CUBE_NO_FILL, 0) \
  G(JOB_SEED, CUBE_GROUP_JOBS, "seed", CUBE_T_U64, 0, CUBE_SHAPE_J, CUBE_NO_FILL, 0)             \
  G(JOB_STATUS, CUBE_GROUP_JOBS, "status", CUBE_T_I8,                                            \
    0, CUBE_SHAPE_J, CUBE_FILL, CUBE_JOB_PENDING)                                                \
  G(JOB_SECONDS, CUBE_GROUP_JOBS, "seconds", CUBE_T_F64, 0, CUBE_SHAPE_J, CUBE_FILL, NAN)        \
  G(JOB_RANK, CUBE_GROUP_JOBS, "rank", CUBE_T_I32, 0, CUBE_SHAPE_J, CUBE_FILL, -1)               \
  G(JOB_HOST, CUBE_GROUP_JOBS, "host", CUBE_T_STR, CUBE_HOST_LEN, CUBE_SHAPE_J, CUBE_FILL, 0)    \
  G(JOB_ERROR, CUBE_GROUP_JOBS, "error", CUBE_T_STR,                                             \
    CUBE_ERROR_LEN, CUBE_SHAPE_J, CUBE_NO_FILL, 0)                                               \
  G(JOB_ERROR_AT, CUBE_GROUP_JOBS, "error_at", CUBE_T_I64, 0, CUBE_SHAPE_J, CUBE_FILL, -1)       \
  G(JOB_ERROR_TEXT, CUBE_GROUP_JOBS, "error_text", CUBE_T_I8, 0, CUBE_SHAPE_H, CUBE_FILL, 0)     \
  G(JOB_LOSS_ROW, CUBE_GROUP_JOBS, "loss_row", CUBE_T_I32, 0, CUBE_SHAPE_J, CUBE_NO_FILL, 0)     \
  G(JOB_TRAIN_LOSS, CUBE_GROUP_JOBS, "train_loss", CUBE_T_F32, 0, CUBE_SHAPE_RE, CUBE_FILL, NAN) \
  G(JOB_VAL_LOSS, CUBE_GROUP_JOBS, "val_loss", CUBE_T_F32, 0, CUBE_SHAPE_RE, CUBE_FILL, NAN)     \
  G(JOB_SLICE, CUBE_GROUP_JOBS, "slice", CUBE_T_I32, 0, CUBE_SHAPE_J, CUBE_NO_FILL, 0)           \
  G(JOB_CHECKSUM, CUBE_GROUP_JOBS, "checksum", CUBE_T_U64, 0, CUBE_SHAPE_J, CUBE_FILL, 0)        \
  G(JOB_CONTENT_KEY, CUBE_GROUP_JOBS, "content_key", CUBE_T_STR,                                 \
    CUBE_CONTENT_KEY_LEN, CUBE_SHAPE_J, CUBE_NO_FILL, 0)                                         \
  G(JOB_CHOSEN_PARAM, CUBE_GROUP_JOBS, "chosen_param", CUBE_T_F64, 0, CUBE_SHAPE_J, CUBE_FILL, NAN) \
  E(EXP_METRICS, "metrics", CUBE_T_F32, 0, CUBE_SHAPE_A_S_T_M, CUBE_FILL, NAN)                   \
  E(EXP_PER_IMAGE, "metrics_per_image", CUBE_T_F32, 0, CUBE_SHAPE_A_STMI, CUBE_FILL, NAN)        \
  E(EXP_JOB, "job", CUBE_T_I32, 0, CUBE_SHAPE_A_S, CUBE_FILL, -1)

typedef enum {
#define CUBE_DS_ENUM_G(id, ...) CUBE_DS_##id,
#define CUBE_DS_ENUM_E(id, ...) CUBE_DS_##id,
  CUBE_DATASETS(CUBE_DS_ENUM_G, CUBE_DS_ENUM_E)
#undef CUBE_DS_ENUM_G
#undef CUBE_DS_ENUM_E
  CUBE_DS_COUNT
} cube_ds;

typedef struct {
  const char *group; // "subjects", "jobs", or NULL for an experiment's group
  const char *name;
  const char *path;  // "/jobs/status"; NULL for experiment datasets
  cube_type type;
  size_t str_len;    // CUBE_T_STR only
  cube_shape shape;
  int has_fill;
  double fill;       // converted to the dataset's type
} cube_dataset_def;

extern const cube_dataset_def cube_datasets[CUBE_DS_COUNT];

static inline const char *cube_ds_name(cube_ds d) { return cube_datasets[d].name; }
static inline const char *cube_ds_path(cube_ds d) { return cube_datasets[d].path; }
// The table entry of the dataset `name` in group `group` (NULL: an
// experiment's group), or NULL.
const cube_dataset_def *cube_dataset_find(const char *group, const char *name);

// Attributes: (id, where, name, type). where: "/" the root, "exp" each
// experiment group, "/jobs/status" that dataset. `slice` marks a job-array
// part; `executor` and `spec_hash` are absent from the oldest cubes.
#define CUBE_ATTRIBUTES(X)                                  \
  X(FORMAT_VERSION, "/", "format_version", CUBE_T_I32)      \
  X(PROGRAM, "/", "program", CUBE_T_STR)                    \
  X(PROGRAM_VERSION, "/", "program_version", CUBE_T_STR)    \
  X(CREATED, "/", "created", CUBE_T_STR)                    \
  X(NAME, "/", "name", CUBE_T_STR)                          \
  X(SPEC, "/", "spec", CUBE_T_STR)                          \
  X(SPEC_HASH, "/", "spec_hash", CUBE_T_STR)                \
  X(EXPERIMENTS, "/", "experiments", CUBE_T_STR)            \
  X(EXECUTOR, "/", "executor", CUBE_T_STR)                  \
  X(SLICE, "/", "slice", CUBE_T_STR)                        \
  X(EXP_AXES, "exp", "axes", CUBE_T_STR)                    \
  X(EXP_DESCRIPTION, "exp", "description", CUBE_T_STR)      \
  X(STATUS_LABELS, "/jobs/status", "labels", CUBE_T_STR)

typedef enum {
#define CUBE_ATTR_ENUM(id, where, name, type) CUBE_ATTR_##id,
  CUBE_ATTRIBUTES(CUBE_ATTR_ENUM)
#undef CUBE_ATTR_ENUM
  CUBE_ATTR_COUNT
} cube_attr;

typedef struct {
  const char *where;
  const char *name;
  cube_type type;
} cube_attribute_def;

extern const cube_attribute_def cube_attributes[CUBE_ATTR_COUNT];
static inline const char *cube_attr_name(cube_attr a) { return cube_attributes[a].name; }

// The axes every experiment ends with, after its own: metrics runs over
// (own..., subject, stage, metric), metrics_per_image adds image.
#define CUBE_AXIS_SUBJECT "subject"
#define CUBE_AXIS_STAGE "stage"
#define CUBE_AXIS_METRIC "metric"
#define CUBE_AXIS_IMAGE "image"
// The dimension scales of /jobs (int32 indices 0..J-1 and 0..E-1): every
// /jobs dataset has `job` on its first axis, the loss rows `epoch` on their
// second, so netCDF readers name them (docs/cube.md).
#define CUBE_AXIS_JOB "job"
#define CUBE_AXIS_EPOCH "epoch"
// Version 2: the loss rows' first axis (0..R-1, R train jobs), and the
// error heap's (its byte offsets).
#define CUBE_AXIS_LOSS_ROW "loss_index"
#define CUBE_AXIS_HEAP "error_byte"
enum { CUBE_STAGE_INPUT = 0, CUBE_STAGE_DENOISED = 1, CUBE_N_STAGES = 2 };
// "input", "denoised".
extern const char *const cube_stage_names[CUBE_N_STAGES];

#endif
