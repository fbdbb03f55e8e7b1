#!/usr/bin/env bash
# Soak: kill -9 of a random rank at a random moment, 20 times over, then
# resume to the end; the cube equals an uninterrupted run's bitwise and
# passes `aslsweep verify`. Kills land anywhere: during the cube's creation
# and rename, between a job's cells and its status, while the lock is held.
#   mpi_soak.sh NRANKS [ROUNDS]
# The delays and victims come from bash's RANDOM with a fixed seed, so a
# failure can be replayed. Every mpirun is bounded (`timeout`, `mpirun --timeout`): a hang fails.
# Needs ASLSWEEP and CUBE_DIGEST in the environment (set by ctest).
. "$(dirname "$0")/lib.sh"
n=$1 rounds=${2:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
spec=$(cd "$(dirname "$0")/specs" && pwd)/double.yaml
plan=(--progress none)
RANDOM=20261204

ASLSWEEP_INTERNAL_TEST_EXECUTOR=0 timeout 120 mpirun -n "$n" "$ASLSWEEP" run "$spec" \
  --out "$work/ref" "${plan[@]}" > "$work/ref.out" 2>&1 || { cat "$work/ref.out"; fail "reference run"; }
"$CUBE_DIGEST" "$work/ref/results.h5" main > "$work/ref.digest" || fail "digest of reference"

kills=0
for round in $(seq 1 "$rounds"); do
  # 100 ms per tested subject: the 54 jobs take about 8 s on 2 ranks, so
  # the kills fall inside the runs and each round still commits a few jobs.
  # (mpirun's own --timeout: rank_pid needs mpirun's pid, not a wrapper's.)
  start=$(date +%s)
  ASLSWEEP_INTERNAL_TEST_EXECUTOR=100 mpirun --timeout 120 -n "$n" "$ASLSWEEP" run "$spec" \
    --out "$work/run" "${plan[@]}" > "$work/round.out" 2>&1 &
  mpi=$!
  delay_ms=$(( 50 + RANDOM % 1500 ))
  victim=$(( RANDOM % n ))
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  pid=$(rank_pid $mpi $victim || true)
  if [ -n "$pid" ]; then
    kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
  fi
  wait $mpi
  rc=$?
  [ $(( $(date +%s) - start )) -lt 110 ] || { cat "$work/round.out"; fail "round $round hung"; }
  # A run that finished before its kill ends the soak early: nothing is left.
  if [ $rc -eq 0 ] && [ -z "$pid" ]; then break; fi
done
[ "$kills" -ge $((rounds / 2)) ] || fail "only $kills of $rounds rounds killed a rank (runs too short?)"

ASLSWEEP_INTERNAL_TEST_EXECUTOR=0 timeout 120 mpirun -n "$n" "$ASLSWEEP" run "$spec" \
  --out "$work/run" "${plan[@]}" > "$work/final.out" 2>&1 || { cat "$work/final.out"; fail "final resume"; }
"$CUBE_DIGEST" "$work/run/results.h5" main > "$work/run.digest" || fail "digest of the soaked run"
diff "$work/ref.digest" "$work/run.digest" || fail "the soaked cube differs from the uninterrupted one"
"$ASLSWEEP" verify "$work/run" > "$work/verify.out" 2>&1 || { cat "$work/verify.out"; fail "verify"; }
echo "ok: $kills kill -9 of random ranks at random moments; resumed cube identical and verified"
