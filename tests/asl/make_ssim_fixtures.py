#!/usr/bin/python3
"""Writes tests/asl/fixtures/ssim_*.bin: volume pairs with the SSIM, PSNR and
NMAE that scikit-image / numpy give for them, for test_ssim_fixtures.c.

Run with the Debian Python that has scikit-image:
    /usr/bin/python3 tests/asl/make_ssim_fixtures.py

File layout (little-endian):
    char[8]  "ASLSSIM1"
    int32    nx, ny, nz, has_mask
    float64  ssim, psnr, nmae        (expected values)
    float32  ref[nz][ny][nx], pred[nz][ny][nx], mask[nz][ny][nx] if has_mask
Volumes are stored x fastest, as asl_vol frames. The expected values are
computed in float64 from the stored float32 voxels:
    both volumes set to 0 outside the mask, R = max-min of ref inside it,
    structural_similarity(ref, pred, gaussian_weights=True, sigma=1.5,
                          use_sample_covariance=False, data_range=R)
    psnr = 10 log10(R^2 / mean((pred-ref)^2 in mask))
    nmae = mean(|pred-ref| in mask) / mean(|ref| in mask)
"""
import os
import struct

import numpy as np
from scipy import ndimage
from skimage.metrics import structural_similarity

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")


def perfusion_like(rng, shape, negative=False):
    """A smooth positive map with tissue-like contrast (float32)."""
    base = ndimage.gaussian_filter(rng.standard_normal(shape), 2.0)
    base = (base - base.min()) / (base.max() - base.min())
    vol = 20.0 + 60.0 * base
    if negative:
        vol -= 45.0  # difference images dip below zero
    return vol.astype(np.float32)


def brain_mask(shape):
    z, y, x = np.indices(shape, dtype=np.float64)
    c = [(s - 1) / 2 for s in shape]
    r = sum(((a - ca) / (0.42 * s)) ** 2 for a, ca, s in zip((z, y, x), c, shape))
    return (r <= 1.0).astype(np.float32)


def expected(ref, pred, mask):
    r = ref.astype(np.float64)
    p = pred.astype(np.float64)
    m = np.ones(r.shape, bool) if mask is None else mask != 0
    rng_ = r[m].max() - r[m].min()
    rz, pz = np.where(m, r, 0.0), np.where(m, p, 0.0)
    ssim = structural_similarity(rz, pz, gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False, data_range=rng_)
    mse = np.mean((p[m] - r[m]) ** 2)
    psnr = 10 * np.log10(rng_ ** 2 / mse)
    nmae = np.mean(np.abs(p[m] - r[m])) / np.mean(np.abs(r[m]))
    return ssim, psnr, nmae


def write(name, ref, pred, mask=None):
    nz, ny, nx = ref.shape
    ssim, psnr, nmae = expected(ref, pred, mask)
    path = os.path.join(OUT, f"ssim_{name}.bin")
    with open(path, "wb") as f:
        f.write(b"ASLSSIM1")
        f.write(struct.pack("<4i3d", nx, ny, nz, int(mask is not None), ssim, psnr, nmae))
        for a in (ref, pred) + (() if mask is None else (mask,)):
            f.write(np.ascontiguousarray(a, dtype="<f4").tobytes())
    print(f"{path}: {nx}x{ny}x{nz} ssim={ssim:.9f} psnr={psnr:.6f} nmae={nmae:.6f}")


def noisy(rng, ref, sigma):
    return (ref + sigma * rng.standard_normal(ref.shape)).astype(np.float32)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261125)
    # Shapes are (nz, ny, nx). Sides from the minimum (11) to the real
    # 64x57x16 ASL matrix; odd, even and unequal sides.
    ref = perfusion_like(rng, (11, 11, 11))
    write("cube11", ref, noisy(rng, ref, 8.0))
    ref = perfusion_like(rng, (12, 17, 13))
    write("odd_13x17x12_mask", ref, noisy(rng, ref, 5.0), brain_mask(ref.shape))
    ref = perfusion_like(rng, (15, 11, 19), negative=True)
    write("negative_19x11x15", ref, noisy(rng, ref, 10.0))
    ref = perfusion_like(rng, (14, 20, 24))
    pred = ndimage.gaussian_filter(noisy(rng, ref, 6.0), 0.8).astype(np.float32)
    write("smoothed_24x20x14_mask", ref, pred, brain_mask(ref.shape))
    ref = perfusion_like(rng, (16, 57, 64))
    write("asl_64x57x16", ref, noisy(rng, ref, 4.0))
    # scikit-image refuses volumes with a side under the 11-voxel window;
    # asl_metrics_ctx_init refuses them too (checked in the C test).
    try:
        a = np.zeros((10, 12, 12))
        structural_similarity(a, a, gaussian_weights=True, sigma=1.5,
                              use_sample_covariance=False, data_range=1.0)
        raise SystemExit("scikit-image accepted a side of 10; update the C refusal")
    except ValueError:
        pass


if __name__ == "__main__":
    main()
