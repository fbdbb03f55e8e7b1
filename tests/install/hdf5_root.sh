#!/usr/bin/env bash
# Configures aslsweep against an HDF5 found only through HDF5_ROOT (a private
# prefix of symlinks to the parallel HDF5 this build uses) and builds the
# binary; then checks a serial HDF5 under HDF5_ROOT, and a missing MPI, are
# refused with a message naming the package and the variable.
# usage: hdf5_root.sh HDF5_INCLUDE_DIR HDF5_LIBRARY
. "$(dirname "$0")/lib.sh"
inc=$1 lib=$2
src=${ASLSWEEP_SOURCE_DIR:?}
work=$(scratch hdf5_root)

# Private prefix: include/ and lib/ hold symlinks, no compiler wrapper in bin/.
mkdir -p "$work/prefix/include" "$work/prefix/lib"
ln -s "$inc"/*.h "$work/prefix/include/"
ln -s "$(dirname "$lib")"/libhdf5*.so* "$work/prefix/lib/"
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DASLSWEEP_NATIVE=OFF \
  -DHDF5_ROOT="$work/prefix" >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail "configure with HDF5_ROOT"; }
grep -q "^HDF5_hdf5_LIBRARY_RELEASE:FILEPATH=$work/prefix/lib/" "$work/build/CMakeCache.txt" ||
  fail "HDF5 library not taken from HDF5_ROOT: $(grep HDF5_hdf5_LIBRARY_RELEASE "$work/build/CMakeCache.txt")"
cmake --build "$work/build" --target aslsweep -j2 >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; fail "build"; }
grep -q -- "-I$work/prefix/include" "$work/build/runner/CMakeFiles/aslsweep_runner.dir/flags.make" ||
  fail "runner not compiled against HDF5_ROOT's headers"
"$work/build/cli/aslsweep" --version | grep -q "hdf5=" || fail "built binary does not report its HDF5"
pass "configured and built against HDF5_ROOT=$work/prefix"

# Serial prefix: the same headers but H5pubconf.h without HAVE_PARALLEL.
mkdir -p "$work/serial/include"
cp -rs "$work/prefix/lib" "$work/serial/lib"
for h in "$inc"/*.h; do
  case $(basename "$h") in
    H5pubconf*.h) grep -v "HAVE_PARALLEL" "$h" >"$work/serial/include/$(basename "$h")" ;;
    *) ln -s "$h" "$work/serial/include/" ;;
  esac
done
if cmake -S "$src" -B "$work/build-serial" -DHDF5_ROOT="$work/serial" >"$work/serial.log" 2>&1; then
  fail "configure accepted a serial HDF5"
fi
grep -q "is serial" "$work/serial.log" || { cat "$work/serial.log"; fail "no 'is serial' message"; }
grep -q "libhdf5-openmpi-dev" "$work/serial.log" || fail "message does not name libhdf5-openmpi-dev"
grep -q "HDF5_ROOT" "$work/serial.log" || fail "message does not name HDF5_ROOT"
pass "serial HDF5 refused with a clear message"

# No MPI to be found: one message naming the package and the variables.
if cmake -S "$src" -B "$work/build-nompi" -DMPI_C_COMPILER=/nonexistent/mpicc -DMPI_SKIP_GUESSING=ON \
     >"$work/nompi.log" 2>&1; then
  fail "configure accepted a missing MPI"
fi
grep -q "MPI (C bindings) not found" "$work/nompi.log" || { cat "$work/nompi.log"; fail "no MPI message"; }
grep -q "libopenmpi-dev" "$work/nompi.log" && grep -q "MPI_HOME" "$work/nompi.log" ||
  fail "MPI message does not name libopenmpi-dev and MPI_HOME"
pass "missing MPI refused with a clear message"
rm -rf "$work"
