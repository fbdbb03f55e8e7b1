#!/usr/bin/env bash
# `aslsweep slurm --array-chunks` without a cluster: MaxArraySize read from
# `scontrol show config` (a stand-in on PATH) or --max-array-size; chunk
# counts above it exit 2 naming the limit and write nothing; each array
# task's request comes from its chunk, not from the whole study.
#   array_size.sh ASLSWEEP SPEC
set -u
aslsweep=$1 spec=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir "$work/bin"
cat > "$work/bin/scontrol" <<'S'
#!/bin/sh
[ "$1 $2" = "show config" ] || exit 1
echo "Configuration data as of 2026-01-01T00:00:00"
echo "MaxArraySize            = 8"
echo "MaxJobCount             = 10000"
S
printf '#!/bin/sh\nexit 1\n' > "$work/bin/sinfo"
chmod +x "$work/bin/scontrol" "$work/bin/sinfo"
export PATH=$work/bin:$PATH

"$aslsweep" slurm "$spec" --out "$work/big" --array-chunks 9 --quiet > "$work/err" 2>&1
rc=$?
[ "$rc" = 2 ] || { cat "$work/err"; fail "9 chunks over MaxArraySize 8: exit $rc, expected 2"; }
grep -q "MaxArraySize is 8 (array indices 0..7); use --array-chunks 8 or fewer" "$work/err" ||
  { cat "$work/err"; fail "the refusal does not name the limit and the fix"; }
[ ! -e "$work/big" ] || fail "a refused run wrote $work/big"

"$aslsweep" slurm "$spec" --out "$work/ok" --array-chunks 8 --quiet > "$work/err" 2>&1 ||
  { cat "$work/err"; fail "8 chunks under MaxArraySize 8 refused"; }
grep -qx "#SBATCH --array=0-7" "$work/ok/submit.sbatch" || fail "no --array=0-7"

# An explicit limit wins over scontrol's.
"$aslsweep" slurm "$spec" --out "$work/given" --array-chunks 9 --max-array-size 20 --quiet \
  > "$work/err" 2>&1 || { cat "$work/err"; fail "--max-array-size 20 did not allow 9 chunks"; }
"$aslsweep" slurm "$spec" --out "$work/low" --array-chunks 3 --max-array-size 2 --quiet > "$work/err" 2>&1
[ $? = 2 ] && grep -q "MaxArraySize is 2" "$work/err" || { cat "$work/err"; fail "--max-array-size 2 did not refuse 3 chunks"; }

# Each array task asks for its chunk's workers: fewer ranks than the study's.
"$aslsweep" slurm "$spec" --out "$work/whole" --quiet > "$work/err" 2>&1 || { cat "$work/err"; fail "whole study"; }
ranks() { awk -F= '/^#SBATCH --nodes=/{n=$2} /^#SBATCH --ntasks-per-node=/{t=$2} END{print n * t}' "$1"; }
whole=$(ranks "$work/whole/submit.sbatch") chunk=$(ranks "$work/ok/submit.sbatch")
[ "$chunk" -lt "$whole" ] || fail "an array task asks for $chunk ranks, the whole study $whole"
grep -q "^# Plan: per array task (largest of 8 chunks of a" "$work/ok/submit.sbatch" ||
  fail "the plan line does not say it describes one chunk"
echo PASS
