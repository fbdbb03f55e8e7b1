#!/usr/bin/env bash
# `cpack -G DEB` from this build tree, then the package installed with apt
# into a fresh Debian 12 root (debootstrap minbase from Debian's archive) and
# used there: --version, man -w, and the packaged demo spec validated and run
# on one rank with a tiny override. The base root and apt's downloads are
# cached in the build tree, so a rerun needs no network for the base.
# Needs root (chroot), debootstrap, and Debian's archive reachable.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || fail "needs root for chroot (run as root or skip the slow label)"
command -v debootstrap >/dev/null || fail "debootstrap not installed: run scripts/setup"
mirror=${ASLSWEEP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${ASLSWEEP_BINARY_DIR}/tests-install-cache
base=$cache/bookworm-minbase.tar
# A root left by an interrupted run may still have /proc mounted in it:
# unmount everything below the scratch folder before it is removed.
unmount_under() {
  awk -v d="$1/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n1 umount -l
}
unmount_under "${ASLSWEEP_BINARY_DIR}/tests-install/deb"
work=$(scratch deb)
trap 'unmount_under "$work"' EXIT
mkdir -p "$cache/apt-archives"

if [ ! -s "$base" ]; then
  echo "debootstrap bookworm (minbase) from $mirror ..."
  debootstrap --variant=minbase bookworm "$work/base" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; fail "debootstrap"; }
  tar -C "$work/base" -cf "$base.part" . && mv "$base.part" "$base"
  rm -rf "$work/base"
fi

(cd "$ASLSWEEP_BINARY_DIR" && cpack -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1) ||
  { tail -20 "$work/cpack.log"; fail "cpack -G DEB"; }
deb=$(ls "$work"/pkg/aslsweep_*.deb)
dpkg-deb -f "$deb" Depends | grep -q "libhdf5-openmpi" || fail "Depends lacks the linked HDF5: $(dpkg-deb -f "$deb" Depends)"

root=$work/root
mkdir -p "$root"
tar -C "$root" -xf "$base"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
cp "$cache"/apt-archives/*.deb "$root/var/cache/apt/archives/" 2>/dev/null || true
mount -t proc proc "$root/proc" 2>/dev/null || true
mount -t sysfs sysfs "$root/sys" 2>/dev/null || true # hwloc reads the CPU topology there
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
              DEBIAN_FRONTEND=noninteractive "$@"; }
in_root apt-get update -q >"$work/apt.log" 2>&1 || { tail "$work/apt.log"; fail "apt-get update in the root"; }
in_root sh -c 'apt-get install -y -q /tmp/aslsweep_*.deb' >>"$work/apt.log" 2>&1 ||
  { tail -30 "$work/apt.log"; fail "apt-get install ./aslsweep_*.deb"; }
cp "$root"/var/cache/apt/archives/*.deb "$cache/apt-archives/" 2>/dev/null || true

in_root aslsweep --version | grep -q "^aslsweep " || fail "aslsweep --version in the root"
in_root aslsweep run -V | grep -q "^hdf5=.*(parallel)" || fail "aslsweep run -V in the root"
[ "$(in_root man -w aslsweep-run)" = /usr/share/man/man1/aslsweep-run.1.gz ] ||
  [ "$(in_root man -w aslsweep-run)" = /usr/share/man/man1/aslsweep-run.1 ] ||
  fail "man -w aslsweep-run in the root: '$(in_root man -w aslsweep-run 2>&1)'"
in_root sh -c 'cd /tmp && aslsweep validate /usr/share/aslsweep/examples/demo.yaml' | grep -q "^ok: " ||
  fail "validate of the packaged demo spec"
pass "package installs into a fresh bookworm root; --version, man -w, validate work"

# A one-rank run of the demo spec cut to its smallest: one strategy, Nav,
# M0 setting and model, one epoch.
in_root sh -c 'cd /tmp && OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 240 \
  aslsweep run /usr/share/aslsweep/examples/demo.yaml --out /tmp/demo-run --progress none \
  sweep.strategy=windowed sweep.nav=4 sweep.m0=off sweep.model=identity train.epochs=1' \
  >"$work/run.log" 2>&1 || { tail -20 "$work/run.log"; fail "1-rank run of the packaged demo"; }
grep -q " 0 failed, 0 pending" "$work/run.log" || { cat "$work/run.log"; fail "run left jobs undone"; }
[ -s "$root/tmp/demo-run/results.h5" ] || fail "no results.h5 from the run"
pass "1-rank run of the packaged demo spec in the root"
unmount_under "$work"
rm -rf "$work"
