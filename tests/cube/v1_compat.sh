#!/usr/bin/env bash
# A cube of format version 1 (tests/cube/fixtures/v1_results.h5, written by
# aslsweep 0.1.0 before the compact layout: 6 jobs of the test double, 2
# done, 4 failed) read by this aslsweep: verify, status, status --json,
# table and export give what version 1's aslsweep gave (fixtures/v1_*), and
# the loss plot draws. With --resume (mpi): the run that wrote it resumes
# it, the cube stays version 1 and every row verifies; a resume with
# another plan grows it into a new cube of the current version, carrying the
# tuned values (/jobs/chosen_param) a version-1 cube may hold.
. "$(dirname "$0")/compat_lib.sh" 1

if [ "${1:-}" != --resume ]; then
  readers_match 1
  "$ASLSWEEP" plot "$cube" --kind loss -o "$work/loss.svg" > "$work/plot.out" 2>&1 ||
    { cat "$work/plot.out"; fail "loss plot"; }
  grep -q "<svg" "$work/loss.svg" || fail "loss plot: no SVG"
  [ "$(version "$cube")" = 1 ] || fail "reading changed the version"
  echo "ok: a version-1 cube reads as version 1's aslsweep read it"
  exit 0
fi

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
args=(--nav 1 --models 2 --folds 2 --subjects 4 --epochs 3 --quiet)
ASLSWEEP_INTERNAL_TEST_EXECUTOR=0 mpirun -n 2 "$RUN_DRIVER" "$work/run" "${args[@]}" \
  > "$work/resume.out" 2>&1 || { cat "$work/resume.out"; fail "resume"; }
grep -q "summary: 6 jobs, 6 done" "$work/resume.out" || { cat "$work/resume.out"; fail "resume summary"; }
[ "$(version "$cube")" = 1 ] || fail "a resumed version-1 cube must stay version 1"
"$ASLSWEEP" verify "$work/run" | grep -q "ok: 6 rows verified" || fail "resumed rows verify"
"$ASLSWEEP" status "$work/run" | grep -q "^total  *6  *0 " || fail "resumed status"
# The cube as a version-1 aslsweep with tuned values wrote it: a
# /jobs/chosen_param (float64, NaN fill) with a value for some jobs.
/usr/bin/python3 - "$cube" > "$work/chosen_old" <<'PY' || fail "add chosen_param to the version-1 cube"
import h5py, math, sys
with h5py.File(sys.argv[1], "r+") as f:
    n = f["jobs/status"].shape[0]
    d = f["jobs"].create_dataset("chosen_param", (n,), dtype="<f8", fillvalue=math.nan)
    for j in range(0, n, 2):
        d[j] = 0.5 * (j + 1)
    for j, k in enumerate(f["jobs/key"][...]):
        print(k.decode(), repr(float(d[j])))
PY
# Another plan over the same directory: the finished jobs are carried into
# a new cube of the current version, tuned values included.
ASLSWEEP_INTERNAL_TEST_EXECUTOR=0 mpirun -n 2 "$RUN_DRIVER" "$work/run" --nav 1 --models 3 \
  --folds 2 --subjects 4 --epochs 3 --quiet > "$work/grow.out" 2>&1 ||
  { cat "$work/grow.out"; fail "growth from version 1"; }
[ "$(version "$cube")" = 3 ] || fail "a grown cube is of the current version"
"$ASLSWEEP" verify "$work/run" > "$work/verify2.out" 2>&1 || { cat "$work/verify2.out"; fail "grown rows"; }
/usr/bin/python3 - "$cube" "$work/chosen_old" <<'PY' || fail "tuned values not carried from version 1"
import h5py, math, sys
old = dict(l.split() for l in open(sys.argv[2]))
with h5py.File(sys.argv[1], "r") as f:
    keys = [k.decode() for k in f["jobs/key"][...]]
    chosen = f["jobs/chosen_param"][...]
carried = 0
for k, v in zip(keys, chosen):
    want = float(old[k]) if k in old else math.nan
    assert (math.isnan(want) and math.isnan(v)) or want == v, (k, want, v)
    carried += not math.isnan(want)
assert carried >= 2, carried
assert len(keys) > len(old), (len(keys), len(old))
PY
echo "ok: a version-1 cube resumes as version 1 and grows into version 3"
