#!/bin/bash
# The cube in xarray (h5netcdf engine), as users open it: a tiny sweep run by
# the real binary with the test double executor, one of its job-array parts
# and their merge, each checked by xarray_check.py. Exit 77 (skipped) only
# when xarray or h5netcdf is missing. Needs ASLSWEEP and ASLSWEEP_SOURCE_DIR.
set -u
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 ASLSWEEP_INTERNAL_TEST_EXECUTOR=0
fail() { echo "FAIL: $*" >&2; exit 1; }
py=/usr/bin/python3
check=$ASLSWEEP_SOURCE_DIR/tests/cube/xarray_check.py
spec=$ASLSWEEP_SOURCE_DIR/tests/runner/specs/double.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

$py -c 'import xarray, h5netcdf' 2> "$work/import" || { cat "$work/import"; exit 77; }
# 2 Nav x 1 M0 x 2 folds = 4 train jobs, x 2 models = 8 infer jobs.
over=(--progress none sweep.nav=[2,4] sweep.m0=off folds=2)
run() { mpirun -n 1 "$ASLSWEEP" run "$spec" "${over[@]}" "$@" > "$work/out" 2>&1 ||
          { cat "$work/out"; fail "run $*"; }; }

run --out "$work/one"
$py "$check" "$work/one/results.h5" || fail "a run's cube in xarray"
run --out "$work/p0" --slice 0/2
run --out "$work/p1" --slice 1/2
$py "$check" "$work/p0/results.h5" --part || fail "a part's cube in xarray"
"$ASLSWEEP" merge --out "$work/m" "$work/p0" "$work/p1" > "$work/merge" 2>&1 ||
  { cat "$work/merge"; fail "merge"; }
$py "$check" "$work/m/results.h5" || fail "a merged cube in xarray"
"$ASLSWEEP" verify "$work/m" > "$work/verify" 2>&1 || { cat "$work/verify"; fail "verify the merge"; }
echo "ok: run, part and merge open in xarray"
