#!/usr/bin/env bash
# A cube of format version 2 (tests/cube/fixtures/v2_results.h5, written by
# the aslsweep before format 3 with 32-byte subject ids: 6 jobs of the test
# double, all done) read by this aslsweep, whose readers take 128-byte
# subject ids: verify, status, status --json, table and export (CSV, JSON)
# give what version 2's aslsweep gave (fixtures/v2_*). With --resume (mpi):
# the run that wrote it resumes it, the cube stays version 2 (32-byte ids)
# and every row verifies; a resume with another plan grows it into a cube of
# version 3 with 128-byte ids, the finished jobs carried.
. "$(dirname "$0")/compat_lib.sh" 2
id_size() { h5dump -H -d /subjects/id "$1" | awk '/STRSIZE/ {print $2; exit}' | tr -d ';'; }

if [ "${1:-}" != --resume ]; then
  [ "$(id_size "$cube")" = 32 ] || fail "the fixture's /subjects/id is not 32 bytes"
  readers_match 2
  "$ASLSWEEP" export "$cube" --format json > "$work/export.json" 2> /dev/null || fail "export json"
  diff "$fx/v2_export.json" "$work/export.json" || fail "export json differs from version 2's"
  [ "$(version "$cube")" = 2 ] || fail "reading changed the version"
  echo "ok: a version-2 cube reads as version 2's aslsweep read it"
  exit 0
fi

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
args=(--nav 1 --folds 2 --subjects 4 --epochs 3 --quiet)
ASLSWEEP_INTERNAL_TEST_EXECUTOR=0 mpirun -n 2 "$RUN_DRIVER" "$work/run" --models 2 "${args[@]}" \
  > "$work/resume.out" 2>&1 || { cat "$work/resume.out"; fail "resume"; }
grep -q "summary: 6 jobs, 6 done" "$work/resume.out" || { cat "$work/resume.out"; fail "resume summary"; }
[ "$(version "$cube")" = 2 ] && [ "$(id_size "$cube")" = 32 ] ||
  fail "a resumed version-2 cube must stay version 2 with 32-byte ids"
"$ASLSWEEP" verify "$work/run" | grep -q "ok: 6 rows verified" || fail "resumed rows verify"
# Another plan over the same directory: a new cube of the current version.
ASLSWEEP_INTERNAL_TEST_EXECUTOR=0 mpirun -n 2 "$RUN_DRIVER" "$work/run" --models 3 "${args[@]}" \
  > "$work/grow.out" 2>&1 || { cat "$work/grow.out"; fail "growth from version 2"; }
[ "$(version "$cube")" = 3 ] && [ "$(id_size "$cube")" = 128 ] ||
  fail "a grown cube is of version 3 with 128-byte ids"
"$ASLSWEEP" verify "$work/run" > "$work/verify2.out" 2>&1 || { cat "$work/verify2.out"; fail "grown rows"; }
"$ASLSWEEP" export "$cube" --format csv > "$work/grown.csv" 2> /dev/null || fail "export grown"
# Every row version 2 exported is in the grown cube, under the same subject
# ids (the job index, seconds, rank and host columns aside).
key() { cut -d, -f1-9,11,12 "$1" | sort; }
[ "$(key "$fx/v2_export.csv" | grep -c ',sub-0[1-4],.*,done$')" -gt 10 ] || fail "fixture rows"
[ -z "$(comm -23 <(key "$fx/v2_export.csv") <(key "$work/grown.csv"))" ] ||
  fail "rows of the version-2 cube not carried into the grown cube"
echo "ok: a version-2 cube resumes as version 2 and grows into version 3"
