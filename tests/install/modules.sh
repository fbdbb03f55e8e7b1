#!/usr/bin/env bash
# `module use P/share/modulefiles; module load aslsweep` with Lmod (Lua) and
# with Environment Modules (Tcl) puts aslsweep and its manual on the paths;
# `module unload` takes them off again. Debian ships the two as conflicting
# packages: Lmod is installed (scripts/setup), Environment Modules is
# unpacked from its .deb into the build tree (downloaded once, then cached).
. "$(dirname "$0")/lib.sh"
work=$(scratch modules)
install_to "$work/P"
cache=${ASLSWEEP_BINARY_DIR}/tests-install-cache
mkdir -p "$cache"

check_tool() { # check_tool NAME: load, check, unload, check (module() defined by caller)
  module use "$work/P/share/modulefiles"
  module load aslsweep
  [ "$(command -v aslsweep)" = "$work/P/bin/aslsweep" ] || fail "$1: aslsweep not on PATH after load ($(command -v aslsweep || true))"
  aslsweep --version | grep -q "^aslsweep " || fail "$1: aslsweep --version"
  [ "$(man -w aslsweep)" = "$work/P/share/man/man1/aslsweep.1" ] || fail "$1: man -w aslsweep gives '$(man -w aslsweep 2>&1)'"
  man -w ls >/dev/null 2>&1 || [ ! -d /usr/share/man/man1 ] || ! ls /usr/share/man/man1/ls.1* >/dev/null 2>&1 ||
    fail "$1: the system's man pages are hidden while aslsweep is loaded"
  module unload aslsweep
  ! command -v aslsweep >/dev/null || fail "$1: aslsweep still on PATH after unload"
  case ":${MANPATH:-}:" in *"$work/P/share/man"*) fail "$1: MANPATH keeps $work/P after unload" ;; esac
  pass "$1: load puts aslsweep and its man pages on the paths, unload removes them"
}

# Lmod.
lmod_init=""
for d in "${LMOD_PKG:-}" /usr/share/lmod/lmod /usr/share/lmod/lmod/libexec/..; do
  [ -n "$d" ] && [ -f "$d/init/bash" ] && { lmod_init=$d/init/bash; break; }
done
[ -n "$lmod_init" ] || fail "Lmod not installed: run scripts/setup (package lmod)"
( unset MODULEPATH LOADEDMODULES _LMFILES_ MANPATH
  export MODULEPATH=""
  set +eu; source "$lmod_init"; set -eu
  check_tool Lmod )

# Environment Modules: modulecmd.tcl from the Debian package, run by tclsh.
command -v tclsh >/dev/null || fail "tclsh not installed: run scripts/setup (package tcl)"
mc=$(find "$cache/environment-modules" -name modulecmd.tcl -type f 2>/dev/null | head -1 || true)
if [ -z "$mc" ]; then
  (cd "$cache" && apt-get download environment-modules >/dev/null 2>&1) ||
    fail "cannot download environment-modules with apt-get (network?)"
  dpkg-deb -x "$cache"/environment-modules_*.deb "$cache/environment-modules"
  mc=$(find "$cache/environment-modules" -name modulecmd.tcl -type f | head -1)
fi
( unset MODULEPATH LOADEDMODULES _LMFILES_ MANPATH
  module() { eval "$(tclsh "$mc" bash "$@")"; }
  check_tool "Environment Modules"
)
rm -rf "$work"
