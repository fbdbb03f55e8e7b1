#!/usr/bin/env bash
# A run directory holding a cube of another format version: `aslsweep run`
# (resume) refuses it with exit 2 and a message naming the file and both
# versions, and leaves it untouched; status, merge and table refuse the same
# cube alike. Then the cube set back to this version resumes (nothing to redo).
# Needs ASLSWEEP, CUBE_SET_VERSION and ASLSWEEP_SOURCE_DIR (set by ctest).
set -u
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
fail() { echo "FAIL: $*" >&2; exit 1; }
spec=$ASLSWEEP_SOURCE_DIR/tests/runner/specs/double.yaml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cube=$work/run/results.h5
run() { ASLSWEEP_INTERNAL_TEST_EXECUTOR=1 mpirun -n 2 "$ASLSWEEP" run "$spec" --out "$work/run" --progress none; }

run > "$work/first.out" 2>&1 || { cat "$work/first.out"; fail "first run"; }
"$CUBE_SET_VERSION" "$cube" 7 || fail "cannot set the version"
before=$(md5sum < "$cube")

# expect_refusal NAME CMD...: exit 2 and the message naming both versions.
expect_refusal() {
  local name=$1 rc
  shift
  "$@" > "$work/$name.out" 2>&1
  rc=$?
  [ "$rc" -eq 2 ] || { cat "$work/$name.out"; fail "$name: exit $rc, expected 2"; }
  grep -q "$cube: cube format version 7, this aslsweep reads versions 1 to 3;" "$work/$name.out" ||
    { cat "$work/$name.out"; fail "$name: no message naming both versions"; }
}
expect_refusal resume run
[ "$(md5sum < "$cube")" = "$before" ] || fail "the refused resume changed the cube"
expect_refusal status "$ASLSWEEP" status "$work/run"
expect_refusal merge "$ASLSWEEP" merge --out "$work/merged" "$work/run"
expect_refusal table "$ASLSWEEP" table "$cube"

"$CUBE_SET_VERSION" "$cube" 2 || fail "cannot set the version back"
run > "$work/again.out" 2>&1 || { cat "$work/again.out"; fail "resume of this version"; }
grep -q "54 jobs: 54 done" "$work/again.out" || { cat "$work/again.out"; fail "resume summary"; }
echo "ok: resume, status, merge and table refuse format version 7"
