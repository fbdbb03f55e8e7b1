# Shared start of the format-compatibility tests (sourced): a writable copy
# of fixtures/v$1_results.h5 as $work/run/results.h5 ($cube), removed on
# exit; $fx is the fixtures folder. Needs ASLSWEEP_SOURCE_DIR.
set -u
fail() { echo "FAIL: $*" >&2; exit 1; }
fx=$ASLSWEEP_SOURCE_DIR/tests/cube/fixtures
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/run"
cp "$fx/v$1_results.h5" "$work/run/results.h5"
chmod u+w "$work/run/results.h5"
cube=$work/run/results.h5
version() { h5dump -a /format_version "$1" | awk '/\(0\)/ {print $2}'; }

# verify, status (text and --json), table and CSV export of $cube give what
# version $1's aslsweep gave (fixtures/v$1_*).
readers_match() {
  local v=$1
  "$ASLSWEEP" verify "$work/run" > "$work/verify.out" 2>&1 || { cat "$work/verify.out"; fail "verify"; }
  grep -q "ok: 6 rows verified" "$work/verify.out" || { cat "$work/verify.out"; fail "verify count"; }
  # (status exits 1 when a job failed, as in the version-1 fixture: the text
  # is what counts)
  "$ASLSWEEP" status "$work/run" > "$work/status.txt" 2>&1
  diff "$fx/v${v}_status.txt" "$work/status.txt" || fail "status differs from version $v's"
  "$ASLSWEEP" status "$work/run" --json 2> /dev/null | sed "s#$cube#/tmp/v${v}fx/results.h5#" \
    > "$work/status.json"
  diff "$fx/v${v}_status.json" "$work/status.json" || fail "status --json differs"
  "$ASLSWEEP" table "$cube" > "$work/table.txt" 2> /dev/null || fail "table"
  diff "$fx/v${v}_table.txt" "$work/table.txt" || fail "table differs from version $v's"
  "$ASLSWEEP" export "$cube" --format csv > "$work/export.csv" 2> /dev/null || fail "export"
  diff "$fx/v${v}_export.csv" "$work/export.csv" || fail "export differs from version $v's"
}
