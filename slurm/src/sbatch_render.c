// The text of the batch scripts. The script is plain bash a user can read
// and edit: the #SBATCH header, a few variables, then a fixed body that runs
// the step in the background, forwards Slurm's signals to it and requeues
// the job while the runner reports jobs remaining.
#include <string.h>

#include "slurm/sbatch.h"

#define TRY(call)                      \
  do {                                 \
    asl_status st_ = (call);           \
    if (st_ != ASL_OK) return st_;     \
  } while (0)

// Runs after the variables: the same for a single job and an array task.
static const char script_body[] =
    "# One thread pool per rank, sized to the CPUs Slurm gave each task.\n"
    "export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-$cpus_per_task}\n"
    "export OPENBLAS_NUM_THREADS=1\n"
    "\n"
    "echo \"aslsweep: job $job_ref start $(date -u +%FT%TZ) restart ${SLURM_RESTART_COUNT:-0}\" \\\n"
    "  \"on ${SLURM_JOB_NODELIST:-$(hostname)}\"\n"
    "\n"
    "# Slurm sends USR1 to this shell $grace s before the time limit (--signal=B:USR1@...)\n"
    "# and TERM on scancel: pass it to the runner, which checkpoints its current\n"
    "# jobs and exits with $requeue_status when jobs remain.\n"
    "step=\n"
    "signal=\n"
    "forward() {\n"
    "  signal=$1\n"
    "  echo \"aslsweep: $1 received $(date -u +%FT%TZ), passing it to the runner\"\n"
    "  if [ -n \"$step\" ]; then kill -s \"$1\" \"$step\" 2>/dev/null || true; fi\n"
    "}\n"
    "trap 'forward USR1' USR1\n"
    "trap 'forward TERM' TERM\n"
    "trap 'forward INT' INT\n"
    "\n"
    "if [ -n \"${SLURM_JOB_ID:-}\" ] && command -v srun >/dev/null 2>&1; then\n"
    "  # Slurm 22.05 to 23.02 do not pass the job's --cpus-per-task on to srun.\n"
    "  srun --kill-on-bad-exit=1 --cpus-per-task=\"${SLURM_CPUS_PER_TASK:-$cpus_per_task}\" \\\n"
    "    \"$aslsweep\" \"${run_args[@]}\" &\n"
    "else\n"
    "  # Not under Slurm (the script run by hand): the same ranks under mpirun.\n"
    "  mpirun -n \"$ranks\" \"$aslsweep\" \"${run_args[@]}\" &\n"
    "fi\n"
    "step=$!\n"
    "# A signal that arrived before the step existed.\n"
    "if [ -n \"$signal\" ]; then kill -s \"$signal\" \"$step\" 2>/dev/null || true; fi\n"
    "# `wait` returns early when a trapped signal arrives: wait until the step\n"
    "# has really ended, then read its own exit status (bash remembers it).\n"
    "while :; do\n"
    "  wait \"$step\"\n"
    "  kill -0 \"$step\" 2>/dev/null || break\n"
    "done\n"
    "wait \"$step\"\n"
    "status=$?\n"
    "echo \"aslsweep: runner exited with status $status at $(date -u +%FT%TZ)\"\n"
    "\n"
    "# The job's exit status is the runner's: 0 COMPLETED, otherwise FAILED\n"
    "# with that ExitCode (1 run-time failure, 2 bad input, 3 jobs remain).\n"
    "if [ \"$status\" -ne \"$requeue_status\" ]; then exit \"$status\"; fi\n"
    "if [ -z \"${SLURM_JOB_ID:-}\" ]; then\n"
    "  echo \"aslsweep: jobs remain; run this script again to resume $out\"\n"
    "elif [ \"$signal\" = TERM ] || [ \"$signal\" = INT ]; then\n"
    "  echo \"aslsweep: cancelled; jobs remain: submit this script again to resume $out\"\n"
    "elif [ \"${SLURM_RESTART_COUNT:-0}\" -ge \"$max_restarts\" ]; then\n"
    "  echo \"aslsweep: $max_restarts restarts already: not requeueing (ASLSWEEP_MAX_RESTARTS)\"\n"
    "elif scontrol requeue \"$job_ref\"; then\n"
    "  echo \"aslsweep: jobs remain: requeued $job_ref; the next start resumes $out\"\n"
    "else\n"
    "  echo \"aslsweep: scontrol requeue $job_ref failed; submit this script again to resume\"\n"
    "fi\n"
    "exit \"$status\"\n";

static const char *spec_name(const slurm_workload *w) {
  return w != NULL && w->name != NULL && w->name[0] != '\0' ? w->name : "sweep";
}

// The job name: letters, digits and . _ - only (spec names may hold others).
static asl_status print_job_name(slurm_text *t, const slurm_options *o, const slurm_workload *w,
                                 const char *suffix) {
  if (o->job_name != NULL) return slurm_text_printf(t, "#SBATCH --job-name=%s%s\n", o->job_name, suffix);
  TRY(slurm_text_printf(t, "#SBATCH --job-name=aslsweep-"));
  for (const char *p = spec_name(w); *p; p++) {
    char c = *p;
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '.' || c == '_' || c == '-';
    TRY(slurm_text_printf(t, "%c", ok ? c : '_'));
  }
  return slurm_text_printf(t, "%s\n", suffix);
}

// #SBATCH lines for what the user may set and the merge job shares.
static asl_status print_site_lines(slurm_text *t, const slurm_options *o) {
  if (o->time != NULL) TRY(slurm_text_printf(t, "#SBATCH --time=%s\n", o->time));
  if (o->partition != NULL) TRY(slurm_text_printf(t, "#SBATCH --partition=%s\n", o->partition));
  if (o->account != NULL) TRY(slurm_text_printf(t, "#SBATCH --account=%s\n", o->account));
  if (o->qos != NULL) TRY(slurm_text_printf(t, "#SBATCH --qos=%s\n", o->qos));
  return ASL_OK;
}

static asl_status print_header(slurm_text *t, const slurm_options *o, const slurm_resources *r,
                               const slurm_workload *w) {
  TRY(slurm_text_printf(t, "#!/bin/bash\n# aslsweep sweep '%s': %s -> %s\n", spec_name(w),
                        o->spec_path, o->out_dir));
  TRY(slurm_text_printf(t, "# Written by `aslsweep slurm` %s. Submit: sbatch %s/submit.sbatch%s\n",
                        ASLSWEEP_VERSION, o->out_dir,
                        o->array_chunks > 0 ? " (then the merge job: see merge.sbatch)" : ""));
  TRY(slurm_text_printf(t, "# Plan: %s\n# Allocation: %s\n", r->plan_line, r->alloc_line));
  if (r->suggested != 0)
    TRY(slurm_text_printf(t, "# Suggested from the plan's cost estimates:%s%s%s. Workers beyond\n"
                             "# total cost / longest chain cannot shorten the sweep; a node's cores go\n"
                             "# to ranks first, the rest to threads. Set --nodes, --ntasks-per-node,\n"
                             "# --cpus-per-task to choose yourself.\n",
                          r->suggested & SLURM_SUGGESTED_NODES ? " nodes" : "",
                          r->suggested & SLURM_SUGGESTED_TASKS ? " tasks-per-node" : "",
                          r->suggested & SLURM_SUGGESTED_CPUS ? " cpus-per-task" : ""));
  TRY(print_job_name(t, o, w, ""));
  TRY(slurm_text_printf(t, "#SBATCH --nodes=%d\n#SBATCH --ntasks-per-node=%d\n#SBATCH --cpus-per-task=%d\n",
                        r->nodes, r->ntasks_per_node, r->cpus_per_task));
  // engine.device: cuda; each rank takes the GPU of its node-local rank.
  if (w->gpus_per_task > 0) TRY(slurm_text_printf(t, "#SBATCH --gpus-per-task=%d\n", w->gpus_per_task));
  TRY(print_site_lines(t, o));
  if (o->mem != NULL) TRY(slurm_text_printf(t, "#SBATCH --mem=%s\n", o->mem));
  if (o->array_chunks > 0) TRY(slurm_text_printf(t, "#SBATCH --array=0-%d\n", o->array_chunks - 1));
  TRY(slurm_text_printf(t, "#SBATCH --signal=B:USR1@%ld\n#SBATCH --requeue\n#SBATCH --open-mode=append\n",
                        r->grace));
  TRY(slurm_text_printf(t, "#SBATCH --output=%s/slurm-%s.out\n", o->out_dir,
                        o->array_chunks > 0 ? "%A_%a" : "%j"));
  for (int i = 0; i < o->n_extra; i++) TRY(slurm_text_printf(t, "%s\n", o->extra[i]));
  return ASL_OK;
}

// The run's arguments: overrides come last, each one bash-quoted.
static asl_status print_run_args(slurm_text *t, const slurm_options *o) {
  if (o->array_chunks > 0)
    TRY(slurm_text_printf(t, "part=${SLURM_ARRAY_TASK_ID:?array mode: submit with sbatch, "
                             "each array task runs one slice}\n"
                             "job_ref=${SLURM_ARRAY_JOB_ID:-}_$part\n"
                             "run_args=(run \"$spec\" --out \"$out/parts/$part\" --slice \"$part/%d\"",
                          o->array_chunks));
  else
    TRY(slurm_text_printf(t, "job_ref=${SLURM_JOB_ID:-}\nrun_args=(run \"$spec\" --out \"$out\""));
  TRY(slurm_text_printf(t, " --threads-per-rank \"${SLURM_CPUS_PER_TASK:-$cpus_per_task}\""
                           " --grace \"$runner_grace\""));
  for (int i = 0; i < o->n_overrides; i++) {
    TRY(slurm_text_printf(t, " "));
    TRY(slurm_text_shell_quote(t, o->overrides[i]));
  }
  return slurm_text_printf(t, ")\n");
}

static asl_status print_variables(slurm_text *t, const slurm_options *o, const slurm_resources *r) {
  TRY(slurm_text_printf(t, "\n# Runs on the first node; after a requeue it starts again from the top\n"
                           "# and `aslsweep run` resumes the run directory.\nset -u\n"));
  TRY(slurm_text_printf(t, "aslsweep=%s\nspec=%s\nout=%s\n", o->aslsweep, o->spec_path, o->out_dir));
  TRY(slurm_text_printf(t, "ranks=%d          # nodes x tasks per node, for mpirun outside Slurm\n",
                        r->nodes * r->ntasks_per_node));
  TRY(slurm_text_printf(t, "cpus_per_task=%d\ngrace=%ld\n", r->cpus_per_task, r->grace));
  // The runner's own deadline after the signal: a third of Slurm's grace,
  // because slurmctld checks time limits periodically (every 30 s on the
  // test cluster) and the signal may come that much later than asked; the
  // runner still exits (and the job requeues) before the limit kills it.
  TRY(slurm_text_printf(t, "runner_grace=%ld  # the runner exits at the latest this long after the signal\n",
                        r->grace >= 3 ? r->grace / 3 : 1));
  TRY(slurm_text_printf(t, "requeue_status=%d # `aslsweep run`: interrupted, state saved, jobs remain\n",
                        SLURM_RUNNER_EXIT_REQUEUE));
  TRY(slurm_text_printf(t, "max_restarts=${ASLSWEEP_MAX_RESTARTS:-20}\n"));
  TRY(print_run_args(t, o));
  return slurm_text_printf(t, "\n");
}

asl_status slurm_script_render(slurm_text *t, const slurm_options *o, const slurm_resources *r,
                               const slurm_workload *w) {
  TRY(slurm_options_check(o));
  TRY(print_header(t, o, r, w));
  TRY(print_variables(t, o, r));
  return slurm_text_printf(t, "%s", script_body);
}

asl_status slurm_merge_script_render(slurm_text *t, const slurm_options *o, const slurm_workload *w) {
  TRY(slurm_options_check(o));
  if (o->array_chunks <= 0)
    return asl_fail(ASL_EINVAL, "merge script: only for --array-chunks K (got %d)", o->array_chunks);
  TRY(slurm_text_printf(t, "#!/bin/bash\n# Merges the %d parts of aslsweep sweep '%s' into %s/results.h5.\n"
                           "# Submitted by `aslsweep slurm --submit` with --dependency=afterok:<array job>.\n",
                        o->array_chunks, spec_name(w), o->out_dir));
  TRY(print_job_name(t, o, w, "-merge"));
  TRY(slurm_text_printf(t, "#SBATCH --nodes=1\n#SBATCH --ntasks=1\n"));
  TRY(print_site_lines(t, o));
  TRY(slurm_text_printf(t, "#SBATCH --open-mode=append\n#SBATCH --output=%s/slurm-%%j-merge.out\n\n",
                        o->out_dir));
  TRY(slurm_text_printf(t, "set -u\naslsweep=%s\nout=%s\nparts=()\n"
                           "for ((i = 0; i < %d; i++)); do parts+=(\"$out/parts/$i\"); done\n",
                        o->aslsweep, o->out_dir, o->array_chunks));
  return slurm_text_printf(t, "# Exit status 0 only when every part was complete and the cube is whole.\n"
                              "exec \"$aslsweep\" merge --out \"$out\" \"${parts[@]}\"\n");
}
