#!/usr/bin/env bash
# The demo's verdict: examples/demo.yaml run under mpirun, then, in every cell
# of its ablation (every strategy x Nav x M0 of the sweep, mean over the test
# subjects), the U-Net must beat both the un-denoised input (identity) and the
# Gaussian with its per-fold tuned sigma: higher SSIM and PSNR, lower NMAE.
#   demo_ordering.sh NRANKS
# Needs ASLSWEEP in the environment (set by ctest).
. "$(dirname "$0")/lib.sh"
n=$1
spec="$(cd "$(dirname "$0")/../.." && pwd)/examples/demo.yaml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mpirun -n "$n" "$ASLSWEEP" run "$spec" --out "$work/d" --progress lines > "$work/out" 2>&1 ||
  { tail -20 "$work/out"; fail "demo run"; }
"$ASLSWEEP" status "$work/d" > "$work/status" || { cat "$work/status"; fail "status: not all done"; }
"$ASLSWEEP" export "$work/d/results.h5" --format csv -o "$work/all.csv" || fail "export"
"$ASLSWEEP" table "$work/d/results.h5" --metric all

# Columns of the export: experiment strategy nav m0 snr_group model subject
# fold stage metric value ...
awk -F, -v want_n=6 '
  NR == 1 { next }
  $1 == "main" && $9 == "denoised" {
    cell = $2 " nav=" $3 " m0=" $4
    k = cell SUBSEP $6 SUBSEP $10
    sum[k] += $11; cnt[k]++
    cells[cell] = 1; models[$6] = 1; metrics[$10] = 1
  }
  END {
    bad = 0; ncell = 0
    if (!("unet3d" in models) || !("identity" in models) || !("gaussian" in models)) {
      print "FAIL: the cube lacks one of unet3d, identity, gaussian"; exit 1
    }
    split("ssim psnr nmae", ms, " ")
    for (c in cells) {
      ncell++
      for (i = 1; i <= 3; i++) {
        m = ms[i]
        for (mod in models)
          if (cnt[c, mod, m] != want_n) {
            printf "FAIL: %s %s %s: %d subjects, want %d\n", c, mod, m, cnt[c, mod, m], want_n
            bad = 1
          }
        u = sum[c, "unet3d", m] / want_n
        id = sum[c, "identity", m] / want_n
        g = sum[c, "gaussian", m] / want_n
        lower = (m == "nmae")
        ok = lower ? (u < id && u < g) : (u > id && u > g)
        printf "%-30s %-5s unet3d %8.4f identity %8.4f gaussian %8.4f %s\n", c, m, u, id, g,
               ok ? "ok" : "FAIL"
        if (!ok) bad = 1
      }
    }
    if (ncell < 4) { printf "FAIL: %d cells, want at least 4\n", ncell; bad = 1 }
    exit bad
  }' "$work/all.csv" || fail "the U-Net does not beat identity and gaussian in every cell"
echo "demo ordering: ok"
