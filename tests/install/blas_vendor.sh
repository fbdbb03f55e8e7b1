#!/usr/bin/env bash
# Another BLAS vendor is selectable: BLA_VENDOR=Generic (the reference BLAS
# with its C interface) configures, builds the binary without the OpenBLAS-
# only calls, and the binary reports a non-OpenBLAS BLAS; an unknown vendor
# stops configuration with a message naming BLA_VENDOR.
. "$(dirname "$0")/lib.sh"
src=${ASLSWEEP_SOURCE_DIR:?}
work=$(scratch blas_vendor)
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DASLSWEEP_NATIVE=OFF -DBLA_VENDOR=Generic \
  >"$work/configure.log" 2>&1 || { tail -30 "$work/configure.log"; fail "configure with BLA_VENDOR=Generic"; }
grep -q "ASLSWEEP_BLAS_OPENBLAS" "$work/build/engine/CMakeFiles/aslsweep_engine.dir/flags.make" &&
  fail "the OpenBLAS-only calls are compiled in for BLA_VENDOR=Generic"
cmake --build "$work/build" --target aslsweep -j2 >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; fail "build"; }
"$work/build/cli/aslsweep" --version | grep -q "^blas=non-OpenBLAS" ||
  fail "--version does not report the other vendor: $("$work/build/cli/aslsweep" --version | grep blas=)"
pass "BLA_VENDOR=Generic configured, built and reported"

if cmake -S "$src" -B "$work/build-none" -DBLA_VENDOR=NoSuchVendor >"$work/none.log" 2>&1; then
  fail "configure accepted BLA_VENDOR=NoSuchVendor"
fi
grep -q "BLAS (vendor NoSuchVendor) not found" "$work/none.log" && grep -q "set BLA_VENDOR" "$work/none.log" ||
  { cat "$work/none.log"; fail "no clear message for a missing BLAS vendor"; }
pass "a missing BLAS vendor stops configuration with a message"
rm -rf "$work"
