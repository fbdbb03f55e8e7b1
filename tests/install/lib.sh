# Shared by the install tests: fail() and a scratch folder under the build tree.
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }
scratch() { # scratch NAME -> a fresh folder under ASLSWEEP_BINARY_DIR/tests-install
  local d="${ASLSWEEP_BINARY_DIR:?}/tests-install/$1"
  rm -rf "$d"
  mkdir -p "$d"
  echo "$d"
}
# install_to DIR: `cmake --install` of this build tree into DIR.
install_to() {
  cmake --install "${ASLSWEEP_BINARY_DIR:?}" --prefix "$1" >"$1.install.log" 2>&1 ||
    { cat "$1.install.log"; fail "cmake --install --prefix $1"; }
}
