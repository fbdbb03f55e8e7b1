#!/usr/bin/env bash
# The local test cluster runs plain steps and MPI jobs:
#   srun -n 2 hostname            -> two lines, one per task
#   sbatch of a 2-rank MPI hello  -> under srun (PMIx) and under mpirun, both
#                                    ranks report and their reduction is right;
#                                    the job ends COMPLETED with ExitCode 0:0
#   a failing batch script        -> FAILED with its exit code in ExitCode
# usage: smoke.sh PATH/TO/slurm_mpi_hello
. "$(dirname "$0")/lib.sh"
hello=${1:?usage: smoke.sh MPI_HELLO}
[ -x "$hello" ] || fail "$hello is not an executable"
cluster_up

out=$(timeout 30 srun -n 2 hostname) || fail "srun -n 2 hostname failed"
[ "$(grep -c . <<<"$out")" = 2 ] || fail "srun -n 2 hostname printed: $out"
echo "ok   srun -n 2 hostname"

cat >"$work_dir/hello.sbatch" <<SCRIPT
#!/bin/bash
#SBATCH --ntasks=2
#SBATCH --output=$work_dir/hello-%j.out
set -e
echo "step srun"
srun "$hello"
echo "step mpirun"
mpirun -n 2 "$hello"
SCRIPT
id=$(sbatch --parsable "$work_dir/hello.sbatch") || fail "sbatch refused the MPI hello"
state=$(wait_job "$id" 60)
log=$work_dir/hello-$id.out
[ "$state" = COMPLETED ] || { cat "$log" >&2; fail "MPI hello job ended $state"; }
[ "$(job_field "$id" ExitCode)" = 0:0 ] || fail "MPI hello ExitCode $(job_field "$id" ExitCode)"
for step in srun mpirun; do
  block=$(sed -n "/^step $step/,/^step /p" "$log")
  [ "$(grep -c '^hello rank [01] of 2 on ' <<<"$block")" = 2 ] || { cat "$log" >&2; fail "$step: not 2 ranks"; }
  grep -q '^reduce ok: sum of ranks 1$' <<<"$block" || { cat "$log" >&2; fail "$step: reduction wrong"; }
  echo "ok   sbatch MPI hello under $step"
done

printf '#!/bin/bash\n#SBATCH --output=/dev/null\nexit 7\n' >"$work_dir/fail.sbatch"
id=$(sbatch --parsable "$work_dir/fail.sbatch")
state=$(wait_job "$id" 30)
[ "$state" = FAILED ] || fail "exit 7 job ended $state"
[ "$(job_field "$id" ExitCode)" = 7:0 ] || fail "exit 7 job ExitCode $(job_field "$id" ExitCode)"
echo "ok   a failing batch script is FAILED with ExitCode 7:0"
