#!/usr/bin/env bash
# `cmake --install --prefix P` lays out bin, examples, docs, man pages,
# completions and modulefiles; a copy of P moved elsewhere still runs, finds
# its manual, and its generated sbatch script calls the installed binary.
. "$(dirname "$0")/lib.sh"
work=$(scratch install_tree)
install_to "$work/P"
for f in bin/aslsweep share/aslsweep/examples/demo.yaml share/doc/aslsweep/README.md \
         share/doc/aslsweep/spec.md share/man/man1/aslsweep.1 share/man/man1/aslsweep-run.1 \
         share/man/man1/aslsweep-slurm.1 share/bash-completion/completions/aslsweep \
         share/zsh/site-functions/_aslsweep share/modulefiles/aslsweep/0.1.0 \
         share/modulefiles/aslsweep/0.1.0.lua; do
  [ -e "$work/P/$f" ] || fail "missing $f in the installed tree"
done
# One man page per subcommand the binary lists.
for c in $("$work/P/bin/aslsweep" --help | sed -n '/^commands:/,/^$/p' | awk 'NF>1 {print $1}'); do
  [ -s "$work/P/share/man/man1/aslsweep-$c.1" ] || fail "no man page for $c"
done
# The man page is the --help text (so the two cannot drift).
man -l "$work/P/share/man/man1/aslsweep-run.1" 2>/dev/null | grep -q -- "--threads-per-rank T" ||
  fail "aslsweep-run.1 does not hold the run --help text"
! grep -rlF "$ASLSWEEP_BINARY_DIR" "$work/P" >/dev/null || fail "the build folder is named in the installed tree: $(grep -rlF "$ASLSWEEP_BINARY_DIR" "$work/P")"
! strings "$work/P/bin/aslsweep" | grep -qF "$ASLSWEEP_SOURCE_DIR" || fail "the binary names the source tree"

# Relocate: move the whole tree, then use it from its new place only.
mv "$work/P" "$work/moved"
Q=$work/moved
"$Q/bin/aslsweep" --version | grep -q "^aslsweep " || fail "relocated --version"
(cd "$work" && "$Q/bin/aslsweep" validate "$Q/share/aslsweep/examples/demo.yaml") | grep -q "^ok: " ||
  fail "relocated validate of the installed demo spec"
MANPATH="$Q/share/man:" man -w aslsweep-run | grep -qx "$Q/share/man/man1/aslsweep-run.1" ||
  fail "man -w aslsweep-run does not find the relocated page"
(cd "$work" && "$Q/bin/aslsweep" slurm "$Q/share/aslsweep/examples/demo.yaml" --out "$work/run" \
   --nodes 1 --ntasks-per-node 2 --time 00:10:00 --quiet) || fail "slurm script from the installed binary"
grep -qF "$Q/bin/aslsweep" "$work/run/submit.sbatch" || fail "submit.sbatch does not call the installed binary"
! grep -qF "$ASLSWEEP_BINARY_DIR/cli/aslsweep" "$work/run/submit.sbatch" || fail "submit.sbatch calls the build-tree binary"
pass "installed, relocated and ran from $Q"
rm -rf "$work"
