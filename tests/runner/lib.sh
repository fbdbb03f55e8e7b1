# Helpers for the runner's MPI test scripts (sourced).
set -u
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1

fail() { echo "FAIL: $*" >&2; exit 1; }

# PID of MPI rank $2 among the processes started by mpirun (pid $1).
rank_pid() {
  local p
  for p in $(pgrep -P "$1"); do
    if tr '\0' '\n' < /proc/"$p"/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2"; then
      echo "$p"; return 0
    fi
  done
  return 1
}

# Waits (at most $3 s) until DIR/run.log ($1) holds $2 finished-job lines.
wait_done() {
  local i
  for i in $(seq 1 $(( $3 * 20 ))); do
    [ -f "$1" ] && [ "$(grep -c ' done job ' "$1")" -ge "$2" ] && return 0
    sleep 0.05
  done
  return 1
}

# "J D": jobs in a cube and how many are done.
job_counts() { "$CUBE_DIGEST" "$1" | awk '/^jobs /{print $2, $4}'; }
