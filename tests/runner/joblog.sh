#!/usr/bin/env bash
# Job logs, one file per rank and run, and `aslsweep log` reading them:
# a run with failing jobs (test double, ASLSWEEP_TEST_FAIL_SUBJECT), --failed,
# a job's attempts across runs in time order, a per-job log file of an
# earlier version, and the refusals (no DIR, no logs, unknown key, usage).
# Needs ASLSWEEP in the environment (set by ctest).
. "$(dirname "$0")/lib.sh"
n=${1:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
spec=$(cd "$(dirname "$0")/specs" && pwd)/double.yaml
d=$work/run
run() { ASLSWEEP_INTERNAL_TEST_EXECUTOR=0 mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$d" --progress none "$@"; }
# Blocks' keys ("== KEY: attempt started ...") that ended failed, from the raw files.
failed_keys() {
  awk '/^== /{sub(/^== /, ""); sub(/: attempt started .*/, ""); key = $0}
       /^ended: failed/{print key}' "$@" | sort -u
}

ASLSWEEP_TEST_FAIL_SUBJECT=sub-03 run > "$work/first.out" 2>&1
[ $? -eq 1 ] || { cat "$work/first.out"; fail "run with a failing subject: expected exit 1"; }
n_files=$(ls "$d/logs" | wc -l)
[ "$n_files" -ge 1 ] && [ "$n_files" -le "$n" ] || fail "$n_files log files after one run on $n ranks"
for f in "$d/logs"/*; do
  [[ $(basename "$f") =~ ^[0-9]{8}T[0-9]{6}Z-r[0-9]+\.log$ ]] || fail "$f: not a per-rank log name"
done

# --failed: the latest attempt of every failed job, and nothing else.
"$ASLSWEEP" log "$d" --failed > "$work/failed.out" || fail "log --failed exit $?"
failed_keys "$d/logs"/*.log > "$work/failed.want"
[ -s "$work/failed.want" ] || fail "no failed attempt in the logs of a run with failures"
sed -n 's/^== \(.*\): attempt started .*/\1/p' "$work/failed.out" | sort > "$work/failed.got"
diff "$work/failed.want" "$work/failed.got" || fail "log --failed: not the failed jobs"
[ "$(grep -c '^ended: ' "$work/failed.out")" -eq "$(grep -c '^ended: failed' "$work/failed.out")" ] \
  || fail "log --failed printed a block that did not fail"
grep -q '^error: .*corrupt data (test double)' "$work/failed.out" || fail "log --failed: no error line"

# An older version's per-job file for the first failed job (the key with
# '/' as "__", blocks without the key in their first line).
key=$(head -n 1 "$work/failed.want")
cat > "$d/logs/${key//\//__}.log" <<OLD
== attempt started 2020-01-02T03:04:05Z on oldhost, rank 7
job 0: $key (train)
seed 1, content key -
ended: done after 1.00 s
OLD

# The rerun redoes the failed jobs: --failed empties, the job's history
# reads old file, failed attempt, done attempt, in that order.
sleep 1  # a new second: the rerun's files get their own stamp
run > "$work/second.out" 2>&1 || { cat "$work/second.out"; fail "clean rerun"; }
n_files=$(ls "$d/logs" | wc -l)
[ "$n_files" -le $((2 * n + 1)) ] || fail "$n_files log files after two runs on $n ranks (+1 old)"
"$ASLSWEEP" log "$d" --failed > "$work/failed2.out" || fail "log --failed after the rerun"
grep -q "^no failed job in $d/logs" "$work/failed2.out" || fail "log --failed after a clean rerun: $(head -3 "$work/failed2.out")"
"$ASLSWEEP" log "$d" "$key" > "$work/one.out" || fail "log KEY exit $?"
ends=$(sed -n 's/^ended: \([a-z]*\) .*/\1/p' "$work/one.out" | tr '\n' ' ')
[ "$ends" = "done failed done " ] || fail "history of $key: ended $ends, expected done (old file), failed, done"
head -n 1 "$work/one.out" | grep -q '^== attempt started 2020-01-02T03:04:05Z on oldhost' \
  || fail "history of $key does not start with the old per-job file's block"
[ "$(grep -c "^job [0-9]*: $key (" "$work/one.out")" -eq 3 ] || fail "history of $key: blocks not whole"
# Two keys at once, each block whole; a key given twice prints once.
key2=$(sed -n 2p "$work/failed.want")
"$ASLSWEEP" log "$d" "$key2" "$key" "$key2" > "$work/two.out" || fail "log with two keys"
[ "$(grep -c '^== ' "$work/two.out")" -eq 5 ] || fail "two keys: $(grep -c '^== ' "$work/two.out") blocks, expected 5"
[ "$(grep -c '^seed ' "$work/two.out")" -eq 5 ] || fail "two keys: blocks not whole"

# Refusals: exit 2 with a message naming what to do.
expect2() { # what, command...
  local what=$1; shift
  "$@" > "$work/out" 2> "$work/err"
  local rc=$?
  [ $rc -eq 2 ] || fail "$what: exit $rc, expected 2"
  [ -s "$work/err" ] || fail "$what: no message"
}
expect2 "unknown key" "$ASLSWEEP" log "$d" "$key" no/such/job
grep -q "no/such/job" "$work/err" && grep -q "aslsweep status $d" "$work/err" \
  || fail "unknown key message: $(cat "$work/err")"
grep -q "^== " "$work/out" || fail "unknown key: the known key's blocks were not printed"
expect2 "no such DIR" "$ASLSWEEP" log "$work/nothing" "$key"
grep -q "$work/nothing" "$work/err" || fail "no DIR: message does not name it"
mkdir "$work/empty"
expect2 "DIR without logs" "$ASLSWEEP" log "$work/empty" --failed
grep -q "$work/empty/logs" "$work/err" || fail "no logs: message does not name DIR/logs"
expect2 "no key" "$ASLSWEEP" log "$d"
expect2 "keys and --failed" "$ASLSWEEP" log "$d" --failed "$key"
expect2 "bad option" "$ASLSWEEP" log "$d" --bogus
# A job log that cannot be written: one warning per rank, the jobs go on.
mkdir "$work/nolog" && touch "$work/nolog/logs"
ASLSWEEP_INTERNAL_TEST_EXECUTOR=0 mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$work/nolog" \
  --progress none > "$work/nolog.out" 2>&1 || { cat "$work/nolog.out"; fail "run with DIR/logs a file"; }
[ "$(grep -c 'warning: cannot write .*job logs stop here' "$work/nolog.out")" -eq "$n" ] \
  || { cat "$work/nolog.out"; fail "expected one job-log warning per rank"; }
# A rank that appends to a file cut mid-line by a kill -9 (a rerun within
# the same second) starts its block on a new line. The run's stamp is not
# known in advance: files for every second of the next minute are made.
c=$work/cut
mkdir -p "$c/logs"
for k in $(seq 0 59); do
  stamp=$(date -u -d "+$k sec" +%Y%m%dT%H%M%SZ)
  for r in $(seq 0 $((n - 1))); do
    printf '== x/y: attempt started 2020-01-01T00:00:00Z on h, rank %d\njob 9: x/y (infer)\nended: fa' "$r" > "$c/logs/$stamp-r$r.log"
  done
done
ASLSWEEP_INTERNAL_TEST_EXECUTOR=0 mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$c" --progress none \
  > "$work/cut.out" 2>&1 || { cat "$work/cut.out"; fail "run appending to cut files"; }
[ "$(ls "$c/logs" | wc -l)" -eq $((60 * n)) ] || fail "the run did not append to the existing file of its stamp"
! grep -q 'ended: fa.' "$c/logs"/*.log || fail "a block was glued to a cut line: $(grep -h 'ended: fa.' "$c/logs"/*.log | head -1)"
[ "$(grep -c '^== ' "$c/logs"/*.log | awk -F: '{s += $NF} END {print s}')" -gt $((60 * n)) ] \
  || fail "no block appended"
"$ASLSWEEP" log "$c" x/y > "$work/cut.log" || fail "log of the cut blocks"
[ "$(grep -c '^== ' "$work/cut.log")" -eq $((60 * n)) ] || fail "cut blocks: $(grep -c '^== ' "$work/cut.log")"
"$ASLSWEEP" log --help | grep -q "aslsweep log DIR KEY" || fail "log --help"
"$ASLSWEEP" --help | grep -q "^  log " || fail "log missing from aslsweep --help"
echo "ok: job logs per rank on $n ranks and aslsweep log"
