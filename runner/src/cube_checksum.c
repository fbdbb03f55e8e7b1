// A job's row checksum computed from what it writes, before it is written:
// the same byte stream the verifier reads back from the file
// (cube/checksum.h), so the two agree bit for bit.
#include "cube/checksum.h"
#include "cube_internal.h"

// The cell index of (coords..., subject) over (axes..., subject).
static uint64_t flat_cell(const sweep_plan *p, const sweep_job *jb, int n_subjects, int s) {
  const sweep_experiment *x = &p->experiments[jb->experiment];
  uint64_t at = 0;
  for (int a = 0; a < x->n_axes; a++) at = at * (uint64_t)x->axes[a].n + (uint64_t)jb->coords[a];
  return at * (uint64_t)n_subjects + (uint64_t)s;
}

uint64_t run_cube_row_checksum(const run_cube *c, const sweep_plan *p, int job,
                               const run_result *r, int status, const float *train,
                               const float *val) {
  const sweep_job *jb = &p->jobs[job];
  cube_row row = {.key = jb->key,
                  .kind = jb->kind,
                  .train_job = jb->train_job,
                  .experiment = jb->experiment,
                  .seed = jb->seed,
                  .status = status,
                  .error = r->error,
                  .epochs = c->epochs,
                  .train_loss = train,
                  .val_loss = val};
  cube_sum sum;
  cube_sum_row(&sum, &row);
  if (status != CUBE_JOB_DONE || jb->kind != SWEEP_JOB_INFER || jb->experiment < 0)
    return cube_sum_value(&sum);
  size_t tm = (size_t)RUN_N_STAGES * (size_t)r->n_metrics, tmi = tm * (size_t)r->n_images;
  for (int s = 0; s < r->n_subjects; s++) {
    if (!r->tested[s]) continue;
    cube_sum_cell(&sum, flat_cell(p, jb, c->n_subjects, s), r->metrics + (size_t)s * tm, tm,
                  r->per_image + (size_t)s * tmi, tmi);
  }
  return cube_sum_value(&sum);
}
