#!/bin/bash
# Downloads the Debian 12 packages that give an engine-only build its BLAS
# on a machine without it (bench/gpu/device_check.sh unpacks them into a
# private prefix, never into /):
#   libopenblas0-pthread      libopenblas.so.0 (the flavour the engine uses)
#   libopenblas-pthread-dev   cblas.h and the libopenblas.so link
#   libgfortran5 libquadmath0 what libopenblas.so.0 needs at run time
# (libopenblas-dev and libopenblas0 are only metapackages that pick a
# flavour; libgomp comes with the build machine's GCC.)
#
#   bash bench/gpu/fetch_debs.sh DIR      # e.g. build-gpudeb (git-ignored)
set -euo pipefail
if [ $# -ne 1 ] || [ "$1" = "--help" ] || [ "$1" = "-h" ]; then
  echo "usage: bash bench/gpu/fetch_debs.sh DIR   (downloads the OpenBLAS .deb files into DIR)"
  [ $# -eq 1 ] && exit 0 || exit 2
fi
pkgs="libopenblas0-pthread libopenblas-pthread-dev libgfortran5 libquadmath0"
mkdir -p "$1"
cd "$1"
rm -f ./*.deb
# apt-get download runs as _apt when it can; a root-owned DIR only warns.
apt-get download $pkgs
for p in $pkgs; do
  ls ${p}_*.deb >/dev/null 2>&1 || { echo "fetch_debs.sh: $p missing" >&2; exit 1; }
done
ls -l ./*.deb
