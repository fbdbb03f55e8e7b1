#!/usr/bin/env bash
# Every subcommand answers --version and -V with the same build report, and
# every --help ends with the shared options and the one exit-status table.
# usage: version_help.sh ASLSWEEP_EXE
set -euo pipefail
exe=$1
fail() { echo "FAIL: $*" >&2; exit 1; }

top=$("$exe" --version)
for key in "aslsweep [0-9]" "revision=" "build=" "mpi=" "hdf5=[0-9].*(parallel)" "blas="; do
  grep -Eq "^$key" <<<"$top" || fail "aslsweep --version lacks '$key': $top"
done
[ "$("$exe" -V)" = "$top" ] || fail "aslsweep -V differs from --version"

cmds=$("$exe" --help | sed -n '/^commands:/,/^$/p' | awk 'NF>1 {print $1}')
[ "$(wc -w <<<"$cmds")" -ge 10 ] || fail "command list from --help too short: $cmds"
for c in $cmds; do
  for flag in --version -V; do
    out=$("$exe" "$c" $flag) || fail "aslsweep $c $flag exited $?"
    [ "$out" = "$top" ] || fail "aslsweep $c $flag: '$out'"
  done
  # --version wins over missing arguments, as --help does.
  "$exe" "$c" --out /nonexistent/x -V >/dev/null || fail "aslsweep $c ... -V did not exit 0"
  help=$("$exe" "$c" --help) || fail "aslsweep $c --help exited $?"
  grep -q -- "-V, --version" <<<"$help" || fail "aslsweep $c --help does not list -V"
  grep -q "^exit status: 0 success, 1 run-time failure, 2 bad usage or bad input" <<<"$help" ||
    fail "aslsweep $c --help lacks the exit-status table"
done
# The one mapping: bad usage is 2 everywhere.
for c in $cmds; do
  set +e
  "$exe" "$c" --no-such-option >/dev/null 2>&1
  rc=$?
  set -e
  [ $rc -eq 2 ] || fail "aslsweep $c --no-such-option exited $rc, not 2"
done
echo "ok: --version, -V, --help and bad usage on $(wc -w <<<"$cmds") commands"
