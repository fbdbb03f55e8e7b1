# Shared helpers for the Slurm tests: source it, then call cluster_up.
# Each test brings up its own cluster and a trap tears it down, also when the
# test fails or is interrupted.
set -euo pipefail

ASLSWEEP_SOURCE_DIR=${ASLSWEEP_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CLUSTER_SH=$ASLSWEEP_SOURCE_DIR/slurm/testing/cluster.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
cluster_dir=
work_dir=

fail() {
  echo "FAIL: $*" >&2
  if [ -n "$cluster_dir" ] && [ -d "$cluster_dir/log" ]; then
    echo "--- last lines of slurmctld.log" >&2
    tail -n 20 "$cluster_dir/log/slurmctld.log" >&2 || true
    echo "--- last lines of slurmd.log" >&2
    tail -n 20 "$cluster_dir/log/slurmd.log" >&2 || true
  fi
  exit 1
}

cleanup() {
  local rc=$?
  if [ -n "$cluster_dir" ]; then "$CLUSTER_SH" stop "$cluster_dir" || rc=1; fi
  if [ -n "$work_dir" ]; then rm -rf "$work_dir"; fi
  exit $rc
}

# Starts a fresh cluster, exports SLURM_CONF, makes $work_dir for the test's
# files; both are removed on exit.
cluster_up() {
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  work_dir=$(mktemp -d "${TMPDIR:-/tmp}/aslsweep-slurmtest.XXXXXX")
  cluster_dir=$("$CLUSTER_SH" start) || fail "the test cluster did not start"
  # shellcheck disable=SC1091
  . "$cluster_dir/env"
}

# The value of FIELD=... in `scontrol show job ID`.
job_field() {
  scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s|^$2=||p" | head -n 1
}

# Waits until job $1 reaches a final state (at most $2 seconds) and prints it.
wait_job() {
  local id=$1 limit=$2 state i
  for ((i = 0; i < limit * 2; i++)); do
    state=$(job_field "$id" JobState)
    case "$state" in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE)
        echo "$state"
        return 0
        ;;
    esac
    sleep 0.5
  done
  fail "job $id did not finish within $limit s (state ${state:-unknown})"
}

# Waits until job $1 is RUNNING (at most $2 seconds).
wait_running() {
  local id=$1 limit=$2 i
  for ((i = 0; i < limit * 2; i++)); do
    [ "$(job_field "$id" JobState)" = RUNNING ] && return 0
    sleep 0.5
  done
  fail "job $id did not start within $limit s (state $(job_field "$id" JobState))"
}

# "done failed running pending" from the total line of `aslsweep status DIR`
# (nothing when DIR holds no cube yet).
status_counts() {
  "$1" status "$2" 2>/dev/null | awk '$1 == "total" { print $2, $3, $4, $5 }'
}

# The numbers of a cube that must not depend on interruptions (metrics and
# per-image metrics of every experiment, job keys, statuses, training and
# validation losses) as text, for comparing two runs.
cube_text() {
  local cube=$1 d
  for d in $(h5ls -r "$cube" | awk '$2 == "Dataset" && $1 ~ /\/(metrics|metrics_per_image)$|^\/jobs\/(key|status|train_loss|val_loss)$/ { print $1 }' | sort); do
    h5dump -d "$d" -w 0 -y "$cube" | sed 1d
  done
}
