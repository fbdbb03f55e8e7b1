#!/bin/sh
# aslsweep validate/plan as a user runs them: every malformed spec in
# tests/sweeps/bad exits 2 with FILE:LINE:COL lines on stderr, one of them at
# the file's "# expect: LINE:COL"; the examples validate with the counts
# docs/spec.md derives; plan lists jobs as text and JSON; --help works.
# usage: check_cli.sh ASLSWEEP_BINARY SOURCE_DIR
bin=$1
src=$2
fail=0
tmp=${TMPDIR:-/tmp}/aslsweep-cli-$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT

bad() { echo "FAIL: $*"; fail=1; }

n=0
for f in "$src"/tests/sweeps/bad/*.yaml; do
  n=$((n + 1))
  expect=$(sed -n '1s/^# expect: \([0-9]*:[0-9]*\)$/\1/p' "$f")
  [ -n "$expect" ] || bad "$f: no '# expect: LINE:COL' first line"
  "$bin" validate "$f" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  [ $rc -eq 2 ] || bad "$f: exit $rc, expected 2"
  [ -s "$tmp/out" ] && bad "$f: printed on stdout"
  grep -q -F "$f:$expect: error: " "$tmp/err" || bad "$f: no error at $expect: $(head -1 "$tmp/err")"
  # every line names the file and a position
  if grep -v -E "^$f:[0-9]+:[0-9]+: error: .+" "$tmp/err" | grep -q .; then
    bad "$f: malformed line: $(grep -v -E "^$f:[0-9]+:[0-9]+: error: " "$tmp/err" | head -1)"
  fi
done
[ $n -ge 40 ] || bad "only $n malformed specs"

out=$("$bin" validate "$src/examples/paper.yaml") || bad "paper.yaml does not validate"
echo "$out" | head -1 | grep -q -x "ok: 2336 jobs (672 train, 1664 infer)" || bad "paper counts: $out"
out=$("$bin" validate "$src/examples/demo.yaml") || bad "demo.yaml does not validate"
echo "$out" | head -1 | grep -q -x "ok: 32 jobs (8 train, 24 infer)" || bad "demo counts: $out"
out=$("$bin" validate "$src/examples/demo.yaml" 'sweep.nav=[4]' train.epochs=1 'sweep.model=unet3d')
echo "$out" | head -1 | grep -q -x "ok: 16 jobs (8 train, 8 infer)" || bad "overrides: $out"
"$bin" validate "$src/examples/demo.yaml" sweep.nav=[40] 2>"$tmp/err"
[ $? -eq 2 ] || bad "a bad override is accepted"
grep -q '^<override 1>:1:12: error: nav 40 is larger than Nt = 16' "$tmp/err" || bad "override position: $(cat "$tmp/err")"

"$bin" plan "$src/examples/demo.yaml" >"$tmp/plan" || bad "plan failed"
[ "$(grep -c ' train ' "$tmp/plan")" -eq 8 ] || bad "plan: train lines"
grep -q 'main/strategy=windowed/nav=4/m0=off/snr_group=all/model=identity/fold=0$' "$tmp/plan" || bad "plan: identity key"
"$bin" plan --json "$src/examples/demo.yaml" >"$tmp/json" || bad "plan --json failed"
grep -q '"n_jobs": 32' "$tmp/json" || bad "plan --json: n_jobs"
[ "$(grep -c '"kind": "infer"' "$tmp/json")" -eq 24 ] || bad "plan --json: infer jobs"
"$bin" plan "$src/tests/sweeps/bad/folds_one.yaml" >/dev/null 2>&1
[ $? -eq 2 ] || bad "plan accepts a bad spec"
"$bin" validate /nonexistent/spec.yaml 2>"$tmp/err"
[ $? -eq 2 ] || bad "missing spec file: exit status"
grep -q 'nonexistent/spec.yaml' "$tmp/err" || bad "missing spec file: message"
for c in validate plan; do
  "$bin" $c --help | grep -q "usage: aslsweep $c" || bad "$c --help"
  "$bin" $c >/dev/null 2>&1
  [ $? -eq 2 ] || bad "$c without a spec"
done
[ $fail -eq 0 ] && echo "ok: $n malformed specs, examples, plan, help"
exit $fail
